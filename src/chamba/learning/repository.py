"""The SQL of the learning loop's dataset builder: the interaction log and the facts (skills,
applications, rows) that features as of an impression need. Read only; ids are read in chunks
so that ``IN (...)`` lists stay short."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select
from sqlalchemy.orm import Session, selectinload

from chamba.activity.models import Application, ApplicationStatus, Interaction, SubjectType
from chamba.courses.models import Course
from chamba.db import table_of
from chamba.jobs.models import Job, JobSkill
from chamba.learning.models import AttributeHistory, HistoryEntity
from chamba.people.models import Person, PersonSkill

CHUNK = 5000
Row = TypeVar("Row", Job, Course, Person)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def interaction_log(session: Session, subject: str) -> Sequence[Any]:
    """Every interaction with ``subject`` items of people still known, oldest first (claimed
    outcomes left out: a seeker's own "hired"/"completed" grades nothing)."""
    return session.execute(
        select(
            Interaction.person_id,
            Interaction.person_key,
            Interaction.subject_id,
            Interaction.kind,
            Interaction.position,
            Interaction.context,
            Interaction.occurred_at,
        )
        .where(
            Interaction.subject_type == SubjectType(subject),
            Interaction.person_id.is_not(None),
            Interaction.claimed.is_(False),
        )
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()


def rows_by_id(session: Session, model: type[Row], ids: Sequence[int]) -> dict[int, Row]:
    """``{id: row}`` of ``model`` for the ``ids`` that exist."""
    out: dict[int, Row] = {}
    for chunk in _chunks(ids):
        for row in session.scalars(select(model).where(model.id.in_(chunk))):
            out[row.id] = row
    return out


def all_jobs(session: Session) -> list[Job]:
    """Every job, by id."""
    return list(session.scalars(select(Job).order_by(Job.id)))


def jobs_with_skills(session: Session, job_ids: Sequence[int]) -> Iterator[Job]:
    """The jobs of ``job_ids`` that exist, their skills loaded."""
    for chunk in _chunks(job_ids):
        yield from session.scalars(
            select(Job).where(Job.id.in_(chunk)).options(selectinload(Job.skills))
        )


def skill_ids_of_person(session: Session, person_id: int) -> list[str]:
    stmt = select(PersonSkill.skill_id).where(PersonSkill.person_id == person_id)
    return list(session.scalars(stmt))


def job_skill_ids(session: Session, job_ids: Sequence[int]) -> Iterator[tuple[int, str]]:
    """``(job_id, skill_id)`` of the jobs' current skills."""
    for chunk in _chunks(job_ids):
        yield from session.execute(
            select(JobSkill.job_id, JobSkill.skill_id).where(JobSkill.job_id.in_(chunk))
        ).tuples()


def person_skill_times(
    session: Session, person_ids: Sequence[int]
) -> Iterator[tuple[int, str, datetime | None]]:
    """``(person_id, skill_id, created_at)`` of the people's skills."""
    for chunk in _chunks(person_ids):
        yield from session.execute(
            select(PersonSkill.person_id, PersonSkill.skill_id, PersonSkill.created_at).where(
                PersonSkill.person_id.in_(chunk)
            )
        ).tuples()


def application_times(
    session: Session, job_ids: Sequence[int]
) -> Iterator[tuple[int, datetime | None]]:
    """``(job_id, created_at)`` of the jobs' applications that were not withdrawn."""
    for chunk in _chunks(job_ids):
        yield from session.execute(
            select(Application.job_id, Application.created_at).where(
                Application.job_id.in_(chunk),
                Application.status != ApplicationStatus.WITHDRAWN,
            )
        ).tuples()


# ------------------------------------------------- attribute versions (chamba.learning.history)
# The history listeners run inside a flush, so they read and write on the session's connection.

_HISTORY = table_of(AttributeHistory)


def rows_by_ids(
    conn: Connection, table: Table, columns: Sequence[ColumnElement[Any]], ids: Sequence[int]
) -> list[Any]:
    """``columns`` of the rows of ``table`` whose id is in ``ids`` (their current values)."""
    rows: list[Any] = []
    for chunk in _chunks(ids):
        rows.extend(conn.execute(select(*columns).where(table.c.id.in_(list(chunk)))))
    return rows


def skills_by_owner(
    conn: Connection, table: Table, key: str, ids: Sequence[int]
) -> dict[int, list[str]]:
    """``{owner id: [skill id, ...]}`` of the rows of ``table`` whose ``key`` is in ``ids``."""
    out: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for owner, skill in conn.execute(
            select(table.c[key], table.c.skill_id).where(table.c[key].in_(list(chunk)))
        ):
            out.setdefault(int(owner), []).append(skill)
    return out


def last_versions(
    conn: Connection, entity: HistoryEntity, ids: Sequence[int]
) -> dict[int, tuple[datetime, dict[str, Any]]]:
    """``{entity id: (valid_from, attrs)}`` of the latest version of each of ``ids`` (those
    that have one)."""
    out: dict[int, tuple[datetime, dict[str, Any]]] = {}
    for chunk in _chunks(ids):
        for eid, valid_from, attrs in conn.execute(
            select(_HISTORY.c.entity_id, _HISTORY.c.valid_from, _HISTORY.c.attrs)
            .where(_HISTORY.c.entity == entity, _HISTORY.c.entity_id.in_(list(chunk)))
            .order_by(_HISTORY.c.entity_id, _HISTORY.c.valid_from, _HISTORY.c.id)
        ):
            out[int(eid)] = (valid_from, dict(attrs))
    return out


def delete_versions(conn: Connection, entity: HistoryEntity, ids: Sequence[int]) -> None:
    for chunk in _chunks(ids):
        conn.execute(
            delete(_HISTORY).where(
                _HISTORY.c.entity == entity, _HISTORY.c.entity_id.in_(list(chunk))
            )
        )


def add_versions(conn: Connection, values: Sequence[Mapping[str, Any]]) -> None:
    """Insert version rows (``entity``, ``entity_id``, ``valid_from``, ``attrs``)."""
    conn.execute(insert(_HISTORY), list(values))


def versions_of(
    session: Session, entity: HistoryEntity, ids: Sequence[int]
) -> Iterator[tuple[int, datetime, dict[str, Any]]]:
    """``(entity id, valid_from, attrs)`` of every version of ``ids``, oldest first per id."""
    for chunk in _chunks(ids):
        for eid, valid_from, attrs in session.execute(
            select(AttributeHistory.entity_id, AttributeHistory.valid_from, AttributeHistory.attrs)
            .where(AttributeHistory.entity == entity, AttributeHistory.entity_id.in_(list(chunk)))
            .order_by(AttributeHistory.entity_id, AttributeHistory.valid_from, AttributeHistory.id)
        ):
            yield int(eid), valid_from, dict(attrs)
