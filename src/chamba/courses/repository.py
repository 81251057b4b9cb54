"""SQL of courses."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from chamba.courses.models import Course
from chamba.postings import repository as postings


def by_external_ids(
    session: Session, source: str, external_ids: Collection[str]
) -> dict[str, Course]:
    """Courses of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    return postings.by_external_ids(session, Course, source, external_ids)


def get_by_external_id(session: Session, source: str, external_id: str) -> Course | None:
    """One course by (source, external id), skills loaded."""
    return by_external_ids(session, source, [external_id]).get(external_id)


# --------------------------------------------------------------------------- API queries


def with_skills(session: Session, course_id: int) -> Course | None:
    """One course with its skills loaded, or None."""
    return postings.with_skills(session, Course, course_id)


def page_of(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    offset: int,
    limit: int,
) -> tuple[list[Course], int]:
    """One page of courses (skills loaded) and the total count over ``conditions``."""
    return postings.page_of(session, Course, conditions, order, offset=offset, limit=limit)


def of_provider(session: Session, provider_id: int) -> list[Course]:
    """A provider organisation's courses (closed ones included), newest first."""
    stmt = (
        select(Course)
        .where(Course.provider_id == provider_id)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return list(session.scalars(stmt))
