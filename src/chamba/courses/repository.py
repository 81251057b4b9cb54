"""SQL of courses."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chamba.courses.models import Course


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
