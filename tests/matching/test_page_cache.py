"""Ranked pages per person: a repeated request is not ranked again, and every input of the page
(profile, skills, dismissals, applications, the request, jobs and courses changed here or in
another process, the serving ranker, time) gives a fresh page equal to an uncached ranking."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.matching.index_support import BACKENDS, db, pg_module_url
from tests.matching.test_feature_cache import LIMA, NOW, _job
from tests.support.encoders import HashEncoder

from chamba.activity.models import Application, Interaction, InteractionKind, SubjectType
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.db import session_factory
from chamba.events.follower import OutboxFollower
from chamba.events.schemas import (
    ApplicationCreated,
    JobClosed,
    JobPosted,
    JobUpdated,
    PersonPayload,
    ProfileUpdated,
)
from chamba.events.service import emit
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching import page_cache, service
from chamba.matching.consumers import IndexSyncConsumer
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.features import JOB_FEATURES
from chamba.matching.page_cache import PageCache, ServedPage
from chamba.matching.schemas import JobsRequest, MatchPage
from chamba.matching.scoring import RuleBasedScorer, register_scorer
from chamba.matching.store import IndexStore
from chamba.matching.upkeep import IndexUpkeep, install_upkeep, uninstall_upkeep
from chamba.people.models import Device, Person, PersonSkill
from chamba.vocab import Requirement, SkillSource

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module


@dataclasses.dataclass
class World:
    engine: Engine
    factory: sessionmaker[Session]  # this process's sessions (commit hooks installed)
    store: IndexStore
    upkeep: IndexUpkeep
    ids: dict[str, int]
    rankings: list[int]  # one entry per ranking actually computed
    clock: list[float]  # the page cache's monotonic clock

    @property
    def indexes(self) -> MatchIndexes:
        assert self.store.indexes is not None
        return self.store.indexes

    def page(self, **kw: Any) -> dict[str, Any]:
        """The person's page through the cache (``now=NOW`` unless given)."""
        with self.factory() as s:
            kw.setdefault("now", NOW)
            asked = JobsRequest(**kw)
            return service.jobs_for_person(s, self.indexes, self.ids["person"], asked).model_dump()

    def uncached(self, **kw: Any) -> dict[str, Any]:
        """The same page ranked without any cache (every input read from SQL)."""
        bare = dataclasses.replace(self.indexes, cache=None)
        counted = len(self.rankings)
        with self.factory() as s:
            kw.setdefault("now", NOW)
            asked = JobsRequest(**kw)
            page = service.jobs_for_person(s, bare, self.ids["person"], asked).model_dump()
        del self.rankings[counted:]  # not one of the rankings the tests count
        return page

    def elsewhere(self) -> Session:
        """A session like another process's: none of this process's commit hooks."""
        return Session(self.engine)

    def follow(self) -> None:
        """What this process's outbox follower does every second: hand on what others wrote."""
        OutboxFollower(self.factory, [IndexSyncConsumer(self.store)]).poll()


