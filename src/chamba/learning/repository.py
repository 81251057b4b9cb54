"""The SQL of the learning loop's dataset builder: the interaction log and the facts (skills,
applications, rows) that features as of an impression need. Read only; ids are read in chunks
so that ``IN (...)`` lists stay short."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.activity.models import Application, ApplicationStatus, Interaction, SubjectType
from chamba.courses.models import Course
from chamba.jobs.models import Job, JobSkill
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
