"""Benchmark: full ESCO import (es + en-us v1.0, v1.1.1 relations) into fresh databases.

Prints one JSON object: for SQLite (and PostgreSQL through ``pgserver`` when installed) the
import seconds, rows per second and the ratio to a baseline measured in the same run: the time
to merely parse the same CSV files with the ``csv`` module. A re-import (idempotent, nothing
written) is timed too.

Usage: ``PYTHONPATH=src python benchmarks/bench_esco_import.py [ESCO_DIR]``
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chamba.db import make_engine, migrate, session_scope
from chamba.taxonomy.esco import import_esco

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "esco"
FILES = (
    "skills_es.csv",
    "skills_en-us.csv",
    "occupations_es.csv",
    "occupations_en-us.csv",
    "ISCOGroups_es.csv",
    "broaderRelationsSkillPillar.csv",
    "en-v1.1.1/occupationSkillRelations.csv",
)


def parse_only(esco: Path) -> tuple[float, int]:
    """Seconds to read every file of the import with csv.reader, and the rows read."""
    started = time.perf_counter()
    rows = 0
    for name in FILES:
        with (esco / name).open(encoding="utf-8-sig", newline="") as handle:
            rows += sum(1 for _ in csv.reader(handle)) - 1
    return time.perf_counter() - started, rows


def run(url: str, esco: Path, parse_seconds: float) -> dict[str, Any]:
    engine = make_engine(url)
    migrate(engine)
    try:
        timings = []
        reports = []
        for _ in range(2):
            started = time.perf_counter()
            with session_scope(engine) as session:
                report = import_esco(
                    session,
                    esco,
                    relations_file=esco / "en-v1.1.1" / "occupationSkillRelations.csv",
                )
            timings.append(time.perf_counter() - started)
            reports.append(report)
    finally:
        engine.dispose()
    first = reports[0]
    rows = (
        first.skills_created
        + first.occupations_created
        + first.relations_created
        + first.isco_groups
    )
    return {
        "import_seconds": round(timings[0], 3),
        "reimport_seconds": round(timings[1], 3),
        "rows_written": rows,
        "rows_per_second": round(rows / timings[0]),
        "ratio_import_to_parse": round(timings[0] / parse_seconds, 2),
        "skills": first.skills_created,
        "occupations": first.occupations_created,
        "relations": first.relations_created,
        "relations_skipped": first.relations_skipped,
        "reimport_changed": reports[1].changed,
    }


def main() -> None:
    esco = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    parse_seconds, parsed_rows = parse_only(esco)
    result: dict[str, Any] = {
        "baseline_parse_seconds": round(parse_seconds, 3),
        "baseline_rows_parsed": parsed_rows,
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", esco, parse_seconds)
        try:
            import pgserver
        except ImportError:
            result["postgresql"] = "skipped: pgserver not installed"
        else:
            server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
            try:
                server.psql("CREATE DATABASE bench;")
                url = server.get_uri("bench").replace("postgresql://", "postgresql+psycopg://", 1)
                result["postgresql"] = run(url, esco, parse_seconds)
            finally:
                server.cleanup()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")  # a benchmark may use the placeholder secret
    main()
