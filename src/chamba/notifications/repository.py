"""SQL of the inbox and of finding the seekers a new job suits."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chamba.auth.models import User
from chamba.notifications.models import Notification
from chamba.people.models import Device, Person, PersonSkill


def by_id(session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def of_user(session: Session, user_id: int, *, limit: int) -> Sequence[Notification]:
    return session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def people_with_skills(
    session: Session, skill_ids: Collection[str], *, at_least: int, remote_ready: bool
) -> list[tuple[int, int, str | None, float | None, int]]:
    """Seekers with an account holding ``at_least`` of ``skill_ids`` (confirmed).

    Returns:
        ``(person_id, user_id, ubigeo, max_distance_km, matched)`` rows, most matched first.
    """
    matched = func.count(func.distinct(PersonSkill.skill_id))
    stmt = (
        select(Person.id, Person.user_id, Person.ubigeo, Person.max_distance_km, matched)
        .join(PersonSkill, PersonSkill.person_id == Person.id)
        .join(User, User.id == Person.user_id)
        .where(
            PersonSkill.skill_id.in_(sorted(skill_ids)),
            PersonSkill.confirmed.is_(True),
            User.is_active.is_(True),
        )
        .group_by(Person.id, Person.user_id, Person.ubigeo, Person.max_distance_km)
        .having(matched >= at_least)
        .order_by(matched.desc(), Person.id)
    )
    if remote_ready:
        stmt = stmt.where(Person.has_internet.is_(True), Person.device != Device.NONE)
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in session.execute(stmt)]


def users_by_ids(session: Session, ids: Collection[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def application_with_user(session: Session, application_id: int) -> tuple[int, int, str] | None:
    """``(user_id, job_id, job title)`` of an application whose applicant has an account."""
    from chamba.activity.models import Application
    from chamba.jobs.models import Job

    row = session.execute(
        select(Person.user_id, Job.id, Job.title)
        .join(Application, Application.person_id == Person.id)
        .join(Job, Job.id == Application.job_id)
        .where(Application.id == application_id, Person.user_id.is_not(None))
    ).first()
    return (int(row[0]), int(row[1]), str(row[2])) if row is not None else None


def waiting_applicants(session: Session, job_id: int, statuses: Collection[str]) -> list[int]:
    """User ids of the job's applicants with an account whose application is in ``statuses``."""
    from chamba.activity.models import Application

    rows = session.scalars(
        select(Person.user_id)
        .join(Application, Application.person_id == Person.id)
        .where(
            Application.job_id == job_id,
            Application.status.in_(sorted(statuses)),
            Person.user_id.is_not(None),
        )
        .order_by(Person.user_id)
    )
    return [int(u) for u in rows if u is not None]
