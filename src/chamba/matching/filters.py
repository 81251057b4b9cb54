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
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.courses.models import Course, CourseStatus, Modality
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import EARTH_RADIUS_KM, get_gazetteer
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.people.models import Device, Person

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
def _coord(code: str) -> tuple[float, float]:
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
            out[k] = _coord(code)
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
    lat0, lon0 = _coord(origin)
    return haversine(np.full_like(lat, lat0), np.full_like(lon, lon0), lat, lon)


@lru_cache(maxsize=4096)
def departments_within(origin: str, km: float) -> frozenset[str]:
    """Department codes holding any place within ``km`` of ``origin`` (the SQL prefilter)."""
    try:
        places = get_gazetteer().within_km(origin, km, level=None)
    except (UnknownUbigeo, ValueError):
        return frozenset()
    return frozenset(p.department_code for p in places) | {origin[:2]}


def _place_clause(column: Any, origin: str | None, km: float | None) -> ColumnElement[bool]:
    """SQL: the place is unknown, or in a department that has a place within ``km``."""
    if origin is None or km is None or math.isnan(_coord(origin)[0]):
        return true()
    depts = sorted(departments_within(origin, round(float(km), 3)))
    return or_(column.is_(None), func.substr(column, 1, 2).in_(depts))


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
    return _keep_within_coords(np.asarray(ids, dtype=np.int64), lat, lon, remote, origin, km)


def _keep_within_coords(
    ids: IdArray, lat: FloatArray, lon: FloatArray, remote: Sequence[bool] | npt.NDArray[np.bool_],
    origin: str | None, km: float | None,
) -> Filtered:  # fmt: skip
    """The exact radius: what :func:`distances_from` measures, from coordinates at hand."""
    if origin:
        lat0, lon0 = _coord(origin)
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

    def where(self) -> list[ColumnElement[bool]]:
        """The SQL part of the filter (everything except the exact radius)."""
        clauses: list[ColumnElement[bool]] = [Job.status == JobStatus.OPEN]
        if not self.include_expired:
            clauses.append(or_(Job.expires_at.is_(None), Job.expires_at > self.now))
        if self.person_id is not None:
            dismissed = select(Interaction.subject_id).where(
                Interaction.person_id == self.person_id,
                Interaction.subject_type == SubjectType.JOB,
                Interaction.kind == InteractionKind.DISMISSED,
            )
            clauses.append(Job.id.not_in(dismissed))
        if self.max_hours is not None:
            clauses.append(or_(Job.hours_per_week.is_(None), Job.hours_per_week <= self.max_hours))
        if self.wage_floor is not None:
            top = func.coalesce(Job.wage_max, Job.wage_min)
            clauses.append(or_(top.is_(None), top >= self.wage_floor))
        allow_remote = self.remote is not False and self.remote_ready
        allow_onsite = self.remote is not True
        on_site = and_(Job.remote.is_(False), _place_clause(Job.ubigeo, self.origin, self.radius))
        clauses.append(
            or_(
                and_(Job.remote.is_(True), true() if allow_remote else false()),
                on_site if allow_onsite else false(),
            )
        )
        return clauses

    @property
    def radius(self) -> float | None:
        return self.max_distance_km if self.origin else None


_SKILL_CODES: dict[str, int] = {}
"""Skill id -> small integer, for the job table's skill arrays (append-only, per process)."""
_SKILL_CODES_LOCK = threading.Lock()


def skill_code(skill_id: str) -> int:
    """The process-wide integer code of ``skill_id`` (assigned on first sight)."""
    code = _SKILL_CODES.get(skill_id)
    if code is None:
        with _SKILL_CODES_LOCK:
            code = _SKILL_CODES.setdefault(skill_id, len(_SKILL_CODES))
    return code


