"""Job postings: create and upsert by (source, external id), show, publish, edit, close and
draft. Never commits; flushes. Search lives in :mod:`chamba.jobs.search`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from chamba.db import utcnow
from chamba.events.schemas import JobClosed, JobPosted, JobReopened, JobUpdated
from chamba.events.service import emit
from chamba.jobs import drafting, repository
from chamba.jobs.errors import CannotReopen, InvalidJob, JobNotFound
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.jobs.schemas import (
    DraftIn,
    DraftOut,
    DraftSkillOut,
    JobCreate,
    JobIn,
    JobOut,
    SkillOut,
    SuggestedSkillOut,
)
from chamba.nlp.encoder import TextEncoder
from chamba.nlp.llm import ChatClient
from chamba.nlp.service import suggest_job_skills
from chamba.orgs import service as org_service
from chamba.orgs.models import Organisation, OrgKind
from chamba.orgs.schemas import OrganisationIn
from chamba.postings import repository as postings_repository
from chamba.postings import service as postings_service
from chamba.postings.schemas import OrganisationRef
from chamba.vocab import Requirement, SkillLevel

Outcome = Literal["created", "updated", "unchanged"]
#: Columns left as they are on update when the input leaves them blank.
_KEEP_WHEN_BLANK = ("status", "openings", "posted_at")
OPTIONAL_IMPORTANCE = 0.5


def get_by_external_id(session: Session, source: str, external_id: str) -> Job | None:
    """The job imported from ``source`` under ``external_id``, if any."""
    return repository.get_by_external_id(session, source, external_id)


def _values(data: JobIn, organisation_id: int | None) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "title": data.title,
        "description": data.description or "",
        "ubigeo": data.ubigeo,
        "remote": bool(data.remote),
        "hours_per_week": data.hours_per_week,
        "schedule": list(data.schedule),
        "wage_min": data.wage_min,
        "wage_max": data.wage_max,
        "currency": data.currency,
        "contract_type": data.contract_type,
        "education_required": data.education_required,
        "openings": data.openings,
        "status": data.status,
        "posted_at": data.posted_at,
        "expires_at": data.expires_at,
        "unlinked_skills": list(data.unlinked_skills),
    }


#: ``skill id -> (requirement, importance, level)`` of a posting.
SkillRows = Mapping[str, tuple[Requirement, float, SkillLevel | None]]


def _skill_rows(data: JobIn) -> dict[str, tuple[Requirement, float, SkillLevel | None]]:
    rows: dict[str, tuple[Requirement, float, SkillLevel | None]] = {}
    for ids, requirement, default in (
        (data.optional_skills, Requirement.OPTIONAL, OPTIONAL_IMPORTANCE),
        (data.skills, Requirement.ESSENTIAL, 1.0),
    ):
        for skill_id in ids:
            importance = data.skill_importance.get(skill_id, default)
            rows[skill_id] = (requirement, importance, data.skill_levels.get(skill_id))
    return rows


def _apply(job: Job, values: Mapping[str, Any], skills: SkillRows, *, new: bool) -> bool:
    columns = {
        skill_id: {"requirement": requirement, "importance": importance, "level": level}
        for skill_id, (requirement, importance, level) in skills.items()
    }
    return postings_service.apply_changes(
        job, values, columns, JobSkill, keep_when_blank=_KEEP_WHEN_BLANK, new=new
    )


def _employers(session: Session, items: Sequence[JobIn], source: str) -> dict[str, Organisation]:
    named = [
        OrganisationIn(name=i.employer, kind=OrgKind.EMPLOYER, ruc=i.employer_ruc)
        for i in items
        if i.employer
    ]
    return org_service.get_or_create_by_names(session, OrgKind.EMPLOYER, named, source=source)


def upsert_jobs(session: Session, items: Sequence[JobIn], *, source: str) -> list[Outcome]:
    """Create or update jobs by ``(source, external_id)``; every item needs an external id.

    Employers are found or created by name within ``source``. Skills must be skill ids.
    Unchanged jobs are not written (``updated_at`` keeps its value). Flushes, never commits.

    Returns:
        One outcome per item, in order.
    """
    missing = [i for i, item in enumerate(items) if not item.external_id]
    if missing:
        raise ValueError(f"items {missing[:5]} have no external_id")
    employers = _employers(session, items, source)
    existing = repository.by_external_ids(
        session, source, {i.external_id for i in items if i.external_id}
    )
    outcomes: list[Outcome] = []
    for item in items:
        assert item.external_id is not None
        org = (
            employers.get(org_service.name_key(OrgKind.EMPLOYER, item.employer))
            if item.employer
            else None
        )
        values = _values(item, org.id if org else None)
        job = existing.get(item.external_id)
        if job is None:
            job = Job(external_id=item.external_id, source=source)
            _apply(job, values, _skill_rows(item), new=True)
            session.add(job)
            existing[item.external_id] = job
            outcomes.append("created")
        else:
            changed = _apply(job, values, _skill_rows(item), new=False)
            outcomes.append("updated" if changed else "unchanged")
    session.flush()
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome != "unchanged":
            kind = JobPosted if outcome == "created" else JobUpdated
            emit(session, kind.about(existing[str(item.external_id)]))
    return outcomes


def create_job(session: Session, data: JobIn, *, source: str | None = None) -> Job:
    """Create one job (employer found or created by name). Flushes to assign its id."""
    employers = _employers(session, [data], source or "manual")
    org = (
        employers.get(org_service.name_key(OrgKind.EMPLOYER, data.employer))
        if data.employer
        else None
    )
    job = Job(external_id=data.external_id, source=source)
    _apply(job, _values(data, org.id if org else None), _skill_rows(data), new=True)
    session.add(job)
    session.flush()
    emit(session, JobPosted.about(job))
    return job


# --------------------------------------------------------------------------- API services

#: At most this many suggested skills are stored on a posting created without skills.
MAX_SUGGESTED = 25


def present(
    session: Session,
    jobs: Sequence[Job],
    *,
    lang: str = "es",
    distances: Mapping[int, float | None] | None = None,
) -> list[JobOut]:
    """Jobs (skills loaded) as :class:`JobOut`, with organisation names and skill labels."""
    labels = postings_repository.skill_labels(session, {s.skill_id for j in jobs for s in j.skills})
    orgs = postings_repository.organisation_names(
        session, {j.organisation_id for j in jobs if j.organisation_id is not None}
    )
    out = []
    for job in jobs:
        skills = []
        for s in sorted(job.skills, key=lambda s: (s.requirement != "essential", -s.importance)):
            es, en = labels.get(s.skill_id, (s.skill_id, s.skill_id))
            skills.append(
                SkillOut(
                    id=s.skill_id,
                    label=en if lang == "en" else es,
                    label_es=es,
                    label_en=en,
                    requirement=s.requirement,
                    importance=s.importance,
                    level=s.level,
                )
            )
        org = job.organisation_id
        out.append(
            JobOut(
                id=job.id,
                title=job.title,
                description=job.description or "",
                organisation=(
                    OrganisationRef(id=org, name=orgs[org])
                    if org is not None and org in orgs
                    else None
                ),  # fmt: skip
                occupation_id=job.occupation_id,
                location=postings_service.place(job.ubigeo),
                remote=job.remote,
                hours_per_week=job.hours_per_week,
                schedule=list(job.schedule or []),
                wage_min=job.wage_min,
                wage_max=job.wage_max,
                currency=job.currency,
                contract_type=job.contract_type,
                education_required=job.education_required,
                openings=job.openings,
                status=job.status,
                posted_at=job.posted_at,
                expires_at=job.expires_at,
                updated_at=job.updated_at,
                skills=skills,
                unlinked_skills=list(job.unlinked_skills or []),
                distance_km=(distances or {}).get(job.id),
            )
        )
    return out


def get_job(session: Session, job_id: int) -> Job:
    """The job with its skills loaded.

    Raises:
        JobNotFound: no job has that id.
    """
    job = repository.with_skills(session, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def get_public_job(session: Session, job_id: int) -> Job:
    """A job anyone may see (skills loaded): an employer's draft is nobody else's business.

    Raises:
        JobNotFound: no job has that id, or it is a draft.
    """
    job = get_job(session, job_id)
    if job.status == JobStatus.DRAFT:
        raise JobNotFound(job_id)
    return job


def suggest_skills(
    session: Session,
    title: str,
    description: str | None,
    lang: str | None = None,
    *,
    encoder: TextEncoder | None = None,
) -> list[SuggestedSkillOut]:
    """Skills read from a posting's text, with requirement and importance (nothing stored)."""
    found = suggest_job_skills(session, title, description or "", lang, encoder=encoder)
    labels = postings_repository.skill_labels(session, {s.skill_id for s in found})
    out = []
    for s in found[:MAX_SUGGESTED]:
        es, en = labels.get(s.skill_id, (s.label, s.label))
        out.append(
            SuggestedSkillOut(
                id=s.skill_id, label=s.label, label_es=es, label_en=en,
                requirement=Requirement(s.requirement), importance=s.importance,
                confidence=s.confidence, evidence=s.evidence, field=s.field,
            )
        )  # fmt: skip
    return out


