"""Matching: jobs for a person, candidates for a job, courses for a person.

Every ranking runs the same pipeline:

1. **hard filters** (:mod:`chamba.matching.filters`): SQL, then the exact radius in numpy;
2. **candidate generation**: the union of the top-``k`` by vector similarity (restricted to the
   filtered ids), the top-``k`` by importance-weighted skill overlap (one SQL join), the top-``k``
   by BM25 of the person's own words in the jobs' text (up to 5k filtered jobs) and the nearest
   ``k / 4`` (so nearby work is never lost to a vague profile);
3. **features** (:mod:`chamba.matching.features`) in one batch;
4. **scorer** (:func:`chamba.matching.scoring.get_scorer`) in one batch;
5. sort (score, then id), page with ``limit``/``offset``, **explain** the page only.

Services read only; they never commit. Unknown ids raise :class:`PersonNotFound` /
:class:`JobNotFound`; nonsensical arguments raise :class:`InvalidMatchRequest`. A person with no
skills and no description still gets results (ranked by place, pay, hours and freshness) plus
the hint ``"add_skills"``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, overload

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.courses.models import Course, CourseSkill, Modality
from chamba.insights.demand import demand_index
from chamba.insights.schemas import REMOTE_REGION
from chamba.jobs.models import Job, JobSkill
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.errors import InvalidMatchRequest, JobNotFound, PersonNotFound
from chamba.matching.explain import (
    explain_candidates,
    explain_courses,
    explain_jobs,
    resolve_lang,
)
from chamba.matching.features import (
    COURSE_FEATURES,
    JOB_FEATURES,
    course_features,
    job_features,
    person_features,
)
from chamba.matching.filters import (
    CourseFilter,
    Filtered,
    JobFilter,
    filter_courses,
    filter_jobs,
    filter_people_for_job,
)
from chamba.matching.hidden import HiddenMatches as HiddenMatches
from chamba.matching.hidden import hidden_matches as hidden_matches
from chamba.matching.job_table import CountedTerms
from chamba.matching.lexical import one_query_scores
from chamba.matching.lexical_terms import text_terms
from chamba.matching.page_cache import ServedPage, page_lookup, replay_scores
from chamba.matching.people_rows.repository import load_people, seeker_row
from chamba.matching.repository import (
    JobRow,
    applicant_ids,
    load_rows,
)
from chamba.matching.retrieval import (
    CANDIDATES_K,
    FloatArray,
    IdArray,
    check_number,
    check_page,
    get_row,
    match_page,
    nearest_ids,
    now_utc,
    overlap_rank,
    overlap_top,
    rank_order,
    score_ids,
    score_items,
    union_ids,
    vector_top,
)
from chamba.matching.schemas import JobsRequest, MatchPage
from chamba.matching.scoring import Scorer, get_scorer
from chamba.matching.table_features import table_job_features
from chamba.people.models import Person, PersonSkill
from chamba.search import terms

LEXICAL_SCAN_MAX: Final = 5_000
"""Up to this many filtered jobs, the person's words are also matched against every one's text
(a candidate source); above it, vectors, skills and place find the candidates."""
NEEDS_TOP_JOBS: Final = 20
"""How many of the person's best jobs define their skill gap for course recommendations."""


# ---------------------------------------------------------------------- jobs for a person


class RankedRows(Sequence[JobRow]):
    """The ranked jobs' rows, read only for the positions asked (a ranking over the job
    table reads none of them: the page's rows are read when it is explained).

    ``RankedRows(ctx, ids)[k]`` is the :class:`JobRow` of ``ids[k]``; :meth:`read` reads the
    rows of many positions at once (from the cache, else one query).
    """

    def __init__(self, ctx: FeatureContext, ids: Sequence[int]) -> None:
        self.ids = list(ids)
        self._ctx = ctx
        self._rows: dict[int, JobRow] = {}

    def read(self, positions: Iterable[int]) -> list[int]:
        """Read the rows of ``positions``; returns the ids among them that no longer exist."""
        todo = [self.ids[k] for k in positions if self.ids[k] not in self._rows]
        found = {j.id: j for j in self._ctx.job_rows(todo)} if todo else {}
        self._rows.update(found)
        return [j for j in todo if j not in found]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, k: int) -> JobRow: ...
    @overload
    def __getitem__(self, k: slice) -> list[JobRow]: ...
    def __getitem__(self, k: int | slice) -> JobRow | list[JobRow]:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        job_id = self.ids[k]
        if job_id not in self._rows:
            self.read([k])
        return self._rows[job_id]  # KeyError: the job is gone (read() reports that first)


