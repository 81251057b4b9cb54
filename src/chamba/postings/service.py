"""Logic a job posting and a course share."""

from __future__ import annotations

from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
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
