"""The audit log table. It names actors and objects by id only and holds no personal values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One action on personal data: ``actor`` did ``action`` to ``object_type``/``object_id``.

    ``actor_role`` is the role at the time (a later role change does not rewrite history).
    Entries are never edited; they survive the erasure of the person they are about (they hold
    ids, not names), so that the access history stays accountable.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)
