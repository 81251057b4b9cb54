"""Hard filters of matching: what may never be shown, decided in SQL and then exactly in numpy.

Each ``filter_*`` function returns the ids that survive plus their great-circle distance to the
other side (``0`` for remote work, ``NaN`` when a place is unknown). Rules:

- **Jobs for a person**: open, not expired at ``now`` (unless asked), not dismissed by the person
  ("not for me"), weekly hours no more than ``max_hours`` when a caller sets one (the person's own
  free hours are a preference that ranks and explains, not a filter), top of the wage range at
  least the wage floor
  (``min_wage``, else :data:`WAGE_FLOOR_SHARE` of the person's expected wage; jobs that state no
  wage pass), remote jobs only for remote-ready people (internet and a device), on-site jobs
  within the travel radius (``max_distance_km``, else the person's own, else
  :data:`DEFAULT_MAX_DISTANCE_KM`). An on-site job or person without a known place is kept: we
  cannot say it is too far.
- **Candidates for a job**: only people who consented to be seen, or who applied to this job
  (and did not withdraw). Applicants are always kept; other people must also fit the job (remote
  readiness, radius, hours, wage).
- **Courses for a person**: open, within budget (effective cost: 0 when free), of an allowed
  modality (online only for remote-ready people), in-person/hybrid within the radius.

The geography prefilter is SQL on the department part of the ubigeo (departments that have any
place within the radius); the exact radius check is haversine in numpy.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.courses.models import Modality
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import EARTH_RADIUS_KM, get_gazetteer
from chamba.jobs.models import Job
from chamba.matching.repository import (
    dismissed_job_ids,
    filtered_job_places,
    open_course_places,
    people_visible_for_job,
)
from chamba.people.models import Person

if TYPE_CHECKING:
    from chamba.matching.job_table import JobTable
    from chamba.matching.people_table import PeopleTable


FloatArray = npt.NDArray[np.float64]
IdArray = npt.NDArray[np.int64]

DEFAULT_MAX_DISTANCE_KM: Final = 50.0
"""Travel radius for jobs when neither the request nor the person says one."""
DEFAULT_COURSE_DISTANCE_KM: Final = 30.0
"""Travel radius for in-person courses (same default as :mod:`chamba.matching.course_options`)."""
WAGE_FLOOR_SHARE: Final = 0.8
"""Without an explicit ``min_wage``, jobs whose best pay is under 80% of what the person asks
are filtered out (a little below the ask can still be worth it; far below never is)."""


# ----------------------------------------------------------------------------------- geography


@lru_cache(maxsize=65536)
def place_coord(code: str) -> tuple[float, float]:
    try:
        place = get_gazetteer().get(code)
    except (UnknownUbigeo, TypeError):
        return (math.nan, math.nan)
    return (place.lat, place.lon)


def coords(ubigeos: Sequence[str | None]) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude (degrees) of each ubigeo; NaN for unknown or missing codes.

    Returns:
        ``(lat, lon)``, each ``(n,)`` float64.
    """
    out = np.full((len(ubigeos), 2), np.nan)  # (n, 2)
    for k, code in enumerate(ubigeos):
        if code:
            out[k] = place_coord(code)
    return out[:, 0], out[:, 1]


def haversine(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle km, element-wise (broadcasting); NaN in, NaN out."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2
    )
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def distances_from(origin: str | None, ubigeos: Sequence[str | None]) -> FloatArray:
    """km from ``origin`` to each ubigeo; NaN where either place is unknown. ``(n,)``."""
    lat, lon = coords(ubigeos)
    if not origin:
        return np.full(len(ubigeos), np.nan)
    lat0, lon0 = place_coord(origin)
    return haversine(np.full_like(lat, lat0), np.full_like(lon, lon0), lat, lon)


@lru_cache(maxsize=4096)
def departments_within(origin: str, km: float) -> frozenset[str]:
    """Department codes holding any place within ``km`` of ``origin`` (the SQL prefilter)."""
    try:
        places = get_gazetteer().within_km(origin, km, level=None)
    except (UnknownUbigeo, ValueError):
        return frozenset()
    return frozenset(p.department_code for p in places) | {origin[:2]}


def _departments(origin: str | None, km: float | None) -> list[str] | None:
    """The departments the SQL prefilter keeps (those that have a place within ``km`` of
    ``origin``); ``None`` when there is no place limit."""
    if origin is None or km is None or math.isnan(place_coord(origin)[0]):
        return None
    return sorted(departments_within(origin, round(float(km), 3)))


