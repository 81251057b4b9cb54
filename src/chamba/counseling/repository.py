"""SQL of counselor grants and notes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.auth.models import User
from chamba.counseling.models import CounselorGrant, CounselorNote
from chamba.people.models import Person


def grant(session: Session, person_id: int, counselor_id: int) -> CounselorGrant | None:
    """The grant row (active or revoked) of this person and counselor, if any."""
    return session.get(CounselorGrant, (person_id, counselor_id))


def active_grant(session: Session, person_id: int, counselor_id: int) -> CounselorGrant | None:
    row = grant(session, person_id, counselor_id)
    return row if row is not None and row.revoked_at is None else None


def grants_of_person(session: Session, person_id: int) -> list[tuple[CounselorGrant, User]]:
    """Every grant of a person (active and revoked) with the counselor, oldest first."""
    rows = session.execute(
        select(CounselorGrant, User)
        .join(User, User.id == CounselorGrant.counselor_user_id)
        .where(CounselorGrant.person_id == person_id)
        .order_by(CounselorGrant.granted_at, CounselorGrant.counselor_user_id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def people_of_counselor(session: Session, counselor_id: int) -> list[tuple[CounselorGrant, Person]]:
    """People who currently grant this counselor access, most recent grant first."""
    rows = session.execute(
        select(CounselorGrant, Person)
        .join(Person, Person.id == CounselorGrant.person_id)
        .where(
            CounselorGrant.counselor_user_id == counselor_id,
            CounselorGrant.revoked_at.is_(None),
        )
        .order_by(CounselorGrant.granted_at.desc(), Person.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def notes_of_person(session: Session, person_id: int) -> list[tuple[CounselorNote, User | None]]:
    """Notes about a person with their author (None when the account is gone), oldest first."""
    rows = session.execute(
        select(CounselorNote, User)
        .outerjoin(User, User.id == CounselorNote.counselor_user_id)
        .where(CounselorNote.person_id == person_id)
        .order_by(CounselorNote.created_at, CounselorNote.id)
    ).all()
    return [(r[0], r[1]) for r in rows]
