"""Features of (person, job) and (person, course) pairs, computed in batches.

Every feature is a float, finite, oriented so that *higher is better* unless its name says
otherwise (``distance_km``, ``congestion``, ``remote_not_ready``), and mostly in ``[0, 1]``.
Unknown inputs give a neutral value (documented per feature), never NaN. The column order is
:data:`JOB_FEATURES` / :data:`COURSE_FEATURES`; rankers read columns by that order.

One implementation serves both directions: :func:`job_features` (one person, many jobs) and
:func:`person_features` (one job, many people) build the same pairwise matrix. All database
reads are bulk (one query per kind of data per call); nothing is queried per job or per person.

Job features (``JOB_FEATURES``):

================== ===========================================================================
skill_essential    share of the job's essential skills the person holds, each skill weighted by
                   importance x rarity (rarity = ``(log((N+1)/(df+1)) + 1) ** RARITY_POWER``
                   over the N open jobs); over its optional skills when it lists no essential
                   one; :data:`NO_SKILLS` (unknown: neither full marks nor none) when it lists
                   no skill at all
skill_optional     the same over optional skills; 0 when none are listed
skill_matched      number of the job's skills the person holds, / 5, capped at 1
semantic           cosine of the person's and the job's text vectors (0 when either is empty)
lexical            how well the job's own words (title twice, then description) cover the
                   person's own words (their skills' labels when they wrote none): BM25
                   (``k1 = 1.2``, ``b = 0.75``, idf over the open jobs) divided by the sum of
                   the query's idf, so 0..1; words folded, stop words dropped, plural and
                   gender endings also matched, and pairs of neighbouring words matched as
                   terms of their own (:mod:`chamba.matching.lexical_terms`)
proximity          ``exp(-km / 25)``; 1 for remote jobs; 0.5 when a place is unknown
distance_km        great-circle km (0 remote; -1 unknown)
remote             1 for a remote job
remote_not_ready   1 for a remote job and a person without internet or a device
wage_fit           ``0.5 + 0.5 tanh((wage - expected) / (0.3 expected))`` with the job's wage
                   midpoint; 0.5 when either is unknown
hours_fit          ``min(1, available hours / job hours)``; 0.5 when either is unknown
slot_overlap       share of the job's weekly time slots the person has free; the hours ratio
                   when the job lists no slots; 0.5 when the person lists none
education_fit      1 when the person's level reaches the required one (or none is required),
                   ``1 - gap / 5`` below it; 0.5 for every job when the person's level is
                   unknown (so an unknown level favours no job over another)
occupation_match   1 when the job's occupation is among the person's declared interests
freshness          ``exp(-days since posted / 30)`` relative to the ``now`` of the context
congestion         ``log1p(applications per opening)`` (withdrawn applications not counted)
================== ===========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from chamba.courses.models import Course, Modality
from chamba.jobs.models import Job
from chamba.matching.filters import coords, haversine
from chamba.matching.lexical_terms import labels_terms, posting_terms, posting_text, text_terms
from chamba.matching.repository import (
    JobFields,
    application_counts,
    load_course_skills,
)
from chamba.people.models import Person
from chamba.search import DocTerms, lexical_scores
from chamba.vocab import TIME_SLOTS, EducationLevel

if TYPE_CHECKING:
    from chamba.matching.context import FeatureContext


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

JOB_FEATURES: Final = (
    "skill_essential",
    "skill_optional",
    "skill_matched",
    "semantic",
    "lexical",
    "proximity",
    "distance_km",
    "remote",
    "remote_not_ready",
    "wage_fit",
    "hours_fit",
    "slot_overlap",
    "education_fit",
    "occupation_match",
    "freshness",
    "congestion",
)
"""Column names of :func:`job_features` and :func:`person_features`, in order."""

FEATURES: Final = JOB_FEATURES  # the person-job features; the name the issue uses

COURSE_FEATURES: Final = (
    "skill_gap",
    "demand",
    "new_skills",
    "semantic",
    "cost_fit",
    "free",
    "access",
    "distance_km",
    "hours_fit",
    "education_fit",
)
"""Column names of :func:`course_features`, in order.

