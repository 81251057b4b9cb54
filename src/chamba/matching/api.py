"""Matching routes: a seeker's job and course matches and pathways; a job's candidates.

Every item carries its explanation. Each served list of recommendations is logged as ``shown``
interactions (position, score, scorer version) in the request's transaction, in one INSERT.
Candidates are shown to the employer that published the job only: people who consented to be
seen or who applied; contact details only for applicants to this job and people who consented
to be contacted; never national ids.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Response

from chamba.activity import service as activity
from chamba.activity.models import SubjectType
from chamba.audit.deps import AuditDep
from chamba.auth import service as auth_service
from chamba.auth.deps import CurrentUser, limit_use
from chamba.auth.errors import NotAuthenticated, RoleRequired, TooManyAttempts
from chamba.courses.models import Modality
from chamba.deps import SessionDep
from chamba.errors import NotFound
from chamba.jobs import service as job_service
from chamba.jobs.deps import OwnedJob
from chamba.jobs.errors import JobNotFound, NotJobOwner
from chamba.matching.candidates import employer_candidates
from chamba.matching.course_options import CourseConstraints
from chamba.matching.deps import IndexesDep
from chamba.matching.errors import InvalidMatchRequest, PathwayTargetMissing
from chamba.matching.pathways.planner import plan_pathway
from chamba.matching.pathways.schemas import Pathway
from chamba.matching.schemas import CandidatePage, JobsRequest, MatchPage
from chamba.matching.service import courses_for_person, served_jobs_for_person
from chamba.matching.shown import log_page_shown, log_shown
from chamba.observability.metrics import Metrics, MetricsDep
from chamba.observability.serving import serving_stats
from chamba.people.deps import CurrentPerson, SeekerRow, counted_seeker_row
from chamba.people.errors import NotASeeker
from chamba.people.models import Person
from chamba.problems import responses

router = APIRouter(tags=["matching"])

RANKING_SLOTS: Final = 2
"""Rankings computed at once per process; further match requests wait for a turn, in a lock
that costs no CPU. A ranking is CPU-bound Python that holds the GIL most of the time: 64 threads
ranking at once each get 1/64 of a core, so every one of them finishes late (on 2 busy cores
none of 64 finished within 8 s), while a few at a time finish in turn at the same throughput."""
_ranking = threading.BoundedSemaphore(RANKING_SLOTS)


def ranking_turn() -> threading.BoundedSemaphore:
    """The process's ranking slots (:data:`RANKING_SLOTS`), to hold while ranking."""
    return _ranking


Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]
Km = Annotated[float | None, Query(gt=0, le=2000)]
Lang = Annotated[Literal["es", "en"] | None, Query()]
_seeker_errors = (NotAuthenticated, NotASeeker, InvalidMatchRequest, TooManyAttempts)


def _count_shown(metrics: Metrics, kind: SubjectType, shown: int) -> None:
    metrics.recommendations_shown.labels(kind=kind.value).inc(shown)
    if kind == SubjectType.JOB and (stats := serving_stats("jobs")) is not None:
        stats.record_shown(shown)


def _log_page(
    session: SessionDep, person: Person, page: MatchPage, kind: SubjectType, metrics: Metrics
) -> None:
    _count_shown(metrics, kind, len(page.items))
    log_page_shown(session, person.id, page, kind, f"matches/{kind.value}s")


def _serve_page(
    session: SessionDep, person: Person, kind: SubjectType, metrics: Metrics,
    rank: Callable[[], MatchPage], *, turn: bool = True,
) -> MatchPage:  # fmt: skip
    """``rank()``, timed as ``match_latency`` of ``kind``, its page logged as shown; in a
    ranking turn unless ``turn`` is false (``rank`` then takes one itself, only to rank)."""
    with (
        ranking_turn() if turn else nullcontext(),
        metrics.match_latency.labels(kind=f"{kind.value}s").time(),
    ):
        page = rank()
    _log_page(session, person, page, kind, metrics)
    return page


