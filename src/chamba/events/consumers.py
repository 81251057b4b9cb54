"""Event consumers and :func:`apply_event`, which applies an event to a consumer at most once.

Two kinds of consumer:

* **shared** (``shared = True``): one logical consumer for the whole deployment (a Kafka
  consumer group). Its effect and a ``processed_events`` row ``(consumer, event id)`` are
  committed in one transaction, so a redelivered event is skipped: delivery is at-least-once,
  application exactly-once. Example: :class:`NotificationConsumer`.
* **per replica** (``shared = False``): every API process applies every event to its own
  in-memory state (its vector index, its demand cache). Their effect is idempotent by nature
  (re-read the rows; forget a cache), so they keep no ledger in the database.

Consumers:

=================  ====================================  =========================================
name               events                                effect
=================  ====================================  =========================================
``index``          job.*, course.*, profile.updated,     re-read and re-embed (or drop) those rows
                   skills.confirmed                      in the process's vector index
``demand``         job.*                                 forget the cached demand index
``notifications``  job.posted, job.closed,               inbox notification (+ e-mail) for each
                   job.reopened, application.changed     seeker the job suits; to an applicant
                                                         whose application the employer moved
                                                         (or whose hire was undone), or whose
                                                         job closed (or reopened) while waiting
=================  ====================================  =========================================
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chamba.db import begin_write, is_lock_conflict
from chamba.events import repository
from chamba.events.models import ProcessedEvent
from chamba.events.schemas import (
    ApplicationChanged,
    CourseClosed,
    CoursePublished,
    CourseUpdated,
    DomainEvent,
    JobClosed,
    JobPosted,
    JobReopened,
    JobUpdated,
    ProfileUpdated,
    SkillsConfirmed,
)

log = logging.getLogger(__name__)

#: What a handler may return: work to do once its transaction has committed (e.g. send mail).
AfterCommit = Callable[[], None] | None
_JOB_TYPES = frozenset({JobPosted.type, JobUpdated.type, JobClosed.type, JobReopened.type})
_COURSE_TYPES = frozenset({CoursePublished.type, CourseUpdated.type, CourseClosed.type})
_PERSON_TYPES = frozenset({ProfileUpdated.type, SkillsConfirmed.type})
#: Tries again after a SQLite write conflict ("database is locked" after a stale read).
LOCK_RETRIES = 3


class Consumer:
    """Base class: set ``name`` and ``types``; implement :meth:`handle`."""

    name: ClassVar[str]
    types: ClassVar[frozenset[str]]
    shared: ClassVar[bool] = True

    def __init__(self) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()  # per-replica dedupe (best effort)
        self._seen_lock = threading.Lock()

    def wants(self, event: DomainEvent) -> bool:
        return event.type in self.types

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        """Apply ``event`` in ``session`` (committed by the caller). Never commits."""
        raise NotImplementedError

    def handle_batch(self, session: Session, events: Sequence[DomainEvent]) -> None:
        """Per-replica consumers: apply ``events`` (oldest first) to the process's own state.

        Used by :class:`~chamba.events.follower.OutboxFollower`; override it when a batch is
        cheaper than one event at a time.
        """
        for event in events:
            self.handle(session, event)

    def seen(self, event_id: str) -> bool:
        """Per-replica consumers: remember recent ids; True when ``event_id`` was seen."""
        with self._seen_lock:
            if event_id in self._seen:
                return True
            self._seen[event_id] = None
            if len(self._seen) > 10_000:
                self._seen.popitem(last=False)
            return False


def apply_event(factory: sessionmaker[Session], consumer: Consumer, event: DomainEvent) -> bool:
    """Apply ``event`` to ``consumer`` in its own transaction, at most once.

    Returns:
        True when applied, False when the consumer had processed it already (or does not want
        it). Raises what the handler raised (nothing is committed then).
    """
    if not consumer.wants(event):
        return False
    event_id = str(event.id)
    if not consumer.shared and consumer.seen(event_id):
        return False
    after: AfterCommit = None
    for attempt in range(LOCK_RETRIES + 1):
        try:
            # A retry after a write conflict takes SQLite's write lock first: it cannot conflict.
            applied, after = _apply_once(factory, consumer, event, event_id, writer=attempt > 0)
        except OperationalError as exc:
            if not is_lock_conflict(exc) or attempt == LOCK_RETRIES:
                raise
            time.sleep(0.05 * (attempt + 1))  # another writer committed between our reads
            continue
        if not applied:
            return False
        break
    if after is not None:
        try:
            after()
        except Exception:
            log.exception("after-commit work of consumer %s failed", consumer.name)
    return True


def _apply_once(
    factory: sessionmaker[Session],
    consumer: Consumer,
    event: DomainEvent,
    event_id: str,
    *,
    writer: bool = False,
) -> tuple[bool, AfterCommit]:
    """One try of :func:`apply_event`: ``(applied, after-commit work)``.

    The handler runs first and the claim (the ``processed_events`` row) is written last, so the
    transaction reads without holding any lock and, on SQLite, holds the write lock only from
    its first write to its commit: a relay delivering thousands of events (after a big import)
    leaves the database to the requests between them.
    """
    with factory() as session:
        if writer and consumer.shared:
            begin_write(session)
        try:
            if consumer.shared and repository.is_processed(session, consumer.name, event_id):
                return False, None
            after = consumer.handle(session, event)
            if consumer.shared:
                session.add(ProcessedEvent(consumer=consumer.name, event_id=event_id))
                try:
                    session.flush()  # claims the event: a concurrent twin fails here
                except IntegrityError:
                    session.rollback()
                    return False, None
            session.commit()
        except BaseException:
            session.rollback()
            if not consumer.shared:
                with consumer._seen_lock:
                    consumer._seen.pop(event_id, None)
            raise
    return True, after


# ------------------------------------------------------------------------------ consumers


class IndexSyncConsumer(Consumer):
    """Keeps one process's vector index in line with job, course and profile events.

    Args:
        store: the :class:`~chamba.matching.store.IndexStore`, or a callable returning it (or
            ``None`` while the process has none loaded).
    """

    name = "index"
    types = _JOB_TYPES | _COURSE_TYPES | _PERSON_TYPES
    shared = False

    def __init__(self, store: Any) -> None:
        super().__init__()
        self._store = store
        self.applied = 0

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        self.handle_batch(session, [event])
        return None

    def handle_batch(self, session: Session, events: Sequence[DomainEvent]) -> None:
        """Re-read the jobs, courses and people of ``events`` in one refresh of the store."""
        store = self._store() if callable(self._store) else self._store
        if store is None or store.indexes is None:
            return  # nothing loaded yet: the first load reconciles with the database
        changes: dict[str, set[int]] = {}
        for event in events:
            if event.type in _JOB_TYPES:
                kind = "jobs"
            elif event.type in _COURSE_TYPES:
                kind = "courses"
            else:
                kind = "people"
            changes.setdefault(kind, set()).add(int(event.key))
        store.refresh(session, changes)
        self.applied += len(events)


class DemandConsumer(Consumer):
    """Forgets the process's cached demand index on any job event."""

    name = "demand"
    types = _JOB_TYPES
    shared = False

    def __init__(self, cache: Any) -> None:
        super().__init__()
        self.cache = cache

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        self.cache.invalidate()
        return None

    def handle_batch(self, session: Session, events: Sequence[DomainEvent]) -> None:
        if events:
            self.cache.invalidate()


