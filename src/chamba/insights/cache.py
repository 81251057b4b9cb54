"""A process-wide cache of :func:`chamba.insights.demand.demand_index`, kept fresh by events.

The demand index changes only when a job is written (posted, changed, closed) or when an open job
expires. :class:`DemandCache` keeps the last index with the moment it was computed and the next
expiry among the open jobs; a request whose ``as_of`` falls between the two gets the cached
index, which is then exactly what a fresh computation would return. The ``demand`` event consumer
(:mod:`chamba.events.consumers`) calls :meth:`DemandCache.invalidate` on every job event, and a
time-to-live bounds staleness after writes that bypass events (bulk loads).

The app puts its cache in ``session.info`` of every request session (``DEMAND_CACHE_KEY``);
sessions without one (tests, the CLI) compute the index as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from chamba.insights import repository as repo

DEMAND_CACHE_KEY: Final = "chamba.insights.demand_cache"
DemandIndex = dict[tuple[str, str], float]


class DemandCache:
    """One cached demand index (see the module docstring). Thread-safe.

    Args:
        ttl: longest time an entry is served.
    """

    def __init__(self, ttl: timedelta = timedelta(minutes=10)) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entry: tuple[datetime, datetime, DemandIndex] | None = None
        self.hits = 0
        self.invalidations = 0

    def get(
        self, session: Session, as_of: datetime, compute: Callable[[], DemandIndex]
    ) -> DemandIndex:
        """The index at ``as_of``: cached when still valid, else ``compute()`` and keep it."""
        with self._lock:
            entry = self._entry
            if entry is not None and entry[0] <= as_of < entry[1]:
                self.hits += 1
                return entry[2]
            generation = self.invalidations
        index = compute()
        until = as_of + self.ttl
        expiry = repo.next_expiry(session, as_of)
        if expiry is not None:
            until = min(until, expiry)
        with self._lock:
            if generation == self.invalidations:  # no job changed while computing
                self._entry = (as_of, until, index)
        return index

    def invalidate(self) -> None:
        """Forget the cached index (a job changed)."""
        with self._lock:
            self._entry = None
            self.invalidations += 1
