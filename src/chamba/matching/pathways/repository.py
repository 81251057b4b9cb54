"""The SQL of pathways: the person, the target and its skills, labels, and the jobs a plan may
unlock or the person already qualifies for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from chamba.courses.models import CourseSkill
from chamba.errors import InvalidInput, NotFound
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.pathways.schemas import Lang
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement


def _open_job(as_of: datetime) -> list[ColumnElement[bool]]:
    return [Job.status == JobStatus.OPEN, or_(Job.expires_at.is_(None), Job.expires_at > as_of)]


def midpoint(low: Decimal | None, high: Decimal | None) -> float | None:
    a = low if low is not None else high
    b = high if high is not None else low
    return None if a is None or b is None else float(a + b) / 2.0


def median(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(float(np.median(vals)), 2) if vals else None


def load_person(session: Session, person_id: int) -> tuple[Person, set[str]]:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Person {person_id} not found")
    skills = set(
        session.scalars(select(PersonSkill.skill_id).where(PersonSkill.person_id == person_id))
    )
    return person, skills


def load_target(
    session: Session, occupation_id: str | None, job_id: int | None, lang: Lang
) -> tuple[Literal["occupation", "job"], str, str, list[tuple[str, bool, float]], float | None]:
    """(kind, id, label, [(skill, essential, importance)], target wage)."""
    if (occupation_id is None) == (job_id is None):
        raise InvalidInput("Give exactly one target: occupation_id or job_id")
    if job_id is not None:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id} not found")
        rows = session.execute(
            select(JobSkill.skill_id, JobSkill.requirement, JobSkill.importance).where(
                JobSkill.job_id == job_id
            )
        ).all()
        skills = [(s, r == Requirement.ESSENTIAL, float(i or 1.0)) for s, r, i in rows]
        return "job", str(job_id), job.title, skills, midpoint(job.wage_min, job.wage_max)
    assert occupation_id is not None
    occ = session.get(Occupation, occupation_id)
    if occ is None:
        raise NotFound(f"Occupation {occupation_id!r} not found")
    orows = session.execute(
        select(OccupationSkill.skill_id, OccupationSkill.relation).where(
            OccupationSkill.occupation_id == occupation_id
        )
    ).all()
    wages = session.execute(
        select(Job.wage_min, Job.wage_max).where(
            Job.occupation_id == occupation_id, Job.status == JobStatus.OPEN
        )
    ).all()
    wage = median([midpoint(a, b) for a, b in wages])
    skills = [(s, r == Requirement.ESSENTIAL, 1.0) for s, r in orows]
    return "occupation", occupation_id, occ.label(lang), skills, wage


def skill_labels(session: Session, ids: set[str], lang: Lang) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(ids))
    )
    return {i: (en if lang == "en" else es) for i, es, en in rows}


def taught_by(session: Session, course_ids: list[int]) -> set[str]:
    if not course_ids:
        return set()
    return set(
        session.scalars(select(CourseSkill.skill_id).where(CourseSkill.course_id.in_(course_ids)))
    )


def unlockable_rows(session: Session, new: set[str], as_of: datetime) -> Sequence[Any]:
    """Open jobs needing at least one of ``new`` as essential: one row per essential skill,
    ``(id, title, ubigeo, remote, wage_min, wage_max, skill_id)``."""
    needs_new = (
        select(JobSkill.job_id)
        .where(JobSkill.skill_id.in_(new), JobSkill.requirement == Requirement.ESSENTIAL)
        .distinct()
    )
    return session.execute(
        select(Job.id, Job.title, Job.ubigeo, Job.remote, Job.wage_min, Job.wage_max,
               JobSkill.skill_id)
        .join(JobSkill, and_(JobSkill.job_id == Job.id,
                             JobSkill.requirement == Requirement.ESSENTIAL))
        .where(*_open_job(as_of), Job.id.in_(needs_new))
    ).all()  # fmt: skip


def qualified_job_rows(session: Session, have: set[str], as_of: datetime) -> Sequence[Any]:
    """Open jobs whose essential skills (at least one) are all in ``have``:
    ``(ubigeo, remote, wage_min, wage_max)``."""
    js = JobSkill.__table__
    essential = js.c.requirement == Requirement.ESSENTIAL.value
    has_any = exists().where(js.c.job_id == Job.id, essential)
    lacks = exists().where(js.c.job_id == Job.id, essential, js.c.skill_id.not_in(have))
    return session.execute(
        select(Job.ubigeo, Job.remote, Job.wage_min, Job.wage_max).where(
            *_open_job(as_of),
            has_any,
            ~lacks,
        )
    ).all()