================ ==========================================================================
skill_gap        sum of ``needs[s]`` over the skills the course teaches that the person lacks,
                 / number of skills taught (``needs``: how much the person's best-matching
                 jobs ask for each skill, 0..1)
demand           mean labour-market demand (0..1, :mod:`chamba.insights.demand`) in the
                 person's department (or remote work) of the new skills the course teaches
new_skills       share of the course's skills the person does not hold yet
semantic         cosine of the person's and the course's text vectors
cost_fit         ``1 - min(1, effective cost / monthly income)``; effective cost is 0 when
                 free and half the price with a scholarship; income is the expected wage,
                 else the minimum wage (S/ 1,130)
free             1 for a free course
access           in person ``exp(-km / 20)`` (0.5 unknown); online 1 when remote-ready, else 0;
                 hybrid the mean of both
distance_km      great-circle km for in-person and hybrid courses; -1 online or unknown
hours_fit        ``min(1, (available hours / 2) / weekly course hours)``; 0.5 unknown
education_fit    as for jobs
================ ==========================================================================
"""
NO_SKILLS: Final = 0.5
"""``skill_essential`` of a job that lists no skill: whether the person can do it is unknown."""
DISTANCE_SCALE_KM: Final = 25.0
COURSE_DISTANCE_SCALE_KM: Final = 20.0
FRESHNESS_DAYS: Final = 30.0
WAGE_SCALE: Final = 0.3
MINIMUM_WAGE: Final = 1130.0  # Remuneración Mínima Vital 2025, S/ per month
SCHOLARSHIP_SHARE: Final = 0.5
_SLOT_BIT: Final = {slot: 1 << i for i, slot in enumerate(TIME_SLOTS)}


def slot_mask(slots: Iterable[str] | None) -> int:
    """Weekly time slots as a 28-bit mask (unknown names ignored)."""
    mask = 0
    for slot in slots or ():
        mask |= _SLOT_BIT.get(slot, 0)
    return mask


def _popcount(values: IntArray) -> FloatArray:
    return np.array([int(v).bit_count() for v in values.tolist()], dtype=np.float64)


def person_words(person: Person, labels: Sequence[str], own_words: bool = True) -> list[str]:
    """The terms a person's lexical match reads: their own words, else their skills' labels."""
    text = (person.self_description or "") if own_words else ""
    return text_terms(text) if text.strip() else labels_terms(labels)


def job_words(job: JobFields) -> list[str]:
    """The terms a job's lexical match reads: its title twice, then its description (read from
    the row's own title and description, so a job as it was at some time reads as it was)."""
    return text_terms(posting_text(job.title, job.description))


def job_doc(job: JobFields) -> DocTerms:
    """:func:`job_words` counted (remembered per process by the text, see
    :func:`~chamba.matching.lexical_terms.posting_terms`)."""
    return posting_terms(posting_text(job.title, job.description))


def posting_doc(title: str | None, description: str | None) -> DocTerms:
    """:func:`job_doc` of a job with this title and description."""
    return posting_terms(posting_text(title, description))


def education_rank(level: EducationLevel | str | None) -> int:
    """Rank of an education level; -1 when unknown."""
    if level is None:
        return -1
    try:
        return EducationLevel(level).rank
    except ValueError:
        return -1


# ---------------------------------------------------------------------- pairwise person x job