def _check_references(session: Session, data: JobCreate) -> None:
    if data.skills:
        known = postings_repository.existing_skills(session, {s.id for s in data.skills})
        for i, skill in enumerate(data.skills):
            if skill.id not in known:
                raise InvalidJob(
                    f"skills.{i}.id",
                    f"unknown skill {skill.id!r}; find ids with GET /api/v1/skills?q=...",
                )
    if data.occupation_id and not repository.occupation_exists(session, data.occupation_id):
        raise InvalidJob(
            "occupation_id",
            f"unknown occupation {data.occupation_id!r}; find ids with "
            "GET /api/v1/occupations?q=...",
        )


def _posting_values(data: JobCreate) -> dict[str, Any]:
    return {
        "title": data.title,
        "description": data.description or "",
        "ubigeo": data.location.ubigeo if data.location else None,
        "remote": data.remote,
        "hours_per_week": data.hours_per_week,
        "schedule": list(data.schedule),
        "wage_min": data.wage_min,
        "wage_max": data.wage_max,
        "currency": data.currency,
        "contract_type": data.contract_type,
        "education_required": data.education_required,
        "openings": data.openings or 1,
        "expires_at": data.expires_at,
        "occupation_id": data.occupation_id or None,
        "status": data.status or JobStatus.OPEN,
    }