@dataclass
class JobRanking:
    """Every ranked job for one person (before paging and explanations)."""

    jobs: Sequence[JobRow]  # what ranking reads, no ORM instances (RankedRows: read lazily)
    features: FloatArray  # (n, len(JOB_FEATURES)), rows in ``jobs`` order
    scores: FloatArray  # (n,)
    order: npt.NDArray[np.intp]  # best first, indexes into ``jobs``
    total_filtered: int
    hints: list[str]


def job_candidates(
    ctx: FeatureContext, person: Person, filtered: Filtered, k: int = CANDIDATES_K
) -> list[int]:
    """Candidate job ids among ``filtered``: vector top-k ∪ skill-overlap top-k ∪ nearest k/4.

    When the filtered set is no larger than ``2 k`` every job is a candidate.
    """
    if len(filtered) <= 2 * k:
        return sorted(filtered.ids.tolist())
    held = ctx.skills_of_people([person.id])[person.id]
    query = ctx.person_vectors([person])[0]  # (dim,)
    table = ctx.job_table()  # the cached skills of every open job, when there is a cache
    if table is not None:
        overlap = table.overlap_top(held, filtered.ids, k)
    else:
        weights = dict.fromkeys(held, 1.0)
        overlap = overlap_top(ctx.session, weights, JobSkill, "job_id", filtered.ids, k)
    return union_ids(
        vector_top(ctx, "jobs", query, filtered.ids, k),
        overlap,
        _lexical_top(ctx, person, filtered.ids, k),
        nearest_ids(filtered, k // 4),
    )


def _lexical_top(ctx: FeatureContext, person: Person, allowed: IdArray, k: int) -> list[int]:
    """Top-``k`` of ``allowed`` by BM25 of the person's own words in the jobs' words (title
    twice, description; idf over ``allowed``); skipped above :data:`LEXICAL_SCAN_MAX` jobs."""
    words = terms(person.self_description)
    if not words or allowed.size == 0 or allowed.size > LEXICAL_SCAN_MAX:
        return []
    table = ctx.job_table()  # every open job's counted words, when the process keeps one
    found = np.sort(allowed).astype(np.int64)
    rows = table.rows_of(found) if table is not None else None
    if table is not None and rows is not None:
        # the lexical feature's query (the same words, their stems, then word pairs) counted
        # once here: the candidates' feature reads its columns of these counts
        full = tuple(dict.fromkeys(text_terms(person.self_description)))
        counted = CountedTerms(full, rows, table.count_terms(full, rows))
        ctx.counted_terms[person.id] = counted
        scores = table.lexical_scores(words, rows, counted=counted)
    else:
        found_docs = ctx.job_docs_by_id(allowed.tolist())
        found = np.array(sorted(found_docs), dtype=np.int64)
        scores = one_query_scores(words, [found_docs[int(i)] for i in found])
    keep = scores > 0
    found, scores = found[keep], scores[keep]
    top: list[int] = found[rank_order(found, scores)[:k]].tolist()
    return top


def rank_jobs(
    ctx: FeatureContext,
    person: Person,
    flt: JobFilter,
    *,
    scorer: Scorer | None = None,
    k: int = CANDIDATES_K,
    need: int | None = None,
) -> JobRanking:
    """Filter, generate candidates, compute features and score: the whole job ranking.

    With the job table every candidate's features come from its columns and no candidate's
    row is read here but those of the best ``need`` (the page the caller will show: a job
    deleted since the table was read leaves the ranking, as without the table); the others'
    are read if asked for (:class:`RankedRows`).

    Args:
        ctx: feature context (session, indexes, now).
        person: the seeker.
        flt: resolved hard filters.
        scorer: default: the serving ``"jobs"`` scorer.
        k: candidates per source.
        need: how many of the best the caller reads (default: all).

    Returns:
        A :class:`JobRanking`.
    """
    scorer = scorer or get_scorer("jobs")
    hints: list[str] = []
    held = ctx.skills_of_people([person.id])[person.id]
    if not held and not (person.self_description or "").strip():
        hints.append("add_skills")
    if not person.ubigeo:
        hints.append("no_location")
    if person.availability_hours == 0:
        hints.append("no_availability")
    filtered = filter_jobs(
        ctx.session, flt, table=ctx.job_table(), dismissed=ctx.person_dismissed.get(person.id)
    )
    if len(filtered) == 0:
        hints.append("no_jobs_pass_filters")
        empty = np.zeros((0, len(JOB_FEATURES)))
        return JobRanking([], empty, np.zeros(0), np.zeros(0, dtype=np.intp), 0, hints)
    ids = job_candidates(ctx, person, filtered, k)
    table = ctx.job_table()
    rows = table.rows_of(np.array(ids, dtype=np.int64)) if table is not None and ids else None
    if table is None or rows is None:  # no table, or it lacks a candidate: read every row
        jobs = ctx.job_rows(ids)  # JobRow: what ranking reads, no ORM instances
        X = job_features(ctx, person, jobs)  # (n, n_features)
        scores, order = score_items(scorer, X, jobs)
        return JobRanking(jobs, X, scores, order, len(filtered), hints)
    while True:  # the same features from the table's columns (see table_features)
        lazy = RankedRows(ctx, ids)
        X = table_job_features(ctx, person, table, rows, ids, ctx.table_rarity(table))
        scores, order = score_ids(scorer, X, ids)
        gone = set(lazy.read(order[:need].tolist()))
        if not gone:
            return JobRanking(lazy, X, scores, order, len(filtered), hints)
        keep = [k for k, j in enumerate(ids) if j not in gone]
        ids, rows = [ids[k] for k in keep], rows[keep]


def jobs_for_person(
    session: Session,
    indexes: MatchIndexes | None,
    person_id: int,
    request: JobsRequest | None = None,
    *,
    while_ranking: AbstractContextManager[object] | None = None,
) -> MatchPage:
    """Jobs for a person, best first, each explained.

    Args:
        session: database session (read only).
        indexes: vector indexes (``None``: no semantic signal).
        person_id: the seeker.
        request: page, filters, instant and language (default: :class:`JobsRequest`'s).
        while_ranking: held while a page is ranked, not while a kept one is served (the API
            passes its ranking turn).

    Returns:
        A :class:`MatchPage` of jobs.

    Raises:
        PersonNotFound: unknown ``person_id``.
        InvalidMatchRequest: a bad limit, offset, distance or wage.

    Example:
        >>> page = jobs_for_person(session, indexes, 42, JobsRequest(limit=5))  # doctest: +SKIP
        >>> page.items[0].explanation.summary  # doctest: +SKIP
        'Tienes 3 de 4 habilidades clave (te falta Soldadura: ...). Está a 4 km y paga S/ 1,500.'
    """
    return served_jobs_for_person(
        session, indexes, person_id, request, while_ranking=while_ranking
    ).page


def served_jobs_for_person(
    session: Session,
    indexes: MatchIndexes | None,
    person_id: int,
    request: JobsRequest | None = None,
    *,
    while_ranking: AbstractContextManager[object] | None = None,
) -> ServedPage:
    """:func:`jobs_for_person` as served: the page, its JSON and what is logged of it (a page
    kept by the cache comes as its kept JSON, read back only if its ``page`` is asked for).
    Same arguments, same errors."""
    request = request or JobsRequest()
    check_page(request.limit, request.offset)
    check_number(request.max_distance_km, "max_distance_km")
    check_number(request.min_wage, "min_wage")
    person = get_row(session, Person, person_id, PersonNotFound, seeker_row)
    moment = now_utc(request.now)
    language = resolve_lang(session, person, request.lang)
    ctx = FeatureContext(session, indexes, moment)
    scorer = get_scorer("jobs")
    pages, key, fresh = page_lookup(ctx, person, scorer, request.key_part(language))
    found = pages.get(key) if key is not None else None
    if key is not None and found is None and (turn := pages.lead(key)) is not None:
        found = pages.get_after_wait(key, turn)  # another request ranks it now: its page
        if found is None:
            key = None  # none came: rank it here, store nothing (the other leads the key)
    if found is not None:
        replay_scores(scorer, found.scores)
        return found
    try:
        flt = JobFilter.for_person(
            person, now=moment, max_distance_km=request.max_distance_km, remote=request.remote,
            min_wage=request.min_wage, include_expired=request.include_expired,
        )  # fmt: skip
        with while_ranking or nullcontext():
            need = request.offset + request.limit
            ranking = rank_jobs(ctx, person, flt, scorer=scorer, need=need)
            page = match_page(
                ranking.jobs, ranking.features, ranking.scores, ranking.order,
                features=JOB_FEATURES,
                head=lambda job: {"job_id": job.id, "title": job.title},
                explain=lambda jobs, rows: explain_jobs(ctx, person, jobs, rows, language),
                scorer=scorer, lang=language, limit=request.limit, offset=request.offset,
                total_filtered=ranking.total_filtered, hints=ranking.hints,
            )  # fmt: skip
        served = ServedPage(page=page, scores=ranking.scores)
        if key is not None:
            pages.put(key, served, fresh=fresh())
        return served
    finally:
        if key is not None:
            pages.landed(key)


# ---------------------------------------------------------------------- candidates for a job


def candidates_for_job(
    session: Session,
    indexes: MatchIndexes | None,
    job_id: int,
    *,
    limit: int = 20,
    offset: int = 0,
    max_distance_km: float | None = None,
    now: datetime | None = None,
    lang: str | None = None,
) -> MatchPage:
    """People for a job, best first, each explained (for the employer).

    Only people who consented to be seen (``consent_visible``) or who applied to this job (and
    did not withdraw) are ever returned. Items carry ``person_id`` and no contact data.

    Args:
        session: database session (read only).
        indexes: vector indexes.
        job_id: the job.
        limit: page size (1..200).
        offset: ranks to skip.
        max_distance_km: radius around an on-site job (default: each person's own travel
            radius, else 50 km); applicants are kept whatever the distance.
        now: the instant freshness is measured from.
        lang: ``"es"`` (default) or ``"en"``.

    Raises:
        JobNotFound: unknown ``job_id``.
        InvalidMatchRequest: a bad limit, offset or distance.
    """
    check_page(limit, offset)
    check_number(max_distance_km, "max_distance_km")
    job = get_row(session, Job, job_id, JobNotFound)
    moment = now_utc(now)
    language = resolve_lang(session, None, lang)
    ctx = FeatureContext(session, indexes, moment)
    scorer = get_scorer("candidates")
    hints: list[str] = []
    job_skills = ctx.skills_of_jobs([job.id])[job.id]
    if not job_skills and not (job.description or "").strip():
        hints.append("add_job_skills")
    table = ctx.people_table()  # every consenting person's columns, when the process keeps one
    filtered = filter_people_for_job(session, job, max_distance_km=max_distance_km, table=table)
    if len(filtered) <= 2 * CANDIDATES_K:
        ids = sorted(filtered.ids.tolist())
    else:
        query = ctx.job_vectors([job])[0]  # (dim,)
        weights = {s.skill_id: (2.0 if s.essential else 1.0) * s.importance for s in job_skills}
        applied = applicant_ids(session, job.id)
        applicants = [int(i) for i in filtered.ids.tolist() if int(i) in applied]
        if table is not None:
            totals = table.overlap_totals(session, weights, filtered.ids)
            overlap = overlap_rank(*totals, CANDIDATES_K)
        else:
            overlap = overlap_top(
                session, weights, PersonSkill, "person_id", filtered.ids, CANDIDATES_K
            )
        ids = union_ids(
            vector_top(ctx, "people", query, filtered.ids, CANDIDATES_K),
            overlap,
            nearest_ids(filtered, CANDIDATES_K // 4),
            applicants,
        )
    allowed = set(filtered.ids.tolist())
    people = [p for p in load_people(session, ids) if p.id in allowed]  # never widen
    X = person_features(ctx, job, people)  # (n, n_features)
    scores, order = score_items(scorer, X, people)
    if not people:
        hints.append("no_candidates")
    title = "Candidate" if language == "en" else "Candidato/a"
    return match_page(
        people, X, scores, order,
        features=JOB_FEATURES,  # the person-job features, as for jobs
        head=lambda person: {"person_id": person.id, "title": f"{title} {person.id}"},
        explain=lambda chosen, rows: explain_candidates(
            ctx, job, load_people(session, [p.id for p in chosen], own_words=True), rows, language
        ),  # the page's people with their own words (decrypted for the page only)
        scorer=scorer, lang=language, limit=limit, offset=offset,
        total_filtered=len(filtered), hints=hints,
    )  # fmt: skip


# ---------------------------------------------------------------------- courses for a person


def skill_needs(
    ctx: FeatureContext, ranking: JobRanking, held: set[str], top: int = NEEDS_TOP_JOBS
) -> dict[str, float]:
    """How much the person's best jobs ask for each skill they lack, 0..1.

    ``need(s)`` = share of the top ``top`` ranked jobs that list ``s`` as essential (optional
    skills count half).
    """
    chosen = [ranking.jobs[i].id for i in ranking.order[:top]]
    if not chosen:
        return {}
    skills = ctx.skills_of_jobs(chosen)
    totals: dict[str, float] = defaultdict(float)
    for job_id in chosen:
        for s in skills[job_id]:
            if s.skill_id not in held:
                totals[s.skill_id] += 1.0 if s.essential else 0.5
    return {s: min(1.0, v / len(chosen)) for s, v in totals.items()}


def regional_demand(session: Session, person: Person, now: datetime) -> dict[str, float]:
    """``{skill_id: 0..1}`` demand where the person can work: their department, and remote
    work when they are remote-ready (the larger of the two)."""
    index = demand_index(session, as_of=now)
    regions = set()
    if person.ubigeo:
        regions.add(person.ubigeo[:2])
    if person.remote_ready:
        regions.add(REMOTE_REGION)
    out: dict[str, float] = {}
    for (region, skill_id), value in index.items():
        if region in regions and value > out.get(skill_id, 0.0):
            out[skill_id] = value
    return out


def courses_for_person(
    session: Session,
    indexes: MatchIndexes | None,
    person_id: int,
    *,
    limit: int = 10,
    offset: int = 0,
    budget: Decimal | float | None = None,
    modality: Modality | str | None = None,
    max_distance_km: float | None = None,
    now: datetime | None = None,
    lang: str | None = None,
) -> MatchPage:
    """Courses for a person, best first, each explained.

    Relevance comes from the person's skill gap (skills their best-matching jobs ask for and they
    lack) and from labour-market demand where they can work (:func:`demand_index`).

    Args:
        session: database session (read only).
        indexes: vector indexes.
        person_id: the learner.
        limit: page size (1..200).
        offset: ranks to skip.
        budget: most the person can pay for one course, PEN (free courses always pass).
        modality: ``in_person``, ``online`` or ``hybrid`` (default all; online only for people
            with internet and a device).
        max_distance_km: radius for in-person and hybrid courses (default: the person's, else
            30 km).
        now: the instant demand and start dates are measured from.
        lang: ``"es"`` or ``"en"`` (default: the person's account language, else Spanish).

    Raises:
        PersonNotFound: unknown ``person_id``.
        InvalidMatchRequest: a bad limit, offset, budget, distance or modality.
    """
    check_page(limit, offset)
    check_number(budget, "budget")
    check_number(max_distance_km, "max_distance_km")
    if modality is not None:
        try:
            modality = Modality(modality)
        except ValueError:
            raise InvalidMatchRequest(
                f"unknown modality {modality!r}: use in_person, online or hybrid"
            ) from None
    person = get_row(session, Person, person_id, PersonNotFound, seeker_row)
    moment = now_utc(now)
    language = resolve_lang(session, person, lang)
    ctx = FeatureContext(session, indexes, moment)
    scorer = get_scorer("courses")
    held = ctx.skills_of_people([person.id])[person.id]
    jobs = rank_jobs(ctx, person, JobFilter.for_person(person, now=moment), need=NEEDS_TOP_JOBS)
    needs = skill_needs(ctx, jobs, held)
    demand = regional_demand(session, person, moment)
    hints = [h for h in jobs.hints if h in ("add_skills", "no_location")]
    flt = CourseFilter.for_person(
        person, budget=budget, modality=modality, max_distance_km=max_distance_km
    )
    filtered = filter_courses(session, flt)
    if len(filtered) <= 2 * CANDIDATES_K:
        ids = sorted(filtered.ids.tolist())
    else:
        query = ctx.person_vectors([person])[0]
        gap = {s: w for s, w in needs.items() if w > 0}
        ids = union_ids(
            vector_top(ctx, "courses", query, filtered.ids, CANDIDATES_K),
            overlap_top(session, gap, CourseSkill, "course_id", filtered.ids, CANDIDATES_K),
        )
    courses = load_rows(session, Course, ids)
    X = course_features(ctx, person, courses, needs=needs, demand=demand)  # (n, n_features)
    scores, order = score_items(scorer, X, courses)
    if not courses:
        hints.append("no_courses_pass_filters")
    return match_page(
        courses, X, scores, order,
        features=COURSE_FEATURES,
        head=lambda course: {"course_id": course.id, "title": course.title},
        explain=lambda chosen, rows: explain_courses(
            ctx, person, chosen, rows, language, needs=needs, budget=flt.budget
        ),
        scorer=scorer, lang=language, limit=limit, offset=offset,
        total_filtered=len(filtered), hints=hints,
    )  # fmt: skip
