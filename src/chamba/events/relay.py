"""The outbox relay: delivers committed outbox events, oldest first, at least once.

* **Kafka** (``CHAMBA_KAFKA_BOOTSTRAP`` set): :meth:`OutboxRelay.publish_pending` sends a batch
  and waits for every acknowledgement (``acks="all"``) before it marks the rows published, in a
  transaction of its own. A crash or a broker failure between the two leaves the rows
  unpublished, so they are sent again later: consumers dedupe by event id.
* **In-process** (no Kafka): :meth:`OutboxRelay.dispatch_pending` applies each event to the
  registered consumers (:func:`~chamba.events.consumers.apply_event`), then marks it published.
  The app runs it after every commit that emitted events (:class:`BackgroundDispatcher`), and
  every few seconds for events written by other processes (imports from the CLI).

A failing batch counts one attempt on each of its rows and keeps ``last_error``; a row that
failed :data:`MAX_ATTEMPTS` times is left aside (it still counts in the outbox lag, which is
what the ``ChambaOutboxStuck`` alert watches). Delivery stops at the first failure so that the
events of one aggregate keep their order.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from chamba.db import utcnow
from chamba.events import repository
from chamba.events.consumers import Consumer, apply_event
from chamba.events.kafka import KafkaPublisher, OutageReport
from chamba.events.schemas import REGISTRY, DomainEvent
from chamba.events.service import EMITTED_KEY, event_of, feed_metrics

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
BATCH = 100


class OutboxRelay:
    """Moves events from the outbox to Kafka (``publisher``) or to in-process ``consumers``.

    Args:
        factory: a session factory on the database with the outbox.
        publisher: a :class:`~chamba.events.kafka.KafkaPublisher`; ``None`` for in-process.
        consumers: the in-process consumers (ignored when publishing to Kafka).
        metrics: optional :class:`~chamba.observability.metrics.Metrics` to feed.
        batch_size: rows per round.

    Example:
        >>> relay = OutboxRelay(session_factory(engine), consumers=[consumer])
        >>> relay.dispatch_pending()  # doctest: +SKIP
        3
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        publisher: KafkaPublisher | None = None,
        consumers: Sequence[Consumer] = (),
        metrics: Metrics | None = None,
        batch_size: int = BATCH,
    ) -> None:
        self.factory = factory
        self.publisher = publisher
        self.consumers = list(consumers)
        self.metrics = metrics
        self.batch_size = batch_size
        self.published = 0
        self.failures = 0
        self._lock = threading.Lock()
        self.outage = OutageReport("outbox relay")

    # -- shared steps --------------------------------------------------------------------

    def _pending(self) -> list[tuple[str, DomainEvent | None, str]]:
        """``(id, event or None when unreadable, error)`` of the next batch (short transaction)."""
        out: list[tuple[str, DomainEvent | None, str]] = []
        with self.factory() as session:
            for row in repository.pending(
                session, limit=self.batch_size, max_attempts=MAX_ATTEMPTS
            ):
                try:
                    out.append((row.id, event_of(row), ""))
                except Exception as exc:  # unknown type or bad payload: never deliverable
                    out.append((row.id, None, f"{type(exc).__name__}: {exc}"))
        return out

    def _mark(self, published: Sequence[str], failed: Sequence[str], error: str) -> None:
        with self.factory() as session:
            repository.mark_published(session, published, utcnow())
            repository.mark_failed(session, failed, error)
            session.commit()

    def feed_metrics(self) -> None:
        if self.metrics is None:
            return
        try:
            with self.factory() as session:
                feed_metrics(session, self.metrics, self.consumers)
        except Exception:
            log.warning("could not read the outbox lag", exc_info=True)

    # -- in-process ----------------------------------------------------------------------

    def dispatch_pending(self) -> int:
        """Apply pending events to the consumers, oldest first; returns how many were delivered."""
        delivered = 0
        with self._lock:
            while True:
                batch = self._pending()
                if not batch:
                    break
                done: list[str] = []
                for event_id, event, error in batch:
                    if event is None:
                        self._mark(done, [event_id], error)
                        self.failures += 1
                        return delivered + len(done)
                    try:
                        for consumer in self.consumers:
                            apply_event(self.factory, consumer, event)
                    except Exception as exc:
                        log.exception("consumer failed on event %s (%s)", event_id, event.type)
                        self._mark(done, [event_id], f"{type(exc).__name__}: {exc}")
                        self.failures += 1
                        self.published += len(done)
                        self.feed_metrics()
                        return delivered + len(done)
                    done.append(event_id)
                self._mark(done, [], "")
                self.published += len(done)
                delivered += len(done)
                if len(batch) < self.batch_size:
                    break
        self.feed_metrics()
        return delivered

    # -- Kafka ---------------------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish pending events to Kafka, then mark them; returns how many were published.

        Raises nothing on a broker failure: the batch stays unpublished (one attempt counted)
        and the producer is restarted on the next call.
        """
        assert self.publisher is not None, "publish_pending needs a publisher"
        total = 0
        while True:
            batch = await asyncio.to_thread(self._pending)
            if not batch:
                break
            good = [(i, e) for i, e, _ in batch if e is not None]
            bad = [(i, err) for i, e, err in batch if e is None]
            for event_id, err in bad:
                await asyncio.to_thread(self._mark, [], [event_id], err)
            try:
                await self.publisher.publish([(e.family, e.key, e.envelope()) for _, e in good])
            except Exception as exc:
                self.failures += 1
                self.outage.failed(exc)  # logged once per interval, not once per batch
                await self.publisher.stop()
                await asyncio.to_thread(
                    self._mark, [], [i for i, _ in good], f"{type(exc).__name__}: {exc}"
                )
                break
            self.outage.succeeded()
            await self._after_publish([i for i, _ in good])
            total += len(good)
            self.published += len(good)
            if len(batch) < self.batch_size:
                break
        await asyncio.to_thread(self.feed_metrics)
        return total

    async def _after_publish(self, ids: list[str]) -> None:
        """Mark ``ids`` published (the step a crash may skip: they are then sent again)."""
        await asyncio.to_thread(self._mark, ids, [], "")

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        """Deliver until ``stop`` is set, polling the outbox every ``poll_seconds`` (backing off,
        up to 30 s, while the broker is unreachable)."""
        while not stop.is_set():
            try:
                if self.publisher is not None:
                    await self.publish_pending()
                else:
                    await asyncio.to_thread(self.dispatch_pending)
            except Exception:
                log.exception("outbox relay round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.outage.delay(poll_seconds))
            except TimeoutError:
                pass
        if self.publisher is not None:
            await self.publisher.stop()


class BackgroundDispatcher:
    """Runs :meth:`OutboxRelay.dispatch_pending` in a thread after commits that emitted events.

    Installed on a ``sessionmaker``: its ``after_commit`` listener (outermost transaction only)
    wakes the thread when the transaction wrote to the outbox; the thread also wakes every
    ``poll_seconds`` for events other processes wrote. Requests never wait for consumers.
    """

    def __init__(
        self, relay: OutboxRelay, factory: sessionmaker[Session], poll_seconds: float = 5.0
    ) -> None:
        self.relay = relay
        self.factory = factory
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.installed = False

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return
        if session.info.pop(EMITTED_KEY, None):
            self._wake.set()

    def _after_rollback(self, session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(EMITTED_KEY, None)

    def install(self) -> BackgroundDispatcher:
        if not self.installed:
            sa_event.listen(self.factory, "after_commit", self._after_commit)
            sa_event.listen(self.factory, "after_rollback", self._after_rollback)
            self.installed = True
        return self

    def uninstall(self) -> None:
        if self.installed:
            sa_event.remove(self.factory, "after_commit", self._after_commit)
            sa_event.remove(self.factory, "after_rollback", self._after_rollback)
            self.installed = False

    def start(self) -> BackgroundDispatcher:
        self.install()
        if self._thread is None:
            self._stop.clear()
            self._wake.set()  # deliver what is already waiting
            self._thread = threading.Thread(target=self._loop, name="chamba-events", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.uninstall()
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.relay.dispatch_pending()
            except Exception:
                log.exception("in-process event dispatch failed")


def known_types() -> list[str]:
    return sorted({name for name, _ in REGISTRY})
