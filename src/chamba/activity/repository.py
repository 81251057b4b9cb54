"""SQL of applications and the interaction log."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.courses.models import Course, CourseSkill
from chamba.jobs.models import Job, JobStatus
from chamba.people.models import Person, PersonSkill
from chamba.vocab import SkillLevel


def person_key_of(session: Session, person_id: int) -> str | None:
    """The pseudonym already used in this person's interactions, if any."""
    stmt = select(Interaction.person_key).where(Interaction.person_id == person_id).limit(1)
    return session.scalar(stmt)


def add_interactions(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert interaction rows in one statement (executemany)."""
    if rows:
        session.execute(insert(Interaction), list(rows))


def application_by_id(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id)


def parties_of(session: Session, application: Application) -> tuple[Job, Person | None]:
    """The job applied to and the person who applied (gone when erased)."""
    job = session.get(Job, application.job_id)
    assert job is not None  # applications cascade with their job
    return job, session.get(Person, application.person_id)


def application_of(session: Session, job_id: int, person_id: int) -> Application | None:
    stmt = select(Application).where(
        Application.job_id == job_id, Application.person_id == person_id
    )
    return session.scalars(stmt).one_or_none()


def applications_of_person(session: Session, person_id: int) -> list[tuple[Application, Job]]:
    """The person's applications with their jobs, newest first."""
    stmt = (
        select(Application, Job)
        .join(Job, Job.id == Application.job_id)
        .where(Application.person_id == person_id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    return [(a, j) for a, j in session.execute(stmt).tuples()]


def applications_to_job(session: Session, job_id: int) -> list[Application]:
    stmt = (
        select(Application)
        .where(Application.job_id == job_id)
        .order_by(Application.created_at.asc(), Application.id.asc())
    )
    return list(session.scalars(stmt))


def active_applicants(session: Session, job_id: int, person_ids: Collection[int]) -> set[int]:
    """The people among ``person_ids`` with an application to ``job_id`` they did not withdraw."""
    if not person_ids:
        return set()
    stmt = select(Application.person_id).where(
        Application.job_id == job_id,
        Application.person_id.in_(list(person_ids)),
        Application.status != ApplicationStatus.WITHDRAWN,
    )
    return set(session.scalars(stmt))


def application_statuses(
    session: Session, job_id: int, person_ids: Collection[int]
) -> dict[int, ApplicationStatus]:
    if not person_ids:
        return {}
    stmt = select(Application.person_id, Application.status).where(
        Application.job_id == job_id, Application.person_id.in_(list(person_ids))
    )
    return {row.person_id: row.status for row in session.execute(stmt)}


def counts_by_job(session: Session, job_ids: Collection[int]) -> dict[int, int]:
    """Number of applications to each job (jobs without any are left out)."""
    if not job_ids:
        return {}
    stmt = (
        select(Application.job_id, func.count())
        .where(Application.job_id.in_(list(job_ids)))
        .group_by(Application.job_id)
    )
    return {job_id: int(n) for job_id, n in session.execute(stmt)}


def kinds_of(
    session: Session, person_id: int, subject_type: SubjectType, subject_id: int,
    kinds: Collection[InteractionKind],
) -> set[InteractionKind]:  # fmt: skip
    """Which of ``kinds`` the person has logged on one job or course."""
    stmt = select(Interaction.kind).where(
        Interaction.person_id == person_id,
        Interaction.subject_type == subject_type,
        Interaction.subject_id == subject_id,
        Interaction.kind.in_(sorted(kinds)),
    )
    return set(session.scalars(stmt.distinct()))


def counts_by_job_and_new(session: Session, job_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """``job id -> (applications, submitted and not yet reviewed)``."""
    if not job_ids:
        return {}
    new = func.sum(case((Application.status == ApplicationStatus.SUBMITTED, 1), else_=0))
    stmt = (
        select(Application.job_id, func.count(), new)
        .where(Application.job_id.in_(list(job_ids)))
        .group_by(Application.job_id)
    )
    return {job_id: (int(n), int(fresh or 0)) for job_id, n, fresh in session.execute(stmt)}


def course_learners(
    session: Session, course_id: int
) -> dict[int, dict[InteractionKind, datetime]]:
    """``person id -> {kind: first time}`` of the enrolled, interested and completed people of
    a course."""
    stmt = (
        select(Interaction.person_id, Interaction.kind, func.min(Interaction.occurred_at))
        .where(
            Interaction.subject_type == SubjectType.COURSE,
            Interaction.subject_id == course_id,
            Interaction.person_id.is_not(None),
            Interaction.kind.in_(
                [InteractionKind.SAVED, InteractionKind.ENROLLED, InteractionKind.COMPLETED]
            ),
            Interaction.claimed.is_(False),  # a seeker's own "completed" awaits the provider
        )
        .group_by(Interaction.person_id, Interaction.kind)
    )
    out: dict[int, dict[InteractionKind, datetime]] = {}
    for person_id, kind, when in session.execute(stmt):
        out.setdefault(int(person_id), {})[kind] = when
    return out


def provider_completed(session: Session, course_id: int, person_id: int) -> bool:
    """Whether the course's provider already recorded this person's completion."""
    stmt = select(Interaction.id, Interaction.context).where(
        Interaction.person_id == person_id,
        Interaction.subject_type == SubjectType.COURSE,
        Interaction.subject_id == course_id,
        Interaction.kind == InteractionKind.COMPLETED,
    )
    return any((ctx or {}).get("source") == "provider" for _, ctx in session.execute(stmt))


def claims(
    session: Session, subject_type: SubjectType, subject_id: int, kind: InteractionKind
) -> list[Interaction]:
    """Outcomes of ``kind`` that seekers claimed about one subject (newest first)."""
    stmt = (
        select(Interaction)
        .where(
            Interaction.subject_type == subject_type,
            Interaction.subject_id == subject_id,
            Interaction.kind == kind,
            Interaction.claimed.is_(True),
            Interaction.person_id.is_not(None),
        )
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
    )
    return list(session.scalars(stmt))


def delete_logged_hires(session: Session, application: Application) -> int:
    """Delete the ``hired`` interactions the employer's hire of ``application`` logged (not a
    seeker's own claim); returns how many."""
    stmt = select(Interaction).where(
        Interaction.person_id == application.person_id,
        Interaction.subject_type == SubjectType.JOB,
        Interaction.subject_id == application.job_id,
        Interaction.kind == InteractionKind.HIRED,
        Interaction.claimed.is_(False),
    )
    rows = [
        r
        for r in session.scalars(stmt)
        if (r.context or {}).get("application_id") == application.id
    ]
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def completion_counts(session: Session, course_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """``course id -> (people who said they enrolled and whose completion the provider has not
    recorded yet, people whose completion the provider recorded)`` (courses with neither left
    out)."""
    if not course_ids:
        return {}
    stmt = select(
        Interaction.subject_id, Interaction.person_id, Interaction.kind, Interaction.context
    ).where(
        Interaction.subject_type == SubjectType.COURSE,
        Interaction.subject_id.in_(sorted(course_ids)),
        Interaction.kind.in_([InteractionKind.ENROLLED, InteractionKind.COMPLETED]),
        Interaction.person_id.is_not(None),
    )
    enrolled: dict[int, set[int]] = {}
    completed: dict[int, set[int]] = {}
    for course_id, person_id, kind, context in session.execute(stmt):
        if kind == InteractionKind.ENROLLED:
            enrolled.setdefault(int(course_id), set()).add(int(person_id))
        elif (context or {}).get("source") == "provider":
            completed.setdefault(int(course_id), set()).add(int(person_id))
    return {
        c: (len(enrolled.get(c, set()) - completed.get(c, set())), len(completed.get(c, set())))
        for c in set(enrolled) | set(completed)
    }


def subject_is_listed(session: Session, subject_type: SubjectType, subject_id: int) -> bool:
    """Whether feedback may name this subject: a job that is not a draft, or any course."""
    if subject_type == SubjectType.JOB:
        job = session.get(Job, subject_id)
        return job is not None and job.status != JobStatus.DRAFT
    return session.get(Course, subject_id) is not None


def skills_taught(session: Session, course_id: int) -> list[tuple[str, SkillLevel | None]]:
    """(skill id, level) of each skill the course teaches."""
    stmt = select(CourseSkill.skill_id, CourseSkill.level).where(CourseSkill.course_id == course_id)
    return [(skill_id, level) for skill_id, level in session.execute(stmt)]


def person_skills(session: Session, person_id: int) -> dict[str, PersonSkill]:
    """The person's skill rows by skill id."""
    stmt = select(PersonSkill).where(PersonSkill.person_id == person_id)
    return {row.skill_id: row for row in session.scalars(stmt)}


def people_by_ids(session: Session, person_ids: Collection[int]) -> dict[int, Person]:
    stmt = select(Person).where(Person.id.in_(list(person_ids)))
    return {person.id: person for person in session.scalars(stmt)}