def _count_rankings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at each ranking (``service.rank_jobs`` call) from now on."""
    rankings: list[int] = []
    rank_jobs = service.rank_jobs

    def counted(*args: Any, **kw: Any) -> service.JobRanking:
        rankings.append(1)
        return rank_jobs(*args, **kw)

    monkeypatch.setattr(service, "rank_jobs", counted)
    return rankings


@pytest.fixture
def world(db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with Session(db) as s:
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
        s.commit()
        ids = {
            "carpenter": carpenter.id, "welder": welder.id, "helper": helper.id,
            "person": person.id,
        }  # fmt: skip
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    clock = [1000.0]
    store.cache.pages = PageCache(max_pages=100, ttl_s=30, clock=lambda: clock[0])
    rankings = _count_rankings(monkeypatch)
    factory = session_factory(db)
    upkeep = install_upkeep(factory, store)
    yield World(db, factory, store, upkeep, ids, rankings, clock)
    uninstall_upkeep(upkeep)


def _job_ids(page: dict[str, Any]) -> list[int]:
    return [i["job_id"] for i in page["items"]]


def _fresh(world: World, **kw: Any) -> dict[str, Any]:
    """GIVEN a change, WHEN the person asks again, THEN the page is ranked again and equals a
    ranking made without any cache."""
    before = len(world.rankings)
    page = world.page(**kw)
    assert len(world.rankings) == before + 1, "the page was reused after a change"
    assert page == world.uncached(**kw)
    return page


def test_a_second_identical_request_is_not_ranked_again(world: World) -> None:
    first = world.page()
    second = world.page()
    assert world.rankings == [1]
    assert second == first == world.uncached()
    assert (world.store.cache.pages.hits, world.store.cache.pages.misses) == (1, 1)
    # Another page, size, filter or language is another ranking; each is then reused.
    variants: list[dict[str, Any]] = [
        {"limit": 1}, {"offset": 1}, {"remote": False}, {"max_distance_km": 5.0},
        {"min_wage": Decimal("1700")}, {"lang": "en"}, {"include_expired": True},
        {"now": NOW + timedelta(hours=1)},
    ]  # fmt: skip
    for kw in variants:
        assert _fresh(world, **kw) == world.page(**kw)
    assert len(world.rankings) == 1 + len(variants)


def test_a_profile_change_made_elsewhere_counts_at_once(world: World) -> None:
    assert world.ids["helper"] in _job_ids(world.page())
    with world.elsewhere() as s:  # no hook, no event handed on: only the database knows
        s.get_one(Person, world.ids["person"]).expected_wage = Decimal("2500")
        s.commit()
    assert world.ids["helper"] not in _job_ids(_fresh(world))  # under the new wage floor


def _version(world: World) -> datetime:
    with world.elsewhere() as s:
        return s.get_one(Person, world.ids["person"]).updated_at


def test_a_profile_column_changed_without_its_version_counts(world: World) -> None:
    world.page()
    version = _version(world)
    with world.elsewhere() as s:  # another program: updated_at left as it was
        s.execute(
            update(Person)
            .where(Person.id == world.ids["person"])
            .values(ubigeo="040101", updated_at=version)
        )
        s.commit()
    assert _version(world) == version
    assert _fresh(world)["items"] == []  # Arequipa: every job is in Lima, far beyond 30 km


def test_a_profile_event_from_another_process_drops_the_persons_pages(world: World) -> None:
    before = world.page()
    version = _version(world)
    with world.elsewhere() as s:  # own words changed, the version kept: only the event tells
        s.execute(
            update(Person)
            .where(Person.id == world.ids["person"])
            .values(self_description="Soy soldador, sueldo con arco", updated_at=version)
        )
        emit(s, ProfileUpdated(payload=PersonPayload(person_id=world.ids["person"])))
        s.commit()
    assert world.page() == before  # no worker's cache knows before the event
    world.follow()
    assert _fresh(world) != before


def test_a_skill_added_elsewhere_counts_at_once(world: World) -> None:
    before = world.page()
    with world.elsewhere() as s:
        s.add(
            PersonSkill(
                person_id=world.ids["person"], skill_id="t_weld", source=SkillSource.DECLARED
            )
        )
        s.commit()
    assert _fresh(world) != before


def test_confirming_a_skill_counts(world: World) -> None:
    world.page()
    with world.factory() as s:
        row = s.get_one(PersonSkill, (world.ids["person"], "t_wood"))
        row.confirmed = False
        s.commit()
    _fresh(world)


def _dismiss_elsewhere(world: World, job_id: int) -> None:
    """The person dismisses ``job_id`` through another process's session."""
    with world.elsewhere() as s:
        s.add(
            Interaction(
                person_id=world.ids["person"], person_key="k", subject_type=SubjectType.JOB,
                subject_id=job_id, kind=InteractionKind.DISMISSED,
            )
        )  # fmt: skip
        s.commit()


def test_a_dismissal_made_elsewhere_hides_the_job_at_once(world: World) -> None:
    assert world.ids["welder"] in _job_ids(world.page())
    _dismiss_elsewhere(world, world.ids["welder"])
    assert world.ids["welder"] not in _job_ids(_fresh(world))


