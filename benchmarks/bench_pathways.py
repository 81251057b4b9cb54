"""Benchmark: pathway planning by integer program (serving) vs. branch-and-bound and greedy.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_pathways.py [--size 3000 --pairs 200]``

Two parts, one JSON object:

* ``demo``: the demo Peru (``size`` people) in a fresh SQLite file; ``pairs`` random
  (person, occupation) pairs planned three times in the same run with each person's default
  constraints: ``method="milp"`` (what serves), ``"exact"`` (branch-and-bound, the reference
  optimum) and ``"greedy"`` (the old fallback). Latency p50/p99 of each and how often the
  MILP's objective differs from the exact one (it must not).
* ``budgeted``: ``--cases`` random covering problems with budgets, 26-80 candidate courses and
  3-12 skills to cover (the sizes where the old planner fell back to greedy): how often greedy
  picks a dearer plan than the MILP (median and worst ratio), how often greedy says "over
  budget" while the MILP finds a fitting plan, and the MILP's solve time; plus ``--small``
  problems of 1-9 courses where branch-and-bound checks that the MILP is optimal.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from chamba.matching.pathways.schemas import Method


def _problem(rng: random.Random, courses: tuple[int, int], skills: tuple[int, int]) -> Any:
    from chamba.matching.pathways.solver import Candidate

    full = (1 << rng.randint(*skills)) - 1
    cands = []
    for _ in range(rng.randint(*courses)):
        mask = 0
        for _ in range(rng.randint(1, 3)):
            mask |= 1 << rng.randrange(full.bit_length())
        cost = rng.randint(0, 500) * 100
        cands.append(Candidate(mask, cost, cost + 500 * rng.randint(1, 80), rng.random()))
    return full, cands


def _budgeted(cases: int, small: int, seed: int) -> dict[str, Any]:
    from chamba.matching.pathways.solver import solve_exact, solve_greedy_within_budget, solve_milp

    rng = random.Random(seed)
    ratios: list[float] = []
    greedy_missed = milp_found = 0
    milp_ms: list[float] = []
    for _ in range(cases):
        full, cands = _problem(rng, (26, 80), (3, 12))
        money = sum(sorted(c.cost_cents for c in cands)[: full.bit_length()])
        budget = int(money * rng.choice([0.5, 0.8, 1.2, 2.0]))
        t = time.perf_counter()
        best = solve_milp(full, cands, budget)
        milp_ms.append((time.perf_counter() - t) * 1000)
        greedy = solve_greedy_within_budget(full, cands, budget)
        if best is None:
            continue
        milp_found += 1
        if greedy is None:
            greedy_missed += 1
            continue
        opt = sum(cands[i].objective_cents for i in best)
        ratios.append(sum(cands[i].objective_cents for i in greedy) / max(opt, 1))
    agree = 0
    for _ in range(small):
        full, cands = _problem(rng, (1, 9), (1, 5))
        cap = rng.choice([None, 30_000, 60_000])
        a, b = solve_milp(full, cands, cap), solve_exact(full, cands, cap)
        if a is None or b is None:
            agree += a is None and b is None
        else:
            agree += sum(cands[i].objective_cents for i in a) == sum(
                cands[i].objective_cents for i in b
            )
    worse = [r for r in ratios if r > 1 + 1e-9]
    return {
        "cases": cases,
        "milp_found_plan": milp_found,
        "greedy_said_over_budget_but_milp_fits": greedy_missed,
        "greedy_dearer": len(worse),
        "greedy_over_milp_objective": {
            "median_when_dearer": round(float(np.median(worse)), 4) if worse else None,
            "worst": round(float(max(worse)), 4) if worse else None,
        },
        "milp_ms": {
            "p50": round(float(np.percentile(milp_ms, 50)), 2),
            "p99": round(float(np.percentile(milp_ms, 99)), 2),
        },  # fmt: skip
        "small_cases": small,
        "small_milp_equals_branch_and_bound": agree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--cases", type=int, default=184)
    parser.add_argument("--small", type=int, default=200)
    args = parser.parse_args()

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from chamba.api.app import prepare_database
    from chamba.db import make_engine
    from chamba.demo.common import REFERENCE_DATE
    from chamba.demo.generator import generate_demo
    from chamba.matching.pathways import planner as pathways
    from chamba.matching.pathways import solver
    from chamba.people.models import Person
    from chamba.taxonomy.models import Occupation

    sizes: list[int] = []
    real_milp = solver.solve_milp

    def counting_milp(full: int, cands: Any, budget: Any) -> Any:
        sizes.append(len(cands))
        return real_milp(full, cands, budget)

    vars(pathways)["solve_milp"] = counting_milp  # the planner calls it by this name

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
            times: dict[str, list[float]] = {"milp": [], "exact": [], "greedy": []}
            status: dict[str, int] = {}
            obj_ratio: list[float] = []
            cost_ratio: list[float] = []
            milp_off = 0
            for person_id, occ in pairs:
                plans = {}
                methods: tuple[Method, ...] = ("milp", "exact", "greedy")
                for method in methods:
                    t = time.perf_counter()
                    plans[method] = pathways.plan_pathway(
                        session, person_id, occupation_id=occ, method=method,
                        as_of=REFERENCE_DATE,
                    )  # fmt: skip
                    times[method].append((time.perf_counter() - t) * 1000)
                ex, gr, mi = plans["exact"], plans["greedy"], plans["milp"]
                status[mi.status] = status.get(mi.status, 0) + 1
                milp_off += mi.status != ex.status or (
                    mi.status == "planned" and mi.objective != ex.objective
                )
                if ex.status == "planned" and gr.status == "planned":
                    obj_ratio.append(float(gr.objective) / float(ex.objective))
                    if ex.total_cost > 0:
                        cost_ratio.append(float(gr.total_cost) / float(ex.total_cost))
        engine.dispose()

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 2)

    out = {
        "benchmark": "pathways",
        "milp_ms": {"p50": pct(times["milp"], 50), "p99": pct(times["milp"], 99)},
        "milp_differs_from_exact": milp_off,
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
        },
        "budgeted": _budgeted(args.cases, args.small, args.seed),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")  # a benchmark may use the placeholder secret
    main()
