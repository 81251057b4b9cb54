"""Grants, the people a counselor may see, and notes. Never commits; flushes.

A counselor sees a person only while that person's grant is active; for any other id the
answer is :class:`PersonNotFound` (404), so a counselor cannot probe which ids exist.
Administrators may read any profile (support; every read is audited).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chamba.auth import service as auth_service
from chamba.auth.models import Role, User
from chamba.counseling import repository
from chamba.counseling.errors import GRANT_HINT, CounselorNotFound, GrantNotFound
from chamba.counseling.models import CounselorGrant, CounselorNote
from chamba.counseling.schemas import GrantOut, NoteOut, PersonSummary
from chamba.db import utcnow
from chamba.people import service as people_service
from chamba.people.errors import PersonNotFound
from chamba.people.models import Person
from chamba.text import normalize


def grant_access(
    session: Session, person: Person, counselor_id: int, *, now: datetime | None = None
) -> tuple[CounselorGrant, User]:
    """Let counselor ``counselor_id`` see ``person`` (again). Idempotent while active.

    Raises:
        CounselorNotFound: no active counselor account has that id.
    """
    counselor = auth_service.find_user(session, counselor_id)
    if counselor is None or counselor.role != Role.COUNSELOR or not counselor.is_active:
        raise CounselorNotFound(counselor_id)
    row = repository.grant(session, person.id, counselor_id)
    if row is None:
        row = CounselorGrant(
            person_id=person.id, counselor_user_id=counselor_id, granted_at=now or utcnow()
        )
        session.add(row)
    elif row.revoked_at is not None:
        row.granted_at = now or utcnow()
        row.revoked_at = None
    session.flush()
    return row, counselor


def revoke_access(
    session: Session, person: Person, counselor_id: int, *, now: datetime | None = None
) -> None:
    """End a counselor's access at once.

    Raises:
        GrantNotFound: that counselor has no active access.
    """
    row = repository.active_grant(session, person.id, counselor_id)
    if row is None:
        raise GrantNotFound(counselor_id)
    row.revoked_at = now or utcnow()
    session.flush()


def grants(session: Session, person: Person, *, include_revoked: bool = False) -> list[GrantOut]:
    return [
        GrantOut(
            counselor_id=g.counselor_user_id,
            counselor_name=u.name,
            granted_at=g.granted_at,
            revoked_at=g.revoked_at,
        )
        for g, u in repository.grants_of_person(session, person.id)
        if include_revoked or g.revoked_at is None
    ]


def people_for_counselor(
    session: Session, counselor: User, *, q: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[PersonSummary], int]:
    """People who grant ``counselor`` access; ``q`` filters by name (accent/case-insensitive).

    Names are encrypted, so the filter runs on the decrypted names of this counselor's people
    only (a caseload of tens or hundreds).
    """
    rows = repository.people_of_counselor(session, counselor.id)
    if q:
        words = normalize(q).split()
        rows = [r for r in rows if all(w in normalize(r[1].full_name or "") for w in words)]
    start = (page - 1) * per_page
    items = [
        PersonSummary(person_id=p.id, name=p.full_name, ubigeo=p.ubigeo, granted_at=g.granted_at)
        for g, p in rows[start : start + per_page]
    ]
    return items, len(rows)


def visible_person(session: Session, viewer: User, person_id: int) -> Person:
    """The person ``viewer`` may see: a counselor with an active grant, or an administrator.

    Raises:
        PersonNotFound: no such person, or no active grant (the same answer on purpose).
    """
    allowed = viewer.role == Role.ADMIN or (
        viewer.role == Role.COUNSELOR
        and repository.active_grant(session, person_id, viewer.id) is not None
    )
    person = people_service.get_person(session, person_id) if allowed else None
    if person is None:
        raise PersonNotFound(person_id, hint=GRANT_HINT)
    return person


def add_note(session: Session, counselor: User, person: Person, body: str) -> NoteOut:
    note = CounselorNote(person_id=person.id, counselor_user_id=counselor.id, body=body)
    session.add(note)
    session.flush()
    return NoteOut(
        id=note.id,
        person_id=person.id,
        counselor_id=counselor.id,
        counselor_name=counselor.name,
        body=note.body,
        created_at=note.created_at,
    )


def notes(session: Session, person_id: int) -> list[NoteOut]:
    return [
        NoteOut(
            id=n.id,
            person_id=n.person_id,
            counselor_id=n.counselor_user_id,
            counselor_name=u.name if u is not None else None,
            body=n.body,
            created_at=n.created_at,
        )
        for n, u in repository.notes_of_person(session, person_id)
    ]