def _posting_skills(
    session: Session, data: JobCreate, lang: str | None, encoder: TextEncoder | None
) -> dict[str, tuple[Requirement, float, SkillLevel | None]]:
    if data.skills is not None:
        return {s.id: (s.requirement, s.importance, s.level) for s in data.skills}
    found = suggest_job_skills(session, data.title, data.description or "", lang, encoder=encoder)
    return {
        s.skill_id: (
            Requirement(s.requirement),
            s.importance,
            SkillLevel(s.level) if s.level else None,
        )
        for s in found[:MAX_SUGGESTED]
    }


def publish_job(
    session: Session,
    data: JobCreate,
    *,
    organisation_id: int,
    lang: str | None = None,
    encoder: TextEncoder | None = None,
) -> Job:
    """Create a posting of ``organisation_id``; skills are suggested when none are given.

    Raises:
        InvalidJob: an unknown skill or occupation id.
    """
    _check_references(session, data)
    job = Job(organisation_id=organisation_id, source="api")
    _apply(job, _posting_values(data), _posting_skills(session, data, lang, encoder), new=True)
    session.add(job)
    session.flush()
    emit(session, JobPosted.about(job))
    return job


def update_job(session: Session, job: Job, data: JobCreate, *, skills_given: bool) -> Job:
    """Apply the whole checked posting ``data`` to ``job`` (skills only when ``skills_given``).

    Raises:
        InvalidJob: an unknown skill or occupation id.
    """
    _check_references(session, data)
    skills = (
        {s.id: (s.requirement, s.importance, s.level) for s in data.skills or []}
        if skills_given
        else {s.skill_id: (s.requirement, s.importance, s.level) for s in job.skills}
    )
    if _apply(job, _posting_values(data), skills, new=False):
        job.updated_at = utcnow()
        emit(session, JobUpdated.about(job))
    session.flush()
    return job


