"""Events through a real Kafka-protocol broker (Tansu): publish, consume, crash and recover.

One broker serves the module; each test uses its own topic prefix. Tansu keeps messages in
memory, so a broker crash loses what it held: the guarantee tested is the outbox's — whatever
the broker did not acknowledge is published again — and the consumers' — nothing is applied
twice (``processed_events``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.events import world
from tests.support.kafka_broker import KafkaBroker

from chamba.events.consumers import AfterCommit, Consumer
from chamba.events.kafka import KafkaConsumerLoop, KafkaPublisher
from chamba.events.models import OutboxEvent
from chamba.events.relay import OutboxRelay
from chamba.events.schemas import DomainEvent
from chamba.matching.consumers import IndexSyncConsumer
from chamba.observability.metrics import Metrics

_prefix = itertools.count(1)


class Recorder(Consumer):
    name = "recorder"
    types = frozenset({"job.posted", "job.updated", "job.closed"})

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[str] = []

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        self.applied.append(str(event.id))
        return None


class FakeStore:
    """Stands for an IndexStore: records the refreshes the index consumer asks for."""

    indexes = object()

    def __init__(self) -> None:
        self.refreshed: list[tuple[str, list[int]]] = []

    def refresh(self, session: Session, changes: dict[str, list[int]]) -> None:
        self.refreshed += [(k, list(v)) for k, v in changes.items()]


class CrashAfterPublish(OutboxRelay):
    """A relay that dies after Kafka acknowledged a batch and before it marks it published."""

    async def _after_publish(self, ids: list[str]) -> None:
        raise SystemExit("relay killed between publish and mark")


def post_jobs(factory: sessionmaker[Session], n: int) -> list[int]:
    with factory() as session:
        org = world.employer(session)
        ids = [world.post_job(session, org, world.skill_ids(session, 2)).id for _ in range(n)]
        session.commit()
    return ids


def outbox_ids(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.occurred_at)))


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def with_consumers(loops: list[KafkaConsumerLoop], body: Callable[[], Awaitable[Any]]) -> Any:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop.run(stop, retry_seconds=0.5)) for loop in loops]
    try:
        return await body()
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)


def test_events_are_published_and_consumed_through_kafka(
    module_broker: KafkaBroker, factory: sessionmaker[Session]
) -> None:
    prefix = f"t{next(_prefix)}"
    recorder, store, metrics = Recorder(), FakeStore(), Metrics(version="test")
    jobs = post_jobs(factory, 3)
    publisher = KafkaPublisher(module_broker.bootstrap_servers, prefix)
    relay = OutboxRelay(factory, publisher=publisher, consumers=[recorder], metrics=metrics)
    shared = KafkaConsumerLoop(
        module_broker.bootstrap_servers, recorder, factory, prefix=prefix, metrics=metrics
    )
    replica = KafkaConsumerLoop(
        module_broker.bootstrap_servers, IndexSyncConsumer(store), factory, prefix=prefix,
        group_id=f"{prefix}-index-replica-1",
    )  # fmt: skip
    replica.consumer.shared = False

    async def body() -> None:
        await until(lambda: shared.ready.is_set() and replica.ready.is_set())
        await asyncio.sleep(6)  # the replica reads from the latest offset: let it join first
        assert await relay.publish_pending() == 3
        await until(lambda: len(recorder.applied) == 3 and len(store.refreshed) == 3)
        await publisher.stop()

    asyncio.run(with_consumers([shared, replica], body))
    # THEN each event was applied once (order is kept per job: one key, one partition)
    assert sorted(recorder.applied) == sorted(outbox_ids(factory))
    assert sorted(i for _, ids in store.refreshed for i in ids) == sorted(jobs)
    assert {kind for kind, _ in store.refreshed} == {"jobs"}
    with factory() as session:
        assert all(r.published_at for r in session.scalars(select(OutboxEvent)))
    assert metrics.outbox_lag._value.get() == 0
    assert metrics.consumer_lag.labels(consumer="recorder")._value.get() == 0


def test_a_relay_killed_between_publish_and_mark_publishes_again_and_it_is_applied_once(
    module_broker: KafkaBroker, factory: sessionmaker[Session]
) -> None:
    prefix = f"t{next(_prefix)}"
    recorder = Recorder()
    post_jobs(factory, 2)
    loop = KafkaConsumerLoop(module_broker.bootstrap_servers, recorder, factory, prefix=prefix)

    async def body() -> None:
        # GIVEN a relay that dies after the broker acknowledged, before marking
        crashing = CrashAfterPublish(
            factory, publisher=KafkaPublisher(module_broker.bootstrap_servers, prefix)
        )
        with pytest.raises(SystemExit):
            await crashing.publish_pending()
        await crashing.publisher.stop()
        await until(lambda: len(recorder.applied) == 2)
        # THEN the rows are still unpublished; a restarted relay sends them again
        restarted = OutboxRelay(
            factory, publisher=KafkaPublisher(module_broker.bootstrap_servers, prefix)
        )
        assert await restarted.publish_pending() == 2
        await restarted.publisher.stop()
        await until(lambda: loop.received >= 4)

    asyncio.run(with_consumers([loop], body))
    # AND the consumer received each event twice and applied it once
    assert loop.received == 4
    assert loop.applied == 2
    assert sorted(recorder.applied) == sorted(outbox_ids(factory))


def test_a_broker_killed_mid_stream_loses_no_event_and_applies_none_twice(
    module_broker: KafkaBroker, factory: sessionmaker[Session]
) -> None:
    prefix = f"t{next(_prefix)}"
    recorder = Recorder()
    loop = KafkaConsumerLoop(module_broker.bootstrap_servers, recorder, factory, prefix=prefix)
    publisher = KafkaPublisher(module_broker.bootstrap_servers, prefix, request_timeout_ms=2000)
    relay = OutboxRelay(factory, publisher=publisher)

    async def body() -> None:
        post_jobs(factory, 2)
        assert await relay.publish_pending() == 2
        await until(lambda: len(recorder.applied) == 2)
        first = outbox_ids(factory)
        # WHEN the broker crashes while more events are written
        module_broker.kill()
        post_jobs(factory, 2)
        assert await relay.publish_pending() == 0  # not acknowledged: kept in the outbox
        with factory() as session:
            waiting = session.scalars(
                select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            ).all()
            assert len(waiting) == 2
            assert all(r.attempts == 1 for r in waiting)
            # ... and, as after a relay crash, the first two are sent again too
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(first)).values(published_at=None)
            )
            session.commit()
        # WHEN it comes back (empty: memory storage)
        module_broker.start()
        assert await relay.publish_pending() == 4
        await until(lambda: len(recorder.applied) == 4, timeout=45)
        await until(lambda: loop.received >= 6, timeout=15)
        await publisher.stop()

    asyncio.run(with_consumers([loop], body))
    # THEN every event was applied exactly once
    assert sorted(recorder.applied) == sorted(outbox_ids(factory))
    assert len(set(recorder.applied)) == 4