# ----------------------------------------------------------------------------------- results


@dataclass
class Filtered:
    """Ids that passed the hard filters and their distance (km) to the other side.

    ``distance_km`` is 0 for remote work and NaN when a place is unknown.
    """

    ids: IdArray  # (n,)
    distance_km: FloatArray  # (n,)

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def empty(cls) -> Filtered:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


def _keep_within(
    ids: Sequence[int], places: Sequence[str | None], remote: Sequence[bool], origin: str | None,
    km: float | None,
) -> Filtered:  # fmt: skip
    lat, lon = coords(places)
    return keep_within_coords(np.asarray(ids, dtype=np.int64), lat, lon, remote, origin, km)


def keep_within_coords(
    ids: IdArray, lat: FloatArray, lon: FloatArray, remote: Sequence[bool] | npt.NDArray[np.bool_],
    origin: str | None, km: float | None,
) -> Filtered:  # fmt: skip
    """The exact radius: what :func:`distances_from` measures, from coordinates at hand."""
    if origin:
        lat0, lon0 = place_coord(origin)
        dist = haversine(np.full_like(lat, lat0), np.full_like(lon, lon0), lat, lon)  # (n,)
    else:
        dist = np.full(len(ids), np.nan)
    is_remote = np.asarray(remote, dtype=bool)
    dist[is_remote] = 0.0
    keep = np.ones(len(ids), dtype=bool)
    if km is not None:
        keep &= is_remote | np.isnan(dist) | (dist <= km + 1e-9)
    return Filtered(ids[keep], dist[keep])


# ----------------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class JobFilter:
    """The hard limits for one person's job search, resolved from the request and the profile.

    Build it with :meth:`for_person`; ``None`` means "no limit" for that rule.
    """

    now: datetime
    origin: str | None = None
    max_distance_km: float | None = DEFAULT_MAX_DISTANCE_KM
    remote: bool | None = None  # None: both; True: remote only; False: on-site only
    remote_ready: bool = True
    wage_floor: Decimal | None = None
    max_hours: int | None = None
    include_expired: bool = False
    #: The person whose dismissed jobs ("not for me") are left out; ``None``: nobody's.
    person_id: int | None = None

    @classmethod
    def for_person(
        cls,
        person: Person,
        *,
        now: datetime,
        max_distance_km: float | None = None,
        remote: bool | None = None,
        min_wage: Decimal | float | None = None,
        include_expired: bool = False,
        hide_dismissed: bool = True,
    ) -> JobFilter:
        """Limits from explicit arguments first, then the person's profile, then defaults.

        ``hide_dismissed=False`` keeps the jobs the person dismissed (offline evaluation, whose
        time split must not see later feedback).
        """
        if min_wage is not None:
            floor: Decimal | None = Decimal(str(min_wage))
        elif person.expected_wage is not None and person.expected_wage > 0:
            floor = (Decimal(person.expected_wage) * Decimal(str(WAGE_FLOOR_SHARE))).quantize(
                Decimal("0.01")
            )
        else:
            floor = None
        radius = max_distance_km if max_distance_km is not None else person.max_distance_km
        return cls(
            now=now,
            origin=person.ubigeo or None,
            max_distance_km=float(radius) if radius is not None else DEFAULT_MAX_DISTANCE_KM,
            remote=remote,
            remote_ready=person.remote_ready,
            wage_floor=floor,
            # Weekly hours are a preference, not a wall: a job asking more hours than the person
            # has free ranks lower (``hours_fit``) and its explanation says so. Only "no free
            # time at all" (0 h) filters.
            max_hours=0 if person.availability_hours == 0 else None,
            include_expired=include_expired,
            person_id=person.id if hide_dismissed else None,
        )

    @property
    def radius(self) -> float | None:
        return self.max_distance_km if self.origin else None


