"""Job postings: create and upsert by (source, external id). Never commits; flushes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy.orm import Session

from chamba.jobs import repository
from chamba.jobs.models import Job, JobSkill
from chamba.jobs.schemas import JobIn
from chamba.orgs import service as org_service
from chamba.orgs.models import Organisation, OrgKind
from chamba.orgs.schemas import OrganisationIn
from chamba.vocab import Requirement

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
    }


def _skill_rows(data: JobIn) -> dict[str, tuple[Requirement, float]]:
    rows = dict.fromkeys(data.optional_skills, (Requirement.OPTIONAL, OPTIONAL_IMPORTANCE))
    rows.update(dict.fromkeys(data.skills, (Requirement.ESSENTIAL, 1.0)))
    return rows


def _apply(
    job: Job,
    values: Mapping[str, Any],
    skills: Mapping[str, tuple[Requirement, float]],
    *,
    new: bool,
) -> bool:
    changed = False
    for key, value in values.items():
        if value is None and key in _KEEP_WHEN_BLANK:
            continue
        if new or getattr(job, key) != value:
            setattr(job, key, value)
            changed = True
    current = {} if new else {s.skill_id: s for s in job.skills}
    wanted_rows = []
    for skill_id, (requirement, importance) in skills.items():
        row = current.pop(skill_id, None)
        if row is None:
            row = JobSkill(skill_id=skill_id, requirement=requirement, importance=importance)
            changed = True
        elif row.requirement != requirement or row.importance != importance:
            row.requirement, row.importance = requirement, importance
            changed = True
        wanted_rows.append(row)
    if current:
        changed = True
    if new or changed:
        job.skills = wanted_rows
    return changed


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
    return job