def _people_columns(ctx: FeatureContext, people: Sequence[Person]) -> dict[str, np.ndarray]:
    lat, lon = coords([p.ubigeo for p in people])
    return {
        "lat": lat,
        "lon": lon,
        "expected": np.array(
            [float(p.expected_wage) if p.expected_wage else np.nan for p in people]
        ),
        "avail": np.array(
            [
                float(p.availability_hours) if p.availability_hours is not None else np.nan
                for p in people
            ]
        ),  # fmt: skip
        "slots": np.array([slot_mask(p.availability_slots) for p in people], dtype=np.int64),
        "ready": np.array([p.remote_ready for p in people], dtype=bool),
        "edu": np.array([education_rank(p.education_level) for p in people], dtype=np.int64),
        "vectors": ctx.person_vectors(people),
    }


def _job_columns(ctx: FeatureContext, jobs: Sequence[JobFields]) -> dict[str, np.ndarray]:
    ids = [j.id for j in jobs]
    lat, lon = coords([j.ubigeo for j in jobs])
    apps = application_counts(ctx.session, ids)

    def mid(job: JobFields) -> float:
        lo, hi = job.wage_min, job.wage_max
        if lo is None and hi is None:
            return np.nan
        lo_f = float(lo if lo is not None else hi or 0)  # (hi is set when lo is not)
        hi_f = float(hi if hi is not None else lo or 0)
        return (lo_f + hi_f) / 2

    now = ctx.now
    return {
        "lat": lat,
        "lon": lon,
        "remote": np.array([bool(j.remote) for j in jobs], dtype=bool),
        "wage": np.array([mid(j) for j in jobs]),
        "hours": np.array([float(j.hours_per_week) if j.hours_per_week else np.nan for j in jobs]),
        "slots": np.array([slot_mask(j.schedule) for j in jobs], dtype=np.int64),
        "edu": np.array([education_rank(j.education_required) for j in jobs], dtype=np.int64),
        "days": np.array(
            [
                max(0.0, (now - j.posted_at).total_seconds() / 86400.0) if j.posted_at else 30.0
                for j in jobs
            ]
        ),  # fmt: skip
        "congestion": np.array(
            [apps.get(j.id, 0) / max(1, j.openings or 1) for j in jobs], dtype=np.float64
        ),
        "occ": np.array([j.occupation_id or "" for j in jobs], dtype=object),
        "vectors": ctx.job_vectors(jobs),
    }


def lexical_of(
    ctx: FeatureContext, person: Person, jobs: Sequence[JobFields], *, own_words: bool = True
) -> FloatArray:
    """The ``lexical`` column of one person against ``jobs``; ``own_words=False`` reads only
    the labels of their skills (when their words of some past time are not known). (n,)"""
    ji = np.arange(len(jobs), dtype=np.int64)
    skills = ctx.skills_of_people([person.id])
    return _lexical(ctx, [person], jobs, skills, np.zeros_like(ji), ji, own_words=own_words)


def _lexical(
    ctx: FeatureContext,
    people: Sequence[Person],
    jobs: Sequence[JobFields],
    person_skills: Mapping[int, set[str]],
    pi: IntArray,
    ji: IntArray,
    *,
    own_words: bool = True,
) -> FloatArray:
    """``lexical`` of each pair: the person's own words (their skills' labels when they wrote
    none) as the query, the job's words as the document, idf over the open jobs (the same in
    both directions, so a pair scores the same whichever side is ranked). (pairs,)"""
    queries = lexical_queries(ctx, people, person_skills, own_words=own_words)
    docs = [job_doc(j) for j in jobs]
    corpus = ctx.corpus()
    return lexical_scores(queries, docs, pi, ji, idf=corpus.idf(), avgdl=corpus.avgdl)


def lexical_queries(
    ctx: FeatureContext,
    people: Sequence[Person],
    person_skills: Mapping[int, set[str]],
    *,
    own_words: bool = True,
) -> list[list[str]]:
    """The ``lexical`` query of each person: their own words (what :func:`person_words`
    reads, through :meth:`FeatureContext.own_terms`), else their skills' labels."""
    own = ctx.own_terms(people) if own_words else {}
    wordless = [p for p in people if own.get(p.id) is None]
    labels = ctx.skill_labels({s for p in wordless for s in person_skills[p.id]})
    out: list[list[str]] = []
    for p in people:
        mine = own.get(p.id)
        if mine is None:
            held = [labels[s][0] for s in sorted(person_skills[p.id]) if s in labels]
            mine = labels_terms(held)
        out.append(mine)
    return out


