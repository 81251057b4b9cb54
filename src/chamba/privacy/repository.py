"""SQL of exports and erasure (the rows of one person across features)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Integer, column, delete, select, table, update
from sqlalchemy.orm import Session

from chamba.activity.models import Application, Interaction
from chamba.auth.models import AuthAttempt, AuthSession, ContactCode, PasswordReset, RefreshToken
from chamba.counseling.models import CounselorGrant, CounselorNote
from chamba.events.models import OutboxEvent
from chamba.jobs.models import Job
from chamba.learning.models import AttributeHistory, HistoryEntity


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
        .values(person_id=None, reason=None)  # the reason is the person's own words
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
    """Every login session and refresh token of a user, their contact codes (which hold
    addresses) and reset requests, and rate-limit rows keyed by them."""
    for model in (ContactCode, PasswordReset):
        session.execute(
            delete(model)
            .where(model.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
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


#: The in-app notifications (an upper feature's table, named here so that this module does
#: not import upwards): they name the user and the jobs matched to them.
_notifications = table(
    "notifications",
    column("id", Integer),
    column("user_id", Integer),
    column("kind"),
    column("title_es"),
    column("title_en"),
    column("body"),
    column("job_id", Integer),
    column("created_at"),
    column("read_at"),
)


def notifications_of(session: Session, user_id: int) -> list[dict[str, object]]:
    stmt = (
        select(
            _notifications.c.id, _notifications.c.kind, _notifications.c.title_es,
            _notifications.c.title_en, _notifications.c.body, _notifications.c.job_id,
            _notifications.c.created_at, _notifications.c.read_at,
        )
        .where(_notifications.c.user_id == user_id)
        .order_by(_notifications.c.id)
    )  # fmt: skip
    return [dict(row._mapping) for row in session.execute(stmt)]


def delete_notifications(session: Session, user_id: int) -> None:
    session.execute(delete(_notifications).where(_notifications.c.user_id == user_id))


def logins_of(session: Session, user_id: int) -> list[AuthSession]:
    stmt = select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.id)
    return list(session.scalars(stmt))


def scrub_outbox(session: Session, person_id: int) -> int:
    """Remove the person id from the payloads of published outbox events that name it (a
    feedback event names the interaction too, and would link the pseudonymised log back to
    them). Events not yet delivered keep it: their consumers (the match index dropping the
    person's vector) need it, and publishing them is the relay's next step."""
    named = OutboxEvent.payload["person_id"].as_integer() == person_id
    stmt = select(OutboxEvent).where(named, OutboxEvent.published_at.is_not(None))
    rows = list(session.scalars(stmt))
    for row in rows:
        row.payload = {**row.payload, "person_id": None}
    session.flush()
    return len(rows)
