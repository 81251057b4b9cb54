"""SQL of the events feature: the outbox queue and the processed-events ledger."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

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


def delete_published_before(session: Session, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` outbox rows published before ``cutoff``; returns how many.

    Unpublished rows are never touched, however old. One statement, a range of
    ``ix_outbox_pending`` (which leads with ``published_at``).
    """
    row = aliased(OutboxEvent)
    batch = select(row.id).where(row.published_at < cutoff).limit(limit)
    result = session.execute(
        delete(OutboxEvent)
        .where(OutboxEvent.id.in_(batch))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def delete_processed_before(session: Session, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` processed-event records older than ``cutoff``; returns how many.

    A record is kept, however old, while its event is still in the outbox unpublished or
    published at or after ``cutoff``: that event may still be delivered (again).
    """
    record = aliased(ProcessedEvent)
    deliverable = exists().where(
        OutboxEvent.id == record.event_id,
        or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at >= cutoff),
    )
    batch = (
        select(record.consumer, record.event_id)
        .where(record.processed_at < cutoff, ~deliverable)
        .limit(limit)
    )
    result = session.execute(
        delete(ProcessedEvent)
        .where(tuple_(ProcessedEvent.consumer, ProcessedEvent.event_id).in_(batch))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def recent_of_types(
    session: Session, types: Collection[str], *, published_since: datetime
) -> list[tuple[str, datetime | None]]:
    """(id, published_at) of the events of ``types`` not yet published or published since
    ``published_since``, oldest first."""
    stmt = (
        select(OutboxEvent.id, OutboxEvent.published_at)
        .where(
            OutboxEvent.type.in_(types),
            or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at >= published_since),
        )
        .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
    )
    return [(event_id, published_at) for event_id, published_at in session.execute(stmt)]


def by_ids(session: Session, ids: Collection[str]) -> dict[str, OutboxEvent]:
    """The outbox rows with these ids, by id (the ones gone are absent)."""
    stmt = select(OutboxEvent).where(OutboxEvent.id.in_(list(ids)))
    return {row.id: row for row in session.scalars(stmt)}
