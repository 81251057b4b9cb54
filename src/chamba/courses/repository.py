"""SQL of courses."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from chamba import db
from chamba.courses.models import Course
from chamba.orgs.models import Organisation
from chamba.taxonomy.models import Skill


def by_external_ids(
    session: Session, source: str, external_ids: Collection[str]
) -> dict[str, Course]:
    """Courses of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    found: dict[str, Course] = {}
    ids = list(external_ids)
    for start in range(0, len(ids), 500):
        stmt = (
            select(Course)
            .where(Course.source == source, Course.external_id.in_(ids[start : start + 500]))
            .options(selectinload(Course.skills))
        )
        for course in session.scalars(stmt):
            assert course.external_id is not None
            found[course.external_id] = course
    return found


def get_by_external_id(session: Session, source: str, external_id: str) -> Course | None:
    """One course by (source, external id), skills loaded."""
    return by_external_ids(session, source, [external_id]).get(external_id)


# --------------------------------------------------------------------------- API queries


def with_skills(session: Session, course_id: int) -> Course | None:
    """One course with its skills loaded, or None."""
    stmt = select(Course).where(Course.id == course_id).options(selectinload(Course.skills))
    return session.scalars(stmt).one_or_none()


def page_of(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    offset: int,
    limit: int,
) -> tuple[list[Course], int]:
    """One page of courses (skills loaded) and the total count over ``conditions``."""
    return db.page_of(
        session, Course, conditions, order, offset=offset, limit=limit,
        options=(selectinload(Course.skills),),
    )  # fmt: skip


def of_provider(session: Session, provider_id: int) -> list[Course]:
    """A provider organisation's courses (closed ones included), newest first."""
    stmt = (
        select(Course)
        .where(Course.provider_id == provider_id)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return list(session.scalars(stmt))


def existing_skills(session: Session, ids: Collection[str]) -> set[str]:
    if not ids:
        return set()
    return set(session.scalars(select(Skill.id).where(Skill.id.in_(list(ids)))))


def skill_labels(session: Session, ids: Collection[str]) -> dict[str, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(sorted(ids)))
    )
    return {r.id: (r.label_es, r.label_en) for r in rows}


def organisation_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(ids)))
    )
    return {r.id: r.name for r in rows}
