"""Kafka adapter (aiokafka): topic names, the outbox publisher and the consumer loop.

Topics are ``<prefix>.<family>`` (``chamba.job``, ``chamba.person``...), messages are the
event's JSON envelope keyed by its aggregate id. The producer waits for ``acks="all"``; it is
not idempotent (retries may duplicate a message; consumers dedupe by event id).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import ssl
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from chamba.config import Settings
from chamba.events.consumers import Consumer, apply_event
from chamba.events.schemas import REGISTRY, UnknownEvent, parse_event
from chamba.json_types import JSONObject

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

log = logging.getLogger(__name__)


def topic_of(family: str, prefix: str = "chamba") -> str:
    return f"{prefix}.{family}"


def all_topics(prefix: str = "chamba") -> list[str]:
    return sorted({topic_of(cls.family, prefix) for cls in REGISTRY.values()})


def topics_for(types: Iterable[str], prefix: str = "chamba") -> list[str]:
    wanted = set(types)
    return sorted(
        {topic_of(cls.family, prefix) for (name, _), cls in REGISTRY.items() if name in wanted}
    )


def connection_options(settings: Settings) -> dict[str, Any]:
    """The aiokafka keyword arguments that secure the connection (TLS, SASL) per settings."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        cafile = str(settings.kafka_ca_file) if settings.kafka_ca_file else None
        options["ssl_context"] = ssl.create_default_context(cafile=cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        assert settings.kafka_password is not None  # the settings require it
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_username
        options["sasl_plain_password"] = settings.kafka_password.get_secret_value()
    return options


def replica_id() -> str:
    """This process's name among replicas (host and pid)."""
    return f"{socket.gethostname()}-{os.getpid()}"


async def ensure_topics(
    bootstrap: str,
    topics: Sequence[str],
    partitions: int = 3,
    connection: Mapping[str, Any] | None = None,
) -> None:
    """Create ``topics`` when missing (a broker may not create them on first use)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **dict(connection or {})
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
                )
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


#: Longest wait between two tries while the broker is unreachable, in seconds.
MAX_BACKOFF_SECONDS = 30.0


class OutageReport:
    """Backoff and calm logs while a broker is unreachable.

    The first failure is logged (one line, no traceback), then one line per ``interval`` while
    the outage lasts (with the number of failed tries), and one when it ends. :meth:`delay`
    doubles the wait between tries up to :data:`MAX_BACKOFF_SECONDS`.

    Args:
        what: who is reporting (``"outbox relay"``, ``"consumer notifications"``).
        interval: seconds between two reports of the same outage.
    """

    def __init__(self, what: str, interval: float = 60.0) -> None:
        self.what = what
        self.interval = interval
        self.streak = 0
        self._since = 0.0
        self._reported = 0.0

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.streak += 1
        if self.streak == 1:
            self._since = self._reported = now
            log.warning("%s: broker unreachable (%s: %s); retrying with backoff",
                        self.what, type(exc).__name__, exc)  # fmt: skip
        elif now - self._reported >= self.interval:
            self._reported = now
            log.warning("%s: broker still unreachable after %.0f s (%d failed tries): %s",
                        self.what, now - self._since, self.streak, exc)  # fmt: skip

    def succeeded(self) -> None:
        if self.streak:
            log.info("%s: broker reachable again after %.0f s (%d failed tries)",
                     self.what, time.monotonic() - self._since, self.streak)  # fmt: skip
        self.streak = 0

    def delay(self, base: float) -> float:
        """Seconds to wait before the next try (``base`` when all is well)."""
        if not self.streak:
            return base
        return min(max(base, 0.1) * 2.0 ** min(self.streak - 1, 16), MAX_BACKOFF_SECONDS)


class KafkaPublisher:
    """Publishes outbox rows and returns once the broker acknowledged every one (``acks=all``).

    Args:
        bootstrap: ``host:port[,host:port]`` of the brokers.
        prefix: topic name prefix.
    """

    def __init__(
        self,
        bootstrap: str,
        prefix: str = "chamba",
        *,
        request_timeout_ms: int = 10_000,
        connection: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.connection = dict(connection or {})  # TLS / SASL: connection_options()
        self.request_timeout_ms = request_timeout_ms
        self._producer: Any = None

    async def start(self) -> None:
        from aiokafka import AIOKafkaProducer

        if self._producer is not None:
            return
        await ensure_topics(self.bootstrap, all_topics(self.prefix), connection=self.connection)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            request_timeout_ms=self.request_timeout_ms,
            client_id="chamba-relay",
            **self.connection,
        )
        await producer.start()
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # a dead broker: nothing left to flush
                log.debug("producer stop failed", exc_info=True)

    async def publish(self, messages: Sequence[tuple[str, str, JSONObject]]) -> None:
        """Send ``(family, key, envelope)`` messages; raise unless all are acknowledged."""
        await self.start()
        futures = [
            await self._producer.send(
                topic_of(family, self.prefix),
                json.dumps(envelope, separators=(",", ":")).encode(),
                key=key.encode(),
            )
            for family, key, envelope in messages
        ]
        await asyncio.gather(*futures)


class KafkaConsumerLoop:
    """Feeds one :class:`~chamba.events.consumers.Consumer` from Kafka, committing offsets only
    after the event was applied (at-least-once; :func:`apply_event` dedupes).

    Shared consumers join the group ``<prefix>-<name>`` and start from the earliest message;
    per-replica consumers get a group of their own (``<prefix>-<name>-<replica>``) and start
    from the latest (the process reconciled its state when it loaded).

    Args:
        bootstrap: the brokers.
        consumer: what to apply the events to.
        factory: sessions for :func:`apply_event`.
        prefix: topic name prefix.
        metrics: optional :class:`~chamba.observability.metrics.Metrics` (consumer lag).
        group_id: override the consumer group.
    """

    def __init__(
        self,
        bootstrap: str,
        consumer: Consumer,
        factory: sessionmaker[Session],
        *,
        prefix: str = "chamba",
        metrics: Metrics | None = None,
        group_id: str | None = None,
        connection: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.connection = dict(connection or {})  # TLS / SASL: connection_options()
        self.consumer = consumer
        self.factory = factory
        self.prefix = prefix
        self.metrics = metrics
        base = f"{prefix}-{consumer.name}"
        self.group_id = group_id or (base if consumer.shared else f"{base}-{replica_id()}")
        self.applied = 0
        self.received = 0
        self.ready = asyncio.Event()

    async def _open(self) -> Any:
        from aiokafka import AIOKafkaConsumer

        topics = topics_for(self.consumer.types, self.prefix)
        await ensure_topics(self.bootstrap, topics, connection=self.connection)
        kafka = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            client_id=f"chamba-{self.consumer.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.consumer.shared else "latest",
            metadata_max_age_ms=5_000,
            **self.connection,
        )
        await kafka.start()
        return kafka

    async def _handle(self, record: Any) -> None:
        self.received += 1
        try:
            event = parse_event(json.loads(record.value))
        except (UnknownEvent, ValueError, KeyError, TypeError):
            log.warning("skipping an unreadable message at %s:%s", record.topic, record.offset)
            return
        if await asyncio.to_thread(apply_event, self.factory, self.consumer, event):
            self.applied += 1

    async def _report_lag(self, kafka: Any) -> None:
        if self.metrics is None:
            return
        lag = 0
        for tp in kafka.assignment():
            high = kafka.highwater(tp)
            if high is not None:
                lag += max(0, high - await kafka.position(tp))
        self.metrics.consumer_lag.labels(consumer=self.consumer.name).set(lag)

    async def run(self, stop: asyncio.Event, *, retry_seconds: float = 1.0) -> None:
        """Consume until ``stop`` is set; reconnects after broker failures, with backoff."""
        outage = OutageReport(f"consumer {self.consumer.name}")
        while not stop.is_set():
            kafka = None
            try:
                kafka = await self._open()
                outage.succeeded()
                self.ready.set()
                while not stop.is_set():
                    batches = await kafka.getmany(timeout_ms=500, max_records=100)
                    for tp, records in batches.items():
                        for record in records:
                            await self._handle(record)
                        if records:  # only what was applied is committed
                            await kafka.commit({tp: records[-1].offset + 1})
                    await self._report_lag(kafka)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                outage.failed(exc)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=outage.delay(retry_seconds))
                except TimeoutError:
                    pass
            finally:
                if kafka is not None:
                    try:
                        await kafka.stop()
                    except Exception:
                        log.debug("consumer stop failed", exc_info=True)
