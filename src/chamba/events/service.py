"""Writing events: :func:`emit` adds an outbox row in the caller's transaction.

A rollback drops the event with the change; a commit makes both durable together. Delivery is
the relay's job (:mod:`chamba.events.relay`), after commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from chamba.events import repository
from chamba.events.models import OutboxEvent
from chamba.events.schemas import DomainEvent, parse_event

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

#: ``session.info`` key listing the ids of the events emitted in the current transaction.
EMITTED_KEY = "chamba.events.emitted"


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


def feed_metrics(session: Session, metrics: Metrics, consumers: Any = ()) -> None:
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
