"""Courses: create and upsert by (source, external id). Never commits; flushes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from chamba.courses import repository
from chamba.courses.errors import CourseNotFound, InvalidCourse, NotCourseOwner
from chamba.courses.models import Course, CourseSkill, CourseStatus, Modality
from chamba.courses.schemas import (
    CourseCreate,
    CourseIn,
    CourseOut,
    CoursePage,
    CourseSkillOut,
)
from chamba.db import utcnow
from chamba.events.schemas import CourseClosed, CoursePublished, CourseUpdated
from chamba.events.service import emit
from chamba.jobs import repository as job_repository
from chamba.nlp.encoder import TextEncoder
from chamba.nlp.service import extract_skills
from chamba.orgs import service as org_service
from chamba.orgs.models import Organisation, OrgKind
from chamba.orgs.schemas import OrganisationIn
from chamba.postings import repository as postings_repository
from chamba.postings import service as postings_service
from chamba.postings.schemas import OrganisationRef
from chamba.text import normalize
from chamba.vocab import SkillLevel

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
    return postings_service.apply_changes(
        course, _values(data, provider_id), {c.skill: {"level": c.level} for c in data.skills},
        CourseSkill, keep_when_blank=_KEEP_WHEN_BLANK, new=new,
    )  # fmt: skip


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
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome != "unchanged":
            kind = CoursePublished if outcome == "created" else CourseUpdated
            emit(session, kind.about(existing[str(item.external_id)]))
    return outcomes


def create_course(session: Session, data: CourseIn, *, source: str | None = None) -> Course:
    """Create one course (provider found or created by name). Flushes to assign its id."""
    providers = _providers(session, [data], source or "manual")
    course = Course(external_id=data.external_id, source=source)
    _apply(course, data, _provider_id(providers, data), new=True)
    session.add(course)
    session.flush()
    emit(session, CoursePublished.about(course))
    return course


# --------------------------------------------------------------------------- API services

MAX_EXTRACTED = 25
MAX_QUERY_WORDS = 8


def present(session: Session, courses: Sequence[Course], *, lang: str = "es") -> list[CourseOut]:
    """Courses (skills loaded) as :class:`CourseOut`, with provider names and skill labels."""
    labels = postings_repository.skill_labels(
        session, {s.skill_id for c in courses for s in c.skills}
    )
    orgs = postings_repository.organisation_names(
        session, {c.provider_id for c in courses if c.provider_id is not None}
    )
    out = []
    for course in courses:
        skills = []
        for s in sorted(course.skills, key=lambda s: s.skill_id):
            es, en = labels.get(s.skill_id, (s.skill_id, s.skill_id))
            skills.append(
                CourseSkillOut(
                    id=s.skill_id, label=en if lang == "en" else es, label_es=es, label_en=en,
                    level=s.level,
                )
            )  # fmt: skip
        pid = course.provider_id
        out.append(
            CourseOut(
                id=course.id, title=course.title, description=course.description or "",
                provider=OrganisationRef(id=pid, name=orgs[pid]) if pid in orgs else None,
                modality=course.modality, location=postings_service.place(course.ubigeo),
                hours=course.hours,
                weeks=course.weeks, cost=course.cost, currency=course.currency,
                is_free=course.is_free, scholarship=course.scholarship,
                schedule=list(course.schedule or []), start_dates=list(course.start_dates or []),
                certificate=course.certificate, seats=course.seats,
                education_required=course.education_required, status=course.status,
                updated_at=course.updated_at, skills=skills,
            )
        )  # fmt: skip
    return out


def search_courses(
    session: Session,
    *,
    q: str | None = None,
    region: str | None = None,
    modality: Modality | None = None,
    max_cost: Decimal | None = None,
    free: bool | None = None,
    status: CourseStatus = CourseStatus.OPEN,
    page: int = 1,
    per_page: int = 20,
) -> CoursePage:
    """Public course search: every word in title or description, title hits first, then the
    cheapest; ``region`` is an ubigeo prefix (online courses match any region)."""
    conditions: list[ColumnElement[bool]] = [Course.status == status]
    words = normalize(q or "").split()[:MAX_QUERY_WORDS]
    text, relevance = job_repository.text_match(words, Course.search_title, Course.search_text)
    conditions.extend(text)
    if region:
        conditions.append(or_(Course.modality == Modality.ONLINE, Course.ubigeo.startswith(region)))
    if modality is not None:
        conditions.append(Course.modality == modality)
    if max_cost is not None:
        conditions.append(or_(Course.is_free.is_(True), Course.cost <= max_cost))
    if free is not None:
        conditions.append(Course.is_free.is_(free))
    order: list[ColumnElement[Any]] = [] if relevance is None else [relevance.desc()]
    order += [Course.cost.asc(), Course.id.desc()]
    courses, total = repository.page_of(
        session, conditions, order, offset=(page - 1) * per_page, limit=per_page
    )
    return CoursePage(items=present(session, courses), total=total, page=page, per_page=per_page)


def of_provider(session: Session, organisation_id: int) -> list[Course]:
    """A provider organisation's courses (closed ones included), newest first."""
    return repository.of_provider(session, organisation_id)


def get_course(session: Session, course_id: int) -> Course:
    """The course with its skills loaded.

    Raises:
        CourseNotFound: no course has that id.
    """
    course = repository.with_skills(session, course_id)
    if course is None:
        raise CourseNotFound(course_id)
    return course


def _check_skills(session: Session, data: CourseCreate) -> None:
    if not data.skills:
        return
    known = postings_repository.existing_skills(session, {s.id for s in data.skills})
    for i, skill in enumerate(data.skills):
        if skill.id not in known:
            raise InvalidCourse(
                f"skills.{i}.id", f"unknown skill {skill.id!r}; find ids with GET /api/v1/skills"
            )


