"""Write and read the audit log. Never commits: the entry joins the request's transaction.

An entry records *that* an admin or counselor touched someone's personal data — never the
values. Action names are ``<object>.<verb>`` (``person.profile_read``, ``user.role_changed``);
see :data:`ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chamba.audit import repository
from chamba.audit.models import AuditEntry
from chamba.auth.models import User
from chamba.db import table_of, utcnow
from chamba.side_writes import side_writer_of

#: Every action written to the log, with what it means.
ACTIONS: dict[str, str] = {
    "person.profile_read": "read a person's profile",
    "person.pathway_read": "planned a learning pathway for a person",
    "person.matches_read": "listed job matches for a person",
    "person.notes_read": "read the notes about a person",
    "person.applications_read": "read a person's job applications",
    "person.note_created": "wrote a note about a person",
    "person.list": "listed the people who granted access",
    "person.erased": "a person erased their data",
    "person.exported": "a person exported their data",
    "person.contact_read": "an employer was shown a person's contact details",
    "application.hired": "an employer hired a person who applied",
    "application.hire_undone": "an employer undid a hire (back to interview)",
    "application.rejected": "an employer turned down a person who applied",
    "application.rejection_undone": "an employer undid a rejection (back to where it was)",
    "job.closed": "an employer closed a job posting",
    "job.reopened": "an employer reopened a job posting it had closed",
    "user.list": "listed accounts",
    "user.created": "created an account",
    "user.role_changed": "changed an account's role",
    "user.deactivated": "deactivated an account",
    "user.activated": "reactivated an account",
    "user.password_reset": "set a new password through a reset link (every login ended)",
    "user.email_changed": "changed their e-mail to a new one confirmed by a code",
    "user.phone_changed": "changed their phone to a new one confirmed by a code",
    "audit.read": "read the audit log",
    "model.promoted": "promoted a ranking model version (forced promotions carry their reason)",
    "model.rolled_back": "rolled the serving ranking model back to the previous version",
}


#: Actions that only read: recorded through the app's side writer (outside the request's
#: transaction, which stays a read) when the session has one.
READ_ACTIONS: frozenset[str] = frozenset(
    {
        "person.profile_read", "person.pathway_read", "person.matches_read",
        "person.notes_read", "person.applications_read", "person.list", "user.list",
        "audit.read",
        "person.contact_read", "person.exported",  # written by GETs too (candidates, export)
    }
)  # fmt: skip


def record(
    session: Session,
    actor: User,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    *,
    request_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry (flushed; an action of :data:`READ_ACTIONS` goes through the app's
    side writer instead when ``session`` has one, see :mod:`chamba.side_writes`).

    Args:
        session: the request's session.
        actor: who acted; their current role is recorded.
        action: one of :data:`ACTIONS`.
        object_type: ``person``, ``user``, ``audit_log``...
        object_id: the object's id (not a name or any other personal value).
        request_id: the request's id, to find its logs.
        at: when (default now).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to ACTIONS")
    entry = AuditEntry(
        actor_user_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        request_id=request_id,
        at=at or utcnow(),
    )
    writer = side_writer_of(session) if action in READ_ACTIONS else None
    if writer is not None:
        table = table_of(AuditEntry)
        columns = table.columns.keys()
        writer.submit(
            table,
            [{c: getattr(entry, c) for c in columns if c != "id"}],
        )
        return entry
    return repository.add(session, entry)


def list_entries(
    session: Session,
    *,
    actor_user_id: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    page: int = 1,
    per_page: int = 50,
    exclude_actions: Sequence[str] = (),
) -> tuple[list[AuditEntry], int]:
    return repository.page(
        session,
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        offset=(page - 1) * per_page,
        limit=per_page,
        exclude_actions=exclude_actions,
    )


def entries_for_subject(
    session: Session, *, user_id: int, person_id: int | None
) -> list[AuditEntry]:
    """Entries about a user and their person record, or made by that user (for exports)."""
    return repository.about_or_by(session, user_id=user_id, person_id=person_id)
