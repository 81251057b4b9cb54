"""Application counts held by the feature cache: re-read whole by age off the requests, never
dropped for a request to pay, and never overwritten by a read older than an invalidation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from tests.matching.index_support import BACKENDS, db, pg_module_url

from chamba.activity.models import Application
from chamba.jobs.models import Job, JobStatus
from chamba.matching.application_counts import APPLICATIONS_MAX_AGE_S
from chamba.matching.context import FeatureContext
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.repository import application_counts
from chamba.people.models import Person

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module


def _aged(cache: FeatureCache) -> None:
    cache.apps.read_at -= 2 * APPLICATIONS_MAX_AGE_S


def _held_back(counts: dict[int, int]) -> tuple[Callable[[], dict[int, int]], threading.Event]:
    """A re-read that answers ``counts`` once released."""
    release = threading.Event()

    def reread() -> dict[int, int]:
        release.wait(30)
        return counts

    return reread, release


def _finish(cache: FeatureCache, release: threading.Event) -> None:
    release.set()
    assert cache.apps.refresh is not None
    cache.apps.refresh.join(timeout=30)


def test_old_counts_are_answered_while_they_are_read_again() -> None:
    # GIVEN counts held for longer than their age
    cache = FeatureCache()
    cache.put_application_counts({1: 2, 2: 0}, cache.generation)
    _aged(cache)
    reread, release = _held_back({1: 5, 3: 1})
    # WHEN requests read them THEN they get the counts held at once (a re-read runs meanwhile)
    assert cache.application_counts([1, 2], reread) == {1: 2, 2: 0}
    running = cache.apps.refresh
    assert running is not None
    assert cache.application_counts([1, 2], reread) == {1: 2, 2: 0}
    assert cache.apps.refresh is running  # one re-read at a time
    # AND once it read, the new counts (a job with none is a zero; 3 is neither held nor open)
    _finish(cache, release)
    assert cache.application_counts([1, 2, 3], reread) == {1: 5, 2: 0}
    assert not cache.apps.due()


def test_a_count_invalidated_during_the_read_is_not_overwritten_by_it() -> None:
    # GIVEN a re-read under way
    cache = FeatureCache()
    cache.put_application_counts({1: 2, 2: 0, 4: 1}, cache.generation)
    _aged(cache)
    reread, release = _held_back({1: 2, 2: 0, 4: 1})
    cache.application_counts([1], reread)
    # WHEN applications to 1 and 4 change meanwhile, and a request stores 4's new count
    cache.invalidate_applications([1, 4])
    cache.put_application_counts({4: 2}, cache.generation)
    # THEN the read (which may predate the changes) leaves them as they are now
    _finish(cache, release)
    assert cache.application_counts([1, 2, 4]) == {2: 0, 4: 2}


def test_a_read_that_every_count_changed_under_is_discarded() -> None:
    cache = FeatureCache()
    cache.put_application_counts({1: 2}, cache.generation)
    _aged(cache)
    reread, release = _held_back({1: 2})
    cache.application_counts([1], reread)
    cache.invalidate_applications(None)  # a bulk change to the applications table
    _finish(cache, release)
    assert cache.application_counts([1]) == {}


def _counts(session: Session, cache: FeatureCache, ids: list[int]) -> dict[int, int]:
    """What a request's ranking reads of ``ids``' counts (through ``cache``)."""
    return FeatureContext(session, None, cache=cache).application_counts(ids)


def test_a_change_no_hook_saw_shows_without_a_request_reading_the_counts(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chamba.matching import context

    read_whole = context.read_application_counts
    release = threading.Event()

    def held_back(engine: Engine) -> dict[int, int]:  # the real read, once released
        release.wait(30)
        return read_whole(engine)

    monkeypatch.setattr(context, "read_application_counts", held_back)
    # GIVEN two open jobs, one with an application, their counts held by the cache
    with Session(db) as s:
        jobs = [Job(title=t, status=JobStatus.OPEN) for t in ("Carpintero", "Soldador")]
        people = [Person(full_name="Ana"), Person(full_name="Luz")]
        s.add_all([*jobs, *people])
        s.flush()
        s.add(Application(person_id=people[0].id, job_id=jobs[0].id))
        s.commit()
        ids, other = [j.id for j in jobs], people[1].id
    cache = FeatureCache()
    with Session(db) as s:
        assert _counts(s, cache, ids) == {ids[0]: 1, ids[1]: 0}
    # WHEN another program adds an application (no hook, no event) and a minute passes
    with Session(db) as s:
        s.add(Application(person_id=other, job_id=ids[1]))
        s.commit()
    _aged(cache)
    statements: list[str] = []
    me = threading.current_thread()

    def seen(*_args: object) -> None:
        if threading.current_thread() is me:
            statements.append(str(_args[2]))

    event.listen(db, "before_cursor_execute", seen)
    try:
        with Session(db) as s:
            # THEN the next request answers the counts held, reading none itself
            assert _counts(s, cache, ids) == {ids[0]: 1, ids[1]: 0}
    finally:
        event.remove(db, "before_cursor_execute", seen)
    assert not [q for q in statements if "applications" in q]
    # AND the re-read off the request brings the new count
    _finish(cache, release)
    with Session(db) as s:
        assert _counts(s, cache, ids) == {ids[0]: 1, ids[1]: 1}
        # (read on a connection, past the ORM, as through the session)
        assert read_whole(db) == application_counts(s, None) == {ids[0]: 1, ids[1]: 1}


def test_the_warm_up_reads_the_open_jobs_counts(db: Engine, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from tests.support.encoders import HashEncoder

    from chamba.db import session_factory
    from chamba.matching.deps import load_match_indexes
    from chamba.matching.store import IndexStore
    from chamba.matching.upkeep import uninstall_upkeep

    # GIVEN open jobs, one with an application
    with Session(db) as s:
        jobs = [Job(title=t, status=JobStatus.OPEN) for t in ("Carpintero", "Soldador")]
        person = Person(full_name="Ana")
        s.add_all([*jobs, person])
        s.flush()
        s.add(Application(person_id=person.id, job_id=jobs[0].id))
        s.commit()
        ids = [j.id for j in jobs]
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    state = SimpleNamespace(index_store=store, session_factory=session_factory(db))
    # WHEN the app loads its indexes (the warm-up does, before any visitor)
    with Session(db) as s:
        load_match_indexes(SimpleNamespace(state=state), s)
    # THEN every open job's count is held: the first ranking reads none
    assert store.cache is not None
    assert store.cache.application_counts(ids) == {ids[0]: 1, ids[1]: 0}
    uninstall_upkeep(state.index_upkeep)
