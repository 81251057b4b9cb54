"""Good matches a person's own limits hide (travel radius, wage floor), so that a page can say
so and offer to widen them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from chamba.matching.errors import PersonNotFound
from chamba.matching.filters import JobFilter, filter_jobs
from chamba.matching.repository import confirmed_skill_ids, essential_skills_of_jobs_asking
from chamba.matching.retrieval import get_row, now_utc
from chamba.people.models import Person


@dataclass(frozen=True)
class HiddenMatches:
    """Good matches a person's own limits hide: jobs where they hold at least half of the
    essential skills (one at least) that pass every other rule."""

    beyond_radius: int  # farther than the travel radius (``radius_km``)
    under_wage_floor: int  # paying less than ``wage_floor``
    radius_km: float | None
    wage_floor: Decimal | None


def hidden_matches(
    session: Session,
    person_id: int,
    *,
    max_distance_km: float | None = None,
    min_wage: Decimal | float | None = None,
    now: datetime | None = None,
) -> HiddenMatches:
    """How many good matches the travel radius and the wage floor hide, so a page can say so
    and offer to widen them (limits are the person's preferences, never silent walls).

    Args:
        session: database session (read only).
        person_id: the seeker.
        max_distance_km: the radius in use (default: the person's, else 50 km).
        min_wage: the wage floor in use (default: 80% of the person's expected wage).
        now: the instant expiry is measured from.

    Raises:
        PersonNotFound: unknown ``person_id``.
    """
    person = get_row(session, Person, person_id, PersonNotFound)
    flt = JobFilter.for_person(
        person, now=now_utc(now), max_distance_km=max_distance_km, min_wage=min_wage
    )
    held = confirmed_skill_ids(session, person.id)
    good: set[int] = set()
    if held:
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for job_id, skill_id in essential_skills_of_jobs_asking(session, held):
            totals[job_id][0] += 1
            totals[job_id][1] += skill_id in held
        good = {j for j, (n, have) in totals.items() if have >= 1 and 2 * have >= n}
    if not good:
        return HiddenMatches(0, 0, flt.radius, flt.wage_floor)
    shown = set(filter_jobs(session, flt, among=good).ids.tolist())
    counts = []
    for relaxed in (replace(flt, max_distance_km=None), replace(flt, wage_floor=None)):
        passing = set(filter_jobs(session, relaxed, among=good).ids.tolist())
        counts.append(len(passing - shown))
    return HiddenMatches(counts[0], counts[1], flt.radius, flt.wage_floor)
