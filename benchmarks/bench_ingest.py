"""Benchmark: importing job rows from CSV, against a same-run baseline of raw sqlite3 inserts.

Prints JSON: seconds and rows/s for a first import and a re-import of N rows into a fresh SQLite
database, and the ratio to inserting the same number of rows with sqlite3 executemany.
Usage: python benchmarks/bench_ingest.py [N]
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def main(n: int) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="chamba-bench-ingest-"))
    os.environ.setdefault("CHAMBA_DATA_DIR", str(tmp))
    os.environ.setdefault("CHAMBA_SECRET_KEY", "bench-secret-key-0123456789abcdef01234567")
    from chamba.api.app import prepare_database
    from chamba.db import make_engine, session_scope
    from chamba.ingest.service import import_file

    path = tmp / "jobs.csv"
    places = ["La Victoria, Lima", "Santiago, Ica", "Cayma, Arequipa", "Wanchaq, Cusco"]
    lines = ["id,titulo,empresa,ubicacion,sueldo_min,sueldo_max,horas,habilidades"]
    lines += [
        f'j{i},Operario {i},Empresa {i % 50},"{places[i % 4]}",1130,{1200 + i % 500},48,'
        "atención al cliente"
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    prepare_database(engine)

    start = time.perf_counter()
    with session_scope(engine) as session:
        report = import_file(session, "jobs", path)
    first = time.perf_counter() - start
    start = time.perf_counter()
    with session_scope(engine) as session:
        again = import_file(session, "jobs", path)
    second = time.perf_counter() - start

    raw = sqlite3.connect(tmp / "raw.db")
    raw.execute("CREATE TABLE t (id TEXT, title TEXT, org TEXT, place TEXT, a INT, b INT, h INT)")
    start = time.perf_counter()
    raw.executemany(
        "INSERT INTO t VALUES (?,?,?,?,?,?,?)",
        [
            (f"j{i}", f"Operario {i}", f"Empresa {i % 50}", places[i % 4], 1130, 1200, 48)
            for i in range(n)
        ],
    )
    raw.commit()
    baseline = time.perf_counter() - start
    return {
        "benchmark": "ingest_jobs_csv_sqlite",
        "rows": n,
        "created": report.created,
        "unchanged_on_reimport": again.unchanged,
        "import_seconds": round(first, 3),
        "import_rows_per_s": round(n / first),
        "reimport_seconds": round(second, 3),
        "baseline_raw_sqlite_seconds": round(baseline, 4),
        "ratio_import_to_raw_insert": round(first / baseline, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), indent=2))
