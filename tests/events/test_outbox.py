"""The outbox: events written with the change, relayed in-process after commit, applied once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.events import world

from chamba.events.consumers import AfterCommit, Consumer, apply_event
from chamba.events.models import OutboxEvent, ProcessedEvent
from chamba.events.relay import BackgroundDispatcher, OutboxRelay
from chamba.events.schemas import (
    REGISTRY,
    DomainEvent,
    JobPayload,
    JobPosted,
    event_types,
    parse_event,
)
from chamba.events.service import emit
from chamba.insights.cache import DemandCache
from chamba.insights.consumers import DemandConsumer
from chamba.jobs import service as job_service
from chamba.observability.metrics import Metrics


class Recorder(Consumer):
    """A shared consumer that counts what it applied (and can be made to fail)."""

    name = "recorder"
    types = frozenset({"job.posted", "job.updated", "job.closed"})

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[str] = []
        self.fail = False

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        if self.fail:
            raise RuntimeError("consumer down")
        self.applied.append(str(event.id))
        return None


def outbox(factory: sessionmaker[Session]) -> list[OutboxEvent]:
    with factory() as session:
        return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at)))


def test_every_event_type_round_trips_and_carries_no_personal_data() -> None:
    personal = {"name", "full_name", "email", "phone", "national_id", "message", "reason", "text"}
    for cls in event_types():
        fields = set(cls.model_fields["payload"].annotation.model_fields)
        assert not fields & personal, cls.type
        assert cls.key_field in fields, cls.type
    event = JobPosted(payload=JobPayload(job_id=7, status="open"))
    again = parse_event(event.envelope())
    assert again == event
    assert again.key == "7"
    assert again.occurred_at.utcoffset().seconds == 0
    assert len({cls.type for cls in REGISTRY.values()}) == len(REGISTRY) == 18


def test_the_event_is_written_in_the_transaction_of_the_change(
    factory: sessionmaker[Session],
) -> None:
    # GIVEN a job posted through the service, in a transaction that is rolled back
    with factory() as session:
        org = world.employer(session)
        world.post_job(session, org, world.skill_ids(session, 2))
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1
        session.rollback()
    # THEN neither the job nor its event exist
    assert outbox(factory) == []
    # WHEN the same change commits
    with factory() as session:
        org = world.employer(session)
        job = world.post_job(session, org, world.skill_ids(session, 2))
        job_service.close_job(session, job)
        session.commit()
    # THEN both events are there, in order, unpublished, with the job id as key
    rows = outbox(factory)
    assert [r.type for r in rows] == ["job.posted", "job.closed"]
    assert {r.key for r in rows} == {str(job.id)}
    assert all(r.published_at is None and r.attempts == 0 for r in rows)


def test_in_process_relay_delivers_once_and_retries_after_a_failure(
    factory: sessionmaker[Session],
) -> None:
    recorder = Recorder()
    metrics = Metrics(version="test")
    relay = OutboxRelay(factory, consumers=[recorder], metrics=metrics)
    with factory() as session:
        org = world.employer(session)
        world.post_job(session, org, world.skill_ids(session, 2))
        world.post_job(session, org, world.skill_ids(session, 3))
        session.commit()
    assert metrics.outbox_lag._value.get() == 0  # not fed yet
    relay.feed_metrics()
    assert metrics.outbox_lag._value.get() == 2
    assert metrics.outbox_oldest_age._value.get() > 0
    # WHEN the consumer fails: nothing is marked, an attempt and the error are recorded
    recorder.fail = True
    assert relay.dispatch_pending() == 0
    first = outbox(factory)[0]
    assert first.published_at is None
    assert first.attempts == 1
    assert "consumer down" in (first.last_error or "")
    # WHEN it recovers: both are delivered, in order, once
    recorder.fail = False
    assert relay.dispatch_pending() == 2
    assert recorder.applied == [r.id for r in outbox(factory)]
    assert all(r.published_at is not None for r in outbox(factory))
    assert metrics.outbox_lag._value.get() == 0
    assert metrics.consumer_lag.labels(consumer="recorder")._value.get() == 0
    # AND a redelivery (a relay that crashed before marking) is not applied twice
    event = parse_event({**_envelope(outbox(factory)[0])})
    assert apply_event(factory, recorder, event) is False
    assert len(recorder.applied) == 2
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 2


def test_consumer_lag_counts_published_events_not_yet_processed(
    factory: sessionmaker[Session],
) -> None:
    recorder = Recorder()
    metrics = Metrics(version="test")
    with factory() as session:
        org = world.employer(session)
        world.post_job(session, org, world.skill_ids(session, 2))
        session.commit()
    # published (e.g. to Kafka) by a relay without this consumer
    OutboxRelay(factory, consumers=[]).dispatch_pending()
    relay = OutboxRelay(factory, consumers=[recorder], metrics=metrics)
    relay.feed_metrics()
    assert metrics.consumer_lag.labels(consumer="recorder")._value.get() == 1


def test_the_app_dispatcher_delivers_after_commit_and_not_after_rollback(
    factory: sessionmaker[Session],
) -> None:
    recorder = Recorder()
    cache = DemandCache()
    cache._entry = (None, None, {})  # type: ignore[assignment]
    relay = OutboxRelay(factory, consumers=[recorder, DemandConsumer(cache)])
    dispatcher = BackgroundDispatcher(relay, factory, poll_seconds=60).start()
    try:
        with factory() as session:
            org = world.employer(session)
            world.post_job(session, org, world.skill_ids(session, 2))
            session.rollback()
        with factory() as session:
            org = world.employer(session)
            world.post_job(session, org, world.skill_ids(session, 2))
            session.commit()
        for _ in range(200):
            if recorder.applied:
                break
            time.sleep(0.05)
    finally:
        dispatcher.stop()
    assert len(recorder.applied) == 1
    assert cache._entry is None
    assert cache.invalidations == 1


def test_emit_queues_without_a_flush(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        emit(session, JobPosted(payload=JobPayload(job_id=1, status="open")))
        session.commit()
    assert [r.type for r in outbox(factory)] == ["job.posted"]


def _envelope(row: OutboxEvent) -> dict[str, object]:
    return {"id": row.id, "type": row.type, "version": row.version,
            "occurred_at": row.occurred_at, "payload": row.payload}  # fmt: skip


def test_chamba_worker_once_drains_the_outbox_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from chamba.api.consumers import shared_consumers
    from chamba.cli import app
    from chamba.config import get_settings
    from chamba.db import get_engine, session_factory

    monkeypatch.setenv("CHAMBA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHAMBA_LOG_FORMAT", "text")
    get_settings.cache_clear()
    factory = session_factory(get_engine())
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    with factory() as session:
        org = world.employer(session)
        world.post_job(session, org, world.skill_ids(session, 2))
        session.commit()
    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 1 event(s)" in result.output
    assert all(r.published_at is not None for r in outbox(factory))
    assert [c.name for c in shared_consumers(get_settings())] == ["notifications", "datasets"]


def test_a_promotion_is_announced_as_model_promoted(factory: sessionmaker[Session]) -> None:
    from chamba.learning.registry import announce

    doc = {"kind": "jobs", "current": "v2", "history": [
        {"action": "promote", "version": "v2", "from": "v1", "forced": False}
    ]}  # fmt: skip
    announce(factory.kw["bind"], doc)
    (row,) = outbox(factory)
    assert row.type == "model.promoted"
    assert row.key == "jobs"
    assert row.payload["version"] == "v2"
    assert row.payload["previous_version"] == "v1"
