"""Writing events: :func:`emit` adds an outbox row in the caller's transaction.

A rollback drops the event with the change; a commit makes both durable together. Delivery is
the relay's job (:mod:`chamba.events.relay`), after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from chamba.db import utcnow
from chamba.events import repository
from chamba.events.models import OutboxEvent
from chamba.events.schemas import DomainEvent, parse_event

if TYPE_CHECKING:
    from chamba.events.consumers import Consumer
    from chamba.observability.metrics import Metrics

#: ``session.info`` key listing the ids of the events emitted in the current transaction.
EMITTED_KEY = "chamba.events.emitted"
#: Rows deleted per statement (and transaction) by :func:`prune`.
PRUNE_BATCH = 10_000


def emit(session: Session, event: DomainEvent) -> DomainEvent:
    """Queue ``event`` in the outbox, in the session's current transaction (never commits)."""
    session.add(
        OutboxEvent(
            id=str(event.id),
            type=event.type,
            version=event.version,
            key=event.key,
            occurred_at=event.occurred_at,
            payload=event.payload.model_dump(mode="json"),
            attempts=0,
        )
    )
    session.info.setdefault(EMITTED_KEY, []).append(str(event.id))
    return event


def event_of(row: OutboxEvent) -> DomainEvent:
    """The typed event stored in an outbox row."""
    return parse_event(
        {"id": row.id, "type": row.type, "version": row.version,
         "occurred_at": row.occurred_at, "payload": row.payload}
    )  # fmt: skip


def feed_metrics(session: Session, metrics: Metrics, consumers: Iterable[Consumer] = ()) -> None:
    """Set the outbox gauges and the lag of each shared consumer from the database.

    Args:
        session: database session.
        metrics: the app's or worker's :class:`~chamba.observability.metrics.Metrics`.
        consumers: :class:`~chamba.events.consumers.Consumer` objects; those that record
            processed events get ``chamba_consumer_lag_events{consumer}``.
    """
    lag, oldest = repository.outbox_lag(session)
    metrics.outbox_lag.set(lag)
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    metrics.outbox_oldest_age.set(age)
    for consumer in consumers:
        if consumer.shared:
            value = repository.consumer_lag(session, consumer.name, consumer.types)
            metrics.consumer_lag.labels(consumer=consumer.name).set(value)


@dataclass(frozen=True)
class Pruned:
    """What :func:`prune` deleted: outbox rows and processed-event records."""

    outbox: int
    processed: int


def prune(
    factory: sessionmaker[Session],
    days: int,
    *,
    batch_size: int = PRUNE_BATCH,
    now: datetime | None = None,
    metrics: Metrics | None = None,
) -> Pruned:
    """Delete outbox events published, and processed-event records written, ``days`` ago or more.

    Retention. An outbox row goes once it was published before the cutoff (``now - days``); an
    unpublished row stays whatever its age (it is still to deliver, or it failed
    ``MAX_ATTEMPTS`` times and waits for a person to look at it). A ``processed_events`` record
    is what makes a redelivered event a no-op, so it must outlive every way its event can come
    again:

    * from the outbox: the relay re-sends a row until it is marked published (a crash between
      delivery and marking, a failing consumer further down the list). So a record stays while
      its event's outbox row is unpublished, or was published after the cutoff, whatever the
      record's own age: records never go before their outbox row does;
    * from Kafka: a consumer group that rewinds re-reads what the topic still holds. Events
      published before the cutoff are older than ``days``, so keep ``days`` above the topics'
      retention (Kafka's default is 7 days; ours is 30).

    Deleting in batches of ``batch_size`` rows, each in its own short transaction, keeps a large
    backlog from holding locks on the tables for long; the relay and the consumers touch other
    rows (unpublished events, new records) meanwhile. Like the relay, this commits: it takes a
    session factory, not a session.

    Args:
        factory: sessions on the database with the outbox.
        days: the retention, in days (``CHAMBA_EVENTS_RETENTION_DAYS``).
        batch_size: rows per statement and transaction.
        now: the current time (tests).
        metrics: optional :class:`~chamba.observability.metrics.Metrics`; adds to
            ``chamba_events_pruned_total{table}``.

    Returns:
        How many rows were deleted from each table.

    Example:
        >>> prune(session_factory(engine), 30)  # doctest: +SKIP
        Pruned(outbox=1204, processed=1190)
    """
    if days < 1 or batch_size < 1:
        raise ValueError("days and batch_size must be at least 1")
    cutoff = (now or utcnow()) - timedelta(days=days)
    processed = _in_batches(
        factory, lambda s: repository.delete_processed_before(s, cutoff, limit=batch_size),
        batch_size,
    )  # fmt: skip
    outbox = _in_batches(
        factory, lambda s: repository.delete_published_before(s, cutoff, limit=batch_size),
        batch_size,
    )  # fmt: skip
    if metrics is not None:
        metrics.events_pruned.labels(table="processed_events").inc(processed)
        metrics.events_pruned.labels(table="outbox").inc(outbox)
    return Pruned(outbox=outbox, processed=processed)


def _in_batches(
    factory: sessionmaker[Session], delete_batch: Callable[[Session], int], batch_size: int
) -> int:
    total = 0
    while True:
        with factory() as session:
            deleted = delete_batch(session)
            session.commit()
        total += deleted
        if deleted < batch_size:
            return total
