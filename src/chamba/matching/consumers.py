"""The events consumer of matching: ``index`` keeps one process's vector index in line with the
job, course and profile events, and its cached application counts with the application events
(registered by the app, :mod:`chamba.api.consumers`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from chamba.events.consumers import (
    COURSE_TYPES,
    JOB_TYPES,
    PERSON_TYPES,
    AfterCommit,
    Consumer,
)
from chamba.events.schemas import (
    ApplicationChanged,
    ApplicationCreated,
    ApplicationPayload,
    DomainEvent,
)

if TYPE_CHECKING:
    from chamba.matching.embeddings import Kind
    from chamba.matching.store import IndexStore

APPLICATION_TYPES = frozenset({ApplicationCreated.type, ApplicationChanged.type})


class IndexSyncConsumer(Consumer):
    """Keeps one process's vector index in line with job, course and profile events.

    Args:
        store: the :class:`~chamba.matching.store.IndexStore`, or a callable returning it (or
            ``None`` while the process has none loaded).
    """

    name = "index"
    types = JOB_TYPES | COURSE_TYPES | PERSON_TYPES | APPLICATION_TYPES
    shared = False
    relayed = False

    def __init__(
        self, store: IndexStore | Callable[[], IndexStore | None] | None
    ) -> None:
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
        changes: dict[Kind, set[int]] = {}
        applied_to = {
            int(e.payload.job_id) for e in events if isinstance(e.payload, ApplicationPayload)
        }
        if applied_to and store.cache is not None:
            store.cache.invalidate_applications(applied_to)
        for event in events:
            if event.type in APPLICATION_TYPES:
                continue
            kind: Kind
            if event.type in JOB_TYPES:
                kind = "jobs"
            elif event.type in COURSE_TYPES:
                kind = "courses"
            else:
                kind = "people"
            changes.setdefault(kind, set()).add(int(event.key))
        if changes:
            store.refresh(session, changes)
        self.applied += len(events)
