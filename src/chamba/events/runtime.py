"""Wiring of events into the processes: the API app and the ``chamba worker`` command.

=====================  ==========================================  ===========================
                       API process                                 ``chamba worker``
=====================  ==========================================  ===========================
no Kafka (default)     relay in a background thread after each     relay in-process (to drain
                       commit: notifications, demand cache;        the outbox with no app up)
                       an outbox follower per process: index,
                       demand cache (changes made by other
                       workers, servers or ``chamba import``)
Kafka                  per-replica consumers in a thread: index,   relay to Kafka, and the
                       demand cache                                notifications consumer
=====================  ==========================================  ===========================

The consumers are the features' own (the platform imports none): the app and ``chamba worker``
pass them in (:mod:`chamba.api.consumers`).

``chamba worker`` also prunes old events (:func:`~chamba.events.service.prune`) when it starts
and then every :data:`PRUNE_EVERY_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import chamba
from chamba.config import Settings
from chamba.db import session_factory
from chamba.events.consumers import Consumer
from chamba.events.follower import OutboxFollower, follower_for
from chamba.events.kafka import KafkaConsumerLoop, KafkaPublisher, connection_options
from chamba.events.relay import BackgroundDispatcher, OutboxRelay
from chamba.events.service import prune

if TYPE_CHECKING:
    from fastapi import FastAPI

    from chamba.observability.metrics import Metrics

log = logging.getLogger(__name__)

#: How often ``chamba worker`` prunes old outbox events and processed-event records.
PRUNE_EVERY_SECONDS = 3600.0


async def prune_periodically(
    factory: sessionmaker[Session],
    days: int,
    stop: asyncio.Event,
    *,
    every: float = PRUNE_EVERY_SECONDS,
    metrics: Metrics | None = None,
) -> None:
    """Prune events older than ``days`` now, then every ``every`` seconds, until ``stop``.

    A failed round (database down) is logged and tried again at the next one.
    """
    while not stop.is_set():
        try:
            pruned = await asyncio.to_thread(prune, factory, days, metrics=metrics)
            if pruned.outbox or pruned.processed:
                log.info(
                    "pruned %d outbox event(s) and %d processed-event record(s) older than %d "
                    "days", pruned.outbox, pruned.processed, days,
                )  # fmt: skip
        except Exception:
            log.exception("pruning old events failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass


async def run_worker(
    settings: Settings,
    engine: Engine,
    stop: asyncio.Event,
    *,
    consumers: Sequence[Consumer],
    once: bool = False,
    metrics_port: int | None = None,
    metrics: Metrics | None = None,
) -> int:
    """The ``chamba worker`` loop; returns the events delivered when ``once``.

    Besides delivering to ``consumers`` (the deployment's shared consumers), the loop prunes
    old events (:func:`prune_periodically`); ``once`` only delivers.
    """
    from chamba.observability.metrics import Metrics

    metrics = metrics or Metrics(version=chamba.__version__)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=metrics.registry)
    factory = session_factory(engine)
    if not settings.kafka_bootstrap:
        relay = OutboxRelay(factory, consumers=consumers, metrics=metrics)
        if once:
            return await asyncio.to_thread(relay.dispatch_pending)
        await asyncio.gather(
            relay.run(stop, poll_seconds=settings.outbox_poll_seconds),
            prune_periodically(factory, settings.events_retention_days, stop, metrics=metrics),
        )
        return relay.published
    connection = connection_options(settings)
    publisher = KafkaPublisher(
        settings.kafka_bootstrap, settings.kafka_topic_prefix, connection=connection
    )
    relay = OutboxRelay(factory, publisher=publisher, consumers=consumers, metrics=metrics)
    if once:
        try:
            return await relay.publish_pending()
        finally:
            await publisher.stop()
    loops = [
        KafkaConsumerLoop(
            settings.kafka_bootstrap, c, factory,
            prefix=settings.kafka_topic_prefix, metrics=metrics, connection=connection,
        )
        for c in consumers
    ]  # fmt: skip
    await asyncio.gather(
        relay.run(stop, poll_seconds=settings.outbox_poll_seconds),
        *(loop.run(stop) for loop in loops),
        prune_periodically(factory, settings.events_retention_days, stop, metrics=metrics),
    )
    return relay.published


class ReplicaConsumers:
    """Runs per-replica consumers from Kafka in a thread with its own event loop."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        consumers: list[Consumer],
        metrics: Metrics | None = None,
    ) -> None:
        assert settings.kafka_bootstrap
        self.loops = [
            KafkaConsumerLoop(
                settings.kafka_bootstrap, c, factory, prefix=settings.kafka_topic_prefix,
                metrics=metrics, connection=connection_options(settings),
            )
            for c in consumers
        ]  # fmt: skip
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> None:
        ready = threading.Event()

        def main() -> None:
            async def run() -> None:
                self._loop = asyncio.get_running_loop()
                self._stop = asyncio.Event()
                ready.set()
                await asyncio.gather(*(loop.run(self._stop) for loop in self.loops))

            asyncio.run(run())

        self._thread = threading.Thread(target=main, name="chamba-replica-events", daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class AppEvents:
    """The events side of one API app (see the module table). ``start``/``stop`` in lifespan.

    Args:
        app: the FastAPI app (its ``state`` holds settings, the session factory, metrics).
        shared: the consumers that run once per deployment (applied here without Kafka; with
            Kafka, ``chamba worker`` runs them and only their lag is measured here).
        replicas: makes this process's per-replica consumers (called once per delivery path:
            without Kafka, the relay gets those that are ``relayed`` and the follower all).
    """

    def __init__(
        self,
        app: FastAPI,
        *,
        shared: Sequence[Consumer],
        replicas: Callable[[], Sequence[Consumer]],
    ) -> None:
        settings: Settings = app.state.settings
        factory: sessionmaker[Session] = app.state.session_factory
        metrics = app.state.metrics
        self.dispatcher: BackgroundDispatcher | None = None
        self.replicas: ReplicaConsumers | None = None
        self.follower: OutboxFollower | None = None
        if settings.kafka_bootstrap:
            self.consumers: list[Consumer] = list(replicas())
            self.replicas = ReplicaConsumers(settings, factory, self.consumers, metrics)
            self.metric_consumers = list(shared)  # their lag is in the database
        else:
            self.consumers = [*shared, *(c for c in replicas() if c.relayed)]
            relay = OutboxRelay(factory, consumers=self.consumers, metrics=metrics)
            self.dispatcher = BackgroundDispatcher(
                relay, factory, poll_seconds=max(settings.outbox_poll_seconds, 1.0)
            ).install()  # commits made before start are delivered when it starts
            self.metric_consumers = self.consumers
            # Changes committed by other processes (workers, servers, `chamba import`).
            self.follower = follower_for(app.state, list(replicas()))

    def start(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.follower is not None:
            self.follower.start()
        if self.replicas is not None:
            self.replicas.start()

    def stop(self) -> None:
        if self.follower is not None:
            self.follower.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.replicas is not None:
            self.replicas.stop()
