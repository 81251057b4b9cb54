"""Benchmark: rule-based job ranking against BM25 and embedding-only baselines, on the demo.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_ranking.py [--size 2000] [--people 200]``

It generates the demo Peru (``generate_demo``, fixed seed) into a temporary SQLite file, builds
the vector indexes (multilingual USE by default; ``--encoder hash`` for a fast bag-of-words
stand-in), samples people, and for each person ranks **all** their hard-filtered jobs
(:func:`chamba.matching.filters.filter_jobs` at the demo's reference date) three ways:

- ``rule_based``: :class:`~chamba.matching.scoring.RuleBasedScorer` over
  :func:`~chamba.matching.features.job_features`;
- ``bm25``: ``bm25s`` over job texts (title, skills, description) with the person's
  self-description plus skill labels as the query;
- ``embedding``: cosine of the person's and the job's vectors alone.

Relevance is the hidden noise-free utility (:func:`chamba.demo.ground_truth`), which no ranker
sees. Per person, over their candidates: graded gain for NDCG@10 = 3 for utility at or above
the 90th percentile, 2 for the 70th, 1 for the 50th, else 0; *relevant* for Recall@10 and MRR =
utility at or above the 90th percentile. People with fewer than ``--min-candidates`` filtered
jobs are skipped (a ranking of 3 jobs says little). One JSON object is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("CHAMBA_ENV", "test")
os.environ.setdefault("CHAMBA_SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")


class HashEncoder:
    """Deterministic hashed bag of words, 256-d, L2-normalised (a fast stand-in for USE)."""

    model_id = "hash-bow-256"
    dim = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)  # (n, 1)
        unit: np.ndarray = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
        return unit


def _gains(utility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Graded gains (0..3) and the relevant mask (top decile) from utilities. (n,), (n,)"""
    p50, p70, p90 = np.percentile(utility, [50, 70, 90])
    gains = np.select([utility >= p90, utility >= p70, utility >= p50], [3.0, 2.0, 1.0], 0.0)
    return gains, utility >= p90


def _metrics(scores: np.ndarray, ids: np.ndarray, gains: np.ndarray, relevant: np.ndarray,
             k: int = 10) -> tuple[float, float, float]:  # fmt: skip
    order = np.lexsort((ids, -scores))  # best first, ties by id (same rule as the service)
    g = gains[order]
    discount = 1.0 / np.log2(np.arange(2, g.size + 2))
    dcg = float(((2 ** g[:k] - 1) * discount[:k]).sum())
    ideal = np.sort(gains)[::-1]
    idcg = float(((2 ** ideal[:k] - 1) * discount[:k]).sum())
    ndcg = dcg / idcg if idcg > 0 else 0.0
    rel = relevant[order]
    recall = float(rel[:k].sum() / max(1, relevant.sum()))
    first = np.flatnonzero(rel)
    mrr = 1.0 / (first[0] + 1) if first.size else 0.0
    return ndcg, recall, mrr


