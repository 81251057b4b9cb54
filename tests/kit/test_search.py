"""Stored search text of jobs and courses: filled on every write, searched like the old folding.

The old search folded accents and case in SQL (14 nested ``replace()`` and ``lower()`` over
title and description, every row of every query); :func:`_legacy_text_match` keeps it here so
the stored columns can be shown to give the same results. Migration ``0007`` is tested on fresh
databases of both backends, with rows written before it.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    ColumnElement,
    Engine,
    MetaData,
    Table,
    case,
    create_engine,
    func,
    insert,
    inspect,
    make_url,
    or_,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from tests.support.migrations import run_alembic

import chamba.models  # noqa: F401
from chamba.courses import service as course_service
from chamba.courses.models import Course, Modality
from chamba.courses.schemas import CourseIn
from chamba.db import OPTIONAL_INDEXES, make_engine, migrate
from chamba.jobs import repository
from chamba.jobs import search as job_search
from chamba.jobs import service as job_service
from chamba.jobs.models import Job
from chamba.jobs.schemas import JobIn
from chamba.search import search_fields
from chamba.text import normalize

BACKENDS = [
    b.strip() for b in os.environ.get("CHAMBA_TEST_BACKENDS", "sqlite,postgresql").split(",")
]

# ------------------------------------------------------------------ the old method, for reference

_FOLD = (
    ("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o"), ("ú", "u"), ("ü", "u"), ("ñ", "n"),
    ("Á", "a"), ("É", "e"), ("Í", "i"), ("Ó", "o"), ("Ú", "u"), ("Ü", "u"), ("Ñ", "n"),
)  # fmt: skip


def _folded(column: InstrumentedAttribute[str]) -> ColumnElement[str]:
    expr: ColumnElement[str] = column  # type: ignore[assignment]
    for accented, plain in _FOLD:
        expr = func.replace(expr, accented, plain)
    return func.lower(expr)


def _legacy_text_match(
    words: Sequence[str], title: InstrumentedAttribute[str], description: InstrumentedAttribute[str]
) -> tuple[list[ColumnElement[bool]], ColumnElement[int] | None]:
    """The search before the stored columns: fold title and description in SQL per row."""
    if not words:
        return [], None
    ftitle, fdesc = _folded(title), _folded(description)
    conditions: list[ColumnElement[bool]] = []
    score: ColumnElement[int] | None = None
    for word in words:
        in_title = ftitle.like(f"%{word}%")
        conditions.append(or_(in_title, fdesc.like(f"%{word}%")))
        term = case((in_title, 2), else_=1)
        score = term if score is None else score + term
    return conditions, score


# ------------------------------------------------------------------------------ a varied corpus

TITLES = [
    "Técnico Electricista",
    "Ayudante de Cocina",
    "Cajera/o – Atención al Cliente",
    "Mozo(a) para pollería",
    "Diseñador Gráfico Sr.",
    "Pingüino Logístico",
    "Operario de Producción (turno noche)",
    "Niñera con experiencia",
    "Chofer A-IIb",
    "Vendedor(a) de campo — Ica",
    "Analista de Datos / Excel avanzado",
    "Guía de turismo en Cusco: inglés",
    "Enfermera técnica",
    "Mecánico automotriz",
    "Recepcionista bilingüe",
    "Auxiliar de almacén",
    "Soldador 6G",
    "Docente de Educación Física",
    "Cosechador de espárragos",
    "Albañil",
    "e-mail marketing",
    "Barista & cafetero",
    "Jefe de obra (ingeniería civil)",
    "Técnico en computación e informática",
]
DESCRIPTIONS = [
    "Buscamos técnico con experiencia en instalaciones eléctricas.",
    "Atención al público, manejo de caja y cuadre.",
    "",
    "Campaña de cosecha en Ica. Pago diario S/ 60.",
    "REQUISITOS: Secundaria completa; disponibilidad INMEDIATA.",
    "Inglés intermedio, Excel, Power BI.",
    "Trabajo en Áncash y Huánuco; movilidad propia.",
    "Cuidado de niños pequeños, referencias comprobables.",
    "Licencia A-IIb vigente, conocimiento de rutas de Lima.",
    "ÚNICAMENTE postulantes con DNI; línea de carrera.",
]


def _variants(title: str) -> list[str]:
    """The title as written, shouted, lower-cased and typed without accents."""
    plain = title.translate(str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN"))
    return [title, title.upper(), title.lower(), plain]


def _corpus() -> list[tuple[str, str]]:
    rows = []
    for i, title in enumerate(TITLES):
        for j, variant in enumerate(_variants(title)):
            rows.append((variant, DESCRIPTIONS[(i + j) % len(DESCRIPTIONS)]))
    return rows


def _queries() -> list[str]:
    words = sorted({w for t, d in _corpus() for w in normalize(f"{t} {d}").split()})
    singles = [w for w in words if len(w) >= 2]
    raw = [
        "Técnico", "TÉCNICO", "tecnico", "tec", "electr", "NIÑERA", "ninera", "pingüino",
        "PINGUINO", "A-IIb", "técnico-electricista", "e-mail", "email", "6g", "S/ 60",
        "atención cliente", "Atencion al CLIENTE", "excel inglés", "cocina ayudante",
        "educacion fisica docente", "xyz", "técnico zzz", "ÁNCASH", "huanuco", "únicamente",
        "almacen auxiliar", "ingenieria civil obra", "cafetero & barista", "power bi",
    ]  # fmt: skip
    pairs = [" ".join(p) for p in itertools.islice(itertools.combinations(singles[::7], 2), 60)]
    triples = [" ".join(t) for t in itertools.islice(itertools.combinations(singles[::11], 3), 30)]
    return raw + singles + pairs + triples


def _found(
    session: Session,
    model: type[Job] | type[Course],
    conditions: list[ColumnElement[bool]],
    score: ColumnElement[int] | None,
) -> dict[int, int]:
    rows = session.execute(select(model.id, score if score is not None else 0).where(*conditions))
    return {int(r[0]): int(r[1]) for r in rows}


def test_stored_search_text_finds_what_the_sql_folding_found(session: Session) -> None:
    # GIVEN jobs and courses with accented, capitalised, shouted and accent-less titles
    for title, description in _corpus():
        session.add(Job(title=title, description=description))
        session.add(
            Course(title=title, description=description, modality=Modality.ONLINE, hours=10)
        )
    session.flush()
    for query in _queries():
        words = normalize(query).split()[: job_search.MAX_QUERY_WORDS]
        for model in (Job, Course):
            # WHEN a query is run the old way (folded in SQL) and the new way (stored columns)
            old = _found(session, model, *_legacy_text_match(words, model.title, model.description))
            new = _found(
                session, model, *repository.text_match(words, model.search_title, model.search_text)
            )
            # THEN the same rows are found with the same relevance (title hits count double)
            assert new == old, (model.__name__, query)


def test_search_is_accent_insensitive_beyond_spanish_letters(session: Session) -> None:
    # GIVEN a title with accents the old SQL folding did not know (it listed Spanish ones)
    job = Job(title="Crème brûlée / São Paulo / Façade", description="")
    session.add(job)
    session.flush()
    # WHEN it is searched without accents, on either backend
    conditions, score = repository.text_match(["creme", "sao", "facade"], Job.search_title,
                                              Job.search_text)  # fmt: skip
    # THEN it is found as a title hit of every word
    assert _found(session, Job, conditions, score) == {job.id: 6}


# ------------------------------------------------------------------------------- write paths


def _stored(session: Session, table: str, row_id: int) -> tuple[str, str]:
    row = session.execute(
        text(f"SELECT search_title, search_text FROM {table} WHERE id = :id"), {"id": row_id}
    ).one()
    return row[0], row[1]


def _expected(title: str, description: str) -> tuple[str, str]:
    fields = search_fields(title, description)
    return fields["search_title"], fields["search_text"]


def test_orm_writes_fill_and_refresh_the_search_columns(session: Session) -> None:
    # GIVEN a job and a course created through the ORM
    job = Job(title="Técnico Electricista", description="Turno MAÑANA, Lima.")
    course = Course(title="Soldadura Básica", modality=Modality.IN_PERSON, hours=40)
    session.add_all([job, course])
    session.flush()
    # THEN their search columns hold the normalised texts
    assert _stored(session, "jobs", job.id) == (
        "tecnico electricista",
        "tecnico electricista turno manana lima",
    )
    assert _stored(session, "courses", course.id) == ("soldadura basica", "soldadura basica")
    # WHEN the title, then the description change
    job.title = "Ayudante de Cocina"
    course.description = "Arco eléctrico, 6G."
    session.flush()
    # THEN the columns follow
    assert _stored(session, "jobs", job.id) == _expected("Ayudante de Cocina", job.description)
    assert _stored(session, "courses", course.id) == _expected(course.title, "Arco eléctrico, 6G.")
    job.description = "Pollería en Ica"
    session.flush()
    assert _stored(session, "jobs", job.id) == _expected("Ayudante de Cocina", "Pollería en Ica")
    # AND a change of another column leaves them as they are
    job.openings = 3
    session.flush()
    assert _stored(session, "jobs", job.id) == _expected("Ayudante de Cocina", "Pollería en Ica")


def test_service_create_update_and_reimport_keep_the_search_columns(session: Session) -> None:
    # GIVEN a job and a course created by the services
    job = job_service.create_job(
        session, JobIn(title="Cajera", description="Atención al público", remote=True)
    )
    course = course_service.create_course(
        session, CourseIn(title="Excel básico", modality="online", hours=20)
    )
    assert _stored(session, "jobs", job.id) == _expected("Cajera", "Atención al público")
    assert _stored(session, "courses", course.id) == _expected("Excel básico", "")
    # WHEN an import source sends its job twice, the second time with a new title
    item = JobIn(
        external_id="x-1", title="Mozo", description="Restaurante en Miraflores", remote=True
    )
    job_service.upsert_jobs(session, [item], source="feed")
    changed = item.model_copy(update={"title": "Mozo/Azafata (fin de semana)"})
    outcomes = job_service.upsert_jobs(session, [changed], source="feed")
    # THEN the stored search text follows the import
    imported = job_service.get_by_external_id(session, "feed", "x-1")
    assert outcomes == ["updated"]
    assert imported is not None
    assert _stored(session, "jobs", imported.id) == _expected(
        "Mozo/Azafata (fin de semana)", "Restaurante en Miraflores"
    )


# --------------------------------------------------------------------------------- migration


def _fresh_engine(request: pytest.FixtureRequest, backend: str, folder: Path, name: str) -> Engine:
    """An empty database (nothing migrated) on ``backend``."""
    if backend == "sqlite":
        return make_engine(f"sqlite:///{folder / f'{name}.db'}")
    url = make_url(str(request.getfixturevalue("postgres_url")))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_engine(url.set(database=name).render_as_string(hide_password=False))


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = _fresh_engine(request, request.param, tmp_path, "chamba_search_migration")
    yield engine
    engine.dispose()


def _trigram_available(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        query = "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
        return conn.execute(text(query)).first() is not None


def _trigram_indexes(conn: object) -> set[str]:
    rows = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'"
            " AND tablename IN ('jobs', 'courses')"
        )
    )
    return {r[0] for r in rows}


def _as_of_now(conn: Any, table: Table) -> Table:
    """The model's table (types, Python defaults) cut to the columns the database has now, so
    an old revision can be filled although later migrations added columns with defaults."""
    have = {c["name"] for c in inspect(conn).get_columns(table.name)}
    return Table(table.name, MetaData(), *(c._copy() for c in table.columns if c.name in have))


def test_migration_backfills_rows_written_before_it(
    empty_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a database at revision 0006 holding jobs (more than one backfill batch) and a course
    run_alembic(empty_engine, "upgrade", "0006")
    jobs = [
        {"title": f"{title} {n}", "description": description}
        for n, (title, description) in enumerate(_corpus() * 25)
    ]
    with empty_engine.begin() as conn:  # Core inserts: no ORM event fills anything
        conn.execute(insert(_as_of_now(conn, Job.__table__)), jobs)
        conn.execute(
            insert(_as_of_now(conn, Course.__table__)),
            [{"title": "Técnico en Computación", "description": "Ofimática", "modality": "online",
              "hours": 30}],
        )  # fmt: skip
    assert len(jobs) > 2_000
    # WHEN the database is migrated to head
    with caplog.at_level(logging.WARNING, logger="chamba.migrations"):
        migrate(empty_engine)
    # THEN every pre-existing row has its search columns filled as a new write would
    with empty_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT title, description, search_title, search_text FROM jobs")
        ).all()
        course = conn.execute(
            text("SELECT title, description, search_title, search_text FROM courses")
        ).one()
        indexes = _trigram_indexes(conn) if empty_engine.dialect.name == "postgresql" else set()
    assert len(stored) == len(jobs)
    assert all((r[2], r[3]) == _expected(r[0], r[1]) for r in stored)
    assert (course[2], course[3]) == ("tecnico en computacion", "tecnico en computacion ofimatica")
    # AND on PostgreSQL the trigram indexes exist where pg_trgm can be installed, else a warning
    warned = [r for r in caplog.records if r.name == "chamba.migrations"]
    if _trigram_available(empty_engine):
        assert indexes == set(OPTIONAL_INDEXES)
        assert not warned
    else:
        assert indexes == set()
        assert bool(warned) is (empty_engine.dialect.name == "postgresql")
    # WHEN it is downgraded to 0006 THEN what 0007 added is gone, and the rows are kept
    run_alembic(empty_engine, "downgrade", "0006")
    columns = {c["name"] for c in inspect(empty_engine).get_columns("jobs")}
    assert not {"search_title", "search_text"} & columns
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == len(jobs)
        if empty_engine.dialect.name == "postgresql":
            assert _trigram_indexes(conn) == set()
    # AND it upgrades again
    migrate(empty_engine)
    assert "search_text" in {c["name"] for c in inspect(empty_engine).get_columns("courses")}


ROLE = "chamba_search_app"


@pytest.fixture
def unprivileged_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty PostgreSQL database and a role that owns its tables but may not add extensions
    (no CREATE on the database, as a production application role often is)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL is not among CHAMBA_TEST_BACKENDS")
    postgres_url = str(request.getfixturevalue("postgres_url"))
    owner = _fresh_engine(request, "postgresql", tmp_path, "chamba_search_unprivileged")
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        conn.execute(text(f"CREATE ROLE {ROLE} LOGIN"))
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {ROLE}"))
    url = owner.url.set(username=ROLE, password=None)
    engine = make_engine(url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    owner.dispose()
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS chamba_search_unprivileged"))
        conn.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
    admin.dispose()


def test_migration_succeeds_without_trigram_indexes_when_the_role_cannot_add_pg_trgm(
    unprivileged_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a role that may create tables but not extensions
    # WHEN it migrates a new database to head
    with caplog.at_level(logging.WARNING, logger="chamba.migrations"):
        migrate(unprivileged_engine)
    # THEN the migration succeeds without the trigram indexes and says so
    with unprivileged_engine.connect() as conn:
        assert _trigram_indexes(conn) == set()
        assert conn.execute(text("SELECT count(*) FROM jobs WHERE search_text = ''")).scalar() == 0
    assert [r.levelno for r in caplog.records if r.name == "chamba.migrations"] == [logging.WARNING]
    # AND text search still works
    with Session(unprivileged_engine) as session:
        session.add(Job(title="Técnico Electricista"))
        session.flush()
        conditions, score = repository.text_match(["tecnico"], Job.search_title, Job.search_text)
        assert len(_found(session, Job, conditions, score)) == 1
        session.rollback()


def test_trigram_index_serves_like_searches_on_postgresql(engine: Engine, session: Session) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL only")
    if not _trigram_available(engine):
        pytest.skip("this PostgreSQL server has no pg_trgm (contrib) extension")
    # GIVEN the migrated schema and a few hundred jobs
    for n in range(300):
        title, description = _corpus()[n % len(_corpus())]
        session.add(Job(title=f"{title} {n}", description=description))
    session.flush()
    session.execute(text("ANALYZE jobs"))
    query = text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'jobs'")
    definitions = {r[0]: r[1] for r in session.execute(query)}
    # THEN the index is a GIN trigram index on search_text
    assert "USING gin (search_text gin_trgm_ops)" in definitions["ix_jobs_search_text_trgm"]
    # WHEN a text search is explained with sequential scans ruled out
    session.execute(text("SET LOCAL enable_seqscan = off"))
    conditions, score = repository.text_match(["electricista"], Job.search_title, Job.search_text)
    stmt = select(Job.id, score).where(*conditions)
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    plan = "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {compiled}")))
    # THEN the planner can answer it from the trigram index
    assert "ix_jobs_search_text_trgm" in plan, plan


def test_query_counts_are_what_counting_every_term_gives() -> None:
    # GIVEN folded and unfolded texts (accents, capitals, punctuation, digits, stop words,
    # one-letter words, other scripts) and queries of words and stems with every ending
    from chamba.search import doc_terms, query_counts, terms

    texts = [
        search_fields("Cajeras y CAJEROS", "Cajero(a) con 2 años; caja, cajas.")["search_text"],
        "cajera cajeras cajero cajeros cajer cajeroes contables contable mes meses",
        "Ñandú über straße, ΐ test_x 中文 cajera",
        " a b de la 2 33 x",
        "",
        "vendedor vendedores vendedora vendedoras luces luz actriz actrices",
    ]
    queries = ["cajera", "cajeros contables", "vendedoras luces", "mes", "nandu straße", "x 2"]
    for posting in texts:
        for q in queries:
            query = terms(q)
            # WHEN only the query's terms are counted
            length, counts = query_counts(posting, query)
            # THEN the length and counts are those of counting every term
            expected = doc_terms(posting)
            assert length == expected.length, (posting, q)
            assert counts == [expected.counts.get(t, 0) for t in query], (posting, q)
