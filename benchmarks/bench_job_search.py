"""Benchmark: free-text job search, accents folded in SQL per row (old) vs. stored search text.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_job_search.py [--jobs 100000]
[--queries 40] [--postgresql] [--postgres-url URL] [--search-jobs | --search-jobs-only]
[--dump-pages PREFIX]``

It loads N jobs whose titles and descriptions are real job ads (``../shared/data/jobs-ar/*.csv``,
read at run time, cycled with a place name added to the title; synthetic Spanish texts when the
folder is absent) into a fresh, migrated SQLite file, and with ``--postgresql`` into a temporary
``pgserver`` PostgreSQL (``--postgres-url`` for an existing, empty database instead, e.g. one
whose server has ``pg_trgm``). K queries of 1-3 words, taken from the titles as people type them
(accents and capitals kept or dropped), are then run as ``GET /api/v1/jobs?q=...`` runs them:
count + first page of 20, open jobs, title hits first. Methods, alternated query by query:

* ``old`` (the baseline, kept here): ``lower()`` of 14 nested ``replace()`` of title and
  description in SQL, ``LIKE '%word%'`` on both, title hits from the folded title;
* ``new``: ``search_text LIKE '%word%'`` (trigram index on PostgreSQL where available), title
  hits from the stored ``search_title`` (what the app does);
* ``new_folded_title_score``: the same filter, title hits from the folded title (the variant
  without a ``search_title`` column), to show what that column buys.

With ``--search-jobs`` it also times what the API and the web page run today,
:func:`chamba.jobs.search.search_jobs` (lexical relevance, no similarity index; the newest
5,000 matching postings ranked in Python, first page of 20), and reports how its first pages
order the postings whose title names every query word (not place words): ``title_top1``, the
share of queries whose first result does, among those whose first page holds one;
``title_first``, the share of first pages where none of them follows a posting whose title does
not. To compare two versions of the code in one session, run this file twice with
``PYTHONPATH`` pointing at each tree's ``src`` (``--search-jobs-only`` skips the three SQL
methods; ``--dump-pages PREFIX`` writes each query's first page, to count how many first pages
the two versions give alike).

``trigram_index`` says whether the database had its substring index: PostgreSQL's ``pg_trgm``
index, or SQLite's FTS5 trigram table ``jobs_fts`` (migration ``0020``), which ``search_jobs``
reads on SQLite (the three SQL methods above always ``LIKE``).

It prints one JSON object: per backend the p50/p99 latency (ms) of each method, the ratios
old/new, and how many queries gave different results (old vs new; the stored text also folds
accents the old list missed, e.g. decomposed ones, so a few may differ on real ads).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, text
from sqlalchemy.orm import InstrumentedAttribute, Session

ADS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "jobs-ar"
NOW = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
PLACES = [
    "Lima", "Callao", "Arequipa", "Cusco", "Piura", "Chiclayo", "Trujillo", "Huánuco", "Áncash",
    "Puno", "Iquitos", "Tacna", "Ica", "Cajamarca", "Juliaca", "Ayacucho", "Pucallpa", "Tumbes",
]  # fmt: skip
PAGE = 20

Match = tuple[list[ColumnElement[bool]], ColumnElement[int] | None]

# --------------------------------------------------------------- the old method (the baseline)

_FOLD = (
    ("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o"), ("ú", "u"), ("ü", "u"), ("ñ", "n"),
    ("Á", "a"), ("É", "e"), ("Í", "i"), ("Ó", "o"), ("Ú", "u"), ("Ü", "u"), ("Ñ", "n"),
)  # fmt: skip


def folded(column: InstrumentedAttribute[str]) -> ColumnElement[str]:
    """SQL: ``column`` lower-cased with the 14 Spanish accented letters replaced (old method)."""
    expr: ColumnElement[str] = column.expression
    for accented, plain in _FOLD:
        expr = func.replace(expr, accented, plain)
    return func.lower(expr)


def old_match(words: Sequence[str]) -> Match:
    from chamba.jobs.models import Job

    ftitle, fdesc = folded(Job.title), folded(Job.description)
    conditions: list[ColumnElement[bool]] = []
    score: ColumnElement[int] | None = None
    for word in words:
        in_title = ftitle.like(f"%{word}%")
        conditions.append(or_(in_title, fdesc.like(f"%{word}%")))
        term = case((in_title, 2), else_=1)
        score = term if score is None else score + term
    return conditions, score


def new_match(words: Sequence[str]) -> Match:
    from chamba.jobs import repository
    from chamba.jobs.models import Job

    return repository.text_match(words, Job.search_title, Job.search_text)


def new_folded_title_score(words: Sequence[str]) -> Match:
    from chamba.jobs.models import Job

    ftitle = folded(Job.title)
    conditions: list[ColumnElement[bool]] = []
    score: ColumnElement[int] | None = None
    for word in words:
        conditions.append(Job.search_text.like(f"%{word}%"))
        term = case((ftitle.like(f"%{word}%"), 2), else_=1)
        score = term if score is None else score + term
    return conditions, score


METHODS: dict[str, Callable[[Sequence[str]], Match]] = {
    "old": old_match,
    "new": new_match,
    "new_folded_title_score": new_folded_title_score,
}

# ------------------------------------------------------------------------------------- data


def load_ads() -> list[tuple[str, str]]:
    """(title, description) of the real ads, or synthetic ones when the folder is absent."""
    ads: list[tuple[str, str]] = []
    for path in sorted(ADS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                title, description = (row.get("titulo") or "").strip(), row.get("descripcion")
                if title:
                    ads.append((title[:250], (description or "")[:20_000]))
    if ads:
        return ads
    trades = ["Técnico electricista", "Ayudante de cocina", "Vendedora", "Almacenero",
              "Operario de producción", "Recepcionista bilingüe", "Niñera", "Contador"]  # fmt: skip
    return [
        (t, f"{t} con experiencia. Atención al público, inglés básico, disponibilidad inmediata.")
        for t in trades
    ]


def job_rows(ads: Sequence[tuple[str, str]], n: int, rng: random.Random) -> list[dict[str, Any]]:
    from chamba.search import search_fields

    rows: list[dict[str, Any]] = []
    for i in range(n):
        title, description = ads[i % len(ads)]
        title = f"{title} - {PLACES[rng.randrange(len(PLACES))]}"
        rows.append(
            {
                "title": title,
                "description": description,
                **search_fields(title, description),
                "remote": rng.random() < 0.1,
                "schedule": [],
                "currency": "PEN",
                "openings": 1,
                "status": "open" if rng.random() < 0.9 else "closed",
                "posted_at": NOW - timedelta(minutes=rng.randrange(90 * 24 * 60)),
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return rows


def make_queries(ads: Sequence[tuple[str, str]], k: int, rng: random.Random) -> list[str]:
    """1-3 words of a title, as typed (accents/capitals kept, or dropped half the time)."""
    from chamba.text import normalize, strip_accents

    queries: list[str] = []
    while len(queries) < k:
        title = ads[rng.randrange(len(ads))][0]
        words = [w for w in title.split() if len(normalize(w)) >= 3]
        if not words:
            continue
        size = min(len(words), rng.choices([1, 2, 3], weights=[5, 3, 2])[0])
        start = rng.randrange(len(words) - size + 1)
        query = " ".join(words[start : start + size])
        queries.append(strip_accents(query).lower() if rng.random() < 0.5 else query)
    return queries


# ------------------------------------------------------------------------------------ timing


def search(session: Session, match: Callable[[Sequence[str]], Match], query: str) -> Any:
    """What the job search route runs: total + first page of open jobs, title hits first."""
    from chamba import db
    from chamba.jobs import repository
    from chamba.jobs.models import Job
    from chamba.text import normalize

    conditions, score = match(normalize(query).split()[:8])
    order: list[ColumnElement[Any]] = [Job.posted_at.desc(), Job.id.desc()]
    if score is not None:
        order.insert(0, score.desc())
    jobs, total = db.page_of(
        session, Job, [repository.open_at(NOW), *conditions], order, offset=0, limit=PAGE
    )
    return total, [j.id for j in jobs]


def time_search_jobs(session: Session, queries: Sequence[str]) -> dict[str, Any]:
    """Latency of :func:`chamba.jobs.search.search_jobs` per query and how its first pages
    order the postings whose title names every query word (see the module's doc)."""
    from chamba.jobs.schemas import JobSearch
    from chamba.jobs.search import _stem, parse_query, search_jobs
    from chamba.text import normalize

    latencies: list[float] = []
    top1 = with_title = ordered = pages = 0
    first_pages: dict[str, list[int]] = {}
    search_jobs(session, JobSearch(q=queries[0]), now=NOW)  # warm
    for query in queries:
        t0 = time.perf_counter()
        page = search_jobs(session, JobSearch(q=query), now=NOW)
        latencies.append((time.perf_counter() - t0) * 1000)
        session.expunge_all()
        first_pages[query] = [item.id for item in page.items]
        stems = [_stem(w) for w in parse_query(query).words]
        if not stems or not page.items:
            continue
        names = [all(s in normalize(item.title) for s in stems) for item in page.items]
        pages += 1
        ordered += names == sorted(names, reverse=True)
        if any(names):
            with_title += 1
            top1 += names[0]
    return {
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "pages": pages,
        "title_top1": round(top1 / with_title, 3) if with_title else None,
        "title_first": round(ordered / pages, 3) if pages else None,
        "first_pages": first_pages,
    }


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_backend(
    url: str, ads: Sequence[tuple[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    from chamba.db import make_engine, migrate, table_of
    from chamba.demo import loader
    from chamba.jobs.models import Job

    rng = random.Random(args.seed)
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    rows = job_rows(ads, args.jobs, rng)
    with engine.connect() as conn:
        for k in range(0, len(rows), 10_000):
            loader.insert_rows(conn, table_of(Job), rows[k : k + 10_000])
        conn.commit()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        trigram = bool(
            conn.execute(
                text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_jobs_search_text_trgm'")
                if engine.dialect.name == "postgresql"
                else text("SELECT 1 FROM sqlite_master WHERE name = 'jobs_fts'")
            ).first()
        )
    load_seconds = time.perf_counter() - started
    queries = make_queries(ads, args.queries, rng)
    methods = {} if args.search_jobs_only else METHODS
    latencies: dict[str, list[float]] = {name: [] for name in methods}
    mismatches: list[dict[str, Any]] = []
    with Session(engine) as session:
        for match in methods.values():  # warm caches once per method
            search(session, match, queries[0])
        for i, query in enumerate(queries if methods else ()):
            names = list(METHODS)[i % len(METHODS) :] + list(METHODS)[: i % len(METHODS)]
            found = {}
            for name in names:
                t0 = time.perf_counter()
                found[name] = search(session, METHODS[name], query)
                latencies[name].append((time.perf_counter() - t0) * 1000)
                session.expunge_all()
            if found["old"] != found["new"]:
                mismatches.append(
                    {"q": query, "old_total": found["old"][0], "new_total": found["new"][0]}
                )
        app = time_search_jobs(session, queries) if args.search_jobs or not methods else None
    engine.dispose()
    if app is not None and args.dump_pages:
        with open(f"{args.dump_pages}.{engine.dialect.name}.json", "w", encoding="utf-8") as out:
            json.dump(app["first_pages"], out)
    if app is not None:
        del app["first_pages"]
    if not methods:
        return {"jobs": args.jobs, "queries": len(queries), "load_seconds": round(load_seconds, 1),
                "trigram_index": trigram,
                "search_jobs": app}  # fmt: skip
    stats = {
        name: {"p50_ms": round(percentile(v, 0.5), 2), "p99_ms": round(percentile(v, 0.99), 2)}
        for name, v in latencies.items()
    }
    return {
        "jobs": args.jobs,
        "queries": len(queries),
        "load_seconds": round(load_seconds, 1),
        "trigram_index": trigram,
        "latency": stats,
        "ratio_old_to_new_p50": round(stats["old"]["p50_ms"] / stats["new"]["p50_ms"], 1),
        "ratio_old_to_new_p99": round(stats["old"]["p99_ms"] / stats["new"]["p99_ms"], 1),
        "ratio_folded_title_score_to_new_p50": round(
            stats["new_folded_title_score"]["p50_ms"] / stats["new"]["p50_ms"], 2
        ),
        "result_mismatches_old_vs_new": len(mismatches),
        "mismatch_examples": mismatches[:5],
        **({"search_jobs": app} if app is not None else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgresql", action="store_true", help="also on a pgserver PostgreSQL")
    parser.add_argument("--postgres-url", help="also on this empty, migratable PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument(
        "--search-jobs", action="store_true", help="also time search_jobs and its title order"
    )
    parser.add_argument(
        "--search-jobs-only", action="store_true",
        help="time search_jobs only (not the three SQL methods)",
    )  # fmt: skip
    parser.add_argument(
        "--dump-pages", metavar="PREFIX",
        help="write search_jobs' first page of each query to PREFIX.<backend>.json (to compare "
        "two versions of the code)",
    )  # fmt: skip
    args = parser.parse_args()
    ads = load_ads()
    doc: dict[str, Any] = {
        "benchmark": "job_search_stored_text",
        "corpus": f"{len(ads)} real ads of {ADS_DIR.name}" if ADS_DIR.is_dir() else "synthetic",
    }
    with tempfile.TemporaryDirectory(prefix="chamba-bench-search-") as tmp:
        if not args.no_sqlite:
            doc["sqlite"] = run_backend(f"sqlite:///{Path(tmp) / 'search.db'}", ads, args)
        if args.postgres_url:
            doc["postgresql"] = run_backend(args.postgres_url, ads, args)
        elif args.postgresql:
            import pgserver

            server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
            try:
                server.psql("CREATE DATABASE bench;")
                url = server.get_uri("bench").replace("postgresql://", "postgresql+psycopg://", 1)
                doc["postgresql"] = run_backend(url, ads, args)
            finally:
                server.cleanup()
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")  # a benchmark may use the placeholder secret
    main()