def close_job(session: Session, job: Job) -> Job:
    """Close a posting (no hard delete: its applications and history stay)."""
    if job.status != JobStatus.CLOSED:
        job.status = JobStatus.CLOSED
        job.updated_at = utcnow()
        session.flush()
        emit(session, JobClosed.about(job))
    return job


#: How long after closing a job its employer may still reopen it (undo a mistaken close).
REOPEN_WINDOW = timedelta(hours=24)


def can_reopen(job: Job, now: datetime | None = None) -> bool:
    """Whether :func:`reopen_job` may reopen ``job``: closed under :data:`REOPEN_WINDOW` ago
    and not past its expiry."""
    now = now or utcnow()
    return (
        job.status == JobStatus.CLOSED
        and job.updated_at > now - REOPEN_WINDOW
        and (job.expires_at is None or job.expires_at > now)
    )


def reopen_job(session: Session, job: Job) -> Job:
    """Undo a close: the job is open again with its applications as they were;
    ``job.reopened`` re-indexes it and tells the applicants still waiting.

    Raises:
        CannotReopen: not closed, closed more than :data:`REOPEN_WINDOW` ago, or expired.
    """
    if not can_reopen(job):
        hours = int(REOPEN_WINDOW.total_seconds() // 3600)
        raise CannotReopen(
            f"Job {job.id} cannot be reopened: only a job closed in the last {hours} hours "
            "and not expired can be."
        )
    job.status = JobStatus.OPEN
    job.updated_at = utcnow()
    session.flush()
    emit(session, JobReopened.about(job))
    return job


def jobs_of_organisation(session: Session, organisation_id: int | None) -> list[Job]:
    """The postings of an employer's organisation, newest first (none without one)."""
    if organisation_id is None:
        return []
    return repository.of_organisation(session, organisation_id)


def draft_text(
    session: Session,
    data: DraftIn,
    lang: str,
    *,
    llm: ChatClient | None = None,
    encoder: TextEncoder | None = None,
) -> DraftOut:
    """A job description draft from a title and a few facts (:mod:`chamba.jobs.drafting`).

    The skills given must exist; without them they are read from the title and text.

    Raises:
        InvalidJob: a skill id is not in the taxonomy.
    """
    if data.skills is not None:
        chosen = [(s.id, s.requirement) for s in data.skills]
    else:
        found = suggest_skills(session, data.title, data.text, lang, encoder=encoder)
        chosen = [(s.id, s.requirement) for s in found]
    labels = postings_repository.skill_labels(session, {skill_id for skill_id, _ in chosen})
    for i, (skill_id, _) in enumerate(chosen):
        if skill_id not in labels:
            raise InvalidJob(f"skills.{i}.id", f"unknown skill {skill_id!r}")
    skills = [
        DraftSkillOut(
            id=skill_id,
            label=labels[skill_id][1 if lang == "en" else 0],
            requirement=requirement,
        )
        for skill_id, requirement in dict(chosen).items()
    ]
    place = None
    if data.location is not None and data.location.ubigeo:
        located = postings_service.place(data.location.ubigeo)
        place = located.label if located is not None else None
    facts = drafting.DraftFacts(
        title=data.title,
        essential=[s.label for s in skills if s.requirement == Requirement.ESSENTIAL],
        optional=[s.label for s in skills if s.requirement == Requirement.OPTIONAL],
        hours_per_week=data.hours_per_week,
        wage_min=data.wage_min,
        wage_max=data.wage_max,
        place=place,
        remote=data.remote,
        notes=data.text or "",
    )
    draft = drafting.draft_description(facts, lang, llm)
    return DraftOut(description=draft.text, written_by=draft.written_by, skills=skills)
