"""Per-replica delivery without Kafka: every process follows the outbox in the database.

Each API process keeps state of its own that must follow every change, whoever made it: the
vector indexes of matching and the demand cache. A change made through this process reaches
them at its commit (:mod:`chamba.matching.upkeep`); a change made by another worker of
``chamba serve --workers N``, another server on the same database, or ``chamba import``, reaches
them through the outbox, which every change writes in its own transaction. Kafka carries them when
configured (:class:`~chamba.events.runtime.ReplicaConsumers`); without it, an
:class:`OutboxFollower` per process reads the outbox every ``poll_seconds``:

* the events not yet published (visible as soon as their transaction committed, whatever the
  shared consumers such as notifications are still doing), and
* the events published in the last ``overlap_seconds`` (one relay marks an event published after
  it delivered it; the follower must not depend on that having happened, nor miss an event
  whose marking committed a little after its ``published_at``),

and hands each event it has not seen yet to its per-replica consumers, in batches
(:meth:`~chamba.events.consumers.Consumer.handle_batch`: one index refresh for a whole import).
Their effects are idempotent, so an event applied twice (here and by the commit hook) costs a
re-read, never a wrong state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import State

from chamba.db import utcnow
from chamba.events import repository
from chamba.events.consumers import Consumer
from chamba.events.schemas import DomainEvent
from chamba.events.service import event_of

log = logging.getLogger(__name__)

#: Events read per query of the follower.
FOLLOW_BATCH = 2_000


class OutboxFollower:
    """Follows the outbox for one process's per-replica consumers. See the module docstring.

    Args:
        factory: sessions on the database with the outbox (only read).
        consumers: per-replica consumers (``shared = False``).
        poll_seconds: how often to look for new events.
        overlap_seconds: how far back published events are read again.

    Example:
        >>> follower = OutboxFollower(factory, [IndexSyncConsumer(store)]).start()  # doctest: +SKIP
        >>> follower.stop()  # doctest: +SKIP
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        consumers: Sequence[Consumer],
        *,
        poll_seconds: float = 1.0,
        overlap_seconds: float = 60.0,
    ) -> None:
        self.factory = factory
        self.consumers = [c for c in consumers if not c.shared]
        self.types = sorted({t for c in self.consumers for t in c.types})
        self.poll_seconds = poll_seconds
        self.overlap = timedelta(seconds=overlap_seconds)
        self.since: datetime = utcnow() - self.overlap
        #: Ids of events already handed on, with their ``published_at`` (None: unpublished).
        self._seen: dict[str, datetime | None] = {}
        self.applied = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> int:
        """Hand every event not seen yet to the consumers; returns how many were new."""
        if not self.types:
            return 0
        now = utcnow()
        floor = self.since
        with self.factory() as session:
            rows = repository.recent_of_types(session, self.types, published_since=floor)
            fresh = [i for i, _ in rows if i not in self._seen]
            events: list[DomainEvent] = []
            for start in range(0, len(fresh), FOLLOW_BATCH):
                chunk = fresh[start : start + FOLLOW_BATCH]
                found = repository.by_ids(session, chunk)
                for event_id in chunk:
                    row = found.get(event_id)
                    if row is None:
                        continue
                    try:
                        events.append(event_of(row))
                    except Exception:
                        log.warning("follower: skipping unreadable outbox event %s", event_id)
            if events:
                for consumer in self.consumers:
                    wanted = [e for e in events if consumer.wants(e)]
                    if wanted:
                        consumer.handle_batch(session, wanted)
                session.rollback()  # per-replica consumers write nothing
        published = dict(rows)
        for event_id in fresh:
            self._seen[event_id] = published.get(event_id)
        for event_id, at in published.items():  # an event seen unpublished may be published now
            if event_id in self._seen:
                self._seen[event_id] = at
        # Forget what has left the window (published before it): it will not be read again.
        self.since = max(self.since, now - self.overlap)
        for event_id in [i for i, at in self._seen.items() if at is not None and at < self.since]:
            del self._seen[event_id]
        self.applied += len(events)
        return len(events)

    def start(self) -> OutboxFollower:
        if self._thread is None and self.consumers:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="chamba-outbox-follower", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        reported = False
        while not self._stop.is_set():
            try:
                self.poll()
                reported = False
            except Exception:
                self.failures += 1
                if not reported:  # once per outage, not once per round
                    log.exception("outbox follower: reading the outbox failed; retrying")
                    reported = True
            self._stop.wait(self.poll_seconds)


def follower_for(app_state: State, consumers: Sequence[Consumer]) -> OutboxFollower:
    """An :class:`OutboxFollower` on the app's session factory and settings."""
    settings = app_state.settings
    return OutboxFollower(
        app_state.session_factory,
        consumers,
        poll_seconds=min(max(settings.outbox_poll_seconds, 0.2), 2.0),
    )
