"""Logic a job posting and a course share."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.postings.models import Posting
from chamba.postings.schemas import LocationOut


def place(code: str | None) -> LocationOut | None:
    """A posting's place as shown: the code, its name and department (the code alone when the
    gazetteer does not know it)."""
    if not code:
        return None
    try:
        found = get_gazetteer().get(code)
    except (UnknownUbigeo, TypeError, ValueError):
        return LocationOut(ubigeo=code)
    return LocationOut(ubigeo=code, label=found.label, department=found.department_code)


def apply_changes(
    posting: Posting,
    values: Mapping[str, Any],
    skills: Mapping[str, Mapping[str, Any]],
    make_skill: Callable[..., Any],
    *,
    keep_when_blank: Collection[str],
    new: bool,
) -> bool:
    """Write ``values`` and ``skills`` onto a job or course; whether anything changed.

    Args:
        posting: the job or course (its ``skills`` loaded unless ``new``).
        values: column values; ``None`` for a key of ``keep_when_blank`` keeps the current one.
        skills: skill id -> the skill row's other columns (e.g. ``{"level": ...}``), in order;
            rows that exist are updated in place, missing ones made by ``make_skill(skill_id=,
            **columns)``, the others removed.
        new: a posting being created: every value is written.
    """
    changed = False
    for key, value in values.items():
        if value is None and key in keep_when_blank:
            continue
        if new or getattr(posting, key) != value:
            setattr(posting, key, value)
            changed = True
    current = {} if new else {s.skill_id: s for s in posting.skills}
    rows = []
    for skill_id, columns in skills.items():
        row = current.pop(skill_id, None)
        if row is None:
            row = make_skill(skill_id=skill_id, **columns)
            changed = True
        elif any(getattr(row, k) != v for k, v in columns.items()):
            for k, v in columns.items():
                setattr(row, k, v)
            changed = True
        rows.append(row)
    if current:
        changed = True
    if new or changed:
        posting.skills = rows
    return changed
