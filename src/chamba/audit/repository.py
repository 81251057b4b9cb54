"""SQL of the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from chamba.audit.models import AuditEntry


def add(session: Session, entry: AuditEntry) -> AuditEntry:
    session.add(entry)
    session.flush()
    return entry


def page(
    session: Session,
    *,
    actor_user_id: int | None,
    action: str | None,
    object_type: str | None,
    object_id: str | None,
    offset: int,
    limit: int,
    exclude_actions: Sequence[str] = (),
) -> tuple[list[AuditEntry], int]:
    """One page of entries, newest first, and the total count under the filters."""
    conditions: list[ColumnElement[bool]] = []
    if exclude_actions:
        conditions.append(AuditEntry.action.not_in(list(exclude_actions)))
    if actor_user_id is not None:
        conditions.append(AuditEntry.actor_user_id == actor_user_id)
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if object_type is not None:
        conditions.append(AuditEntry.object_type == object_type)
    if object_id is not None:
        conditions.append(AuditEntry.object_id == object_id)
    stmt = select(AuditEntry).where(*conditions)
    entries = list(
        session.scalars(
            stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)
        )
    )
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    return entries, total or 0


def about_or_by(session: Session, *, user_id: int, person_id: int | None) -> list[AuditEntry]:
    """Entries about a user (and their person record) or made by them, oldest first."""
    about = [
        (AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user_id)),
        AuditEntry.actor_user_id == user_id,
    ]
    if person_id is not None:
        about.append(
            (AuditEntry.object_type == "person") & (AuditEntry.object_id == str(person_id))
        )
    return list(session.scalars(select(AuditEntry).where(or_(*about)).order_by(AuditEntry.id)))
