"""SQL of exports and erasure (the rows of one person across features)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chamba.activity.models import Application, Interaction
from chamba.auth.models import AuthAttempt, AuthSession, RefreshToken
from chamba.jobs.models import Job
from chamba.learning.models import AttributeHistory, HistoryEntity
from chamba.people.models import CounselorGrant, CounselorNote


def applications_with_titles(
    session: Session, person_id: int
) -> list[tuple[Application, str | None]]:
    rows = session.execute(
        select(Application, Job.title)
        .outerjoin(Job, Job.id == Application.job_id)
        .where(Application.person_id == person_id)
        .order_by(Application.created_at, Application.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def interactions_of(session: Session, person_id: int) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.person_id == person_id)
            .order_by(Interaction.occurred_at, Interaction.id)
        )
    )


def person_key_of(session: Session, person_id: int) -> str | None:
    """The pseudonym already used in this person's interactions, if any."""
    return session.scalar(
        select(Interaction.person_key).where(Interaction.person_id == person_id).limit(1)
    )


def logged_kinds(session: Session, person_id: int) -> set[tuple[int, str]]:
    """(job id, kind) of the person's job interactions."""
    rows = session.execute(
        select(Interaction.subject_id, Interaction.kind).where(
            Interaction.person_id == person_id, Interaction.subject_type == "job"
        )
    ).all()
    return {(r[0], str(r[1])) for r in rows}


def detach_interactions(session: Session, person_id: int) -> None:
    """Keep the person's interactions for learning, without the link to the person."""
    session.execute(
        update(Interaction)
        .where(Interaction.person_id == person_id)
        .values(person_id=None)
        .execution_options(synchronize_session=False)
    )


def delete_person_rows(session: Session, person_id: int) -> None:
    """Applications, counselor grants and notes of a person, and their attribute versions."""
    for model in (Application, CounselorGrant, CounselorNote):
        session.execute(
            delete(model)
            .where(model.person_id == person_id)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        delete(AttributeHistory)
        .where(
            AttributeHistory.entity == HistoryEntity.PERSON,
            AttributeHistory.entity_id == person_id,
        )
        .execution_options(synchronize_session=False)
    )


def delete_logins(session: Session, user_id: int, identifier_indexes: Collection[str]) -> None:
    """Every login session and refresh token of a user, and rate-limit rows keyed by them."""
    sessions = select(AuthSession.id).where(AuthSession.user_id == user_id)
    session.execute(
        delete(RefreshToken)
        .where(RefreshToken.session_id.in_(sessions))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AuthSession)
        .where(AuthSession.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    keys = [k for k in identifier_indexes if k]
    if keys:
        session.execute(
            delete(AuthAttempt)
            .where(AuthAttempt.key.in_(keys))
            .execution_options(synchronize_session=False)
        )