@router.get(
    "/me/matches/jobs",
    summary="Jobs for me, best first, each explained",
    responses=responses(*_seeker_errors),
    response_model=MatchPage,
)
def my_job_matches(
    seeker: Annotated[SeekerRow, counted_seeker_row("match")],  # a 429 first, as limit_use's
    session: SessionDep,
    indexes: IndexesDep,
    metrics: MetricsDep,
    limit: Limit = 10,
    offset: Offset = 0,
    max_distance_km: Km = None,
    remote: bool | None = None,
    min_wage: Annotated[Decimal | None, Query(ge=0, le=10_000_000)] = None,
    lang: Lang = None,
) -> Response:
    """The page as JSON bytes: a page kept by the cache is answered with its kept bytes (the
    same bytes the ranking answered), with no model read back, validated or serialised again;
    a new page is serialised once (by the same pydantic serializer FastAPI would use)."""
    person = seeker.person
    with metrics.match_latency.labels(kind="jobs").time():
        served = served_jobs_for_person(
            session, indexes, person.id,
            JobsRequest(
                limit=limit, offset=offset, max_distance_km=max_distance_km, remote=remote,
                min_wage=min_wage, lang=lang,
            ),
            while_ranking=ranking_turn(),  # a kept page is served without waiting for a turn
        )  # fmt: skip
    _count_shown(metrics, SubjectType.JOB, len(served.shown.items))
    log_shown(session, person.id, served.shown, SubjectType.JOB, "matches/jobs")
    return Response(served.data, media_type="application/json")


@router.get(
    "/me/matches/courses",
    summary="Courses for me, best first, each explained",
    responses=responses(*_seeker_errors),
    dependencies=[limit_use("match")],
)
def my_course_matches(
    person: CurrentPerson,
    session: SessionDep,
    indexes: IndexesDep,
    metrics: MetricsDep,
    limit: Limit = 10,
    offset: Offset = 0,
    budget: Annotated[Decimal | None, Query(ge=0, le=10_000_000)] = None,
    modality: Modality | None = None,
    max_distance_km: Km = None,
    lang: Lang = None,
) -> MatchPage:
    return _serve_page(session, person, SubjectType.COURSE, metrics, lambda: courses_for_person(
        session, indexes, person.id, limit=limit, offset=offset, budget=budget,
        modality=modality, max_distance_km=max_distance_km, lang=lang,
    ))  # fmt: skip


@router.get(
    "/me/pathways",
    summary="The cheapest, quickest courses from me to an occupation or a job",
    responses=responses(
        NotAuthenticated, NotASeeker, PathwayTargetMissing, NotFound, TooManyAttempts
    ),
    dependencies=[limit_use("pathway")],
)
def my_pathway(
    person: CurrentPerson,
    session: SessionDep,
    occupation: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    job: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    budget: Annotated[Decimal | None, Query(ge=0, le=10_000_000)] = None,
    hours_per_week: Annotated[float | None, Query(gt=0, le=112)] = None,
    modality: Annotated[list[Modality] | None, Query(max_length=3)] = None,
    max_distance_km: Km = None,
    lang: Lang = None,
) -> Pathway:
    """Constraints not given come from the profile (hours, remote readiness, travel radius);
    ``budget`` is the most for the whole plan (none: no limit)."""
    if (occupation is None) == (job is None):
        raise PathwayTargetMissing()
    if job is not None:
        job_service.get_public_job(session, job)
    limits = CourseConstraints.defaults_for(person)
    if budget is not None:
        limits.budget = budget
    if hours_per_week is not None:
        limits.hours_per_week = hours_per_week
    if modality:
        limits.modalities = set(modality)
    if max_distance_km is not None:
        limits.max_distance_km = max_distance_km
    language = lang or _account_lang(session, person)
    pathway = plan_pathway(
        session, person.id, occupation_id=occupation, job_id=job, constraints=limits,
        lang=language,
    )  # fmt: skip
    activity.log_shown(
        session, person.id,
        [activity.Shown(SubjectType.COURSE, s.course_id, s.order) for s in pathway.steps],
        model_version="pathway",
        context={"list": "pathway", "target": f"{pathway.target_kind}:{pathway.target_id}"},
    )  # fmt: skip
    return pathway


def _account_lang(session: SessionDep, person: Person) -> Literal["es", "en"]:
    user = auth_service.find_user(session, person.user_id) if person.user_id else None
    return "en" if user is not None and user.language == "en" else "es"


@router.get(
    "/jobs/{job_id}/candidates",
    summary="Candidates for my job, best first, each explained (its employer)",
    responses=responses(NotAuthenticated, RoleRequired, NotJobOwner, JobNotFound),
)
def job_candidates(
    job: OwnedJob,
    user: CurrentUser,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    limit: Limit = 20,
    offset: Offset = 0,
    max_distance_km: Km = None,
    lang: Lang = None,
) -> CandidatePage:
    return employer_candidates(
        session, indexes, job, viewer=user, audit=audit, limit=limit, offset=offset,
        max_distance_km=max_distance_km, lang=lang,
    )  # fmt: skip