def test_an_application_counts_here_and_from_elsewhere(world: World) -> None:
    world.page()
    with world.elsewhere() as s:  # the person applies through another worker
        mine = Application(person_id=world.ids["person"], job_id=world.ids["carpenter"])
        s.add(mine)
        s.flush()
        emit(s, ApplicationCreated.about(mine))
        s.commit()
    world.page()  # ranked again at once: the request reads the person's applications
    assert len(world.rankings) == 2
    world.follow()  # then the event: the job's application count is read again
    _fresh(world)
    with world.factory() as s:  # through this process: its commit hook
        s.add(Application(person_id=world.ids["person"], job_id=world.ids["helper"]))
        s.commit()
    _fresh(world)
    with world.elsewhere() as s:  # through another worker: its event reaches this one
        other = Person(ubigeo=LIMA, availability_hours=10)
        s.add(other)
        s.flush()
        application = Application(person_id=other.id, job_id=world.ids["welder"])
        s.add(application)
        s.flush()
        emit(s, ApplicationCreated.about(application))
        s.commit()
    world.follow()
    congestion = {i["job_id"]: i["features"]["congestion"] for i in _fresh(world)["items"]}
    assert congestion[world.ids["welder"]] > 0


@pytest.mark.parametrize("change", ["posted", "closed", "edited"])
def test_a_job_changed_in_another_process_counts_once_its_event_arrives(
    world: World, change: str
) -> None:
    before = world.page()
    with world.elsewhere() as s:
        if change == "posted":
            job = _job(s, "Carpintero de obra", {"t_wood": True})
            s.flush()
            event: Any = JobPosted.about(job)
        else:
            job = s.get_one(Job, world.ids["carpenter"])
            if change == "closed":
                job.status = JobStatus.CLOSED
                event = JobClosed.about(job)
            else:
                job.wage_max = Decimal("4000")
                event = JobUpdated.about(job)
            s.flush()
        emit(s, event)
        s.commit()
        job_id = job.id
    assert world.page() == before  # not seen yet: no worker's cache knows before the event
    world.follow()
    page = _fresh(world)
    if change == "posted":
        assert job_id in _job_ids(page)
    elif change == "closed":
        assert job_id not in _job_ids(page)
    else:
        assert page != before


def test_a_job_edited_through_this_process_counts_at_once(world: World) -> None:
    before = world.page()
    with world.factory() as s:
        s.get_one(Job, world.ids["helper"]).status = JobStatus.FILLED
        s.commit()
    assert world.ids["helper"] not in _job_ids(_fresh(world))
    assert before != world.page()


def test_a_new_course_shows_in_the_explanations(world: World) -> None:
    def offered(page: dict[str, Any]) -> list[int]:
        return [
            c["course_id"]
            for i in page["items"]
            for m in i["explanation"]["missing_essential"]
            for c in m["courses"]
        ]

    assert offered(world.page()) == []
    with world.factory() as s:
        course = Course(
            title="Soldadura básica", modality=Modality.IN_PERSON, ubigeo=LIMA, hours=60,
            weeks=10, cost=Decimal("0"), is_free=True,
        )  # fmt: skip
        s.add(course)
        s.flush()
        s.add(CourseSkill(course_id=course.id, skill_id="t_weld"))
        s.commit()
    assert offered(_fresh(world)) != []


class _HotScorer(RuleBasedScorer):
    """A rule-based scorer whose served version can change between scorings, like a
    :class:`~chamba.learning.serving.ServingRanker` that sees a promotion on its check."""

    def __init__(self) -> None:
        super().__init__(JOB_FEATURES, {"skill_essential": 1.0}, "hot-v1")
        self.pointer = "hot-v1"
        self.observed: list[int] = []

    def maybe_reload(self) -> None:
        self.version = self.pointer

    def observe_served(self, scores: np.ndarray) -> None:
        self.observed.append(len(scores))


