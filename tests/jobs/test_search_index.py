"""Job search's SQLite substring index (FTS5 trigram, migration 0020): the same results as the
scan of every posting's text, kept in sync with every write, and a clean fallback without it."""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, insert, select, text, update
from sqlalchemy.orm import Session
from tests.support.factories import AREQUIPA, CUSCO, LIMA_CERCADO, MIRAFLORES
from tests.support.migrations import run_alembic

from chamba import search
from chamba.db import make_engine, migrate, utcnow
from chamba.jobs import repository
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.schemas import JobSearch
from chamba.jobs.search import search_jobs
from chamba.orgs.models import Organisation, OrgKind
from chamba.search import search_fields

PLACES = [LIMA_CERCADO, MIRAFLORES, AREQUIPA, CUSCO, "130101", "200101", None]
#: Typed as people type: trades, two words, places, institutions, typos, 1-2 letter words,
#: words no posting holds, stop words only, accents and capitals.
QUERIES = [
    "abogado", "abogado lima", "asistente administrativo", "Asistente Administrativa",
    "conductor", "chofer", "especialista", "técnico", "tecnico en cusco", "cajera en arequipa",
    "la libertad", "piura", "municipalidad", "contador", "contadora lima", "ingeniero civil",
    "vendedor", "ventas", "excel", "sql", "ti", "rr hh", "a1", "2", "avogado", "asistnte",
    "especalista legal", "de la", "zzqx", "auxiliar de", "Médico", "enfermera", "seguridad",
    "atencion al cliente", "callao", "obrero", "ayudante cocina", "supervisor de ventas",
]  # fmt: skip


def _ads(shared_data: Path, n_servir: int, n_ar: int) -> list[tuple[str, str, str]]:
    """``(title, description, institution)`` of real ads: SERVIR public-sector postings and
    Argentinian private ones (``jobs-ar``), read at run time."""
    ads: list[tuple[str, str, str]] = []
    with (shared_data / "servir" / "postings_2025-01-14.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            description = " ".join(
                row[k] or "" for k in ("ubication", "educational_background", "specialization",
                                       "required_knowledge", "skills", "required_experience")
            )  # fmt: skip
            ads.append((row["job_title"], description, row["public_institution"]))
            if len(ads) == n_servir:
                break
    path = sorted((shared_data / "jobs-ar").glob("*.csv"))[0]
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("titulo"):
                ads.append((row["titulo"], (row.get("descripcion") or "")[:5000], row["empresa"]))
            if len(ads) == n_servir + n_ar:
                break
    return ads


def _load(session: Session, shared_data: Path) -> None:
    """~700 real postings: open, closed, expired and draft, in several places, some remote,
    posted over 90 days, with their institutions as employers."""
    rng = random.Random(11)
    now = utcnow()
    orgs: dict[str, int] = {}
    for title, description, institution in _ads(shared_data, 450, 250):
        if institution and institution not in orgs and len(orgs) < 60:
            org = Organisation(kind=OrgKind.EMPLOYER, name=institution[:200])
            session.add(org)
            session.flush()
            orgs[institution] = org.id
        place = rng.choice(PLACES)
        status = rng.choices(list(JobStatus), weights=[1, 12, 2, 1])[0]
        session.add(
            Job(
                title=title[:200], description=description, ubigeo=place, remote=place is None,
                status=status, organisation_id=orgs.get(institution),
                posted_at=now - timedelta(minutes=rng.randrange(90 * 24 * 60)),
                expires_at=now - timedelta(days=1) if rng.random() < 0.05 else None,
            )
        )  # fmt: skip
    session.flush()


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's connection runs from now on."""
    seen: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", _record)
    yield seen
    event.remove(engine, "before_cursor_execute", _record)


def _page(session: Session, **query: Any) -> tuple[int, list[tuple[int, float | None]]]:
    page = search_jobs(session, JobSearch(**query))
    return page.total, [(item.id, item.distance_km) for item in page.items]


