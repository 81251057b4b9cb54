"""The job-side feature cache: same results as reading SQL, and invalidated by the index hooks."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker
from tests.matching.index_support import BACKENDS, db, pg_module_url
from tests.support.encoders import HashEncoder

from chamba.activity.models import Interaction, InteractionKind, SubjectType
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.db import session_factory
from chamba.events.schemas import PersonPayload, ProfileUpdated
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.consumers import IndexSyncConsumer
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.filters import Filtered, JobFilter, filter_jobs
from chamba.matching.job_table import JobTable
from chamba.matching.schemas import JobsRequest
from chamba.matching.service import candidates_for_job, courses_for_person, jobs_for_person
from chamba.matching.store import IndexStore
from chamba.matching.upkeep import IndexUpkeep, install_upkeep, uninstall_upkeep
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill
from chamba.search import Corpus
from chamba.vocab import Requirement, SkillSource

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module

NOW = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
LIMA = "150101"
World = tuple[sessionmaker[Session], IndexStore, IndexUpkeep, dict[str, int]]


def _job(s: Session, title: str, skills: dict[str, bool], **kw: Any) -> Job:
    values: dict[str, Any] = {
        "title": title, "description": f"{title} en Lima", "ubigeo": LIMA, "hours_per_week": 40,
        "wage_min": Decimal("1500"), "wage_max": Decimal("1800"), "status": JobStatus.OPEN,
        "posted_at": NOW - timedelta(days=3), "expires_at": NOW + timedelta(days=30),
    }  # fmt: skip
    job = Job(**(values | kw))
    s.add(job)
    s.flush()
    for sid, essential in skills.items():
        requirement = Requirement.ESSENTIAL if essential else Requirement.OPTIONAL
        s.add(JobSkill(job_id=job.id, skill_id=sid, requirement=requirement, importance=0.8))
    return job


@pytest.fixture
def world(db: Engine, tmp_path: Path) -> Iterator[World]:
    """Committed jobs, a seeker, a course and a store (with upkeep) that owns a cache."""
    with Session(db) as s:
        org = Organisation(kind=OrgKind.PROVIDER, name="SENATI")
        s.add(org)
        s.flush()
        carpenter = _job(s, "Carpintero", {"t_wood": True, "t_weld": False})
        welder = _job(s, "Soldador", {"t_weld": True})
        helper = _job(s, "Ayudante de taller", {})
        person = Person(
            ubigeo=LIMA, availability_hours=48, expected_wage=Decimal("1200"),
            has_internet=True, device=Device.PHONE, max_distance_km=30.0,
            self_description="Hago muebles de madera", consent_visible=True,
        )  # fmt: skip
        s.add(person)
        s.flush()
        s.add(PersonSkill(person_id=person.id, skill_id="t_wood", source=SkillSource.DECLARED))
        course = Course(
            title="Soldadura básica", modality=Modality.IN_PERSON, ubigeo=LIMA, hours=60,
            weeks=10, cost=Decimal("0"), is_free=True, provider_id=org.id,
        )  # fmt: skip
        s.add(course)
        s.flush()
        s.add(CourseSkill(course_id=course.id, skill_id="t_weld"))
        s.commit()
        ids = {
            "carpenter": carpenter.id, "welder": welder.id, "helper": helper.id,
            "person": person.id, "course": course.id, "org": org.id,
        }  # fmt: skip
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    factory = session_factory(db)
    upkeep = install_upkeep(factory, store)
    yield factory, store, upkeep, ids
    uninstall_upkeep(upkeep)


def _uncached(indexes: MatchIndexes) -> MatchIndexes:
    return dataclasses.replace(indexes, cache=None)


def _pages(factory: sessionmaker[Session], indexes: MatchIndexes, ids: dict[str, int]) -> list:
    with factory() as s:
        return [
            jobs_for_person(s, indexes, ids["person"], JobsRequest(now=NOW)).model_dump(),
            candidates_for_job(s, indexes, ids["welder"], now=NOW).model_dump(),
            courses_for_person(s, indexes, ids["person"], now=NOW).model_dump(),
        ]


def _jobs(ids: dict[str, int]) -> list[int]:
    return [ids["carpenter"], ids["welder"], ids["helper"]]


def _counted(store: IndexStore, job_ids: list[int]) -> list[int]:
    """Those of ``job_ids`` whose counted words the cache's job table holds, fresh."""
    assert store.cache is not None
    table, stale = store.cache.job_table()
    if table is None:
        return []
    held = set(table.ids[table.n_terms > 0].tolist())
    return [j for j in job_ids if j in held and j not in stale]