def test_a_promotion_and_a_rollback_count(world: World) -> None:
    before = world.page()
    ranker = _HotScorer()
    register_scorer("jobs", ranker)
    try:
        assert _fresh(world)["scorer_version"] == "hot-v1"
        assert world.page()["scorer_version"] == "hot-v1"
        assert ranker.observed == [len(before["items"])]  # the hit's scores, replayed
        ranker.pointer = "hot-v2"  # promoted (by another process: the pointer file)
        assert _fresh(world)["scorer_version"] == "hot-v2"
    finally:
        register_scorer("jobs", None)  # rolled back
    assert world.page() == before == world.uncached()  # the rule-based page, still valid


def test_a_page_is_kept_no_longer_than_its_age_limit(world: World) -> None:
    world.page()
    world.clock[0] += 29
    world.page()
    assert world.rankings == [1]
    world.clock[0] += 2  # 31 s after it was ranked
    _fresh(world)


def test_a_ranking_that_overlaps_an_invalidation_is_not_kept(world: World) -> None:
    rank_jobs = service.rank_jobs

    def meanwhile(*args: Any, **kw: Any) -> service.JobRanking:
        world.store.cache.invalidate_jobs([world.ids["helper"]])  # a commit elsewhere
        return rank_jobs(*args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "rank_jobs", meanwhile)
        world.page()
    world.page()
    assert world.rankings == [1, 1]


def test_a_session_with_its_own_changes_is_never_served_a_kept_page(world: World) -> None:
    world.page()
    with world.factory() as s:
        s.get_one(Person, world.ids["person"]).expected_wage = Decimal("2500")
        s.flush()  # not committed: only this session sees it
        page = service.jobs_for_person(s, world.indexes, world.ids["person"], JobsRequest(now=NOW))
        assert world.ids["helper"] not in [i.job_id for i in page.items]
        s.rollback()
    assert world.rankings == [1, 1]


def test_the_cache_is_bounded_and_can_be_disabled(world: World) -> None:
    pages = world.store.cache.pages
    pages.configure(2, 30)
    for limit in (1, 2, 3):
        world.page(limit=limit)
    assert len(pages) == 2
    world.page(limit=1)  # the least recently used was dropped
    assert len(world.rankings) == 4
    pages.configure(0, 30)
    assert len(pages) == 0
    world.page(limit=3)
    world.page(limit=3)
    assert len(world.rankings) == 6


def test_pages_are_served_per_person() -> None:
    pages = PageCache(max_pages=10)
    page = MatchPage(
        items=[], total_candidates=0, scorer_version="v", lang="es", limit=10, offset=0
    )
    served = ServedPage(page=page, scores=np.zeros(0))
    pages.put((1, "a"), served, fresh=True)
    pages.put((2, "a"), served, fresh=True)
    pages.put((3, "a"), served, fresh=False)
    pages.drop_people([1])
    assert pages.get((1, "a")) is None
    assert pages.get((2, "a")) is not None
    assert pages.get((3, "a")) is None
    assert (pages.hits, pages.misses) == (1, 2)


def test_the_served_versions_check_runs_before_the_look_up(world: World) -> None:
    calls: list[str] = []
    original: Callable[..., str] = page_cache.served_version

    def spy(scorer: Any) -> str:
        calls.append("checked")
        return original(scorer)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page_cache, "served_version", spy)
        world.page()
        world.page()
    assert calls == ["checked", "checked"]


def test_hits_and_misses_are_exported_as_a_counter() -> None:
    from chamba.observability.metrics import Metrics

    metrics = Metrics(version="test")
    metrics.count_match_pages(3, 1)
    metrics.count_match_pages(5, 2)  # the next scrape: the running counts went on
    text = metrics.exposition().decode()
    assert 'chamba_match_pages_total{outcome="hit"} 5.0' in text
    assert 'chamba_match_pages_total{outcome="miss"} 2.0' in text


