"""The job-side feature cache: same results as reading SQL, and invalidated by the index hooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.matching.index_support import BACKENDS, HashingEncoder, db, pg_module_url

from chamba.courses.models import Course, CourseSkill, Modality
from chamba.db import session_factory
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.features import FeatureContext
from chamba.matching.service import candidates_for_job, courses_for_person, jobs_for_person
from chamba.matching.store import IndexStore
from chamba.matching.upkeep import IndexUpkeep, install_upkeep, uninstall_upkeep
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill
from chamba.vocab import Requirement, SkillSource

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module

NOW = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
LIMA = "150101"
World = tuple[sessionmaker[Session], IndexStore, IndexUpkeep, dict[str, int]]


def _job(s: Session, title: str, skills: dict[str, bool], **kw: Any) -> Job:
    job = Job(
        title=title, description=f"{title} en Lima", ubigeo=LIMA, hours_per_week=40,
        wage_min=Decimal("1500"), wage_max=Decimal("1800"), status=JobStatus.OPEN,
        posted_at=NOW - timedelta(days=3), expires_at=NOW + timedelta(days=30), **kw,
    )  # fmt: skip
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
    store = IndexStore(tmp_path / "data", HashingEncoder(), cache=False)
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
            jobs_for_person(s, indexes, ids["person"], now=NOW).model_dump(),
            candidates_for_job(s, indexes, ids["welder"], now=NOW).model_dump(),
            courses_for_person(s, indexes, ids["person"], now=NOW).model_dump(),
        ]


def _item(page: dict, job_id: int) -> dict:
    return next(i for i in page["items"] if i["job_id"] == job_id)


def test_cached_and_uncached_results_are_the_same(world: World) -> None:
    factory, store, _, ids = world
    indexes = store.indexes
    assert indexes is not None
    assert indexes.cache is store.cache
    # GIVEN a first round that fills the cache
    first = _pages(factory, indexes, ids)
    assert len(store.cache) == 3
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
        page = jobs_for_person(s, store.indexes, ids["person"], now=NOW).model_dump()
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
        jobs_for_person(s, store.indexes, ids["person"], now=NOW)
    # THEN what it read is not kept (it may predate the change)
    assert len(store.cache) == 0
    assert store.cache.rarity() is None
    # while a fresh transaction stores again
    _pages(factory, store.indexes, ids)
    assert len(store.cache) == 3


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