def test_the_index_gives_exactly_the_scans_results_on_real_postings(
    session: Session,
    shared_data: Path,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN ~700 real postings in several states and places
    _load(session, shared_data)
    indexed = session.connection().dialect.name == "sqlite"
    assert repository.has_text_index(session) is indexed  # SQLite >= 3.34 with FTS5 here
    searches: list[dict[str, Any]] = [{"q": q} for q in QUERIES]
    searches += [{"q": q, "per_page": 50} for q in QUERIES[:12]]
    searches += [
        {"q": "asistente", "page": 2}, {"q": "abogado", "region": "15"},
        {"q": "especialista", "region": "04"}, {"q": "asistente", "near": LIMA_CERCADO},
        {"q": "auxiliar", "near": CUSCO, "distance_km": 300}, {"q": "ti", "near": MIRAFLORES},
        {"q": "técnico", "remote": True}, {"q": "analista", "status": "closed"},
        {"q": "asistente lima", "status": "draft"}, {"q": "conductor", "hours_max": 40},
    ]  # fmt: skip
    # WHEN every search runs with the index (SQLite) and then with the scan of every text
    with_index = [_page(session, **s) for s in searches]
    used_index = any("jobs_fts" in s for s in statements)
    monkeypatch.setattr(repository, "has_text_index", lambda _session: False)
    statements.clear()
    scanned = [_page(session, **s) for s in searches]
    # THEN each gives the same total and the same page, in the same order (distances too)
    for query, got, expected in zip(searches, with_index, scanned, strict=True):
        assert got == expected, query
    # AND the searches did find postings (the comparison is not between empty pages)
    assert sum(1 for total, _ in scanned if total > 0) >= 40
    assert max(total for total, _ in scanned) > 100
    # AND on SQLite the first path read the index, the second did not
    assert used_index is indexed
    assert not any("jobs_fts" in s for s in statements)


def _fts_ids(session: Session, fragment: str) -> set[int]:
    found = select(Job.id).where(repository.text_contains(fragment, indexed=True))
    return set(session.scalars(found))


def _like_ids(session: Session, fragment: str) -> set[int]:
    return set(session.scalars(select(Job.id).where(Job.search_text.like(f"%{fragment}%"))))


def _in_sync(session: Session, fragments: list[str]) -> None:
    session.flush()
    for fragment in fragments:
        assert _fts_ids(session, fragment) == _like_ids(session, fragment), fragment
    # FTS5's own check of an external-content index against its table
    session.execute(text("INSERT INTO jobs_fts(jobs_fts, rank) VALUES ('integrity-check', 1)"))


def _needs_index(session: Session) -> None:
    if not repository.has_text_index(session):
        pytest.skip("the FTS5 trigram index is SQLite's (PostgreSQL uses pg_trgm)")


def test_every_kind_of_write_keeps_the_index_in_sync(session: Session) -> None:
    _needs_index(session)
    fragments = ["electric", "cocin", "gasfiter", "lima", "tableros", "ayudante de co", "zzz"]
    # GIVEN jobs written by the ORM and in bulk (what the demo and the benchmarks do)
    orm = Job(title="Técnico Electricista", description="Tableros en Lima.")
    session.add(orm)
    session.flush()
    rows = [
        {"title": f"Ayudante de cocina {n}", "description": "Cocina criolla.", "status": "open",
         **search_fields(f"Ayudante de cocina {n}", "Cocina criolla.")}
        for n in range(5)
    ]  # fmt: skip
    session.execute(insert(Job), rows)
    _in_sync(session, fragments)
    # WHEN a description is edited through the ORM  THEN the old words are gone, the new found
    orm.description = "Gasfitería y tableros."
    _in_sync(session, fragments)
    assert _fts_ids(session, "gasfiter") == {orm.id}
    assert orm.id not in _fts_ids(session, "lima")
    # WHEN rows are updated in bulk, closed, and deleted
    session.execute(
        update(Job).where(Job.title.like("Ayudante%")).values(
            **search_fields("Ayudante de cocina", "Cocina y limpieza en Lima.")
        )
    )  # fmt: skip
    session.execute(update(Job).values(status="closed"))
    session.execute(delete(Job).where(Job.id == orm.id))
    # THEN the index still answers exactly what LIKE answers
    _in_sync(session, fragments)
    assert _fts_ids(session, "electric") == set()
    assert len(_fts_ids(session, "lima")) == 5


def test_short_fragments_are_read_by_like(session: Session) -> None:
    # GIVEN a posting whose text holds "ti" and "rr" only inside longer words and on their own
    session.add(Job(title="Soporte TI", description="Área de RR HH"))
    session.flush()
    # THEN fragments shorter than a trigram are a LIKE (the index has nothing for them)
    for fragment in ("ti", "rr", "a"):
        condition = repository.text_contains(fragment, indexed=True)
        assert "jobs_fts" not in str(condition)
        assert set(session.scalars(select(Job.id).where(condition))) == _like_ids(session, fragment)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'fts.db'}")
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        query = text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        return {str(name) for name in conn.scalars(query)}