_NO_EXPIRY: Final = np.iinfo(np.int64).max
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    """Whole microseconds since the epoch (exact, unlike a float timestamp)."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class JobTable:
    """The columns of every open job that :class:`JobFilter` reads, as arrays ordered by id.

    :func:`filter_jobs` given a table applies the same rules in numpy that it otherwise sends
    to SQL, with the same result. A :class:`~chamba.matching.feature_cache.FeatureCache` keeps
    one per process and patches the rows of the jobs that changed (:meth:`patched`).
    """

    ids: IdArray  # (n,) ascending
    expires: npt.NDArray[np.int64]  # (n,) µs since the epoch; _NO_EXPIRY when none
    hours: FloatArray  # (n,) NaN when unknown
    top_wage: FloatArray  # (n,) wage_max, else wage_min; NaN when neither
    remote: npt.NDArray[np.int8]  # (n,) 1 remote, 0 on site, -1 unknown (never passes)
    dept: npt.NDArray[np.str_]  # (n,) "<U2": the ubigeo's first two characters ("" if none)
    placed: npt.NDArray[np.bool_]  # (n,) the ubigeo is not NULL
    lat: FloatArray  # (n,)
    lon: FloatArray  # (n,)
    n_skills: npt.NDArray[np.int64]  # (n,) how many skills each job lists
    skills: npt.NDArray[np.int32]  # (sum n_skills,) their codes (skill_code), job after job

    def __len__(self) -> int:
        return int(self.ids.size)

    def overlap_top(self, held: Collection[str], allowed: IdArray, k: int) -> list[int]:
        """Top-``k`` of ``allowed`` by how many of ``held`` skills each job lists (ties by id):
        what :func:`chamba.matching.service._overlap_top` computes in SQL with weight 1."""
        if not held or allowed.size == 0 or self.skills.size == 0:
            return []
        codes = [_SKILL_CODES[s] for s in held if s in _SKILL_CODES]
        hit = np.isin(self.skills, np.array(codes, dtype=np.int32))  # (sum n_skills,)
        owner = np.repeat(np.arange(len(self)), self.n_skills)
        counts = np.bincount(owner[hit], minlength=len(self)).astype(np.float64)  # (n,)
        keep = (counts > 0) & np.isin(self.ids, allowed)
        ids, score = self.ids[keep], counts[keep]
        order = np.lexsort((ids, -score))
        return ids[order[:k]].tolist()

    @classmethod
    def read(cls, session: Session, ids: Sequence[int] | None = None) -> JobTable:
        """Every open job (or the open ones among ``ids``): one query (per 5,000 ids)."""
        cols = (
            Job.id, Job.expires_at, Job.hours_per_week, func.coalesce(Job.wage_max, Job.wage_min),
            Job.remote, Job.ubigeo,
        )  # fmt: skip
        base = select(*cols).where(Job.status == JobStatus.OPEN)
        if ids is None:
            rows = list(session.execute(base.order_by(Job.id)))
        else:
            wanted = sorted({int(i) for i in ids})
            rows = []
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                rows.extend(session.execute(base.where(Job.id.in_(chunk)).order_by(Job.id)))
        places = [r[5] for r in rows]
        lat, lon = coords(places)
        by_job: dict[int, list[str]] = {int(r[0]): [] for r in rows}
        link = select(JobSkill.job_id, JobSkill.skill_id).join(Job, Job.id == JobSkill.job_id)
        link = link.where(Job.status == JobStatus.OPEN)
        if ids is None:
            pairs = list(session.execute(link))
        else:
            pairs = []
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                pairs.extend(session.execute(link.where(JobSkill.job_id.in_(chunk))))
        for job_id, skill_id in pairs:
            if job_id in by_job:
                by_job[job_id].append(skill_id)
        flat = [skill_code(sid) for r in rows for sid in sorted(by_job[int(r[0])])]
        return cls(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            expires=np.array(
                [_micros(r[1]) if r[1] is not None else _NO_EXPIRY for r in rows], dtype=np.int64
            ),
            hours=np.array([float(r[2]) if r[2] is not None else np.nan for r in rows]),
            top_wage=np.array([float(r[3]) if r[3] is not None else np.nan for r in rows]),
            remote=np.array([-1 if r[4] is None else int(bool(r[4])) for r in rows], np.int8),
            dept=np.array([p[:2] if p is not None else "" for p in places], dtype="<U2"),
            placed=np.array([p is not None for p in places], dtype=bool),
            lat=lat,
            lon=lon,
            n_skills=np.array([len(by_job[int(r[0])]) for r in rows], dtype=np.int64),
            skills=np.array(flat, dtype=np.int32),
        )

    def patched(self, changed: Iterable[int], fresh: JobTable) -> JobTable:
        """This table without the rows of ``changed`` ids, plus the rows of ``fresh``."""
        keep = ~np.isin(self.ids, np.fromiter(changed, dtype=np.int64))
        ids = np.concatenate([self.ids[keep], fresh.ids])
        order = np.argsort(ids, kind="stable")
        # skills: each job's slice, kept or fresh, re-laid in the new id order
        n_skills = np.concatenate([self.n_skills[keep], fresh.n_skills])
        starts = np.concatenate([
            (np.cumsum(self.n_skills) - self.n_skills)[keep],
            np.cumsum(fresh.n_skills) - fresh.n_skills + self.skills.size,
        ])  # fmt: skip
        pool = np.concatenate([self.skills, fresh.skills])
        lengths, first = n_skills[order], starts[order]
        total = int(lengths.sum())
        offsets = np.cumsum(lengths) - lengths
        take = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(first, lengths)
        skills = pool[take]
        names = (
            "ids", "expires", "hours", "top_wage", "remote", "dept", "placed", "lat", "lon",
        )  # fmt: skip
        columns = {
            n: np.concatenate([getattr(self, n)[keep], getattr(fresh, n)])[order] for n in names
        }
        return JobTable(**columns, n_skills=n_skills[order], skills=skills)

    def filter(
        self, flt: JobFilter, *, dismissed: Collection[int] = (),
        among: Collection[int] | None = None,
    ) -> Filtered:  # fmt: skip
        """The rows that pass ``flt``: :meth:`JobFilter.where`, then the exact radius.

        ``dismissed`` are the ids the person dismissed (:func:`_dismissed`); ``among``, as for
        :func:`filter_jobs`.
        """
        keep = np.ones(len(self), dtype=bool)
        if dismissed:
            keep &= ~np.isin(self.ids, np.array(sorted(dismissed), dtype=np.int64))
        if among is not None:
            keep &= np.isin(self.ids, np.fromiter(among, dtype=np.int64))
        if not flt.include_expired:
            keep &= self.expires > _micros(flt.now)
        if flt.max_hours is not None:
            keep &= np.isnan(self.hours) | (self.hours <= flt.max_hours)
        if flt.wage_floor is not None:
            keep &= np.isnan(self.top_wage) | (self.top_wage >= float(flt.wage_floor))
        allow_remote = flt.remote is not False and flt.remote_ready
        allow_onsite = flt.remote is not True
        remote = self.remote == 1
        passes = remote & allow_remote
        if allow_onsite:
            on_site = self.remote == 0
            origin, km = flt.origin, flt.radius
            if origin is not None and km is not None and not math.isnan(_coord(origin)[0]):
                depts = departments_within(origin, round(float(km), 3))
                on_site &= ~self.placed | np.isin(self.dept, np.array(sorted(depts), dtype="<U2"))
            passes |= on_site
        keep &= passes
        return _keep_within_coords(
            self.ids[keep], self.lat[keep], self.lon[keep], remote[keep], flt.origin, flt.radius
        )


def _dismissed(session: Session, flt: JobFilter) -> set[int]:
    """The jobs ``flt.person_id`` dismissed ("not for me"), which :meth:`JobFilter.where`
    leaves out."""
    if flt.person_id is None:
        return set()
    return set(
        session.scalars(
            select(Interaction.subject_id).where(
                Interaction.person_id == flt.person_id,
                Interaction.subject_type == SubjectType.JOB,
                Interaction.kind == InteractionKind.DISMISSED,
            )
        )
    )


def filter_jobs(
    session: Session,
    flt: JobFilter,
    *,
    among: Collection[int] | None = None,
    table: JobTable | None = None,
) -> Filtered:
    """Open jobs that pass every hard rule of ``flt``, ordered by id.

    Args:
        session: database session.
        flt: the resolved limits (see :meth:`JobFilter.for_person`).
        among: only these job ids (``None``: every job).
        table: every open job's filtered columns, kept between requests (then no SQL runs
            here); ``None`` reads them with the rules in SQL.

    Returns:
        :class:`Filtered` ids and distances (km from the person; 0 remote; NaN unknown).

    Example:
        >>> flt = JobFilter.for_person(person, now=now)  # doctest: +SKIP
        >>> filter_jobs(session, flt).ids[:3]  # doctest: +SKIP
        array([ 4, 17, 31])
    """
    if table is not None:
        return table.filter(flt, dismissed=_dismissed(session, flt), among=among)
    stmt = select(Job.id, Job.ubigeo, Job.remote).where(*flt.where()).order_by(Job.id)
    if among is not None:
        stmt = stmt.where(Job.id.in_(sorted(among)))
    rows = session.execute(stmt).all()
    if not rows:
        return Filtered.empty()
    return _keep_within(
        [r.id for r in rows], [r.ubigeo for r in rows], [bool(r.remote) for r in rows],
        flt.origin, flt.radius,
    )  # fmt: skip


# ----------------------------------------------------------------------------------- people


def filter_people_for_job(
    session: Session, job: Job, *, max_distance_km: float | None = None
) -> Filtered:
    """People an employer may see for ``job``: consenting people who fit, and every applicant.

    Args:
        session: database session.
        job: the job.
        max_distance_km: radius for on-site jobs (default: each person's own, else
            :data:`DEFAULT_MAX_DISTANCE_KM`); applicants are never filtered by it.

    Returns:
        :class:`Filtered` person ids and their distance to the job (0 remote, NaN unknown).
    """
    applied = select(Application.person_id).where(
        Application.job_id == job.id, Application.status != ApplicationStatus.WITHDRAWN
    )
    fits: list[ColumnElement[bool]] = [Person.consent_visible.is_(True)]
    if job.remote:
        fits += [Person.has_internet.is_(True), Person.device != Device.NONE]
    if job.hours_per_week is not None:
        fits.append(
            or_(
                Person.availability_hours.is_(None),
                Person.availability_hours >= job.hours_per_week,
            )
        )
    top = job.wage_max if job.wage_max is not None else job.wage_min
    if top is not None:
        fits.append(
            or_(
                Person.expected_wage.is_(None),
                Person.expected_wage * Decimal(str(WAGE_FLOOR_SHARE)) <= top,
            )
        )
    is_applicant = Person.id.in_(applied)
    rows = session.execute(
        select(Person.id, Person.ubigeo, Person.max_distance_km, is_applicant.label("applied"))
        .where(or_(is_applicant, and_(*fits)))
        .order_by(Person.id)
    ).all()
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


def applicant_ids(session: Session, job_id: int) -> set[int]:
    """People who applied to ``job_id`` and did not withdraw."""
    return set(
        session.scalars(
            select(Application.person_id).where(
                Application.job_id == job_id, Application.status != ApplicationStatus.WITHDRAWN
            )
        )
    )


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
    clauses: list[ColumnElement[bool]] = [
        Course.status == CourseStatus.OPEN,
        Course.modality.in_(sorted(flt.modalities)),
    ]
    if flt.budget is not None:
        clauses.append(or_(Course.is_free.is_(True), Course.cost <= flt.budget))
    radius = flt.max_distance_km if flt.origin else None
    clauses.append(
        or_(Course.modality == Modality.ONLINE, _place_clause(Course.ubigeo, flt.origin, radius))
    )
    rows = session.execute(
        select(Course.id, Course.ubigeo, Course.modality).where(*clauses).order_by(Course.id)
    ).all()
    if not rows:
        return Filtered.empty()
    online = [r.modality == Modality.ONLINE for r in rows]
    out = _keep_within([r.id for r in rows], [r.ubigeo for r in rows], online, flt.origin, radius)
    kept_online = np.isin(out.ids, [r.id for r, o in zip(rows, online, strict=True) if o])
    out.distance_km[kept_online] = np.nan
    return out