def _pair_matrix(
    ctx: FeatureContext,
    people: Sequence[Person],
    jobs: Sequence[JobFields],
    pi: IntArray,
    ji: IntArray,
) -> FloatArray:
    """Features of the pairs ``(people[pi[k]], jobs[ji[k]])``. Returns (pairs, n_features)."""
    n = pi.size
    out = np.zeros((n, len(JOB_FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    col = {name: k for k, name in enumerate(JOB_FEATURES)}
    P, J = _people_columns(ctx, people), _job_columns(ctx, jobs)

    # skills: jobs as padded (m, K) rows over a local vocabulary, people as (n_people, V) bools
    job_skills = ctx.skills_of_jobs([j.id for j in jobs])
    person_skills = ctx.skills_of_people([p.id for p in people])
    vocab: dict[str, int] = {}
    for rows in job_skills.values():
        for s in rows:
            vocab.setdefault(s.skill_id, len(vocab))
    width = max((len(r) for r in job_skills.values()), default=0) or 1
    idx = np.zeros((len(jobs), width), dtype=np.int64)  # (m, K) vocabulary column
    valid = np.zeros((len(jobs), width), dtype=bool)
    weight = np.zeros((len(jobs), width))  # importance x rarity
    ess = np.zeros((len(jobs), width), dtype=bool)
    rarity = ctx.rarity(list(vocab)) if vocab else np.zeros(0)
    for m, job in enumerate(jobs):
        for k, s in enumerate(job_skills[job.id]):
            v = vocab[s.skill_id]
            idx[m, k], valid[m, k], ess[m, k] = v, True, s.essential
            weight[m, k] = max(s.importance, 0.05) * rarity[v]
    held_matrix = np.zeros((len(people), max(len(vocab), 1)), dtype=bool)  # (n_people, V)
    for r, person in enumerate(people):
        for sid in person_skills[person.id]:
            if sid in vocab:
                held_matrix[r, vocab[sid]] = True
    held = held_matrix[pi[:, None], idx[ji]] & valid[ji]  # (pairs, K)
    w = weight[ji]
    ess_w, opt_w = w * ess[ji], w * (valid[ji] & ~ess[ji])
    ess_tot, opt_tot = ess_w.sum(1), opt_w.sum(1)
    optional_cover = np.where(opt_tot > 0, (opt_w * held).sum(1) / np.maximum(opt_tot, 1e-12), 0.0)
    out[:, col["skill_essential"]] = np.where(
        ess_tot > 0,
        (ess_w * held).sum(1) / np.maximum(ess_tot, 1e-12),
        np.where(opt_tot > 0, optional_cover, NO_SKILLS),
    )
    out[:, col["skill_optional"]] = optional_cover
    out[:, col["skill_matched"]] = np.minimum(1.0, held.sum(1) / 5.0)

    # semantic
    pv, jv = P["vectors"][pi], J["vectors"][ji]  # (pairs, dim)
    out[:, col["semantic"]] = np.einsum("kd,kd->k", pv, jv) if pv.shape[1] == jv.shape[1] else 0

    # the person's words in the job's words
    out[:, col["lexical"]] = _lexical(ctx, people, jobs, person_skills, pi, ji)

    # place
    remote = J["remote"][ji]
    km = haversine(P["lat"][pi], P["lon"][pi], J["lat"][ji], J["lon"][ji])  # (pairs,) NaN unknown
    km = np.where(remote, 0.0, km)
    known = ~np.isnan(km)
    out[:, col["proximity"]] = np.where(known, np.exp(-np.nan_to_num(km) / DISTANCE_SCALE_KM), 0.5)
    out[:, col["distance_km"]] = np.where(known, km, -1.0)
    out[:, col["remote"]] = remote
    out[:, col["remote_not_ready"]] = remote & ~P["ready"][pi]

    # wage
    expected, wage = P["expected"][pi], J["wage"][ji]
    ok = ~np.isnan(expected) & ~np.isnan(wage) & (np.nan_to_num(expected) > 0)
    exp_safe = np.where(ok, expected, 1.0)
    out[:, col["wage_fit"]] = np.where(
        ok, 0.5 + 0.5 * np.tanh((np.nan_to_num(wage) - exp_safe) / (WAGE_SCALE * exp_safe)), 0.5
    )

    # hours and time slots
    avail, hours = P["avail"][pi], J["hours"][ji]
    hours_ok = ~np.isnan(avail) & ~np.isnan(hours)
    ratio = np.where(
        hours_ok, np.minimum(1.0, np.nan_to_num(avail) / np.nan_to_num(hours, nan=1)), 0.5
    )
    out[:, col["hours_fit"]] = ratio
    jslots, pslots = J["slots"][ji], P["slots"][pi]
    n_job = _popcount(jslots)
    n_both = _popcount(jslots & pslots)
    out[:, col["slot_overlap"]] = np.where(
        pslots == 0, 0.5, np.where(n_job > 0, n_both / np.maximum(n_job, 1.0), ratio)
    )

    # education
    req, have = J["edu"][ji], P["edu"][pi]
    gap = np.maximum(0, req - have)
    out[:, col["education_fit"]] = np.where(
        have < 0, 0.5, np.where(req < 0, 1.0, np.clip(1.0 - gap / 5.0, 0.0, 1.0))
    )

    # interests, freshness, congestion
    interests = [set(p.interests or ()) for p in people]
    occ = J["occ"]
    out[:, col["occupation_match"]] = [
        1.0 if occ[j] and occ[j] in interests[p] else 0.0
        for p, j in zip(pi.tolist(), ji.tolist(), strict=True)
    ]
    out[:, col["freshness"]] = np.exp(-J["days"][ji] / FRESHNESS_DAYS)
    out[:, col["congestion"]] = np.log1p(J["congestion"][ji])
    return out


def job_features(ctx: FeatureContext, person: Person, jobs: Sequence[JobFields]) -> FloatArray:
    """Features of one person against many jobs, in one batch.

    Args:
        ctx: the feature context (session, indexes, ``now``).
        person: the seeker.
        jobs: candidate jobs (ORM rows; their skills are loaded here in bulk).

    Returns:
        ``(len(jobs), len(JOB_FEATURES))`` float64, columns in :data:`JOB_FEATURES` order.

    Example:
        >>> X = job_features(ctx, person, jobs)  # doctest: +SKIP
        >>> X[:, JOB_FEATURES.index("skill_essential")]  # doctest: +SKIP
        array([1. , 0.5, 0. ])
    """
    ji = np.arange(len(jobs), dtype=np.int64)
    return _pair_matrix(ctx, [person], jobs, np.zeros_like(ji), ji)


def person_features(ctx: FeatureContext, job: Job, people: Sequence[Person]) -> FloatArray:
    """Features of many people against one job (the roles of :func:`job_features` swapped).

    Returns:
        ``(len(people), len(JOB_FEATURES))`` float64.
    """
    pi = np.arange(len(people), dtype=np.int64)
    return _pair_matrix(ctx, people, [job], pi, np.zeros_like(pi))


# ---------------------------------------------------------------------- person x course


def effective_cost(course: Course) -> float:
    """What a course is expected to cost: 0 if free, half with a scholarship (PEN)."""
    if course.is_free:
        return 0.0
    cost = float(course.cost or Decimal("0"))
    return cost * SCHOLARSHIP_SHARE if course.scholarship else cost


def course_features(
    ctx: FeatureContext,
    person: Person,
    courses: Sequence[Course],
    *,
    needs: Mapping[str, float] | None = None,
    demand: Mapping[str, float] | None = None,
) -> FloatArray:
    """Features of one person against many courses, in one batch.

    Args:
        ctx: the feature context.
        person: the learner.
        courses: candidate courses.
        needs: ``{skill_id: 0..1}`` how much the person's best-matching jobs ask for each skill
            (the person's skill gap); ``None``: no gap known.
        demand: ``{skill_id: 0..1}`` labour-market demand where the person can work.

    Returns:
        ``(len(courses), len(COURSE_FEATURES))`` float64.
    """
    n = len(courses)
    out = np.zeros((n, len(COURSE_FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    col = {name: k for k, name in enumerate(COURSE_FEATURES)}
    needs = needs or {}
    demand = demand or {}
    held = ctx.skills_of_people([person.id])[person.id]
    taught = load_course_skills(ctx.session, [c.id for c in courses])
    for k, course in enumerate(courses):
        skills = taught.get(course.id, [])
        new = [s for s in skills if s not in held]
        if skills:
            out[k, col["skill_gap"]] = min(1.0, sum(needs.get(s, 0.0) for s in new) / len(skills))
            out[k, col["new_skills"]] = len(new) / len(skills)
        if new:
            out[k, col["demand"]] = float(np.mean([demand.get(s, 0.0) for s in new]))

    pv = ctx.person_vectors([person])  # (1, dim)
    cv = ctx.course_vectors(courses)  # (n, dim)
    if pv.shape[1] == cv.shape[1]:
        out[:, col["semantic"]] = cv @ pv[0]

    income = float(person.expected_wage) if person.expected_wage else MINIMUM_WAGE
    cost = np.array([effective_cost(c) for c in courses])
    out[:, col["cost_fit"]] = 1.0 - np.minimum(1.0, cost / max(income, 300.0))
    out[:, col["free"]] = [1.0 if c.is_free else 0.0 for c in courses]

    p_lat, p_lon = coords([person.ubigeo])
    c_lat, c_lon = coords([c.ubigeo for c in courses])
    km = haversine(np.full(n, p_lat[0]), np.full(n, p_lon[0]), c_lat, c_lon)
    modality = [Modality(c.modality) for c in courses]
    online = np.array([m == Modality.ONLINE for m in modality])
    hybrid = np.array([m == Modality.HYBRID for m in modality])
    near = np.where(np.isnan(km), 0.5, np.exp(-np.nan_to_num(km) / COURSE_DISTANCE_SCALE_KM))
    ready = 1.0 if person.remote_ready else 0.0
    out[:, col["access"]] = np.where(online, ready, np.where(hybrid, (near + ready) / 2, near))
    out[:, col["distance_km"]] = np.where(online | np.isnan(km), -1.0, km)

    weekly = np.array(
        [c.hours / max(1, c.weeks) if c.weeks else np.nan for c in courses], dtype=np.float64
    )
    avail = float(person.availability_hours) if person.availability_hours is not None else np.nan
    known = ~np.isnan(weekly) & (weekly > 0) & (not math.isnan(avail))
    out[:, col["hours_fit"]] = np.where(
        known, np.minimum(1.0, (avail / 2.0) / np.where(known, weekly, 1.0)), 0.5
    )

    have = education_rank(person.education_level)
    req = np.array([education_rank(c.education_required) for c in courses])
    gap = np.maximum(0, req - have)
    out[:, col["education_fit"]] = np.where(
        req < 0, 1.0, 0.5 if have < 0 else np.clip(1.0 - gap / 5.0, 0.0, 1.0)
    )
    return out


def as_dict(names: Sequence[str], row: FloatArray) -> dict[str, float]:
    """One feature row as ``{name: value}`` rounded for display."""
    return {name: round(float(v), 4) for name, v in zip(names, row, strict=True)}
