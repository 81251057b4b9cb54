"""Retention of events: old published outbox rows and processed-event records are pruned."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from chamba.events import repository
from chamba.events.models import OutboxEvent, ProcessedEvent
from chamba.events.service import Pruned, prune
from chamba.observability.metrics import Metrics

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CONSUMER = "notifications"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def factory_in_test_transaction(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions (on SQLite and PostgreSQL) whose commits are savepoints of one transaction that
    is rolled back after the test; the outbox and the records start empty."""
    connection = engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with factory() as session:
        session.execute(delete(ProcessedEvent))
        session.execute(delete(OutboxEvent))
        session.commit()
    try:
        yield factory
    finally:
        transaction.rollback()
        connection.close()


def add_event(
    session: Session,
    *,
    occurred_days_ago: float,
    published_days_ago: float | None,
    processed_days_ago: float | None = None,
    attempts: int = 0,
) -> str:
    """One outbox row (and its consumer's record when ``processed_days_ago`` is given)."""
    event_id = str(uuid.uuid4())
    session.add(
        OutboxEvent(
            id=event_id, type="job.posted", version=1, key="1",
            occurred_at=ago(occurred_days_ago), payload={"job_id": 1, "status": "open"},
            published_at=None if published_days_ago is None else ago(published_days_ago),
            attempts=attempts,
        )
    )  # fmt: skip
    if processed_days_ago is not None:
        add_record(session, event_id, processed_days_ago)
    return event_id


def add_record(session: Session, event_id: str, days_ago: float) -> None:
    session.add(ProcessedEvent(consumer=CONSUMER, event_id=event_id, processed_at=ago(days_ago)))


def outbox_ids(factory: sessionmaker[Session]) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(OutboxEvent.id)))


def record_ids(factory: sessionmaker[Session]) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(ProcessedEvent.event_id)))


def test_prune_deletes_what_is_old_and_delivered_and_keeps_the_rest(
    factory_in_test_transaction: sessionmaker[Session],
) -> None:
    factory = factory_in_test_transaction
    # GIVEN events of every kind around a 30-day retention
    with factory() as session:
        old = add_event(session, occurred_days_ago=41, published_days_ago=40, processed_days_ago=40)
        recent = add_event(session, occurred_days_ago=5, published_days_ago=5, processed_days_ago=5)
        # never published (failed 20 times): kept, and so is a record of it, however old
        stuck = add_event(
            session, occurred_days_ago=100, published_days_ago=None, processed_days_ago=90,
            attempts=20,
        )  # fmt: skip
        # an old record whose event was (re)published recently: it may come again, keep it
        republished = add_event(
            session, occurred_days_ago=60, published_days_ago=2, processed_days_ago=59
        )
        # an old record whose outbox row was pruned already: nothing can redeliver it
        gone = str(uuid.uuid4())
        add_record(session, gone, 45)
        session.commit()
    metrics = Metrics(version="test")
    # WHEN events older than 30 days are pruned
    pruned = prune(factory, 30, now=NOW, metrics=metrics)
    # THEN only the old published event and the records nothing can redeliver are gone
    assert pruned == Pruned(outbox=1, processed=2)
    assert outbox_ids(factory) == {recent, stuck, republished}
    assert record_ids(factory) == {recent, stuck, republished}
    assert old not in record_ids(factory)
    assert gone not in record_ids(factory)
    # AND the counter tells by table
    value = metrics.registry.get_sample_value
    assert value("chamba_events_pruned_total", {"table": "outbox"}) == 1
    assert value("chamba_events_pruned_total", {"table": "processed_events"}) == 2
    # AND a second run finds nothing more
    assert prune(factory, 30, now=NOW) == Pruned(outbox=0, processed=0)


def test_prune_works_in_bounded_batches(
    factory_in_test_transaction: sessionmaker[Session],
) -> None:
    factory = factory_in_test_transaction
    # GIVEN 7 old published events with their records, and 2 recent ones
    with factory() as session:
        for i in range(7):
            add_event(session, occurred_days_ago=50 + i, published_days_ago=50 + i,
                      processed_days_ago=50 + i)  # fmt: skip
        keep = {
            add_event(session, occurred_days_ago=1, published_days_ago=1, processed_days_ago=1)
            for _ in range(2)
        }
        session.commit()
    # WHEN one batch of 3 is deleted by each repository function
    with factory() as session:
        cutoff = ago(30)
        assert repository.delete_processed_before(session, cutoff, limit=3) == 3
        assert repository.delete_published_before(session, cutoff, limit=3) == 3
        session.commit()
    # THEN exactly 3 of each went
    assert len(outbox_ids(factory)) == 6
    assert len(record_ids(factory)) == 6
    # WHEN prune runs with batches of 3 (2 batches, a full one then a short one, each)
    pruned = prune(factory, 30, batch_size=3, now=NOW)
    # THEN the remaining old rows are all gone and the recent ones stay
    assert pruned == Pruned(outbox=4, processed=4)
    assert outbox_ids(factory) == keep
    assert record_ids(factory) == keep


def test_prune_refuses_a_retention_below_one_day(
    factory_in_test_transaction: sessionmaker[Session],
) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        prune(factory_in_test_transaction, 0)


def test_chamba_events_prune_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chamba.cli import app
    from chamba.config import get_settings
    from chamba.db import get_engine, session_factory

    # GIVEN a database with an event published 20 days ago and one published today
    monkeypatch.setenv("CHAMBA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0
    factory = session_factory(get_engine())
    now = datetime.now(UTC)
    with factory() as session:
        for days in (20, 0):
            session.add(
                OutboxEvent(
                    id=str(uuid.uuid4()), type="job.posted", version=1, key="1",
                    occurred_at=now - timedelta(days=days), payload={},
                    published_at=now - timedelta(days=days),
                )
            )  # fmt: skip
        session.commit()
    # WHEN pruned with the default retention (30 days), THEN nothing goes
    result = CliRunner().invoke(app, ["events", "prune"])
    assert result.exit_code == 0, result.output
    assert "deleted 0 published outbox event(s)" in result.output
    assert "older than 30 days" in result.output
    # WHEN pruned with 10 days, THEN the older event goes
    result = CliRunner().invoke(app, ["events", "prune", "--days", "10", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 published outbox event(s)" in result.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1
    # AND a retention below one day is wrong usage
    assert CliRunner().invoke(app, ["events", "prune", "--days", "0"]).exit_code == 2


def test_the_worker_prunes_when_it_starts(factory: sessionmaker[Session]) -> None:
    from chamba.config import load_settings
    from chamba.events.runtime import run_worker

    # GIVEN an event published 40 days ago (default retention: 30 days)
    now = datetime.now(UTC)
    with factory() as session:
        session.add(
            OutboxEvent(
                id=str(uuid.uuid4()), type="job.posted", version=1, key="1",
                occurred_at=now - timedelta(days=40), payload={},
                published_at=now - timedelta(days=40),
            )
        )  # fmt: skip
        session.commit()

    def remaining() -> int:
        with factory() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)

    async def main() -> int:
        stop = asyncio.Event()
        worker = asyncio.create_task(
            run_worker(
                load_settings(),
                factory.kw["bind"],
                stop,
                consumers=[],
                metrics=Metrics(version="t"),
            )
        )
        # WHEN the worker has started (polled; the loop runs until stopped)
        deadline = time.monotonic() + 30
        while remaining() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await worker
        return remaining()

    # THEN the old event is gone
    assert asyncio.run(main()) == 0