def run(size: int, n_people: int, seed: int, encoder_name: str, min_candidates: int,
        folder: Path, dump: Path | None = None) -> dict[str, Any]:  # fmt: skip
    import bm25s
    from sqlalchemy import select
    from sqlalchemy.orm import Session, selectinload

    from chamba.db import make_engine, migrate
    from chamba.demo.common import REFERENCE_DATE
    from chamba.demo.generator import generate_demo
    from chamba.demo.ground_truth import job_arrays, load_ground_truth, person_arrays
    from chamba.demo.sample_catalogue import install_sample_catalogue
    from chamba.jobs.models import Job, JobStatus
    from chamba.matching.context import FeatureContext
    from chamba.matching.embeddings import build_indexes, job_texts
    from chamba.matching.features import JOB_FEATURES, job_features
    from chamba.matching.filters import JobFilter, filter_jobs
    from chamba.matching.repository import skill_labels
    from chamba.matching.scoring import get_scorer
    from chamba.nlp.encoder import get_encoder
    from chamba.people.models import Person

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate(engine)
    with engine.begin() as conn:
        install_sample_catalogue(conn)
    generate_demo(engine, size=size, seed=seed, out_dir=folder / "gt")
    gt = load_ground_truth(folder / "gt")
    timings["demo"] = time.perf_counter() - t0

    encoder = HashEncoder() if encoder_name == "hash" else get_encoder()
    scorer = get_scorer("jobs")
    sem = JOB_FEATURES.index("semantic")
    per: dict[str, list[tuple[float, float, float]]] = {
        "rule_based": [],
        "bm25": [],
        "embedding": [],
    }
    n_candidates: list[int] = []
    dumped: dict[str, list[np.ndarray]] = {"X": [], "ids": [], "gains": [], "person": []}
    with Session(engine) as session:
        t = time.perf_counter()
        indexes = build_indexes(session, encoder)
        timings["index"] = time.perf_counter() - t

        t = time.perf_counter()
        open_jobs = list(
            session.scalars(
                select(Job).where(Job.status == JobStatus.OPEN).options(selectinload(Job.skills))
                .order_by(Job.id)
            )
        )  # fmt: skip
        row_of = {j.id: k for k, j in enumerate(open_jobs)}
        corpus = bm25s.tokenize(job_texts(session, open_jobs), stopwords=None, show_progress=False)
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        jarr = job_arrays(gt, open_jobs)
        timings["bm25_index"] = time.perf_counter() - t

        people = list(
            session.scalars(select(Person).options(selectinload(Person.skills)).order_by(Person.id))
        )
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(people))
        labels = skill_labels(session, {s.skill_id for p in people for s in p.skills})
        t = time.perf_counter()
        for k in order:
            if len(n_candidates) >= n_people:
                break
            person = people[int(k)]
            flt = JobFilter.for_person(person, now=REFERENCE_DATE)
            filtered = filter_jobs(session, flt)
            if len(filtered) < min_candidates:
                continue
            jobs = [open_jobs[row_of[int(i)]] for i in filtered.ids]
            ids = filtered.ids
            # hidden relevance
            parr = person_arrays(gt, [person])
            ji = np.array([row_of[int(i)] for i in ids], dtype=np.int64)
            terms = gt.job_terms(parr, jarr, np.zeros_like(ji), ji)
            utility = np.sum(list(terms.values()), axis=0)  # (n,)
            gains, relevant = _gains(utility)
            # (a) rule-based
            ctx = FeatureContext(session, indexes, REFERENCE_DATE)
            X = job_features(ctx, person, jobs)  # (n, n_features)
            per["rule_based"].append(_metrics(scorer.score(X), ids, gains, relevant))
            if dump is not None:
                dumped["X"].append(X)
                dumped["ids"].append(np.asarray(ids, dtype=np.int64))
                dumped["gains"].append(gains)
                dumped["person"].append(np.full(len(ids), len(n_candidates), dtype=np.int64))
            # (b) BM25
            words = [labels[s.skill_id][0] for s in person.skills if s.skill_id in labels]
            query = " ".join([person.self_description or "", *words])
            tokens = bm25s.tokenize([query], stopwords=None, show_progress=False, return_ids=False)
            all_scores = bm25.get_scores(tokens[0]) if tokens and tokens[0] else np.zeros(
                len(open_jobs)
            )  # fmt: skip
            per["bm25"].append(_metrics(np.asarray(all_scores)[ji], ids, gains, relevant))
            # (c) embedding similarity alone
            per["embedding"].append(_metrics(X[:, sem], ids, gains, relevant))
            n_candidates.append(len(ids))
        timings["rank_and_evaluate"] = time.perf_counter() - t
    engine.dispose()
    if dump is not None and n_candidates:
        arrays = {k: np.concatenate(v) for k, v in dumped.items()}
        np.savez_compressed(dump, allow_pickle=True, features=np.array(JOB_FEATURES), **arrays)

    summary = {
        name: dict(
            zip(
                ("ndcg@10", "recall@10", "mrr"),
                [round(float(v), 4) for v in np.asarray(rows, dtype=np.float64).mean(axis=0)],
                strict=True,
            )
        )  # fmt: skip
        for name, rows in per.items()
    }
    ratios = {
        base: {
            m: round(summary["rule_based"][m] / summary[base][m], 3) if summary[base][m] else None
            for m in ("ndcg@10", "recall@10", "mrr")
        }
        for base in ("bm25", "embedding")
    }
    beats = all(
        summary["rule_based"][m] > summary[b][m]
        for b in ("bm25", "embedding")
        for m in ("ndcg@10", "recall@10", "mrr")
    )
    return {
        "benchmark": "job ranking vs hidden utility",
        "size": size,
        "seed": seed,
        "encoder": encoder.model_id,
        "scorer": scorer.version,
        "people_evaluated": len(n_candidates),
        "min_candidates": min_candidates,
        "candidates_per_person": {
            "mean": round(float(np.mean(n_candidates)), 1) if n_candidates else 0,
            "median": float(np.median(n_candidates)) if n_candidates else 0,
        },
        "relevance": "graded gain 3/2/1/0 at utility percentiles 90/70/50 among the person's "
        "filtered jobs; relevant = top decile",
        "metrics": summary,
        "ratio_rule_based_to": ratios,
        "rule_based_beats_both": beats,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", choices=("use", "hash"), default="use")
    parser.add_argument("--min-candidates", type=int, default=10)
    parser.add_argument(
        "--dump", type=Path, default=None, help="write features and gains (.npz) for analysis"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chamba-bench-ranking-") as tmp:
        os.environ.setdefault("CHAMBA_DATA_DIR", str(Path(tmp) / "data"))
        result = run(
            args.size, args.people, args.seed, args.encoder, args.min_candidates, Path(tmp),
            args.dump,
        )  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0 if result["rule_based_beats_both"] else 1


if __name__ == "__main__":
    sys.exit(main())
