"""Benchmark: pathway planning latency, exact branch-and-bound against the greedy cover.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_pathways.py [--size 3000 --pairs 200]``

Generates the demo Peru (``size`` people) into a fresh SQLite file, draws ``pairs`` random
(person, occupation) pairs and plans each twice in the same run: ``method="exact"`` (the
optimum) and ``method="greedy"`` (the baseline). Constraints are each person's defaults
without a budget (greedy ignores budgets while choosing, so a budget would compare unlike
things). Prints one JSON object: latency p50/p99 (ms) of each, their time ratio, and over the
pairs both planned, the mean and worst ratio greedy/optimal of the objective (cost + λ·hours)
and of the money spent, plus how large candidate sets were after pruning.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from chamba.api.app import prepare_database
    from chamba.db import make_engine
    from chamba.demo.generator import REFERENCE_DATE, generate_demo
    from chamba.matching import pathways
    from chamba.people.models import Person
    from chamba.taxonomy.models import Occupation

    sizes: list[int] = []
    real_exact = pathways.solve_exact

    def counting_exact(full: int, cands: Any, budget: Any) -> Any:
        sizes.append(len(cands))
        return real_exact(full, cands, budget)

    pathways.solve_exact = counting_exact  # type: ignore[assignment]

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        prepare_database(engine)
        t0 = time.perf_counter()
        generate_demo(engine, size=args.size, out_dir=Path(tmp) / "gt")
        gen_s = time.perf_counter() - t0
        rng = random.Random(args.seed)
        with Session(engine) as session:
            people = list(session.scalars(select(Person.id)))
            occupations = list(session.scalars(select(Occupation.id)))
            pairs = [(rng.choice(people), rng.choice(occupations)) for _ in range(args.pairs)]
            # warm up (gazetteer, demand index cache, statement cache)
            pathways.plan_pathway(session, pairs[0][0], occupation_id=pairs[0][1],
                                  as_of=REFERENCE_DATE)  # fmt: skip
            sizes.clear()
            times: dict[str, list[float]] = {"exact": [], "greedy": []}
            status: dict[str, int] = {}
            obj_ratio: list[float] = []
            cost_ratio: list[float] = []
            for person_id, occ in pairs:
                plans = {}
                for method in ("exact", "greedy"):
                    t = time.perf_counter()
                    plans[method] = pathways.plan_pathway(
                        session, person_id, occupation_id=occ, method=method,  # type: ignore[arg-type]
                        as_of=REFERENCE_DATE,
                    )  # fmt: skip
                    times[method].append((time.perf_counter() - t) * 1000)
                ex, gr = plans["exact"], plans["greedy"]
                status[ex.status] = status.get(ex.status, 0) + 1
                if ex.status == "planned" and gr.status == "planned":
                    obj_ratio.append(float(gr.objective) / float(ex.objective))
                    if ex.total_cost > 0:
                        cost_ratio.append(float(gr.total_cost) / float(ex.total_cost))
        engine.dispose()

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 2)

    out = {
        "benchmark": "pathways",
        "size": args.size,
        "pairs": args.pairs,
        "generate_s": round(gen_s, 1),
        "status": status,
        "exact_ms": {"p50": pct(times["exact"], 50), "p99": pct(times["exact"], 99)},
        "greedy_ms": {"p50": pct(times["greedy"], 50), "p99": pct(times["greedy"], 99)},
        "time_ratio_greedy_over_exact": round(
            float(np.mean(times["greedy"])) / float(np.mean(times["exact"])), 3
        ),
        "planned_by_both": len(obj_ratio),
        "objective_ratio_greedy_over_optimal": {
            "mean": round(float(np.mean(obj_ratio)), 4) if obj_ratio else None,
            "max": round(float(np.max(obj_ratio)), 4) if obj_ratio else None,
            "share_worse": round(float(np.mean([r > 1 + 1e-9 for r in obj_ratio])), 4)
            if obj_ratio
            else None,
        },
        "money_ratio_greedy_over_optimal_mean": round(float(np.mean(cost_ratio)), 4)
        if cost_ratio
        else None,
        "candidates_after_pruning": {
            "mean": round(float(np.mean(sizes)), 1) if sizes else None,
            "max": int(max(sizes)) if sizes else None,
            "share_over_exact_limit": round(
                float(np.mean([s > pathways.EXACT_LIMIT for s in sizes])), 4
            )
            if sizes
            else None,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
