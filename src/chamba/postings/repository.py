"""The SQL a job posting and a course share: by import key, by id with skills, a page, skill
labels, known skills and publisher names. ``model`` is :class:`~chamba.jobs.models.Job` or
:class:`~chamba.courses.models.Course` (anything with the :class:`~.models.Posting` columns and
a ``skills`` relationship)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from chamba import db
from chamba.orgs.models import Organisation
from chamba.postings.models import Posting
from chamba.taxonomy.models import Skill

P = TypeVar("P", bound=Posting)


def by_external_ids(
    session: Session, model: type[P], source: str, external_ids: Collection[str]
) -> dict[str, P]:
    """Rows of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    found: dict[str, P] = {}
    ids = list(external_ids)
    for start in range(0, len(ids), 500):
        stmt = (
            select(model)
            .where(model.source == source, model.external_id.in_(ids[start : start + 500]))
            .options(selectinload(model.skills))
        )
        for row in session.scalars(stmt):
            assert row.external_id is not None
            found[row.external_id] = row
    return found


def with_skills(session: Session, model: type[P], row_id: int) -> P | None:
    """One row with its skills loaded, or None."""
    stmt = select(model).where(model.id == row_id).options(selectinload(model.skills))
    return session.scalars(stmt).one_or_none()


def page_of(
    session: Session,
    model: type[P],
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    offset: int,
    limit: int,
) -> tuple[list[P], int]:
    """One page of rows (skills loaded) and the total count over ``conditions``."""
    return db.page_of(
        session, model, conditions, order, offset=offset, limit=limit,
        options=(selectinload(model.skills),),
    )  # fmt: skip


def existing_skills(session: Session, ids: Collection[str]) -> set[str]:
    """The ``ids`` that are taxonomy skills."""
    if not ids:
        return set()
    return set(session.scalars(select(Skill.id).where(Skill.id.in_(list(ids)))))


def skill_labels(session: Session, ids: Collection[str]) -> dict[str, tuple[str, str]]:
    """``{skill id: (label_es, label_en)}`` of the known ``ids``."""
    if not ids:
        return {}
    rows = session.execute(
        select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(sorted(ids)))
    )
    return {r.id: (r.label_es, r.label_en) for r in rows}


def organisation_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    """``{organisation id: name}`` of the publishers ``ids``."""
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(ids)))
    )
    return {r.id: r.name for r in rows}
