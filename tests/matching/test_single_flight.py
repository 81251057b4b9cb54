"""Whole reads of the feature cache's tables and word statistics: one reader at a time.

(chamba.matching.single_flight, chamba.matching.feature_cache.TableSlot)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chamba.matching import context as context_module
from chamba.matching.context import FeatureContext
from chamba.matching.feature_cache import FeatureCache, TableSlot
from chamba.search import Corpus


@dataclass(frozen=True)
class Rows:
    """A table of rows by id, read at ``stamp`` (stands for the job and people tables)."""

    ids: tuple[int, ...]
    stamp: str

    def __len__(self) -> int:
        return len(self.ids)

    def patched(self, changed: Iterable[int], fresh: Self) -> Self:
        return type(self)(self.ids, f"{self.stamp}+{fresh.stamp}")


def _until(done: Callable[[], bool]) -> None:
    """Wait (at most 10 s) for another thread to reach a point of the test."""
    deadline = time.monotonic() + 10
    while not done() and time.monotonic() < deadline:
        time.sleep(0.002)


def _waiting(owner: object, flight: str) -> int:
    """Readers waiting for ``owner``'s whole read now (0 where the code has no such wait)."""
    return int(getattr(getattr(owner, flight, None), "waiting", 0))


def _run(*targets: Callable[[], Any]) -> list[Any]:
    """Run each target on a thread of its own; what each returned or raised."""
    out: list[Any] = [None] * len(targets)

    def run(k: int) -> None:
        try:
            out[k] = targets[k]()
        except Exception as exc:
            out[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return out


def test_concurrent_readers_of_a_missing_table_read_it_once() -> None:
    # GIVEN a cache without its job table, and a whole read that lasts until a second reader
    # either reads too or waits for it
    cache = FeatureCache()
    slot: TableSlot[Rows] = cache.jobs
    reads: list[Sequence[int] | None] = []

    def read(ids: Sequence[int] | None) -> Rows:
        reads.append(ids)
        _until(lambda: _waiting(slot, "whole") == 1 or len(reads) == 2)
        return Rows((1, 2, 3), f"read {len(reads)}")

    # WHEN two requests of the process want it at once
    got = _run(*[lambda: slot.current(cache.generation, read)] * 2)
    # THEN it is read once, and both use that table
    assert reads == [None]
    assert got[0] is got[1]
    assert slot.table is got[0]


def test_a_failing_leader_does_not_wedge_its_waiters() -> None:
    # GIVEN a first whole read that fails once the second reader waits for it
    cache = FeatureCache()
    slot: TableSlot[Rows] = cache.people
    reads: list[Sequence[int] | None] = []

    def read(ids: Sequence[int] | None) -> Rows:
        reads.append(ids)
        if len(reads) == 1:
            _until(lambda: slot.whole.waiting == 1)
            raise RuntimeError("the database went away")
        return Rows((7,), "the waiter's")

    # WHEN both want the table
    got = _run(*[lambda: slot.current(cache.generation, read)] * 2)
    # THEN the leader's error is its own, and the waiter reads the table itself
    assert sorted(map(type, got), key=str) == sorted([RuntimeError, Rows], key=str)
    table = next(g for g in got if isinstance(g, Rows))
    assert table.stamp == "the waiter's"
    assert reads == [None, None]
    assert slot.table is table
    assert not slot.whole.reading  # and the next reader finds no read under way
    assert slot.current(cache.generation, read) is table


def test_a_waiter_whose_leader_stored_nothing_reads_itself() -> None:
    # GIVEN a whole read that started before a change it may predate, beyond what the cache
    # remembers while it holds no table (so the read is not stored)
    cache = FeatureCache(max_jobs=4)
    slot: TableSlot[Rows] = cache.jobs
    reads: list[str] = []
    started = cache.generation

    def read(ids: Sequence[int] | None) -> Rows:
        reads.append("whole" if ids is None else "rows")
        if len(reads) == 1:
            _until(lambda: slot.whole.waiting == 1)
            with cache._lock:  # many jobs changed meanwhile
                cache.generation += 1
                slot.mark_stale(range(10**6, 10**6 + 200_001), cache.generation)
        return Rows((1,), f"read {len(reads)}")

    # WHEN a reader from before the changes leads and another, after them, waits
    first = threading.Thread(target=lambda: slot.current(started, read))
    first.start()
    _until(lambda: slot.whole.reading)
    after = slot.current(started + 1, read)
    first.join(timeout=30)
    # THEN the old read is not kept and the waiter read the table itself
    assert reads == ["whole", "whole"]
    assert slot.table is after
    assert after.stamp == "read 2"


def test_a_change_made_during_the_first_whole_read_is_read_again() -> None:
    # GIVEN a cache without its job table, whose first whole read is under way
    cache = FeatureCache()
    slot: TableSlot[Rows] = cache.jobs
    reading, changed = threading.Event(), threading.Event()
    reads: list[Sequence[int] | None] = []

    def read(ids: Sequence[int] | None) -> Rows:
        reads.append(ids)
        if ids is None:
            reading.set()
            changed.wait(10)
        return Rows((4, 5), "whole" if ids is None else "job 5")

    generation = cache.generation
    leader = threading.Thread(target=lambda: slot.current(generation, read))
    leader.start()
    reading.wait(10)
    # WHEN job 5 changes while it reads (the read may predate the change)
    cache.invalidate_jobs([5])
    changed.set()
    leader.join(timeout=30)
    # THEN the table is kept, and job 5's row is re-read before its next use
    assert slot.get()[1] == {5: cache.generation}
    table = slot.current(cache.generation, read)
    assert reads == [None, [5]]
    assert table.stamp == "whole+job 5"
    assert slot.get()[1] == {}


def test_concurrent_first_readers_of_the_word_statistics_count_them_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a process that has no word statistics yet
    cache = FeatureCache()
    counted: list[int] = []
    corpus = Corpus({}, 0, 1.0)

    def count(session: Session) -> Corpus:
        counted.append(1)
        _until(lambda: _waiting(cache, "words_flight") == 1 or len(counted) == 2)
        return corpus

    monkeypatch.setattr(context_module, "corpus_from", count)

    engine = create_engine("sqlite://")

    def first_read() -> Corpus:
        with Session(engine) as session:
            return FeatureContext(session, None, cache=cache).corpus()

    # WHEN two requests need them at once
    got = _run(first_read, first_read)
    # THEN they are counted once, and both use them
    assert counted == [1]
    assert got == [corpus, corpus]
    assert cache.stale_words() is corpus
    engine.dispose()
