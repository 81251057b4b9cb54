"""The job features read from the job table are the features read from the rows, exactly."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from chamba.jobs.models import Job
from chamba.matching import job_table
from chamba.matching.context import FeatureContext
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.features import job_features, posting_doc
from chamba.matching.job_table import CodeRegistry, CountedTerms, JobTable
from chamba.matching.lexical import one_query_scores
from chamba.matching.lexical_terms import corpus_of, posting_text, text_terms
from chamba.matching.repository import load_job_skills, posting_texts
from chamba.matching.table_features import table_job_features
from chamba.people.models import Device, Person
from chamba.search import terms
from chamba.taxonomy.models import Occupation
from chamba.vocab import TIME_SLOTS, EducationLevel

from .conftest import AREQUIPA, LIMA, LURIN, NOW, SAN_BORJA, SKILLS, World

PLACES = (LIMA, SAN_BORJA, LURIN, AREQUIPA, "15", "1501", None)
LEVELS = (None, *EducationLevel)


def _varied_world(session: Session, world: World, seed: int) -> tuple[list[Job], list[Person]]:
    """Jobs and people drawn at random over every value a feature reads (unknowns included)."""
    rng = random.Random(seed)
    for oid in ("tt_welder", "tt_cook"):
        session.add(Occupation(id=oid, label_es=oid, label_en=oid))
    session.flush()
    skills = list(SKILLS)
    jobs = []
    for _ in range(40):
        lo = rng.choice((None, Decimal("900"), Decimal("1500.50")))
        hi = rng.choice((None, Decimal("2000") if lo is not None else Decimal("1300")))
        picked = rng.sample(skills, rng.randint(0, 5))
        jobs.append(
            world.job(
                {s: (rng.random() < 0.5, rng.choice((0.0, 0.3, 0.8, 1.0))) for s in picked},
                title=rng.choice(("Soldador", "Cocinera de menú", "Vendedor")),
                description=rng.choice(("Taller en Lima", "Se busca con experiencia", "")),
                ubigeo=rng.choice(PLACES), remote=rng.random() < 0.2,
                hours_per_week=rng.choice((None, 20, 40, 48)), wage_min=lo, wage_max=hi,
                schedule=rng.sample(TIME_SLOTS, rng.randint(0, 6)),
                education_required=rng.choice(LEVELS),
                occupation_id=rng.choice((None, "tt_welder", "tt_cook")),
                openings=rng.randint(1, 3), posted_at=NOW - timedelta(hours=rng.randint(-5, 900)),
            )  # fmt: skip
        )
    people: list[Person] = []
    for _ in range(12):
        person = world.person(
            rng.sample(skills, rng.randint(0, 4)),
            ubigeo=rng.choice(PLACES), availability_hours=rng.choice((None, 0, 20, 48)),
            expected_wage=rng.choice((None, Decimal("0"), Decimal("1200"))),
            availability_slots=rng.sample(TIME_SLOTS, rng.randint(0, 8)),
            has_internet=rng.random() < 0.5, device=rng.choice((Device.PHONE, Device.NONE)),
            education_level=rng.choice(LEVELS), interests=rng.sample(["tt_welder", "tt_cook"], 1),
            self_description=rng.choice(("", "Soy soldador", "Cocino menú y vendo")),
        )  # fmt: skip
        people.append(person)
    for person in people[:4]:
        world.apply(person, rng.choice(jobs))
    return jobs, people


def test_table_features_equal_the_row_features(session: Session, world: World) -> None:
    # GIVEN jobs and people over every kind of value, and the table of the open jobs
    jobs, people = _varied_world(session, world, seed=11)
    table = JobTable.read(session)
    ids = np.array(sorted(j.id for j in jobs), dtype=np.int64)
    rows = table.rows_of(ids)
    assert rows is not None
    ordered = [session.get_one(Job, int(i)) for i in ids]
    for person in people:
        ctx = FeatureContext(session, None, NOW)
        # WHEN the features are read from the table and from the rows
        fast = table_job_features(ctx, person, table, rows, ids.tolist(), ctx.table_rarity(table))
        slow = job_features(FeatureContext(session, None, NOW), person, ordered)
        # THEN they are the same numbers
        np.testing.assert_array_equal(fast, slow)


def test_rows_of_refuses_a_job_outside_the_table(session: Session, world: World) -> None:
    jobs, _ = _varied_world(session, world, seed=3)
    table = JobTable.read(session)
    assert table.rows_of(np.array([jobs[0].id], dtype=np.int64)) is not None
    assert table.rows_of(np.array([jobs[0].id, 10**9], dtype=np.int64)) is None


def test_a_pages_job_skills_come_from_the_table_as_sql_reads_them(
    session: Session, world: World
) -> None:
    jobs, _ = _varied_world(session, world, seed=5)
    ids = [j.id for j in jobs]
    ctx = FeatureContext(session, None, NOW, cache=FeatureCache())
    assert ctx.job_table() is not None
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", seen)
    try:
        from_table = ctx.skills_of_jobs(ids)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", seen)
    assert statements == []
    from_sql = load_job_skills(session, ids)
    assert from_table == {j: from_sql.get(j, []) for j in ids}
    assert any(len(v) > 1 for v in from_table.values())


def test_table_lexical_scores_equal_the_counted_words(session: Session, world: World) -> None:
    # GIVEN jobs with varied texts and the table of the open jobs
    jobs, people = _varied_world(session, world, seed=7)
    for k, job in enumerate(jobs[::3]):
        job.description = f"Soldador con experiencia en soldadura MIG, turno {k} en taller"
    session.flush()
    table = JobTable.read(session)
    ids = np.array(sorted(j.id for j in jobs), dtype=np.int64)
    rows = table.rows_of(ids)
    assert rows is not None
    docs = [posting_doc(t, d) for _, t, d in sorted(posting_texts(session, ids.tolist()))]
    corpus = corpus_of(posting_text(j.title, j.description) for j in jobs)
    queries = [terms(p.self_description) for p in people] + [
        text_terms("soldador soldadura MIG en taller"), text_terms("palabra nunca vista"), [],
    ]  # fmt: skip
    for query in queries:
        for subset in (slice(None), slice(0, 25), slice(3, 4)):
            # WHEN one query is scored from the table and from each posting's counted words
            fast = table.lexical_scores(query, rows[subset])
            slow = one_query_scores(query, docs[subset])
            # THEN the scores are the same numbers, with idf over the rows or over a corpus
            np.testing.assert_array_equal(fast, slow)
            idf, avgdl = corpus.idf(), corpus.avgdl
            np.testing.assert_array_equal(
                table.lexical_scores(query, rows[subset], idf=idf, avgdl=avgdl),
                one_query_scores(query, docs[subset], idf=idf, avgdl=avgdl),
            )
            # AND so are they from the counts of a wider query over every row (the lexical
            # candidates' counts, which the candidates' feature reads), when those hold them
            wider = tuple(dict.fromkeys((*query, "trabaj camp", "soldadura")))
            counted = CountedTerms(wider, rows, table.count_terms(wider, rows))
            assert counted.take(list(dict.fromkeys(query)), rows[subset]) is not None
            np.testing.assert_array_equal(
                table.lexical_scores(query, rows[subset], idf=idf, avgdl=avgdl, counted=counted),
                one_query_scores(query, docs[subset], idf=idf, avgdl=avgdl),
            )
    assert any(one_query_scores(q, docs).max() > 0 for q in queries)
    # AND counts that lack a word or a row are not taken (the rows are counted then)
    held = CountedTerms(("soldador",), rows[:10], table.count_terms(["soldador"], rows[:10]))
    assert held.take(["soldador"], rows[:5]) is not None
    assert held.take(["taller"], rows[:5]) is None
    assert held.take(["soldador"], rows[5:15]) is None
    np.testing.assert_array_equal(
        table.lexical_scores(["soldador", "taller"], rows[5:15], counted=held),
        table.lexical_scores(["soldador", "taller"], rows[5:15]),
    )


def test_a_patched_tables_words_are_the_new_texts(session: Session, world: World) -> None:
    # GIVEN the table of the open jobs
    jobs, _ = _varied_world(session, world, seed=9)
    table = JobTable.read(session)
    # WHEN a job's text changes and its row is patched
    jobs[5].title, jobs[5].description = "Panadero", "Panadero pastelero con horno propio"
    session.flush()
    patched = table.patched([jobs[5].id], JobTable.read(session, [jobs[5].id]))
    full = JobTable.read(session)
    # THEN the patched term arrays are the full read's, and score the new words
    for name in ("ids", "doc_len", "n_terms", "terms", "term_counts"):
        np.testing.assert_array_equal(getattr(patched, name), getattr(full, name))
    rows = patched.rows_of(np.array([jobs[5].id], dtype=np.int64))
    assert rows is not None
    assert patched.lexical_scores(terms("panadero"), rows)[0] > 0
    old_rows = table.rows_of(np.array([jobs[5].id], dtype=np.int64))
    assert old_rows is not None
    assert table.lexical_scores(terms("panadero"), old_rows)[0] == 0


def test_lexical_candidates_read_no_posting_text_when_the_table_is_kept(
    session: Session, world: World
) -> None:
    from chamba.matching.service import _lexical_top

    jobs, people = _varied_world(session, world, seed=13)
    person = next(p for p in people if p.self_description)
    allowed = np.array(sorted(j.id for j in jobs), dtype=np.int64)
    ctx = FeatureContext(session, None, NOW, cache=FeatureCache())
    assert ctx.job_table() is not None  # the table is read once per process
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    # WHEN the lexical candidates are found with the table kept
    event.listen(session.get_bind(), "before_cursor_execute", seen)
    try:
        kept = _lexical_top(ctx, person, allowed, 10)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", seen)
    # THEN no posting text was read, and they are the ones found from the texts
    assert statements == []
    assert kept
    assert kept == _lexical_top(FeatureContext(session, None, NOW), person, allowed, 10)


def test_code_registry_gives_each_name_one_code_from_first() -> None:
    reg = CodeRegistry(first=1)  # 0 reserved, as for occupations
    assert [reg.code("a"), reg.code("b"), reg.code("a")] == [1, 2, 1]
    assert reg.get("a") == 1
    assert reg.get("c") is None
    assert reg.known(["c", "b", "a"]) == [2, 1]
    assert reg.names == ["a", "b"]
    assert reg.size == 3


def test_features_of_jobs_without_skills_in_a_process_that_knows_no_skill(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a fresh process (no skill code registered yet) whose open jobs list no skills
    monkeypatch.setattr(job_table, "_SKILLS", CodeRegistry())
    jobs = [world.job({}, title=title) for title in ("Soldador", "Vendedor")]
    person = world.person(["mt-soldadura"])
    table = JobTable.read(session)
    ids = np.array(sorted(j.id for j in jobs), dtype=np.int64)
    rows = table.rows_of(ids)
    assert rows is not None
    ctx = FeatureContext(session, None, NOW)
    # WHEN the features are read from the table (this raised IndexError: an empty rarity array)
    fast = table_job_features(ctx, person, table, rows, ids.tolist(), ctx.table_rarity(table))
    # THEN they are the features read from the rows
    ordered = [session.get_one(Job, int(i)) for i in ids]
    slow = job_features(FeatureContext(session, None, NOW), person, ordered)
    np.testing.assert_array_equal(fast, slow)


def test_a_ranking_missing_most_counts_reads_every_open_jobs_count_at_once(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chamba.activity.models import ApplicationStatus
    from chamba.matching import context
    from chamba.matching.repository import application_counts

    # GIVEN open jobs with applications (one withdrawn) and a cache whose counts were dropped
    jobs, people = _varied_world(session, world, seed=17)
    for person in people[4:8]:
        world.apply(person, jobs[0])
    world.apply(people[8], jobs[1], status=ApplicationStatus.WITHDRAWN)
    world.apply(people[9], jobs[1])
    monkeypatch.setattr(context, "COUNT_ALL_FROM", 3)
    cache = FeatureCache()
    ctx = FeatureContext(session, None, NOW, cache=cache)
    assert ctx.job_table() is not None
    ids = sorted(j.id for j in jobs)
    # WHEN a ranking asks for the counts of a few of them
    asked = ctx.application_counts(ids[:5])
    # THEN every open job's count is kept, each the number SQL counts
    expected = application_counts(session, ids)
    assert asked == {j: expected.get(j, 0) for j in ids[:5]}
    assert cache.application_counts(ids) == {j: expected.get(j, 0) for j in ids}
    assert expected[jobs[0].id] >= 4
    assert expected[jobs[1].id] >= 1
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    # AND another ranking's counts need no query
    event.listen(session.get_bind(), "before_cursor_execute", seen)
    try:
        again = FeatureContext(session, None, NOW, cache=cache).application_counts(ids[5:])
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", seen)
    assert statements == []
    assert again == {j: expected.get(j, 0) for j in ids[5:]}


def test_a_tables_starts_are_computed_once_and_are_the_running_sums(
    session: Session, world: World
) -> None:
    # GIVEN a table of jobs with skills and words
    _varied_world(session, world, seed=19)
    table = JobTable.read(session)
    # WHEN a ranking asks for where each job's skills and terms start, several times
    skills, terms_at = table.skill_starts(), table.term_starts()
    # THEN the same arrays are handed back (one pass over every open job per table), and they
    # are each job's offset into the ragged columns
    assert table.skill_starts() is skills
    assert table.term_starts() is terms_at
    np.testing.assert_array_equal(skills, np.cumsum(table.n_skills) - table.n_skills)
    np.testing.assert_array_equal(terms_at, np.cumsum(table.n_terms) - table.n_terms)
    assert not skills.flags.writeable
