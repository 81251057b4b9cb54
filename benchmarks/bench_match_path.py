"""Benchmark the match path in-process: jobs for a person and candidates for a job, with and
without the job-side :class:`~chamba.matching.feature_cache.FeatureCache`, against the raw
vector search in the same run. Prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_match_path.py [--size 3000] [--data-dir DIR]
        [--people 40] [--jobs 20] [--rounds 3]

Data: ``--data-dir`` reuses a data directory made by ``benchmarks/bench_scale.py --keep`` (or
``chamba demo``; its ``chamba.db`` and saved indexes); otherwise the demo of ``--size`` people is
generated into a temporary SQLite file and indexed with bench_scale's stand-in encoder (same
model id and dimension as the product's; see that file for why).

For a fixed random sample of people (and jobs), every mode runs once as warm-up and then
``--rounds`` times, interleaved (so load from other processes hits every mode alike):

* ``vector_search``: the raw ``indexes.jobs.search(person_vector, k=300)`` (``people`` index
  for candidates) — the floor of a request;
* ``uncached``: :func:`~chamba.matching.service.jobs_for_person` with indexes that carry no
  cache: everything job-side is read from SQL on every call (the behaviour before the cache);
* ``cached``: the same call with the store's cache, warm.

BLAS runs single-threaded, as in the server. Each mode reports per-call p50/p99/mean ms;
``speedup`` is uncached/cached mean. ``identical``
says whether every cached page equals the uncached page of the same person (items, scores,
features and explanations), which the cache must guarantee.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "calls": len(ms),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _prepare(args: argparse.Namespace) -> tuple[Path, Path | None]:
    if args.data_dir is not None:
        return args.data_dir, None
    tmp = Path(tempfile.mkdtemp(prefix="chamba-bench-match-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_scale import load_and_index

    os.environ["CHAMBA_DATA_DIR"] = str(tmp)
    os.environ["CHAMBA_DATABASE_URL"] = f"sqlite:///{tmp / 'chamba.db'}"
    load_and_index(os.environ["CHAMBA_DATABASE_URL"], tmp, args.size, args.seed)
    return tmp, tmp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("CHAMBA_ENV", "development")  # the demo's placeholder secret
    data_dir, cleanup = _prepare(args)
    os.environ["CHAMBA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CHAMBA_DATABASE_URL", f"sqlite:///{data_dir / 'chamba.db'}")
    try:
        doc = run(data_dir, args)
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


def run(data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select

    from chamba.api.app import prepare_database
    from chamba.config import get_settings
    from chamba.db import make_engine, session_factory, utcnow
    from chamba.jobs.models import Job, JobStatus
    from chamba.matching.schemas import JobsRequest
    from chamba.matching.service import candidates_for_job, jobs_for_person
    from chamba.matching.store import IndexStore
    from chamba.nlp.encoder import get_encoder, serve_blas_threads
    from chamba.people.models import Person

    serve_blas_threads()  # as the server does (see chamba.nlp.encoder.serve_blas_threads)
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    prepare_database(engine)  # a kept data directory may predate the newest migration
    factory = session_factory(engine)
    store = IndexStore(data_dir, get_encoder(settings.encoder), cache=False)
    with factory() as session:
        started = time.perf_counter()
        cached = store.load_or_build(session)
        load_s = time.perf_counter() - started
        n_jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        person_ids = list(session.scalars(select(Person.id).order_by(Person.id)))
        job_ids = list(
            session.scalars(select(Job.id).where(Job.status == JobStatus.OPEN).order_by(Job.id))
        )
    rng = random.Random(args.seed)
    people = sorted(rng.sample(person_ids, min(args.people, len(person_ids))))
    jobs = sorted(rng.sample(job_ids, min(args.jobs, len(job_ids))))
    uncached = dataclasses.replace(cached, cache=None)
    now = utcnow()  # one instant for every call: freshness must not differ between modes
    people_vectors = cached.people.get(people)  # (n, dim)
    job_vectors = cached.jobs.get(jobs)  # (m, dim)

    def time_calls(call: Callable[[Any, Any], Any], keys: list[int], out: list[float]) -> list[Any]:
        results = []
        with factory() as session:
            for k, key in enumerate(keys):
                started = time.perf_counter()
                results.append(call(session, (k, key)))
                out.append((time.perf_counter() - started) * 1000)
        return results

    modes: dict[str, tuple[list[int], Callable[[Any, Any], Any]]] = {
        "jobs_for_person/vector_search": (
            people,
            lambda s, kk: cached.jobs.search(np.asarray(people_vectors[kk[0]]), 300),
        ),
        "jobs_for_person/uncached": (
            people,
            lambda s, kk: jobs_for_person(s, uncached, kk[1], JobsRequest(now=now)),
        ),
        "jobs_for_person/cached": (
            people,
            lambda s, kk: jobs_for_person(s, cached, kk[1], JobsRequest(now=now)),
        ),
        "candidates_for_job/vector_search": (
            jobs,
            lambda s, kk: cached.people.search(np.asarray(job_vectors[kk[0]]), 300),
        ),
        "candidates_for_job/uncached": (
            jobs,
            lambda s, kk: candidates_for_job(s, uncached, kk[1], now=now),
        ),
        "candidates_for_job/cached": (
            jobs,
            lambda s, kk: candidates_for_job(s, cached, kk[1], now=now),
        ),
    }
    timings: dict[str, list[float]] = {name: [] for name in modes}
    pages: dict[str, list[Any]] = {}
    for keys, call in modes.values():  # warm-up (fills the cache)
        time_calls(call, keys, [])
    for _ in range(args.rounds):
        for name, (keys, call) in modes.items():
            pages[name] = time_calls(call, keys, timings[name])
    identical = {
        kind: [p.model_dump() for p in pages[f"{kind}/cached"]]
        == [p.model_dump() for p in pages[f"{kind}/uncached"]]
        for kind in ("jobs_for_person", "candidates_for_job")
    }
    result: dict[str, Any] = {
        "data_dir": str(data_dir),
        "jobs_in_db": n_jobs,
        "indexed": {k: len(cached.of(k)) for k in ("jobs", "people", "courses")},
        "index_type": type(cached.jobs).__name__,
        "index_load_s": round(load_s, 2),
        "people": len(people),
        "jobs": len(jobs),
        "rounds": args.rounds,
        "modes": {name: _stats(ms) for name, ms in timings.items()},
        "identical": identical,
        "cache": {"jobs": len(cached.cache or ()), "hits": getattr(cached.cache, "hits", 0)},
    }
    for kind in ("jobs_for_person", "candidates_for_job"):
        before = result["modes"][f"{kind}/uncached"]["mean_ms"]
        after = result["modes"][f"{kind}/cached"]["mean_ms"]
        floor = result["modes"][f"{kind}/vector_search"]["mean_ms"]
        result[f"{kind}_speedup"] = round(before / after, 2) if after else None
        result[f"{kind}_cached_over_vector_search"] = round(after / floor, 1) if floor else None
    engine.dispose()
    return result


if __name__ == "__main__":
    main()
