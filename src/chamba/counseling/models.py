"""Counselor access: a seeker's grant to a counselor, and the counselor's notes about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, EncryptedString, UTCDateTime, utcnow


class CounselorGrant(Base):
    """A seeker lets a counselor see their profile, pathways and matches (until revoked).

    Granting again after a revocation reopens the same row (``revoked_at`` back to NULL); the
    audit log keeps the history.
    """

    __tablename__ = "counselor_grants"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    counselor_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CounselorNote(Base):
    """A counselor's note about a person (encrypted; the person sees it in their export)."""

    __tablename__ = "counselor_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    counselor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(EncryptedString)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
