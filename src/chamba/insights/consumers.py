"""The events consumer of insights: ``demand`` forgets the process's cached demand index
(:class:`~chamba.insights.cache.DemandCache`) on any job event (registered by the app,
:mod:`chamba.api.consumers`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from chamba.events.consumers import JOB_TYPES, AfterCommit, Consumer
from chamba.events.schemas import DomainEvent

if TYPE_CHECKING:
    from chamba.insights.cache import DemandCache


class DemandConsumer(Consumer):
    """Forgets the process's cached demand index on any job event."""

    name = "demand"
    types = JOB_TYPES
    shared = False

    def __init__(self, cache: DemandCache) -> None:
        super().__init__()
        self.cache = cache

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        self.cache.invalidate()
        return None

    def handle_batch(self, session: Session, events: Sequence[DomainEvent]) -> None:
        if events:
            self.cache.invalidate()
