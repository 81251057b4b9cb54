"""SQL of the events feature: the outbox queue and the processed-events ledger."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chamba.events.models import OutboxEvent, ProcessedEvent


def pending(session: Session, *, limit: int, max_attempts: int) -> Sequence[OutboxEvent]:
    """Unpublished events, oldest first (those that failed ``max_attempts`` times are left)."""
    return session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None), OutboxEvent.attempts < max_attempts)
        .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        .limit(limit)
    ).all()


def mark_published(session: Session, ids: Collection[str], at: datetime) -> None:
    if ids:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(sorted(ids)), OutboxEvent.published_at.is_(None))
            .values(published_at=at, last_error=None)
        )


def mark_failed(session: Session, ids: Collection[str], error: str) -> None:
    if ids:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(sorted(ids)))
            .values(attempts=OutboxEvent.attempts + 1, last_error=error[:2000])
        )


def is_processed(session: Session, consumer: str, event_id: str) -> bool:
    return session.get(ProcessedEvent, (consumer, event_id)) is not None


def outbox_lag(session: Session) -> tuple[int, datetime | None]:
    """Unpublished events and the time of the oldest one."""
    row = session.execute(
        select(func.count(), func.min(OutboxEvent.occurred_at)).where(
            OutboxEvent.published_at.is_(None)
        )
    ).one()
    oldest = row[1]
    if isinstance(oldest, str):  # SQLite aggregate results skip the column type
        oldest = datetime.fromisoformat(oldest)
    return int(row[0]), oldest


def consumer_lag(session: Session, consumer: str, types: Collection[str]) -> int:
    """Published events of ``types`` that ``consumer`` has not processed yet."""
    done = select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == consumer)
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(
                OutboxEvent.published_at.is_not(None),
                OutboxEvent.type.in_(sorted(types)),
                OutboxEvent.id.not_in(done),
            )
        )
        or 0
    )