def _course_values(data: CourseCreate) -> dict[str, Any]:
    cost = data.cost if data.cost is not None else Decimal("0.00")
    return {
        "title": data.title,
        "description": data.description or "",
        "modality": data.modality,
        "ubigeo": data.location.ubigeo if data.location else None,
        "hours": data.hours,
        "weeks": data.weeks,
        "cost": cost,
        "currency": data.currency,
        "is_free": data.is_free if data.is_free is not None else not cost,
        "scholarship": data.scholarship,
        "schedule": list(data.schedule),
        "start_dates": list(data.start_dates),
        "certificate": data.certificate,
        "seats": data.seats,
        "education_required": data.education_required,
        "status": data.status or CourseStatus.OPEN,
    }


def _set_skills(course: Course, wanted: dict[str, SkillLevel | None], *, new: bool) -> bool:
    current = {} if new else {s.skill_id: s for s in course.skills}
    changed = new or set(current) != set(wanted)
    rows = []
    for skill_id, level in wanted.items():
        row = current.get(skill_id)
        if row is None:
            row = CourseSkill(skill_id=skill_id, level=level)
        elif row.level != level:
            row.level, changed = level, True
        rows.append(row)
    if changed:
        course.skills = rows
    return changed


def _taught(
    session: Session, data: CourseCreate, lang: str | None, encoder: TextEncoder | None
) -> dict[str, SkillLevel | None]:
    if data.skills is not None:
        return {s.id: s.level for s in data.skills}
    text = ". ".join(t for t in (data.title, data.description or "") if t)
    found = extract_skills(session, text, lang, encoder=encoder)
    out: dict[str, SkillLevel | None] = {}
    for skill in sorted(found, key=lambda s: -s.confidence)[:MAX_EXTRACTED]:
        level = SkillLevel(skill.level) if skill.level in set(SkillLevel) else None
        out.setdefault(skill.skill_id, level)
    return out


def publish_course(
    session: Session,
    data: CourseCreate,
    *,
    provider_id: int,
    lang: str | None = None,
    encoder: TextEncoder | None = None,
) -> Course:
    """Create a course of ``provider_id``; skills taught are extracted when none are given.

    Raises:
        InvalidCourse: an unknown skill id.
    """
    _check_skills(session, data)
    course = Course(provider_id=provider_id, source="api")
    for key, value in _course_values(data).items():
        setattr(course, key, value)
    _set_skills(course, _taught(session, data, lang, encoder), new=True)
    session.add(course)
    session.flush()
    emit(session, CoursePublished.about(course))
    return course


def course_as_input(course: Course) -> dict[str, Any]:
    """The stored course as :class:`CourseCreate` input (to merge a change into)."""
    return {
        "title": course.title,
        "description": course.description,
        "location": {"ubigeo": course.ubigeo} if course.ubigeo else None,
        "modality": course.modality,
        "hours": course.hours,
        "weeks": course.weeks,
        "cost": course.cost,
        "currency": course.currency,
        "is_free": course.is_free,
        "scholarship": course.scholarship,
        "schedule": list(course.schedule or []),
        "start_dates": list(course.start_dates or []),
        "certificate": course.certificate,
        "seats": course.seats,
        "education_required": course.education_required,
        "status": course.status,
        "skills": [{"id": s.skill_id, "level": s.level} for s in course.skills],
    }


def merged_change(course: Course, changes: Mapping[str, Any]) -> CourseCreate:
    """The stored ``course`` with ``changes`` (fields of :class:`CourseCreate`) laid over it,
    checked as a whole: the input of :func:`update_course` / :func:`edit_course`.

    A new ``cost`` without ``is_free`` recomputes ``is_free``.

    Raises:
        pydantic.ValidationError: the merged course is not valid.
    """
    return CourseCreate.model_validate(merged_input(course, changes))


def merged_input(course: Course, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The input :func:`merged_change` checks: the stored course with ``changes`` over it."""
    merged = {**course_as_input(course), **changes}
    if "cost" in changes and "is_free" not in changes:
        merged["is_free"] = None  # recomputed from the new cost
    return merged


def update_course(
    session: Session, course: Course, data: CourseCreate, *, skills_given: bool
) -> Course:
    """Apply the whole checked ``data`` to ``course`` (skills only when ``skills_given``)."""
    _check_skills(session, data)
    changed = False
    for key, value in _course_values(data).items():
        if getattr(course, key) != value:
            setattr(course, key, value)
            changed = True
    if skills_given:
        changed |= _set_skills(course, {s.id: s.level for s in data.skills or []}, new=False)
    if changed:
        course.updated_at = utcnow()
        emit(session, CourseUpdated.about(course))
    session.flush()
    return course


def edit_course(
    session: Session, course: Course, data: CourseCreate, *, organisation_id: int | None
) -> Course:
    """A provider's edit of its own published course (the whole ``data``, skills included).

    Raises:
        NotCourseOwner: ``organisation_id`` is not the course's provider.
        InvalidCourse: an unknown skill.
    """
    if organisation_id is None or course.provider_id != organisation_id:
        raise NotCourseOwner(course.id)
    return update_course(session, course, data, skills_given=True)


def close_course(session: Session, course: Course) -> Course:
    """Close a course (no hard delete: completions and certified skills keep their link)."""
    if course.status != CourseStatus.CLOSED:
        course.status = CourseStatus.CLOSED
        course.updated_at = utcnow()
        session.flush()
        emit(session, CourseClosed.about(course))
    return course
