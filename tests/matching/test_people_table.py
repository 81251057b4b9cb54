"""The people table: the candidate filter and skill overlap read from it are the SQL ones, exactly,
and the employer's candidate pages are the same with it as without."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from chamba.activity.models import ApplicationStatus
from chamba.jobs.models import Job
from chamba.matching import service
from chamba.matching.context import FeatureContext
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.filters import filter_people_for_job
from chamba.matching.job_table import code_mask
from chamba.matching.people_table import PeopleTable
from chamba.matching.retrieval import overlap_rank, overlap_top, vector_top
from chamba.matching.service import candidates_for_job
from chamba.people.models import Device, Person, PersonSkill

from .conftest import AREQUIPA, LIMA, LURIN, NOW, SAN_BORJA, SKILLS, World

PLACES = (LIMA, SAN_BORJA, LURIN, AREQUIPA, "15", "1501", None)
Indexes = Callable[[], Any]


def _varied_world(session: Session, world: World, seed: int) -> tuple[list[Job], list[Person]]:
    """Jobs and people over every value the candidate filter reads (unknowns, wage asks right at
    the floor, applicants who did or did not consent, withdrawn applications)."""
    rng = random.Random(seed)
    skills = list(SKILLS)
    jobs = []
    for _ in range(12):
        lo = rng.choice((None, Decimal("1000"), Decimal("1500.50")))
        hi = rng.choice((None, Decimal("2000") if lo is not None else Decimal("1300")))
        picked = rng.sample(skills, rng.randint(0, 4))
        jobs.append(
            world.job(
                {s: (rng.random() < 0.5, rng.choice((0.0, 0.3, 0.8, 1.0))) for s in picked},
                ubigeo=rng.choice(PLACES), remote=rng.random() < 0.25,
                hours_per_week=rng.choice((None, 20, 40, 48)), wage_min=lo, wage_max=hi,
            )  # fmt: skip
        )
    people: list[Person] = []
    for _ in range(40):
        people.append(
            world.person(
                rng.sample(skills, rng.randint(0, 4)),
                ubigeo=rng.choice(PLACES), availability_hours=rng.choice((None, 0, 20, 40, 48)),
                expected_wage=rng.choice(
                    (None, Decimal("0"), Decimal("1250"), Decimal("1625.63"), Decimal("1200"))
                ),
                max_distance_km=rng.choice((None, 2.0, 30.0, 900.0)),
                has_internet=rng.random() < 0.6, device=rng.choice((Device.PHONE, Device.NONE)),
                consent_visible=rng.random() < 0.7,
            )  # fmt: skip
        )
    for person in people[:14]:
        status = rng.choice((ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN))
        world.apply(person, rng.choice(jobs), status=status)
    return jobs, people


@pytest.mark.parametrize("seed", [3, 17])
def test_table_filter_and_overlap_equal_the_sql_ones(
    session: Session, world: World, seed: int
) -> None:
    # GIVEN jobs and people over every kind of value, and the table of the consenting people
    jobs, _ = _varied_world(session, world, seed)
    table = PeopleTable.read(session)
    for job in jobs:
        for radius in (None, 3.0, 500.0):
            # WHEN the candidates are filtered by SQL and by the table
            by_sql = filter_people_for_job(session, job, max_distance_km=radius)
            by_table = filter_people_for_job(session, job, max_distance_km=radius, table=table)
            # THEN the same people pass, at the same distance
            assert by_table.ids.tolist() == by_sql.ids.tolist()
            np.testing.assert_array_equal(by_table.distance_km, by_sql.distance_km)
        # AND the skill-overlap candidates are the same (applicants outside the table included)
        weights = dict(zip(SKILLS, (2.0, 0.6, 1.6, 0.0, 0.3, 1.0), strict=True))
        allowed = filter_people_for_job(session, job).ids
        for k in (1, 3, 100):
            sql = overlap_top(session, weights, PersonSkill, "person_id", allowed, k)
            assert overlap_rank(*table.overlap_totals(session, weights, allowed), k) == sql


def test_a_patched_table_is_the_table_read_afresh(session: Session, world: World) -> None:
    # GIVEN a table, then people who change, leave or come
    _, people = _varied_world(session, world, seed=5)
    table = PeopleTable.read(session)
    people[0].consent_visible = not people[0].consent_visible
    people[1].expected_wage = Decimal("5000")
    session.add(PersonSkill(person_id=people[2].id, skill_id="mt-ventas", source="declared"))
    session.delete(people[3])
    newcomer = world.person(["mt-planos"])
    session.flush()
    changed = [p.id for p in people[:3]] + [people[3].id, newcomer.id]
    # WHEN only their rows are re-read
    patched = table.patched(changed, PeopleTable.read(session, changed))
    # THEN the table is the one read from scratch
    fresh = PeopleTable.read(session)
    for column in dataclasses.fields(PeopleTable):
        np.testing.assert_array_equal(getattr(patched, column.name), getattr(fresh, column.name))


@pytest.mark.parametrize("k", [2, 300])
def test_candidate_pages_are_the_same_with_the_people_table(
    session: Session, world: World, make_indexes: Indexes, monkeypatch: pytest.MonkeyPatch,
    k: int,
) -> None:  # fmt: skip
    # GIVEN varied people and jobs, and candidate sources small enough to pick among them
    jobs, _ = _varied_world(session, world, seed=23)
    monkeypatch.setattr(service, "CANDIDATES_K", k)
    indexes = make_indexes()
    cached = dataclasses.replace(indexes, cache=FeatureCache())
    for job in jobs:
        for radius in (None, 500.0):
            # WHEN the candidates are ranked with the table and without any cache
            without = candidates_for_job(
                session, indexes, job.id, limit=200, max_distance_km=radius, now=NOW
            )
            kept = candidates_for_job(
                session, cached, job.id, limit=200, max_distance_km=radius, now=NOW
            )
            # THEN the pages are the same
            assert kept.model_dump() == without.model_dump()
    assert cached.cache is not None
    assert cached.cache.people_table()[0] is not None


def test_candidates_read_no_sql_over_all_people_and_decrypt_no_contact(
    session: Session, world: World, make_indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a process that keeps a people table, already read, and has ranked a job's
    # candidates once (their own words counted then)
    jobs, _ = _varied_world(session, world, seed=29)
    monkeypatch.setattr(service, "CANDIDATES_K", 2)
    cached = dataclasses.replace(make_indexes(), cache=FeatureCache())
    pages = [candidates_for_job(session, cached, j.id, limit=200, now=NOW) for j in jobs]
    ranked, job = max(zip(pages, jobs, strict=True), key=lambda p: len(p[0].items))
    assert len(ranked.items) > 2
    session.expunge_all()  # a new request: nothing of the first one's rows is at hand
    statements: list[str] = []
    words_read: list[int] = []

    def seen(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        statements.append(" ".join(statement.split()))
        if "people.self_description" in statement:
            words_read.append(len(parameters))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        # WHEN the employer asks for a page of two
        page = candidates_for_job(session, cached, job.id, limit=2, now=NOW)
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    # THEN the same people rank first, and only the page's people's own words are read
    assert [i.person_id for i in page.items] == [i.person_id for i in ranked.items[:2]]
    assert words_read == [2]
    # AND no statement filters every person or scans every person's skills
    assert not [q for q in statements if "people.consent_visible IS" in q]
    assert not [q for q in statements if "person_skills.skill_id IN" in q]
    # AND the candidates' names, contact data and national ids are neither read nor decrypted
    sealed = re.compile(r"people\.(full_name|email|phone|national_id)\b")
    assert not [q for q in statements if sealed.search(q)]


def test_the_vector_candidates_hand_the_index_the_filtered_array_itself(
    session: Session, world: World, make_indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an index that records what each search is restricted to
    jobs, _ = _varied_world(session, world, seed=31)
    indexes = make_indexes()
    seen: list[object] = []
    search = indexes.jobs.search

    def spy(query: Any, k: int, allowed: Any = None) -> Any:
        seen.append(allowed)
        return search(query, k, allowed)

    monkeypatch.setattr(indexes.jobs, "search", spy)
    allowed = np.array(sorted(j.id for j in jobs), dtype=np.int64)
    ctx = FeatureContext(session, indexes, NOW)
    # WHEN the vector candidates among the filtered jobs are searched
    found = vector_top(ctx, "jobs", ctx.person_vectors([world.person()])[0], allowed, 5)
    # THEN the index got the filtered ids as the array (no Python list of every id is built
    # and turned back into an array), and answered among them
    assert seen
    assert seen[0] is allowed
    assert set(found) <= set(allowed.tolist())


def test_a_code_mask_is_membership_as_isin_says() -> None:
    # GIVEN columns of codes and wanted codes (some beyond any code a table holds)
    rng = np.random.default_rng(3)
    column = rng.integers(0, 50, size=500).astype(np.int32)
    for wanted in (np.array([], dtype=np.int64), np.array([0, 7, 49]), np.array([3, 80, 3])):
        # THEN indexing the mask says what np.isin says
        np.testing.assert_array_equal(code_mask(wanted, 50)[column], np.isin(column, wanted))


def test_candidates_skills_come_from_the_people_table_as_sql_reads_them(
    session: Session, world: World
) -> None:
    from chamba.matching.repository import load_person_skills

    # GIVEN consenting people and applicants who did not consent, and a request that read the
    # people table (as an employer's candidate ranking does)
    jobs, people = _varied_world(session, world, seed=37)
    ctx = FeatureContext(session, None, NOW, cache=FeatureCache())
    table = ctx.people_table()
    assert table is not None
    ids = [p.id for p in people]
    outside = [p.id for p in people if not p.consent_visible]
    assert outside  # the world has people the table lacks
    asked: list[int] = []  # how many values each statement was given

    def seen(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        asked.append(len(parameters))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        # WHEN the candidates' skills are asked for
        held = ctx.skills_of_people(ids)
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    # THEN they are what SQL reads, and only the people outside the table were read
    from_sql = load_person_skills(session, ids)
    assert held == {p: from_sql.get(p, set()) for p in ids}
    assert any(held[p] for p in ids if p not in outside)
    assert asked == [len(outside)]
