"""Benchmark: generate + load the demo at several sizes on SQLite, against a raw baseline.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_demo.py --sizes 10000 50000``

For each size it runs ``generate_demo`` into a fresh SQLite file and, in the same run, a
baseline: plain ``sqlite3`` ``executemany`` of the same number of ready-made rows into the same
(migrated, indexed) ``interactions`` table. It prints one JSON document with rows/s, the ratio
to the baseline, the time split (generate / load) and a linear extrapolation to 1,000,000
people (every stage is chunked per 10,000 people, so cost grows linearly with size).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _baseline(path: Path, n_rows: int) -> float:
    """Rows/s of raw sqlite3 executemany of ``n_rows`` interaction-shaped tuples."""
    from chamba.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    sql = (
        "INSERT INTO interactions (person_id, person_key, subject_type, subject_id, kind, reason,"
        " position, score, model_version, context, occurred_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    )
    rows = [
        (None, f"{(i // 20) * 2654435761 % 2**128:032x}", "job", i % 50_000, "shown", None,
         1 + i % 5, 0.5, "baseline", '{"session": "1-1"}',
         f"2025-{1 + i % 6:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00.000000")
        for i in range(n_rows)
    ]  # fmt: skip
    started = time.perf_counter()
    for k in range(0, n_rows, 20_000):
        con.executemany(sql, rows[k : k + 20_000])
        con.commit()
    seconds = time.perf_counter() - started
    con.close()
    return n_rows / seconds


def run(size: int, seed: int, folder: Path) -> dict[str, Any]:
    from chamba.db import make_engine, migrate
    from chamba.demo.generator import generate_demo
    from chamba.demo.sample_catalogue import install_sample_catalogue

    engine = make_engine(f"sqlite:///{folder / f'demo_{size}.db'}")
    migrate(engine)
    with engine.begin() as conn:  # only used if the built-in catalogue cannot be loaded
        install_sample_catalogue(conn)
    report = generate_demo(engine, size=size, seed=seed, out_dir=folder / f"gt_{size}")
    engine.dispose()
    rows = report.rows
    baseline = _baseline(folder / f"baseline_{size}.db", rows)
    rate = rows / report.seconds
    per_person = report.seconds / size
    return {
        "size": size,
        "rows": rows,
        "counts": report.counts,
        "seconds": round(report.seconds, 2),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "rows_per_s": round(rate),
        "baseline_raw_sqlite_rows_per_s": round(baseline),
        "ratio_to_baseline": round(rate / baseline, 3),
        "extrapolated_1m_people_minutes": round(per_person * 1_000_000 / 60, 1),
    }


def run_postgres(url: str, size: int, seed: int, folder: Path) -> dict[str, Any]:
    """generate_demo (reset=True) on PostgreSQL, loaded with COPY."""
    from chamba.db import make_engine, migrate
    from chamba.demo.generator import generate_demo

    engine = make_engine(url)
    migrate(engine)
    report = generate_demo(engine, size=size, seed=seed, out_dir=folder / f"pg_{size}", reset=True)
    engine.dispose()
    return {
        "size": size,
        "rows": report.rows,
        "seconds": round(report.seconds, 2),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "rows_per_s": round(report.rows / report.seconds),
        "extrapolated_1m_people_minutes": round(report.seconds / size * 1_000_000 / 60, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres-url", help="also time generate+load on this (empty, migratable) PostgreSQL"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chamba-bench-demo-"))
    os.environ.setdefault("CHAMBA_DATA_DIR", str(folder))
    results = [run(size, args.seed, folder) for size in args.sizes]
    doc: dict[str, Any] = {"benchmark": "demo_generate_and_load", "backend": "sqlite",
                           "results": results}  # fmt: skip
    if args.postgres_url:
        doc["postgresql"] = [run_postgres(args.postgres_url, s, args.seed, folder)
                             for s in args.sizes]  # fmt: skip
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")  # a benchmark may use the placeholder secret
    main()
