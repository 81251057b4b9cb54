"""Database side of the demo: read the catalogue, reset old demo rows, bulk-insert new ones.

Rows are written with SQLAlchemy Core ``executemany`` in batches through the mapped tables, so
column types still apply (``EncryptedString`` encrypts, ``UTCDateTime`` checks time zones).
Primary keys are allocated here (``max(id) + 1 ...``) so the generator can link rows without
reading them back; PostgreSQL sequences are moved past them afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, or_, select, text

import chamba.models  # noqa: F401  (every table registered)
from chamba.activity.models import Application, Interaction
from chamba.courses.models import Course, CourseSkill
from chamba.db import table_of
from chamba.errors import Conflict
from chamba.jobs.models import Job, JobSkill
from chamba.orgs.models import Organisation
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement

log = logging.getLogger(__name__)

SOURCE = "demo"
MODEL_VERSION = "demo:logging-policy-v1"
BATCH = 5_000


class DemoAlreadyLoaded(Conflict):
    """The database already holds demo rows and ``reset`` was not asked for."""


class CatalogueMissing(Conflict):
    """No occupations with skills exist to build demo jobs from."""


@dataclass(frozen=True)
class Catalogue:
    """The taxonomy the demo draws from (catalogue rows only when there are any)."""

    skill_ids: list[str]
    skill_labels: list[str]
    skill_synonyms: list[list[str]]
    skill_types: list[str]
    occupation_ids: list[str]
    occupation_isco: list[str | None]
    occupation_labels: list[str]
    occupation_synonyms: list[list[str]]
    essential: list[list[int]]  # skill rows per occupation
    optional: list[list[int]]


def ensure_catalogue(engine: Engine) -> None:
    """Load the built-in taxonomy catalogue when ``chamba.taxonomy.catalogue`` provides it."""
    try:
        from chamba.taxonomy.catalogue import load_catalogue
    except ImportError:
        log.info("chamba.taxonomy.catalogue not available; using the skills already stored")
        return
    from chamba.db import session_scope
    from chamba.errors import ChambaError

    try:
        with session_scope(engine) as session:
            load_catalogue(session)
    except ChambaError as exc:  # e.g. catalogue files not shipped yet: use what is stored
        log.warning("built-in catalogue not loaded (%s); using the skills already stored", exc)


def read_catalogue(conn: Connection) -> Catalogue:
    """Skills and occupations with at least one essential skill, sorted by id (deterministic)."""
    has_catalogue = conn.scalar(
        select(func.count()).select_from(Occupation).where(Occupation.source == "catalogue")
    )
    occ_filter = Occupation.source == "catalogue" if has_catalogue else Occupation.id.is_not(None)
    occs = conn.execute(
        select(Occupation.id, Occupation.isco_code, Occupation.label_es, Occupation.synonyms_es)
        .where(occ_filter)
        .order_by(Occupation.id)
    ).all()
    links = conn.execute(
        select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .join(Occupation, Occupation.id == OccupationSkill.occupation_id)
        .where(occ_filter)
        .order_by(OccupationSkill.occupation_id, OccupationSkill.skill_id)
    ).all()
    used = sorted({row.skill_id for row in links})
    skill_filter = Skill.source == "catalogue" if has_catalogue else Skill.id.is_not(None)
    extra = conn.execute(
        select(Skill.id).where(Skill.type == "transversal", skill_filter)
    ).scalars()
    skill_set = sorted(set(used) | set(extra))
    skills = {
        r.id: r
        for r in conn.execute(
            select(Skill.id, Skill.label_es, Skill.synonyms_es, Skill.type).where(
                Skill.id.in_(skill_set)
            )
        )
    }
    skill_ids = [s for s in skill_set if s in skills]
    row_of = {s: i for i, s in enumerate(skill_ids)}
    ess: dict[str, list[int]] = {}
    opt: dict[str, list[int]] = {}
    for link in links:
        if link.skill_id not in row_of:
            continue
        target = ess if link.relation == Requirement.ESSENTIAL else opt
        target.setdefault(link.occupation_id, []).append(row_of[link.skill_id])
    kept = [o for o in occs if ess.get(o.id)]
    if not kept:
        raise CatalogueMissing(
            "No occupations with essential skills are stored; load the taxonomy catalogue first "
            "(chamba.taxonomy.catalogue.load_catalogue)"
        )
    return Catalogue(
        skill_ids=skill_ids,
        skill_labels=[skills[s].label_es for s in skill_ids],
        skill_synonyms=[list(skills[s].synonyms_es or []) for s in skill_ids],
        skill_types=[str(skills[s].type) for s in skill_ids],
        occupation_ids=[o.id for o in kept],
        occupation_isco=[o.isco_code for o in kept],
        occupation_labels=[o.label_es for o in kept],
        occupation_synonyms=[list(o.synonyms_es or []) for o in kept],
        essential=[ess[o.id] for o in kept],
        optional=[opt.get(o.id, []) for o in kept],
    )


def demo_row_count(conn: Connection) -> int:
    """How many demo people, jobs, courses and organisations are stored."""
    total = 0
    for model in (Person, Job, Course, Organisation):
        total += (
            conn.scalar(select(func.count()).select_from(model).where(model.source == SOURCE)) or 0
        )
    return total


def delete_demo_rows(conn: Connection) -> None:
    """Remove every row an earlier demo load wrote (children first)."""
    demo_people = select(Person.id).where(Person.source == SOURCE)
    demo_jobs = select(Job.id).where(Job.source == SOURCE)
    demo_courses = select(Course.id).where(Course.source == SOURCE)
    conn.execute(delete(Interaction).where(Interaction.model_version == MODEL_VERSION))
    conn.execute(
        delete(Application).where(
            or_(Application.person_id.in_(demo_people), Application.job_id.in_(demo_jobs))
        )
    )
    conn.execute(delete(PersonSkill).where(PersonSkill.person_id.in_(demo_people)))
    conn.execute(delete(JobSkill).where(JobSkill.job_id.in_(demo_jobs)))
    conn.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(demo_courses)))
    for model in (Person, Job, Course, Organisation):
        conn.execute(delete(model).where(model.source == SOURCE))


def next_id(conn: Connection, table: Table) -> int:
    """The first free primary key of ``table`` (ids are allocated up front)."""
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Bulk-insert ``rows`` (dicts with the same keys); returns the count."""
    if not rows:
        return 0
    return insert_columns(conn, table, {name: [row[name] for row in rows] for name in rows[0]})


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    native: Iterable[str] = (),
) -> int:
    """Bulk-insert column lists of equal length; returns the row count.

    Values go through each column type's own bind processing (so ``EncryptedString``
    encrypts and ``UTCDateTime`` checks time zones), column by column, then straight to the
    driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (Core elsewhere). Columns named
    in ``native`` already hold the driver's form (see :func:`native_times`) and skip that step.
    """
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    if n == 0:
        return 0
    dialect = conn.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        rows = [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
        for start in range(0, n, BATCH):
            conn.execute(table.insert(), rows[start : start + BATCH])
        return n
    skip = set(native)
    processed = []
    for name in names:
        values = columns[name]
        process = None
        if name not in skip:
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        processed.append([process(v) for v in values] if process is not None else values)
    tuples = list(zip(*processed, strict=True))
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None  # None only for a connection already closed
        with driver.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for values in tuples:
                    copy.write_row(values)
        return n
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, n, BATCH * 4):
        conn.exec_driver_sql(sql, tuples[start : start + BATCH * 4])
    return n


def native_times(conn: Connection, seconds: Any) -> list[str]:
    """UTC instants (int64 seconds since the epoch) in the form the driver stores directly.

    SQLite gets SQLAlchemy's own ``DateTime`` text format, PostgreSQL an ISO string with
    ``+00`` that ``COPY`` parses as ``timestamptz``; both read back as the same aware datetimes.
    """
    import numpy as np

    text_ = np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s")
    if conn.dialect.name == "postgresql":
        return [t.replace("T", " ") + "+00" for t in text_.tolist()]
    return [t.replace("T", " ") + ".000000" for t in text_.tolist()]


def tune_for_bulk_load(conn: Connection, on: bool) -> None:
    """On SQLite, a larger page cache while loading (index inserts), back to default after."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size={-400_000 if on else -2000}")


def fix_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After explicit ids, move PostgreSQL's serial sequences past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            )
        )


TABLES: dict[str, Table] = {
    "organisations": table_of(Organisation),
    "jobs": table_of(Job),
    "job_skills": table_of(JobSkill),
    "courses": table_of(Course),
    "course_skills": table_of(CourseSkill),
    "people": table_of(Person),
    "person_skills": table_of(PersonSkill),
    "interactions": table_of(Interaction),
    "applications": table_of(Application),
}
