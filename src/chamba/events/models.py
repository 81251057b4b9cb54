"""Tables of the events feature: the outbox and the consumers' record of processed events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, JSONType, UTCDateTime, utcnow
from chamba.json_types import JSONObject


class OutboxEvent(Base):
    """A domain event written in the transaction of the change; the relay publishes it later.

    ``published_at`` is set once the event was handed to Kafka (acknowledged) or dispatched to
    every in-process consumer; ``attempts`` and ``last_error`` record failed tries.
    """

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[JSONObject] = mapped_column(JSONType)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_pending", "published_at", "occurred_at"),)


class ProcessedEvent(Base):
    """An event a (shared) consumer has applied; written in the same transaction as its effect.

    Kept for ``CHAMBA_EVENTS_RETENTION_DAYS`` (see :func:`chamba.events.service.prune`); the
    ``processed_at`` index serves that pruning.
    """

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(60), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_processed_events_processed_at", "processed_at"),)