def test_a_reused_page_is_logged_and_counted_like_a_ranked_one(
    client: Any,
    make_user: Any,
    seeded_session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chamba.auth.models import Role
    from chamba.matching.deps import get_match_indexes
    from chamba.nlp.deps import get_text_encoder
    from chamba.taxonomy.models import Skill

    # GIVEN the app's own store (the page cache on, as `chamba serve` runs it) and a seeker
    client.app.dependency_overrides.pop(get_match_indexes, None)
    client.app.dependency_overrides.pop(get_text_encoder, None)
    client.app.state.index_store = IndexStore(tmp_path, HashEncoder(), cache=False)
    seeker = make_user(Role.SEEKER)
    person = seeker.person
    person.ubigeo, person.has_internet, person.device = LIMA, True, Device.PHONE
    skill = seeded_session.scalars(select(Skill.id).order_by(Skill.id).limit(1)).one()
    for title in ("Soldador", "Ayudante de taller"):
        job = Job(title=title, description=title, ubigeo=LIMA, status=JobStatus.OPEN)
        seeded_session.add(job)
        seeded_session.flush()
        seeded_session.add(
            JobSkill(job_id=job.id, skill_id=skill, requirement=Requirement.ESSENTIAL)
        )
    seeded_session.commit()
    rankings = _count_rankings(monkeypatch)
    # WHEN the seeker asks twice for the same page (the kept one may not be read back)
    first = client.get("/api/v1/me/matches/jobs", headers=seeker.headers)

    def read_back(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a kept page was read back into a model")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MatchPage, "model_validate_json", read_back)
        second = client.get("/api/v1/me/matches/jobs", headers=seeker.headers)
    client.app.state.index_upkeep.uninstall()
    # THEN it was ranked once, and both answers are the same bytes: what FastAPI's serializer
    # makes of the page
    assert rankings == [1]
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    assert second.headers["content-type"] == "application/json"
    page = MatchPage.model_validate_json(first.content)
    assert first.content == TypeAdapter(MatchPage).dump_json(page, by_alias=True)
    pages = [first.json(), second.json()]
    n = len(pages[0]["items"])
    assert n >= 2
    # AND both requests logged their impressions and fed the metrics, as before the cache
    shown = seeded_session.scalars(
        select(Interaction).where(
            Interaction.person_id == person.id, Interaction.kind == InteractionKind.SHOWN
        )
    ).all()
    assert len(shown) == 2 * n
    served = [(i["job_id"], i["rank"], i["score"]) for i in pages[0]["items"]]
    assert sorted((r.subject_id, r.position, r.score) for r in shown) == sorted(served * 2)
    exposition = client.get("/metrics").text
    assert f'chamba_recommendations_shown_total{{kind="job"}} {2.0 * n}' in exposition
    assert 'chamba_match_latency_seconds_count{kind="jobs"} 2.0' in exposition
    scored = pages[0]["total_candidates"]
    assert f'chamba_model_score_count{{kind="jobs"}} {2.0 * scored}' in exposition
    assert 'chamba_match_pages_total{outcome="hit"} 1.0' in exposition
    assert 'chamba_match_pages_total{outcome="miss"} 1.0' in exposition


def test_a_kept_page_is_served_without_waiting_for_a_ranking_turn(world: World) -> None:
    turns: list[int] = []

    @contextmanager
    def turn() -> Iterator[None]:  # what the API passes: one of its two ranking slots
        turns.append(1)
        yield

    with world.factory() as s:
        for _ in range(3):
            service.jobs_for_person(
                s, world.indexes, world.ids["person"], JobsRequest(now=NOW), while_ranking=turn()
            )
    assert turns == [1]  # only the ranking took a turn


def test_the_persons_state_is_read_in_one_statement(world: World) -> None:
    # GIVEN a person with a confirmed skill without level and an unconfirmed advanced one, a
    # dismissed job (and an impression, which is not one) and an application under review
    from chamba.activity.models import ApplicationStatus
    from chamba.matching.people_rows.repository import person_match_state
    from chamba.vocab import SkillLevel

    pid = world.ids["person"]
    with world.factory() as s:
        s.add(
            PersonSkill(
                person_id=pid, skill_id="t_weld", source=SkillSource.DECLARED, confirmed=False,
                level=SkillLevel.ADVANCED,
            )
        )  # fmt: skip
        for job, kind in (("welder", InteractionKind.DISMISSED), ("helper", InteractionKind.SHOWN)):
            s.add(
                Interaction(
                    person_id=pid, person_key="k", subject_type=SubjectType.JOB,
                    subject_id=world.ids[job], kind=kind,
                )
            )  # fmt: skip
        s.add(
            Application(
                person_id=pid, job_id=world.ids["carpenter"], status=ApplicationStatus.REVIEWING
            )
        )
        s.commit()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    # WHEN the page cache reads the person's state
    event.listen(world.engine, "before_cursor_execute", count)
    try:
        with world.factory() as s:
            state = person_match_state(s, pid)
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    # THEN it is every part, sorted, in one statement (besides the transaction's BEGIN)
    assert state == (
        (("t_weld", False, "advanced"), ("t_wood", True, None)),
        (world.ids["welder"],),
        ((world.ids["carpenter"], "reviewing"),),
    )
    assert len([s for s in statements if s.strip().upper() != "BEGIN"]) == 1


def test_a_ranked_page_reads_the_dismissals_once(world: World) -> None:
    # GIVEN a person who dismissed a job, and the dismissals' own query watched
    from chamba.matching import filters

    _dismiss_elsewhere(world, world.ids["welder"])
    reads: list[int] = []
    original = filters.dismissed_job_ids

    def spy(session: Session, person_id: int) -> set[int]:
        reads.append(person_id)
        return original(session, person_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filters, "dismissed_job_ids", spy)
        # WHEN a page is ranked with the page cache on: the key's read serves the filter
        page = world.page()
        assert reads == []
        # AND with the pages off (the job table still on): the filter reads them itself
        world.store.cache.pages.configure(0, 30)
        unkept = world.page()
    assert reads == [world.ids["person"]]
    # THEN the dismissed job is left out either way, and the pages are the same
    assert world.ids["welder"] not in _job_ids(page)
    assert page == unkept == world.uncached()


def _two_at_once(world: World, *, while_leading: Callable[[], None] = lambda: None) -> list[Any]:
    """The person's page asked by two threads at once: the first to miss ranks (and runs
    ``while_leading`` first), and holds its ranking until the second waits for it."""
    waiting = threading.Event()
    rank_jobs, wait_for_page = service.rank_jobs, PageCache.get_after_wait

    def leading(*args: Any, **kw: Any) -> service.JobRanking:
        assert waiting.wait(10), "the second request never waited for the first"
        while_leading()
        return rank_jobs(*args, **kw)

    def waits(self: PageCache, key: Any, ranking: threading.Event) -> ServedPage | None:
        waiting.set()
        return wait_for_page(self, key, ranking)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "rank_jobs", leading)
        patch.setattr(PageCache, "get_after_wait", waits)
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(lambda _: world.page(), range(2)))


def test_two_requests_missing_one_page_at_once_rank_it_once(world: World) -> None:
    # GIVEN no kept page; WHEN two requests of the person ask at once
    first, second = _two_at_once(world)
    # THEN one ranked it, the other waited for its page: the same page, one miss, one hit
    assert world.rankings == [1]
    assert first == second == world.uncached()
    pages = world.store.cache.pages
    assert (pages.hits, pages.misses) == (1, 1)
    assert pages.lead(("none",)) is None  # nothing is left marked as being ranked
    pages.landed(("none",))


def test_a_waiting_request_ranks_itself_when_the_first_ranking_is_not_kept(world: World) -> None:
    # GIVEN a job changes while the first request ranks (its page is not kept)
    def meanwhile() -> None:
        world.store.cache.invalidate_jobs([world.ids["helper"]])

    first, second = _two_at_once(world, while_leading=meanwhile)
    # THEN the waiting request ranks the page itself, and both answer the current page
    assert world.rankings == [1, 1]
    assert first == second == world.uncached()
    pages = world.store.cache.pages
    assert (pages.hits, pages.misses) == (0, 2)
