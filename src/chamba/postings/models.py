"""The columns every posting-like table (``jobs``, ``courses``) has, with the same meaning."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import JSONType, UTCDateTime, utcnow
from chamba.vocab import EducationLevel, db_enum


class Posting:
    """Mixin of a published offer (a job, a course): title and text, place, schedule, currency,
    education asked for, where it was imported from and when it changed.

    Each table adds its own columns, its skills relationship and its ``(source, external_id)``
    unique constraint (named after the table).
    """

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)  # first column
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    ubigeo: Mapped[str | None] = mapped_column(String(6), index=True)
    schedule: Mapped[list[str]] = mapped_column(JSONType, default=list)
    currency: Mapped[str] = mapped_column(String(3), default="PEN")
    education_required: Mapped[EducationLevel | None] = mapped_column(
        db_enum(EducationLevel, "education_level")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    if TYPE_CHECKING:
        skills: Any  # each table's relationship to its own skill rows
