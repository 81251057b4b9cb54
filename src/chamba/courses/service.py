"""Courses: create and upsert by (source, external id). Never commits; flushes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy.orm import Session

from chamba.courses import repository
from chamba.courses.models import Course, CourseSkill
from chamba.courses.schemas import CourseIn
from chamba.orgs import service as org_service
from chamba.orgs.models import Organisation, OrgKind
from chamba.orgs.schemas import OrganisationIn

Outcome = Literal["created", "updated", "unchanged"]
_KEEP_WHEN_BLANK = ("status",)


def get_by_external_id(session: Session, source: str, external_id: str) -> Course | None:
    """The course imported from ``source`` under ``external_id``, if any."""
    return repository.get_by_external_id(session, source, external_id)


def _values(data: CourseIn, provider_id: int | None) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "title": data.title,
        "description": data.description or "",
        "modality": data.modality,
        "ubigeo": data.ubigeo,
        "hours": data.hours,
        "weeks": data.weeks,
        "cost": data.cost,
        "currency": data.currency,
        "is_free": bool(data.is_free),
        "scholarship": bool(data.scholarship),
        "schedule": list(data.schedule),
        "start_dates": list(data.start_dates),
        "certificate": bool(data.certificate),
        "seats": data.seats,
        "education_required": data.education_required,
        "status": data.status,
    }


def _apply(course: Course, data: CourseIn, provider_id: int | None, *, new: bool) -> bool:
    changed = False
    for key, value in _values(data, provider_id).items():
        if value is None and key in _KEEP_WHEN_BLANK:
            continue
        if new or getattr(course, key) != value:
            setattr(course, key, value)
            changed = True
    current = {} if new else {s.skill_id: s for s in course.skills}
    rows = []
    for claim in data.skills:
        row = current.pop(claim.skill, None)
        if row is None:
            row = CourseSkill(skill_id=claim.skill, level=claim.level)
            changed = True
        elif row.level != claim.level:
            row.level = claim.level
            changed = True
        rows.append(row)
    if current:
        changed = True
    if new or changed:
        course.skills = rows
    return changed


def _providers(session: Session, items: Sequence[CourseIn], source: str) -> dict[str, Organisation]:
    named = [
        OrganisationIn(name=i.provider, kind=OrgKind.PROVIDER, ruc=i.provider_ruc)
        for i in items
        if i.provider
    ]
    return org_service.get_or_create_by_names(session, OrgKind.PROVIDER, named, source=source)


def _provider_id(providers: dict[str, Organisation], item: CourseIn) -> int | None:
    if not item.provider:
        return None
    return providers[org_service.name_key(OrgKind.PROVIDER, item.provider)].id


def upsert_courses(session: Session, items: Sequence[CourseIn], *, source: str) -> list[Outcome]:
    """Create or update courses by ``(source, external_id)``; each item needs an external id.

    Providers are found or created by name within ``source``. Skills must be skill ids.
    """
    if any(not i.external_id for i in items):
        raise ValueError("every item needs an external_id")
    providers = _providers(session, items, source)
    existing = repository.by_external_ids(
        session, source, {i.external_id for i in items if i.external_id}
    )
    outcomes: list[Outcome] = []
    for item in items:
        assert item.external_id is not None
        course = existing.get(item.external_id)
        if course is None:
            course = Course(external_id=item.external_id, source=source)
            _apply(course, item, _provider_id(providers, item), new=True)
            session.add(course)
            existing[item.external_id] = course
            outcomes.append("created")
        else:
            changed = _apply(course, item, _provider_id(providers, item), new=False)
            outcomes.append("updated" if changed else "unchanged")
    session.flush()
    return outcomes


def create_course(session: Session, data: CourseIn, *, source: str | None = None) -> Course:
    """Create one course (provider found or created by name). Flushes to assign its id."""
    providers = _providers(session, [data], source or "manual")
    course = Course(external_id=data.external_id, source=source)
    _apply(course, data, _provider_id(providers, data), new=True)
    session.add(course)
    session.flush()
    return course