class NotificationConsumer(Consumer):
    """Inbox notifications (then e-mail): on ``job.posted`` for the seekers the job suits; on
    ``application.changed`` for the applicant an employer moved (or whose hire was undone); on
    ``job.closed`` and ``job.reopened`` for the applicants still waiting.

    Args:
        sender: a :class:`~chamba.notifications.senders.Sender`; ``None`` sends no e-mail.
    """

    name = "notifications"
    types = frozenset({JobPosted.type, JobClosed.type, JobReopened.type, ApplicationChanged.type})
    shared = True

    def __init__(self, sender: Any = None) -> None:
        super().__init__()
        self.sender = sender

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        from chamba.notifications import service as notification_service

        event_id = str(event.id)
        if isinstance(event, ApplicationChanged):
            payload = event.payload
            messages = notification_service.notify_application_changed(
                session, payload.application_id, payload.status,
                by_applicant=payload.by_applicant, event_id=event_id,
                previous=payload.previous_status,
            )  # fmt: skip
        elif event.type in (JobClosed.type, JobReopened.type):
            messages = notification_service.notify_job_closed(
                session, int(event.key), event_id=event_id, reopened=event.type != JobClosed.type
            )
        else:
            messages = notification_service.notify_job_matches(
                session, int(event.key), event_id=event_id
            )
        sender = self.sender
        if sender is None or not messages:
            return None

        def send() -> None:
            from chamba.notifications.senders import DeliveryError

            for n, message in enumerate(messages):
                try:
                    sender.send(message)
                except DeliveryError as exc:
                    if exc.per_message:
                        log.warning("a job-match e-mail was refused (event %s): %s", event.id, exc)
                        continue
                    # The server, not this message, failed (connection, TLS, login): every other
                    # message would fail the same way, and repeated failed logins lock accounts.
                    log.error(
                        "job-match e-mails stopped (event %s): %s; %d not sent",
                        event.id, exc, len(messages) - n,
                    )  # fmt: skip
                    return
                except Exception:
                    log.exception("could not send a job-match e-mail (event %s)", event.id)

        return send


def consumers_of(types: Iterable[str], consumers: Iterable[Consumer]) -> list[Consumer]:
    wanted = set(types)
    return [c for c in consumers if c.types & wanted]