def _item(page: dict, job_id: int) -> dict:
    return next(i for i in page["items"] if i["job_id"] == job_id)


@contextmanager
def _statements(engine: Engine, thread: threading.Thread | None = None) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block (only ``thread``'s, when given)."""
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if thread is None or threading.current_thread() is thread:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_cached_and_uncached_results_are_the_same(world: World) -> None:
    factory, store, _, ids = world
    indexes = store.indexes
    assert indexes is not None
    assert indexes.cache is store.cache
    # GIVEN a first round that fills the cache
    first = _pages(factory, indexes, ids)
    assert _counted(store, _jobs(ids)) == _jobs(ids)
    hits = store.cache.hits
    # WHEN the same requests run again (from the cache) and without any cache
    cached = _pages(factory, indexes, ids)
    uncached = _pages(factory, _uncached(indexes), ids)
    # THEN the second round read the cache and every page is the same
    assert store.cache.hits > hits
    assert cached == uncached == first
    missing = _item(cached[0], ids["welder"])["explanation"]["missing_essential"]
    assert [m["id"] for m in missing] == ["t_weld"]
    assert missing[0]["courses"][0]["provider"] == "SENATI"


def test_candidate_rows_come_from_the_cache_until_the_job_changes(world: World) -> None:
    factory, store, _, ids = world
    jobs = [ids["carpenter"], ids["welder"], ids["helper"]]
    # GIVEN a ranking that read the candidates' rows
    _pages(factory, store.indexes, ids)
    assert sorted(store.cache.job_rows(jobs)) == sorted(jobs)
    # WHEN the next ranking runs
    with _statements(factory.kw["bind"]) as statements:
        again = _pages(factory, store.indexes, ids)
    # THEN it reads no job's row from SQL again
    assert not [q for q in statements if "jobs.description" in q and "jobs.id IN" in q]
    # and a changed job is read afresh
    with factory() as s:
        s.get_one(Job, ids["welder"]).title = "Soldador MIG"
        s.commit()
    assert ids["welder"] not in store.cache.job_rows(jobs)
    after = _pages(factory, store.indexes, ids)
    assert _item(after[0], ids["welder"])["title"] == "Soldador MIG"
    assert after == _pages(factory, _uncached(store.indexes), ids)
    assert _item(again[0], ids["welder"])["title"] == "Soldador"


def test_a_jobs_words_are_counted_again_when_it_changes(world: World) -> None:
    factory, store, _, ids = world
    before = _item(_pages(factory, store.indexes, ids)[0], ids["helper"])
    assert _counted(store, [ids["helper"]]) == [ids["helper"]]
    # WHEN the job's description takes up the person's own words
    with factory() as s:
        s.get_one(Job, ids["helper"]).description = "Hago muebles de madera en el taller"
        s.commit()
    # THEN its counted words were dropped and the lexical feature reads the new text
    assert _counted(store, [ids["helper"]]) == []
    pages = _pages(factory, store.indexes, ids)
    after = _item(pages[0], ids["helper"])
    assert after["features"]["lexical"] > before["features"]["lexical"]
    # (the corpus' word statistics are refreshed by age, not by each change: see
    # FeatureContext.corpus; so no comparison with a fresh uncached ranking here)


def test_an_application_counts_at_once_and_through_the_events(world: World) -> None:
    from chamba.activity.models import Application
    from chamba.events.schemas import ApplicationCreated
    from chamba.matching.consumers import IndexSyncConsumer

    factory, store, _, ids = world
    before = _item(_pages(factory, store.indexes, ids)[0], ids["carpenter"])
    assert store.cache.application_counts([ids["carpenter"]]) == {ids["carpenter"]: 0}
    # WHEN someone applies to the job (a commit of this process)
    with factory() as s:
        other = Person(ubigeo=LIMA)
        s.add(other)
        s.flush()
        s.add(Application(person_id=other.id, job_id=ids["carpenter"]))
        s.commit()
    # THEN its cached count was dropped and the ranking sees the new congestion
    assert store.cache.application_counts([ids["carpenter"]]) == {}
    pages = _pages(factory, store.indexes, ids)
    after = _item(pages[0], ids["carpenter"])
    assert after["features"]["congestion"] > before["features"]["congestion"] == 0
    assert pages == _pages(factory, _uncached(store.indexes), ids)
    # and an application event (from another process) drops a count too
    assert ids["carpenter"] in store.cache.application_counts([ids["carpenter"]])
    with factory() as s:
        application = s.scalars(select(Application)).one()
        IndexSyncConsumer(store).handle_batch(s, [ApplicationCreated.about(application)])
    assert store.cache.application_counts([ids["carpenter"]]) == {}


def test_a_skill_added_to_a_job_is_seen_at_once(world: World) -> None:
    factory, store, upkeep, ids = world
    before = _pages(factory, store.indexes, ids)
    assert _item(before[0], ids["helper"])["explanation"]["missing_essential"] == []
    # WHEN only the job's skills change (the job row itself, and its updated_at, do not)
    with factory() as s:
        s.add(JobSkill(job_id=ids["helper"], skill_id="t_weld", requirement=Requirement.ESSENTIAL))
        s.commit()
    assert upkeep.errors == 0
    # THEN the cached path sees the new skill, exactly as the uncached path does
    after = _pages(factory, store.indexes, ids)
    missing = _item(after[0], ids["helper"])["explanation"]["missing_essential"]
    assert [m["id"] for m in missing] == ["t_weld"]
    assert after == _pages(factory, _uncached(store.indexes), ids)


def test_rarity_follows_new_jobs(world: World) -> None:
    factory, store, _, _ids = world

    def rarity(indexes: MatchIndexes) -> list[float]:
        with factory() as s:
            return FeatureContext(s, indexes, NOW).rarity(["t_wood", "t_weld"]).tolist()

    first = rarity(store.indexes)
    # WHEN more jobs ask for welding
    with factory() as s:
        for n in range(3):
            _job(s, f"Soldador {n}", {"t_weld": True})
        s.commit()
    # THEN welding is less rare for the cached path too
    after = rarity(store.indexes)
    assert after == rarity(_uncached(store.indexes))
    assert after[1] < first[1]


def test_a_new_course_is_offered_for_a_missing_skill(world: World) -> None:
    factory, store, _, ids = world
    before = _item(_pages(factory, store.indexes, ids)[0], ids["welder"])
    assert len(before["explanation"]["missing_essential"][0]["courses"]) == 1
    # WHEN a second course teaching welding opens
    with factory() as s:
        course = Course(
            title="Soldadura MIG", modality=Modality.IN_PERSON, ubigeo=LIMA, hours=40, weeks=8,
            cost=Decimal("0"), is_free=True, provider_id=ids["org"],
        )  # fmt: skip
        s.add(course)
        s.flush()
        s.add(CourseSkill(course_id=course.id, skill_id="t_weld"))
        s.commit()
    # THEN the cached explanation lists it
    pages = _pages(factory, store.indexes, ids)
    after = _item(pages[0], ids["welder"])
    assert len(after["explanation"]["missing_essential"][0]["courses"]) == 2
    assert pages == _pages(factory, _uncached(store.indexes), ids)


def test_a_session_with_its_own_changes_reads_them(world: World) -> None:
    factory, store, _, ids = world
    _pages(factory, store.indexes, ids)  # the cache knows the helper job asks for nothing
    with factory() as s:
        # WHEN a session adds a skill to a job and ranks before committing
        s.add(JobSkill(job_id=ids["helper"], skill_id="t_weld", requirement=Requirement.ESSENTIAL))
        s.flush()
        page = jobs_for_person(s, store.indexes, ids["person"], JobsRequest(now=NOW)).model_dump()
        s.rollback()
    # THEN it sees its own change
    missing = _item(page, ids["helper"])["explanation"]["missing_essential"]
    assert [m["id"] for m in missing] == ["t_weld"]


def test_a_read_older_than_an_invalidation_is_not_stored(world: World) -> None:
    factory, store, _, ids = world
    with factory() as s:
        s.get(Person, ids["person"])  # the transaction begins: the cache's generation is noted
        # WHEN a job changes (elsewhere) before this session reads the jobs' skills
        store.cache.invalidate_jobs([ids["carpenter"]])
        jobs_for_person(s, store.indexes, ids["person"], JobsRequest(now=NOW))
    # THEN what it read is not kept (it may predate the change)
    assert len(store.cache) == 0
    assert store.cache.job_rows(_jobs(ids)) == {}
    assert store.cache.rarity() is None
    # while a fresh transaction stores again
    _pages(factory, store.indexes, ids)
    assert len(store.cache.job_rows(_jobs(ids))) == 3


def test_cache_bounds_and_clear() -> None:
    cache = FeatureCache(max_jobs=4)
    for n in range(6):
        cache.put_job_skills({n: ("v", ())}, cache.generation)
    assert len(cache) <= 4
    assert cache.job_skills({5: "v"}) == {5: ()}
    assert cache.job_skills({5: "other version"}) == {}
    cache.put_rarity(({}, 1.0), cache.generation)
    cache.put_course_rows({"t_weld": ()}, cache.generation)
    cache.clear()
    assert len(cache) == 0
    assert cache.rarity() is None
    assert cache.course_rows(["t_weld"]) == {}
    stale = cache.generation - 1
    cache.put_rarity(({}, 1.0), stale)
    assert cache.rarity() is None


def _assert_same(a: Filtered, b: Filtered) -> None:
    assert a.ids.tolist() == b.ids.tolist()
    np.testing.assert_array_equal(a.distance_km, b.distance_km)


def test_job_table_filters_exactly_like_sql(db: Engine) -> None:
    # GIVEN open, closed, expired, remote, far, unplaced, unpaid and long-hours jobs
    with Session(db) as s:
        for n, (place, remote, wage, hours, expires, status) in enumerate([
            (LIMA, False, 1500, 40, 30, JobStatus.OPEN),
            ("150130", False, None, None, None, JobStatus.OPEN),  # San Borja, no pay or hours
            ("150119", False, 900, 20, 30, JobStatus.OPEN),  # Lurín, ~30 km
            ("040101", False, 2500, 48, 30, JobStatus.OPEN),  # Arequipa
            (None, False, 1300, 40, 30, JobStatus.OPEN),  # place unknown
            ("", False, 1300, 40, 30, JobStatus.OPEN),  # empty place
            ("999999", False, 1300, 40, 30, JobStatus.OPEN),  # unknown code
            (LIMA, True, 1800, 30, 30, JobStatus.OPEN),  # remote
            (LIMA, False, 1500, 60, 30, JobStatus.OPEN),  # long hours
            (LIMA, False, 1500, 40, -1, JobStatus.OPEN),  # expired
            (LIMA, False, 1500, 40, 30, JobStatus.CLOSED),
        ]):  # fmt: skip
            s.add(
                Job(
                    title=f"Job {n}",
                    ubigeo=place,
                    remote=remote,
                    status=status,
                    wage_min=None if wage is None else Decimal(wage) - 100,
                    wage_max=None if wage is None else Decimal(wage),
                    hours_per_week=hours,
                    expires_at=None if expires is None else NOW + timedelta(days=expires),
                )  # fmt: skip
            )
        s.commit()
        # and a person who dismissed the first job
        person = Person(ubigeo=LIMA)
        s.add(person)
        s.flush()
        first = s.scalars(select(Job.id).order_by(Job.id)).first()
        s.add(
            Interaction(
                person_id=person.id, person_key="k", subject_type=SubjectType.JOB,
                subject_id=first, kind=InteractionKind.DISMISSED,
            )
        )  # fmt: skip
        s.commit()
        table = JobTable.read(s)
        assert len(table) == 10
        # WHEN every mix of the person's place, radius, remote choice, floors and expiry runs
        for origin, km, remote, ready, floor, hours, expired, who, among in itertools.product(
            [LIMA, "040101", None, "999999"], [5.0, 35.0, 2000.0], [None, True, False],
            [True, False], [None, Decimal("1200.00"), Decimal("1500.00")], [None, 0, 40],
            [False, True], [None, person.id], [None, {first, first + 7}],
        ):  # fmt: skip
            flt = JobFilter(
                now=NOW, origin=origin, max_distance_km=km, remote=remote, remote_ready=ready,
                wage_floor=floor, max_hours=hours, include_expired=expired, person_id=who,
            )  # fmt: skip
            # THEN numpy over the table keeps exactly what SQL keeps, with the same distances
            _assert_same(
                filter_jobs(s, flt, table=table, among=among), filter_jobs(s, flt, among=among)
            )


def test_job_table_patches_changed_jobs(world: World) -> None:
    factory, store, _, ids = world
    first = _pages(factory, store.indexes, ids)[0]
    assert ids["carpenter"] in [i["job_id"] for i in first["items"]]
    # WHEN one job closes and another opens far away
    with factory() as s:
        s.get(Job, ids["carpenter"]).status = JobStatus.CLOSED
        _job(s, "Soldador en Arequipa", {"t_weld": True}, ubigeo="040101")
        s.commit()
    # THEN the cached table was patched (not rebuilt) and ranks like SQL does
    table, dirty = store.cache.job_table()
    after = _pages(factory, store.indexes, ids)
    patched, dirty = store.cache.job_table()
    assert patched is not table
    assert dirty == {}
    assert ids["carpenter"] not in [i["job_id"] for i in after[0]["items"]]
    assert after == _pages(factory, _uncached(store.indexes), ids)
    with factory() as s:
        full = JobTable.read(s)
    assert patched.ids.tolist() == full.ids.tolist()
    np.testing.assert_array_equal(patched.lat, full.lat)


def test_job_table_overlap_equals_the_sql_overlap(world: World) -> None:
    from chamba.matching.retrieval import overlap_top as sql_overlap_top

    factory, _store, _, ids = world
    with factory() as s:
        table = JobTable.read(s)
        allowed = table.ids
        for held in ({"t_wood"}, {"t_weld"}, {"t_wood", "t_weld"}, {"nothing"}, set()):
            for k in (1, 2, 10):
                sql = sql_overlap_top(s, dict.fromkeys(held, 1.0), JobSkill, "job_id", allowed, k)
                assert table.overlap_top(held, allowed, k) == sql
        # WHEN a job gains a skill and the table is patched
        s.add(JobSkill(job_id=ids["helper"], skill_id="t_wood", requirement=Requirement.OPTIONAL))
        s.commit()
        patched = table.patched([ids["helper"]], JobTable.read(s, [ids["helper"]]))
        full = JobTable.read(s)
    # THEN the patched skills are the full read's
    assert patched.n_skills.tolist() == full.n_skills.tolist()
    assert patched.skills.tolist() == full.skills.tolist()
    with factory() as s:
        sql = sql_overlap_top(s, {"t_wood": 1.0}, JobSkill, "job_id", full.ids, 10)
    assert patched.overlap_top({"t_wood"}, full.ids, 10) == sql
    assert ids["helper"] in sql


def test_loading_the_indexes_for_the_app_reads_the_job_table(db: Engine, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from chamba.matching.context import WORD_DF_MAX_AGE_S
    from chamba.matching.deps import load_match_indexes

    with Session(db) as s:
        _job(s, "Soldador", {"t_weld": True})
        s.commit()
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    state = SimpleNamespace(index_store=store, session_factory=session_factory(db))
    app = SimpleNamespace(state=state)
    # WHEN the app loads its indexes (the warm-up thread does, before any visitor)
    with Session(db) as s:
        load_match_indexes(app, s)
    # THEN the job table is already in the cache: no visitor pays for reading it
    table, dirty = store.cache.job_table()
    assert table is not None
    assert len(table) == 1
    assert dirty == {}
    # AND so are the open jobs' word statistics and skill rarity (at 100,000 jobs the first
    # visitor waited seconds for them)
    assert store.cache.words(WORD_DF_MAX_AGE_S) is not None
    assert store.cache.rarity() is not None
    uninstall_upkeep(state.index_upkeep)


def test_old_word_statistics_are_recomputed_off_the_request(world: World) -> None:
    import time

    from chamba.matching.context import WORD_DF_MAX_AGE_S

    factory, store, _, ids = world
    cache = store.cache
    with factory() as s:
        first = FeatureContext(s, store.indexes, NOW).corpus()
    assert first.n_docs == 3
    # GIVEN word statistics older than their age limit, and a new open job since
    cache._words = (time.monotonic() - 2 * WORD_DF_MAX_AGE_S, first)
    with factory() as s:
        _job(s, "Cocinero", {})
        s.commit()
    with _statements(factory.kw["bind"], thread=threading.current_thread()) as statements:
        # WHEN a request reads them
        with factory() as s:
            got = FeatureContext(s, store.indexes, NOW).corpus()
            # THEN it gets the stored table at once, reading no posting's text itself
            assert got is first
            assert not [q for q in statements if "search_text" in q]
        # AND a background thread recomputes them (one at a time)
        refresh = cache._words_refresh
        assert refresh is not None
        refresh.join(timeout=30)
    fresh = cache.words(WORD_DF_MAX_AGE_S)
    assert fresh is not None
    assert fresh is not first
    assert fresh.n_docs == 4  # the new job's words are counted


def test_a_word_refresh_runs_once_at_a_time(world: World) -> None:

    _, store, _, _ = world
    cache = store.cache
    release = threading.Event()
    corpus = Corpus({}, 0, 1.0)

    def slow() -> Corpus:
        release.wait(30)
        return corpus

    first = cache.refresh_words_later(slow)
    assert first is not None
    assert cache.refresh_words_later(slow) is None  # one is running
    release.set()
    first.join(timeout=30)
    assert cache.stale_words() is corpus


def test_skill_labels_are_read_once_then_kept_for_a_minute(world: World) -> None:
    from chamba.matching.feature_cache import LABELS_MAX_AGE_S
    from chamba.taxonomy.models import Skill

    factory, store, _, ids = world
    cache = store.cache
    first = _pages(factory, store.indexes, ids)
    assert "t_weld" in cache.skill_labels(["t_weld"])
    with _statements(factory.kw["bind"]) as statements:
        again = _pages(factory, store.indexes, ids)
    # GIVEN labels read by a first ranking, the next reads none from SQL: the same pages
    assert not [q for q in statements if "skills.label_es" in q]
    assert again == first
    # WHEN a label is edited, THEN explanations name it anew once the labels are older than
    # their age limit
    with factory() as s:
        s.get_one(Skill, "t_weld").label_es = "soldadura MIG"
        s.commit()
    cache._labels_since -= 2 * LABELS_MAX_AGE_S
    page = _pages(factory, store.indexes, ids)[0]
    missing = _item(page, ids["welder"])["explanation"]["missing_essential"]
    assert [m["label"] for m in missing] == ["soldadura MIG"]
    assert page == _pages(factory, _uncached(store.indexes), ids)[0]


def _candidate_ids(factory: sessionmaker[Session], indexes: MatchIndexes, job_id: int) -> list:
    with factory() as s:
        page = candidates_for_job(s, indexes, job_id, limit=200, now=NOW)
        return [item.person_id for item in page.items]


def test_the_people_table_follows_consent_and_erasure(world: World) -> None:
    factory, store, _, ids = world
    indexes = store.indexes
    assert indexes is not None
    # GIVEN a process whose people table holds the consenting seeker
    assert _candidate_ids(factory, indexes, ids["welder"]) == [ids["person"]]
    table, stale = store.cache.people_table()
    assert table is not None
    assert ids["person"] in table.ids.tolist()
    assert not stale
    # WHEN the seeker withdraws their consent to be seen
    with factory() as s:
        s.get_one(Person, ids["person"]).consent_visible = False
        s.commit()
    # THEN the commit hook marked their row stale and no employer sees them any more
    assert ids["person"] in store.cache.people_table()[1]
    assert _candidate_ids(factory, indexes, ids["welder"]) == []
    assert _candidate_ids(factory, _uncached(indexes), ids["welder"]) == []
    assert ids["person"] not in store.cache.people_table()[0].ids.tolist()
    # AND consenting again shows them again, with a skill added since
    with factory() as s:
        s.get_one(Person, ids["person"]).consent_visible = True
        s.add(PersonSkill(person_id=ids["person"], skill_id="t_weld", source=SkillSource.DECLARED))
        s.commit()
    assert _candidate_ids(factory, indexes, ids["welder"]) == [ids["person"]]
    with factory() as s:
        page = candidates_for_job(s, indexes, ids["welder"], now=NOW).model_dump()
        bare = candidates_for_job(s, _uncached(indexes), ids["welder"], now=NOW).model_dump()
        assert page == bare
    # AND once the person is erased, they are gone from the table
    with factory() as s:
        s.delete(s.get_one(Person, ids["person"]))
        s.commit()
    assert _candidate_ids(factory, indexes, ids["welder"]) == []
    assert ids["person"] not in store.cache.people_table()[0].ids.tolist()


def test_a_profile_event_from_another_process_marks_the_person_stale(world: World) -> None:
    factory, store, _, ids = world
    assert store.indexes is not None
    _candidate_ids(factory, store.indexes, ids["welder"])
    # GIVEN a consent withdrawn by another process (no hook of this one saw it)
    with Session(factory.kw["bind"]) as s:
        s.get_one(Person, ids["person"]).consent_visible = False
        s.commit()
    assert _candidate_ids(factory, store.indexes, ids["welder"]) == [ids["person"]]
    # WHEN its profile event reaches this process's index consumer
    consumer = IndexSyncConsumer(store)
    with factory() as s:
        consumer.handle_batch(s, [_profile_event(ids["person"])])
    # THEN the person is no longer a candidate here either
    assert _candidate_ids(factory, store.indexes, ids["welder"]) == []


def _profile_event(person_id: int) -> ProfileUpdated:
    return ProfileUpdated(payload=PersonPayload(person_id=person_id))


def test_provider_names_are_read_once_then_kept_for_a_minute(world: World) -> None:
    from chamba.matching.feature_cache import LABELS_MAX_AGE_S

    factory, store, _, ids = world
    cache = store.cache
    first = _pages(factory, store.indexes, ids)
    assert cache.provider_names([ids["org"]]) == {ids["org"]: "SENATI"}
    with _statements(factory.kw["bind"]) as statements:
        again = _pages(factory, store.indexes, ids)
    # GIVEN providers' names read by a first ranking, the next reads none from SQL: same pages
    assert not [q for q in statements if "organisations.name" in q]
    assert again == first
    # WHEN the provider is renamed, THEN explanations name it anew once the names are older
    # than their age limit (they go with the skill labels)
    with factory() as s:
        s.get_one(Organisation, ids["org"]).name = "SENATI Lima"
        s.commit()
    cache._labels_since -= 2 * LABELS_MAX_AGE_S
    page = _pages(factory, store.indexes, ids)[0]
    courses = _item(page, ids["welder"])["explanation"]["missing_essential"][0]["courses"]
    assert [c["provider"] for c in courses] == ["SENATI Lima"]
    assert page == _pages(factory, _uncached(store.indexes), ids)[0]


def test_a_persons_counted_words_are_dropped_when_they_change(world: World) -> None:
    factory, store, _, ids = world
    assert store.indexes is not None
    # GIVEN a candidate ranking that counted the seeker's own words
    _candidate_ids(factory, store.indexes, ids["carpenter"])
    held = store.cache.own_terms([ids["person"]])
    assert "madera" in (held[ids["person"]] or ())
    # WHEN the seeker rewrites them
    with factory() as s:
        s.get_one(Person, ids["person"]).self_description = "Soldador de estructuras"
        s.commit()
    # THEN the counted words were dropped, and the next ranking reads the new ones
    assert store.cache.own_terms([ids["person"]]) == {}
    with factory() as s:
        page = candidates_for_job(s, store.indexes, ids["welder"], now=NOW).model_dump()
        bare = candidates_for_job(s, _uncached(store.indexes), ids["welder"], now=NOW)
    assert page == bare.model_dump()
    assert "soldador" in (store.cache.own_terms([ids["person"]])[ids["person"]] or ())


def _rows_read(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Every call's job ids of ``FeatureContext.job_rows`` (what a ranking reads rows of)."""
    calls: list[list[int]] = []
    real = FeatureContext.job_rows

    def spy(self: FeatureContext, job_ids: Any) -> Any:
        calls.append([int(i) for i in job_ids])
        return real(self, job_ids)

    monkeypatch.setattr(FeatureContext, "job_rows", spy)
    return calls


def test_a_ranking_over_the_job_table_reads_the_rows_of_its_page_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory, store, _, ids = world
    full = _pages(factory, _uncached(store.indexes), ids)[0]  # every candidate's row read
    assert full["total_candidates"] == 3
    calls = _rows_read(monkeypatch)
    # WHEN a page of one is asked of a process that keeps the job table
    with factory() as s:
        asked = JobsRequest(now=NOW, limit=1)
        page = jobs_for_person(s, store.indexes, ids["person"], asked).model_dump()
    # THEN only that job's row was read, and the page is the full ranking's first item
    assert [j for call in calls for j in call] == [page["items"][0]["job_id"]]
    assert page["items"] == full["items"][:1]
    assert page["total_candidates"] == 3


def test_a_job_gone_since_the_job_table_was_read_leaves_the_ranking(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory, store, _, ids = world
    best = _pages(factory, _uncached(store.indexes), ids)[0]["items"][0]["job_id"]
    # GIVEN the best job's row no longer found (deleted after the job table was read)
    import chamba.matching.context as context

    real = context.load_job_rows
    monkeypatch.setattr(
        context, "load_job_rows", lambda s, job_ids: real(s, [j for j in job_ids if j != best])
    )
    # WHEN the ranking runs over the job table and without it
    with factory() as s:
        cached = jobs_for_person(s, store.indexes, ids["person"], JobsRequest(now=NOW)).model_dump()
        uncached = jobs_for_person(s, _uncached(store.indexes), ids["person"], JobsRequest(now=NOW))
    # THEN both leave the job out, alike
    assert best not in [i["job_id"] for i in cached["items"]]
    assert cached == uncached.model_dump()
    assert cached["total_candidates"] == 2
