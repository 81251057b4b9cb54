"""Job posting routes: public search and reading, employer publishing, skill suggestions.

Anyone may search and read open, closed and filled postings; drafts are seen only by their
employer. Only employers publish, and only the employer whose organisation published a job
changes or closes it (``OwnedJob``); ``DELETE`` closes, it never erases (applications stay).
An employer account without an organisation gets one, named after the account, on its first
posting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from chamba.audit.deps import AuditDep
from chamba.auth.deps import OptionalUser, limit_use
from chamba.auth.errors import NotAuthenticated, RoleRequired, TooManyAttempts
from chamba.deps import SessionDep
from chamba.jobs import search, service
from chamba.jobs.deps import EmployerUser, OwnedJob, SearchSimilarityDep, VisibleJob
from chamba.jobs.errors import CannotReopen, InvalidJob, JobNotFound, NotJobOwner
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.schemas import (
    DraftIn,
    DraftOut,
    JobCreate,
    JobOut,
    JobPage,
    JobSearch,
    JobUpdate,
    SuggestSkillsIn,
    SuggestSkillsOut,
)
from chamba.nlp.deps import EncoderDep, LlmDep
from chamba.orgs import service as org_service
from chamba.orgs.models import OrgKind
from chamba.problems import responses

router = APIRouter(tags=["jobs"])

_write_errors = (NotAuthenticated, RoleRequired, NotJobOwner, JobNotFound)


def revalidate(model: type[JobCreate], data: dict[str, Any]) -> JobCreate:
    """Check merged data with ``model``; errors render like any request validation error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def posting_as_input(job: Job) -> dict[str, Any]:
    """The stored posting as :class:`JobCreate` input (to merge a ``PATCH`` into)."""
    return {
        "title": job.title,
        "description": job.description,
        "location": {"ubigeo": job.ubigeo} if job.ubigeo else None,
        "remote": job.remote,
        "hours_per_week": job.hours_per_week,
        "schedule": list(job.schedule or []),
        "wage_min": job.wage_min,
        "wage_max": job.wage_max,
        "currency": job.currency,
        "contract_type": job.contract_type,
        "education_required": job.education_required,
        "openings": job.openings,
        "expires_at": job.expires_at,
        "occupation_id": job.occupation_id,
        "status": job.status,
        "skills": [
            {"id": s.skill_id, "requirement": s.requirement, "importance": s.importance}
            for s in job.skills
        ],
    }


PlaceParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        description="A department, province or district: its name ('lima', 'Cusco', "
        "'San Juan de Lurigancho, Lima') or its ubigeo code ('15', '1501', '150132').",
    ),
]


@router.get("/jobs", summary="Search job postings (public)", responses=responses(InvalidJob))
def search_jobs(
    session: SessionDep,
    similarity: SearchSimilarityDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to find, places included ('abogado lima', 'cajera en arequipa').",
        ),
    ] = None,
    region: PlaceParam = None,
    near: PlaceParam = None,
    distance_km: Annotated[float | None, Query(gt=0, le=2000)] = None,
    remote: bool | None = None,
    hours_max: Annotated[int | None, Query(ge=1, le=84)] = None,
    wage_min: Annotated[Decimal | None, Query(ge=0, le=10_000_000)] = None,
    occupation: Annotated[
        str | None,
        Query(
            max_length=200,
            description="An occupation: its id (ESCO or catalogue) or its name ('cajero').",
        ),
    ] = None,
    status: Literal["open", "closed", "filled"] = "open",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JobPage:
    """Open postings by default (not expired), most relevant first; drafts are never listed.

    ``near`` + ``distance_km`` (default 25 km) keeps on-site jobs within the radius and remote
    jobs (send ``remote=false`` to drop them), nearest first.
    """
    if distance_km is not None and near is None:
        raise InvalidJob("distance_km", "needs near (the place to measure from)")
    query = JobSearch(
        q=q, region=search.resolve_region(region, "region"),
        near=search.resolve_region(near, "near"), distance_km=distance_km, remote=remote,
        hours_max=hours_max, wage_min=wage_min,
        occupations=search.resolve_occupation(session, occupation),
        status=JobStatus(status), page=page,
        per_page=per_page,
    )  # fmt: skip
    return search.search_jobs(session, query, similarity=similarity)


@router.post(
    "/jobs",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a job posting (employers)",
    responses=responses(NotAuthenticated, RoleRequired, InvalidJob, TooManyAttempts),
    dependencies=[limit_use("post_job")],
)
def create_job(
    data: JobCreate, user: EmployerUser, session: SessionDep, encoder: EncoderDep
) -> JobOut:
    org = org_service.account_organisation(session, OrgKind.EMPLOYER, user)
    job = service.publish_job(
        session, data, organisation_id=org.id, lang=user.language, encoder=encoder
    )
    return service.present(session, [service.get_job(session, job.id)], lang=user.language)[0]


@router.post(
    "/jobs/draft",
    summary="Draft a job description from a title and a few facts (employers; not stored: "
    "edit it, then publish with POST /jobs)",
    responses=responses(NotAuthenticated, RoleRequired, InvalidJob),
)
def draft_job_text(
    data: DraftIn, user: EmployerUser, session: SessionDep, encoder: EncoderDep, llm: LlmDep
) -> DraftOut:
    lang = data.lang or ("en" if user.language == "en" else "es")
    return service.draft_text(session, data, lang, llm=llm, encoder=encoder)


@router.post(
    "/jobs/suggest-skills",
    summary="Suggest a posting's skills from its text",
    responses=responses(NotAuthenticated, RoleRequired),
)
def suggest_skills(
    data: SuggestSkillsIn, user: EmployerUser, session: SessionDep, encoder: EncoderDep
) -> SuggestSkillsOut:
    skills = service.suggest_skills(
        session, data.title, data.description, data.lang or user.language, encoder=encoder
    )
    return SuggestSkillsOut(skills=skills)


@router.get("/jobs/{job_id}", summary="One job posting", responses=responses(JobNotFound))
def get_job(job: VisibleJob, session: SessionDep, user: OptionalUser) -> JobOut:
    return service.present(session, [job], lang=user.language if user else "es")[0]


@router.patch(
    "/jobs/{job_id}",
    summary="Change a job posting (its employer)",
    responses=responses(*_write_errors, InvalidJob),
)
def update_job(job: OwnedJob, data: JobUpdate, user: EmployerUser, session: SessionDep) -> JobOut:
    sent = data.model_dump(include=data.model_fields_set)
    merged = revalidate(JobCreate, {**posting_as_input(job), **sent})
    service.update_job(session, job, merged, skills_given="skills" in sent)
    return service.present(session, [service.get_job(session, job.id)], lang=user.language)[0]


@router.delete(
    "/jobs/{job_id}",
    summary="Close a job posting (its employer); applications are kept",
    responses=responses(*_write_errors),
)
def close_job(job: OwnedJob, user: EmployerUser, session: SessionDep, audit: AuditDep) -> JobOut:
    if job.status != JobStatus.CLOSED:
        audit.record(user, "job.closed", "job", job.id)
    service.close_job(session, job)
    return service.present(session, [job], lang=user.language)[0]


@router.post(
    "/jobs/{job_id}/reopen",
    summary="Reopen a job its employer closed by mistake (within a day, not expired)",
    responses=responses(*_write_errors, CannotReopen),
)
def reopen_job(job: OwnedJob, user: EmployerUser, session: SessionDep, audit: AuditDep) -> JobOut:
    service.reopen_job(session, job)
    audit.record(user, "job.reopened", "job", job.id)
    return service.present(session, [job], lang=user.language)[0]
