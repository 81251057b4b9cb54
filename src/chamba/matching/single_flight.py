"""One read at a time of something every request of a process needs whole (a table of the
:class:`~chamba.matching.feature_cache.FeatureCache`, the word statistics).

When such a thing is missing, every request that arrives before it is stored would read it
itself: on a cold worker, eight request threads each reading the whole job table (~0.5 s of
CPU at 3,000 jobs, under one interpreter lock) instead of one. With a :class:`SingleFlight`
the first reader reads and the others wait for it (at most :data:`WAIT_S`), then use what it
stored; a waiter whose leader failed, stored nothing or took too long reads itself.

Example:
    >>> flight = SingleFlight(threading.Lock())
    >>> turn = flight.lead()  # None: another reader was reading, and this one waited for it
    >>> try:
    ...     value = read_everything()  # doctest: +SKIP
    ... finally:
    ...     flight.land(turn)
"""

from __future__ import annotations

import threading
from typing import Final

WAIT_S: Final = 30.0
"""How long a reader waits for another reader's whole read before it reads itself (the job
table of 300,000 jobs takes about a minute; a request rather waits than doubles that work)."""


class SingleFlight:
    """Who reads now: the first of concurrent readers leads, the others wait for it.

    Args:
        lock: the lock of the cache the read fills (held briefly; never while waiting).
        wait_s: longest wait for the leader (default :data:`WAIT_S`).
    """

    def __init__(self, lock: threading.Lock, wait_s: float = WAIT_S) -> None:
        self._lock = lock
        self.wait_s = wait_s
        self._running: threading.Event | None = None
        self.waiting = 0  # readers waiting for the leader now

    @property
    def reading(self) -> bool:
        """Whether a leader is reading now."""
        return self._running is not None

    def lead(self) -> threading.Event | None:
        """This reader's turn: an event when it leads (it must :meth:`land` it when done,
        stored or not); ``None`` when another reader was reading, once that read is over (or
        after :attr:`wait_s`): then look for what it stored, and read only if nothing was."""
        with self._lock:
            running = self._running
            if running is None:
                self._running = threading.Event()
                return self._running
            self.waiting += 1
        try:
            running.wait(self.wait_s)
        finally:
            with self._lock:
                self.waiting -= 1
        return None

    def land(self, turn: threading.Event | None) -> None:
        """The read that :meth:`lead` gave ``turn`` is over: the waiters look again (nothing
        to do for ``None``)."""
        if turn is None:
            return
        with self._lock:
            if self._running is turn:
                self._running = None
        turn.set()
