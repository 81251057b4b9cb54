"""The events platform's consumer base class and :func:`apply_event`, which applies an event to
a consumer at most once. The platform knows no consumer: each feature defines its own (e.g.
:mod:`chamba.notifications.consumers`, :mod:`chamba.matching.consumers`,
:mod:`chamba.insights.consumers`) and the app and the CLI hand them to the relay, the follower
and the Kafka loops (:mod:`chamba.api.consumers`, :mod:`chamba.events.runtime`).

Two kinds of consumer:

* **shared** (``shared = True``): one logical consumer for the whole deployment (a Kafka
  consumer group). Its effect and a ``processed_events`` row ``(consumer, event id)`` are
  committed in one transaction, so a redelivered event is skipped: delivery is at-least-once,
  application exactly-once. Example: the ``notifications`` consumer.
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
from typing import ClassVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chamba.db import begin_write, is_lock_conflict
from chamba.events import repository
from chamba.events.models import ProcessedEvent
from chamba.events.schemas import (
    CourseClosed,
    CoursePublished,
    CourseUpdated,
    DomainEvent,
    JobClosed,
    JobPosted,
    JobReopened,
    JobUpdated,
    PersonErased,
    ProfileUpdated,
    SkillsConfirmed,
)

log = logging.getLogger(__name__)

#: What a handler may return: work to do once its transaction has committed (e.g. send mail).
AfterCommit = Callable[[], None] | None
#: The events of a job posting, of a course and of a person's matching profile.
JOB_TYPES = frozenset({JobPosted.type, JobUpdated.type, JobClosed.type, JobReopened.type})
COURSE_TYPES = frozenset({CoursePublished.type, CourseUpdated.type, CourseClosed.type})
PERSON_TYPES = frozenset({ProfileUpdated.type, SkillsConfirmed.type, PersonErased.type})
#: Tries again after a SQLite write conflict ("database is locked" after a stale read).
LOCK_RETRIES = 3


class Consumer:
    """Base class: set ``name`` and ``types``; implement :meth:`handle`."""

    name: ClassVar[str]
    types: ClassVar[frozenset[str]]
    shared: ClassVar[bool] = True
    #: Per-replica consumers, without Kafka: whether the in-process relay also hands it this
    #: process's own commits (the outbox follower hands it everyone's). The index is kept up by
    #: session listeners instead (:mod:`chamba.matching.upkeep`).
    relayed: ClassVar[bool] = True

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


def consumers_of(types: Iterable[str], consumers: Iterable[Consumer]) -> list[Consumer]:
    wanted = set(types)
    return [c for c in consumers if c.types & wanted]
