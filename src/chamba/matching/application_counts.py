"""Applications per job (the ``congestion`` feature), held by the
:class:`~chamba.matching.feature_cache.FeatureCache` and re-read off the requests.

A count is dropped when an application to its job is made, moved or withdrawn (the commit hooks
of this process, the ``application.*`` events of every process). A change that reaches neither
(a bulk delete, another program) still shows within about a minute: every
:data:`APPLICATIONS_MAX_AGE_S` the counts are read again whole. That read (110-170 ms at 100,000
jobs) runs on a background thread while requests keep reading the counts held, instead of the
counts being dropped and the next request paying for the whole read.

**Races.** The background read may predate a change whose invalidation arrives while it reads:
the jobs invalidated meanwhile keep what they hold (nothing, or a count stored after their
invalidation), and an invalidation of every job meanwhile discards the whole read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Final

log = logging.getLogger(__name__)

APPLICATIONS_MAX_AGE_S: Final = 60.0
"""Cached application counts are read again whole at least this often: a safety net for a
change that reaches neither the commit hooks nor the events (a bulk delete, another program)."""


class ApplicationCounts:
    """``{job_id: applications not withdrawn}`` of one cache, with its whole re-read by age.

    Shares its cache's lock: methods that say so expect the caller to hold it (the cache
    checks its generation under the same lock).

    Args:
        lock: the cache's lock.
        max_jobs: most counts held; beyond it they are all dropped.
    """

    def __init__(self, lock: threading.Lock, max_jobs: int) -> None:
        self._lock = lock
        self.max_jobs = max_jobs
        self.held: dict[int, int] = {}
        self.read_at = time.monotonic()  # when the counts held were last read whole
        self.refresh: threading.Thread | None = None  # the background re-read, if any
        self._changed: set[int] | None = None  # jobs invalidated while it reads
        self._all_changed = False

    def get(self, job_ids: Iterable[int]) -> dict[int, int]:
        """The counts held of those of ``job_ids``."""
        held = self.held
        return {j: n for j in job_ids if (n := held.get(j)) is not None}

    def due(self) -> bool:
        """Whether the counts were last read whole more than :data:`APPLICATIONS_MAX_AGE_S`
        ago."""
        return time.monotonic() - self.read_at > APPLICATIONS_MAX_AGE_S

    def store(self, counts: Mapping[int, int]) -> None:
        """Keep ``counts`` (the caller holds the lock and checked the generation)."""
        if len(self.held) + len(counts) > self.max_jobs:
            self.held = {}
        self.held.update(counts)

    def forget(self, job_ids: Iterable[int] | None) -> None:
        """Applications to ``job_ids`` (``None``: to any job) changed (the caller holds the
        lock)."""
        if job_ids is None:
            self.held = {}
            self._all_changed = True
            return
        ids = [int(j) for j in job_ids]
        for job_id in ids:
            self.held.pop(job_id, None)
        if self._changed is not None:
            self._changed.update(ids)

    def drop(self) -> None:
        """Drop every count, as read whole now (the caller holds the lock): how a cache
        without a second reader (a session on one connection) meets the age."""
        self.forget(None)
        self.read_at = time.monotonic()

    def refresh_later(
        self, read: Callable[[], Mapping[int, int]], also: Callable[[], Iterable[int]]
    ) -> threading.Thread | None:
        """Read every count again with ``read()`` (``{job_id: count}`` of the jobs with any)
        on a background thread, requests meanwhile reading the counts held; ``None`` when a
        re-read is already running. The new counts cover the jobs held and those of
        ``also()`` (the open jobs: zeros included). A failed read is logged; the next request
        past the age tries again."""
        with self._lock:
            if self.refresh is not None and self.refresh.is_alive():
                return None
            self._changed = set()  # before the read's transaction begins
            self._all_changed = False
            started = time.monotonic()

            def run() -> None:
                try:
                    found = read()
                    with self._lock:
                        held = list(self.held)
                    fresh = {j: found.get(j, 0) for j in (*held, *also())}  # not under the lock
                except Exception:
                    log.warning("could not read the application counts again", exc_info=True)
                    with self._lock:
                        self._changed = None
                    return
                with self._lock:
                    self._swap(fresh, started)

            thread = threading.Thread(target=run, name="chamba-application-counts", daemon=True)
            self.refresh = thread
        thread.start()
        return thread

    def _swap(self, fresh: dict[int, int], started: float) -> None:
        """Hold ``fresh`` (the caller holds the lock; the work under it is the jobs changed
        meanwhile, not every job). A count stored by a request since ``fresh`` was made, of
        a job it lacks, is dropped: the next ranking that needs it reads it by id."""
        changed, self._changed = self._changed or set(), None
        if self._all_changed:
            return  # every count was dropped while it read: the read may predate that
        for job_id in changed:
            now = self.held.get(job_id)
            if now is None:
                fresh.pop(job_id, None)
            else:
                fresh[job_id] = now
        self.held = fresh if len(fresh) <= 2 * self.max_jobs else {}
        self.read_at = started