def filter_jobs(
    session: Session,
    flt: JobFilter,
    *,
    among: Collection[int] | None = None,
    table: JobTable | None = None,
    dismissed: Collection[int] | None = None,
) -> Filtered:
    """Open jobs that pass every hard rule of ``flt``, ordered by id.

    Args:
        session: database session.
        flt: the resolved limits (see :meth:`JobFilter.for_person`).
        among: only these job ids (``None``: every job).
        table: every open job's filtered columns, kept between requests (then no SQL runs
            here); ``None`` reads them with the rules in SQL.
        dismissed: the jobs ``flt.person_id`` dismissed, when the caller already read them in
            this transaction (with ``table``; ``None``: read here).

    Returns:
        :class:`Filtered` ids and distances (km from the person; 0 remote; NaN unknown).

    Example:
        >>> flt = JobFilter.for_person(person, now=now)  # doctest: +SKIP
        >>> filter_jobs(session, flt).ids[:3]  # doctest: +SKIP
        array([ 4, 17, 31])
    """
    if table is not None:
        if flt.person_id is None:
            dismissed = set()
        elif dismissed is None:
            dismissed = dismissed_job_ids(session, flt.person_id)
        return table.filter(flt, dismissed=dismissed, among=among)
    rows = filtered_job_places(session, flt, _departments(flt.origin, flt.radius), among)
    if not rows:
        return Filtered.empty()
    return _keep_within(
        [r.id for r in rows], [r.ubigeo for r in rows], [bool(r.remote) for r in rows],
        flt.origin, flt.radius,
    )  # fmt: skip


# ----------------------------------------------------------------------------------- people


def filter_people_for_job(
    session: Session, job: Job, *, max_distance_km: float | None = None,
    table: PeopleTable | None = None,
) -> Filtered:  # fmt: skip
    """People an employer may see for ``job``: consenting people who fit, and every applicant.

    Args:
        session: database session.
        job: the job.
        max_distance_km: radius for on-site jobs (default: each person's own, else
            :data:`DEFAULT_MAX_DISTANCE_KM`); applicants are never filtered by it.
        table: the process's people table, when it keeps one: the same rules in numpy (only
            the job's applicants are read from SQL).

    Returns:
        :class:`Filtered` person ids and their distance to the job (0 remote, NaN unknown).
    """
    if table is not None:
        return table.filter(
            session, job, wage_share=WAGE_FLOOR_SHARE, max_distance_km=max_distance_km
        )
    rows = people_visible_for_job(session, job, WAGE_FLOOR_SHARE)
    if not rows:
        return Filtered.empty()
    ids = np.array([r.id for r in rows], dtype=np.int64)
    dist = distances_from(job.ubigeo, [r.ubigeo for r in rows])
    if job.remote:
        return Filtered(ids, np.zeros(len(ids)))
    radius = np.array(
        [
            max_distance_km
            if max_distance_km is not None
            else (r.max_distance_km if r.max_distance_km is not None else DEFAULT_MAX_DISTANCE_KM)
            for r in rows
        ],
        dtype=np.float64,
    )
    applicant = np.array([bool(r.applied) for r in rows])
    keep = applicant | np.isnan(dist) | (dist <= radius + 1e-9)
    return Filtered(ids[keep], dist[keep])


# ----------------------------------------------------------------------------------- courses


@dataclass(frozen=True)
class CourseFilter:
    """Hard limits of a course search (``None``: no limit)."""

    origin: str | None = None
    max_distance_km: float | None = DEFAULT_COURSE_DISTANCE_KM
    budget: Decimal | None = None
    modalities: frozenset[Modality] = frozenset(Modality)

    @classmethod
    def for_person(
        cls,
        person: Person,
        *,
        budget: Decimal | float | None = None,
        modality: Modality | str | Iterable[Modality | str] | None = None,
        max_distance_km: float | None = None,
    ) -> CourseFilter:
        """Online courses only for remote-ready people; radius from the request or profile."""
        if modality is None:
            wanted = set(Modality)
        elif isinstance(modality, str):
            wanted = {Modality(modality)}
        else:
            wanted = {Modality(m) for m in modality}
        if not person.remote_ready:
            wanted.discard(Modality.ONLINE)
        radius = max_distance_km if max_distance_km is not None else person.max_distance_km
        return cls(
            origin=person.ubigeo or None,
            max_distance_km=float(radius) if radius is not None else DEFAULT_COURSE_DISTANCE_KM,
            budget=Decimal(str(budget)) if budget is not None else None,
            modalities=frozenset(wanted),
        )


def filter_courses(session: Session, flt: CourseFilter) -> Filtered:
    """Open courses within budget, modality and radius; distance NaN for online courses."""
    if not flt.modalities:
        return Filtered.empty()
    radius = flt.max_distance_km if flt.origin else None
    rows = open_course_places(
        session, flt.modalities, flt.budget, _departments(flt.origin, radius)
    )
    if not rows:
        return Filtered.empty()
    online = [r.modality == Modality.ONLINE for r in rows]
    out = _keep_within([r.id for r in rows], [r.ubigeo for r in rows], online, flt.origin, radius)
    kept_online = np.isin(out.ids, [r.id for r, o in zip(rows, online, strict=True) if o])
    out.distance_km[kept_online] = np.nan
    return out