def test_the_migration_backfills_existing_rows_and_downgrades(sqlite_file: Engine) -> None:
    # GIVEN a database at the migration before the index, holding postings
    run_alembic(sqlite_file, "upgrade", "0019")
    with Session(sqlite_file) as s:
        s.add_all([Job(title="Técnico electricista"), Job(title="Ayudante de cocina")])
        s.commit()
    # WHEN it is migrated to head
    migrate(sqlite_file)
    # THEN the index and its triggers exist and already hold the earlier rows
    assert {"jobs_fts", "jobs_fts_insert", "jobs_fts_update", "jobs_fts_delete"} <= _tables(
        sqlite_file
    )
    with Session(sqlite_file) as s:
        assert len(_fts_ids(s, "electricista")) == 1
        assert _fts_ids(s, "ayudante de") == _like_ids(s, "ayudante de")
    # AND a downgrade removes all of it, leaving the jobs
    run_alembic(sqlite_file, "downgrade", "0019")
    assert not any(name.startswith("jobs_fts") for name in _tables(sqlite_file))
    with Session(sqlite_file) as s:
        assert len(_like_ids(s, "electricista")) == 1


def test_without_fts5_trigram_the_migration_skips_and_search_scans(
    sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a SQLite without FTS5's trigram tokenizer (older than 3.34, or FTS5 left out)
    monkeypatch.setattr(search, "trigram_supported", lambda _conn: False)
    # WHEN it is migrated to head
    with caplog.at_level(logging.WARNING, logger="chamba.migrations"):
        migrate(sqlite_file)
    # THEN the migration succeeds without the index, and says so once
    assert not any(name.startswith("jobs_fts") for name in _tables(sqlite_file))
    assert [r.levelno for r in caplog.records if r.name == "chamba.migrations"] == [logging.WARNING]
    # AND writes and search work, by the scan
    with Session(sqlite_file) as s:
        job = Job(title="Técnico electricista", status=JobStatus.OPEN)
        s.add_all([job, Job(title="Ayudante de cocina", status=JobStatus.OPEN)])
        s.flush()
        assert repository.has_text_index(s) is False
        page = search_jobs(s, JobSearch(q="electricista"))
        assert (page.total, [item.id for item in page.items]) == (1, [job.id])
        s.rollback()


def test_the_probe_finds_fts5_trigram_in_this_sqlite(engine: Engine) -> None:
    # The SQLite of this Python (CI's too) has FTS5 with the trigram tokenizer, so the tests
    # above compare the two paths; PostgreSQL never uses it.
    with engine.connect() as conn:
        assert search.trigram_supported(conn) is (engine.dialect.name == "sqlite")


def test_whether_the_index_exists_is_asked_once_per_engine_and_after_a_migration(
    sqlite_file: Engine,
) -> None:
    asked: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        asked.extend([statement] if "sqlite_master" in statement else [])

    # GIVEN a database at the migration before the index, searched through one engine
    run_alembic(sqlite_file, "upgrade", "0019")
    event.listen(sqlite_file, "before_cursor_execute", _record)
    with Session(sqlite_file) as s:
        s.add(Job(title="Técnico electricista", status=JobStatus.OPEN))
        s.commit()
        # WHEN it is searched three times THEN the schema was asked once, and the scan answered
        for _ in range(3):
            assert search_jobs(s, JobSearch(q="electricista")).total == 1
    assert len(asked) == 1
    # WHEN it is migrated to head in the same process THEN the next search asks again, and
    # reads the index
    migrate(sqlite_file)
    asked.clear()
    with Session(sqlite_file) as s:
        assert repository.has_text_index(s) is True
        assert repository.has_text_index(s) is True
        assert search_jobs(s, JobSearch(q="electricista")).total == 1
    assert len(asked) == 1
    # AND a downgrade (the index dropped) is noticed as well
    run_alembic(sqlite_file, "downgrade", "0019")
    with Session(sqlite_file) as s:
        assert repository.has_text_index(s) is False
        assert search_jobs(s, JobSearch(q="electricista")).total == 1
    event.remove(sqlite_file, "before_cursor_execute", _record)
