"""Side writes: rows a request records on the side (impressions, read audits), written in batches
by a background thread, outside the request's transaction.

A request that only reads (``GET /me/matches/jobs``) still records what it showed (``shown``
interactions) and, for a counselor, that it read someone's data (audit). Written in the request's
own transaction, those inserts turn every read into a writer: on SQLite readers would queue for
the single write lock (and fail with "database is locked"), on PostgreSQL every page view would
be a write transaction. So the request hands the rows to the app's :class:`SideWriter` instead:

* **bounded**: at most ``capacity`` rows wait; beyond that the oldest are dropped and counted
  (``chamba_side_writes_dropped_total``) - never silently;
* **prompt**: a batch is written every ``flush_seconds`` (default 1 s), or sooner when
  ``batch_size`` rows wait, one short transaction per table;
* **flushed on clean shutdown** (:meth:`SideWriter.stop`, called by the app's lifespan); a
  failed write (database down) is retried at the next round, the rows kept meanwhile;
* **a bad row cannot block the rest**: when a batch breaks a constraint (say an audit row of a
  user erased in between), the rows are written one by one and only those that break it are
  dropped (counted and logged), so one row never holds back every later impression.

What is lost on a crash (kill -9, power loss) is at most the last second of impressions: they
are observations, not anyone's own action, which always commits with the request.

Services reach the writer through ``session.info[SIDE_WRITER_KEY]`` (the app's session factory
puts it there); a session without one (scripts, tests, the CLI) writes the rows itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

log = logging.getLogger(__name__)

#: Key of the app's :class:`SideWriter` in ``Session.info``.
SIDE_WRITER_KEY = "chamba.side_writer"


class SideWriter:
    """Batches rows for tables and inserts them from a background thread.

    Args:
        engine: where the rows go.
        metrics: optional :class:`~chamba.observability.metrics.Metrics` (written, dropped,
            pending counts).
        capacity: rows that may wait; the oldest beyond it are dropped (and counted).
        flush_seconds: the longest a row waits while the database is reachable.
        batch_size: rows that wake the writer before ``flush_seconds``.

    Example:
        >>> writer = SideWriter(engine)  # doctest: +SKIP
        >>> writer.submit(Interaction.__table__, [{"person_id": 1, ...}])  # doctest: +SKIP
        >>> writer.stop()  # flushes  # doctest: +SKIP
    """

    def __init__(
        self,
        engine: Engine,
        *,
        metrics: Metrics | None = None,
        capacity: int = 50_000,
        flush_seconds: float = 1.0,
        batch_size: int = 1_000,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.capacity = capacity
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self._rows: deque[tuple[Table, dict[str, Any]]] = deque()
        self._work: dict[Hashable, Callable[[Connection], object]] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.failures = 0
        #: Small process-wide memo of short strings for services (e.g. a person's pseudonym not
        #: yet written).
        self.memo: OrderedDict[Hashable, str] = OrderedDict()

    # -- producers -----------------------------------------------------------------------

    def submit(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Queue ``rows`` for ``table`` (returns at once; starts the thread on first use)."""
        if not rows:
            return
        dropped = 0
        with self._lock:
            self._rows.extend((table, dict(row)) for row in rows)
            while len(self._rows) > self.capacity:
                dropped_table, _ = self._rows.popleft()
                dropped += 1
                self._count_drop(dropped_table.name)
            pending = len(self._rows)
        if dropped:
            log.warning("side writes: %d row(s) dropped, the queue is full", dropped)
        if self.metrics is not None:
            self.metrics.side_writes_pending.set(pending)
        if self._thread is None and not self._stopped.is_set():
            self.start()
        if pending >= self.batch_size:
            self._wake.set()

    def submit_work(self, key: Hashable, work: Callable[[Connection], object]) -> None:
        """Run ``work(connection)`` in the next batch's transaction, once per ``key`` per batch
        (e.g. pruning rows that left a rate limit's window)."""
        with self._lock:
            self._work[key] = work
        if self._thread is None and not self._stopped.is_set():
            self.start()

    def remember(self, key: Hashable, value: str, limit: int = 100_000) -> None:
        """Keep ``key -> value`` in :attr:`memo` (bounded, oldest forgotten first)."""
        with self._lock:
            self.memo[key] = value
            self.memo.move_to_end(key)
            while len(self.memo) > limit:
                self.memo.popitem(last=False)

    def _count_drop(self, table: str) -> None:
        self.dropped += 1
        if self.metrics is not None:
            self.metrics.side_writes_dropped.labels(table=table).inc()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    # -- the writer ----------------------------------------------------------------------

    def flush(self) -> int:
        """Write every waiting row now; returns how many were written.

        On a failure the rows go back to the front of the queue (the error is logged once per
        round) and the call returns what was written before.
        """
        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    batch = [self._rows.popleft() for _ in range(min(len(self._rows), 5_000))]
                    work, self._work = self._work, {}
                if not batch and not work:
                    break
                by_table: dict[Table, list[dict[str, Any]]] = {}
                for table, row in batch:
                    by_table.setdefault(table, []).append(row)
                try:
                    with self.engine.begin() as conn:  # first statement writes: no stale read
                        for table, rows in by_table.items():
                            conn.execute(insert(table), rows)
                        for job in work.values():
                            job(conn)
                except IntegrityError:
                    # A row breaks a constraint: it will never be written. Write the batch row
                    # by row so that only the rows that break it are dropped.
                    written += self._write_one_by_one(batch, work)
                    continue
                except Exception as exc:
                    self.failures += 1
                    with self._lock:
                        for key, job in work.items():
                            self._work.setdefault(key, job)
                        self._rows.extendleft(reversed(batch))
                        while len(self._rows) > self.capacity:
                            dropped_table, _ = self._rows.pop()
                            self._count_drop(dropped_table.name)
                    log.warning("side writes: writing %d row(s) failed: %s", len(batch), exc)
                    break
                written += len(batch)
                self.written += len(batch)
                if self.metrics is not None:
                    for table, rows in by_table.items():
                        self.metrics.side_writes_written.labels(table=table.name).inc(len(rows))
        if self.metrics is not None:
            self.metrics.side_writes_pending.set(self.pending)
        return written

    def _write_one_by_one(
        self,
        batch: list[tuple[Table, dict[str, Any]]],
        work: dict[Hashable, Callable[[Connection], object]],
    ) -> int:
        """Write each row (and each piece of work) in its own transaction; drop those that break
        a constraint. Other errors (the database went away) put the rest back in the queue."""
        written = 0
        items: list[tuple[str, Callable[[Connection], object]]] = [
            (table.name, lambda conn, t=table, r=row: conn.execute(insert(t), [r]))
            for table, row in batch
        ] + [("work", job) for job in work.values()]
        for done, (name, write) in enumerate(items):
            try:
                with self.engine.begin() as conn:
                    write(conn)
            except IntegrityError as exc:
                self._count_drop(name)
                log.warning("side writes: dropped a %s row that breaks a constraint: %s",
                            name, str(exc.orig).splitlines()[0])  # fmt: skip
                continue
            except Exception as exc:
                self.failures += 1
                with self._lock:
                    rest = batch[done:] if done < len(batch) else []
                    self._rows.extendleft(reversed(rest))
                    for key, job in list(work.items())[max(0, done - len(batch)) :]:
                        self._work.setdefault(key, job)
                log.warning("side writes: writing row by row failed: %s", exc)
                return written
            if name != "work":
                written += 1
                self.written += 1
                if self.metrics is not None:
                    self.metrics.side_writes_written.labels(table=name).inc()
        return written

    def start(self) -> SideWriter:
        with self._lock:
            if self._thread is None:
                self._stopped.clear()
                self._thread = threading.Thread(
                    target=self._loop, name="chamba-side-writes", daemon=True
                )
                self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and write what waits (clean shutdown)."""
        self._stopped.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            if not self.flush():
                time.sleep(0.2)
        if self.pending:
            log.error("side writes: %d row(s) could not be written at shutdown", self.pending)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the thread die
                log.exception("side writes: flush failed")


def side_writer_of(session: Session) -> SideWriter | None:
    """The app's :class:`SideWriter` for ``session``, or None (write in the session itself)."""
    writer = session.info.get(SIDE_WRITER_KEY)
    return writer if isinstance(writer, SideWriter) else None
