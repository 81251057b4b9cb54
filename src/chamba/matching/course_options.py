"""Courses that teach given skills, checked against a person's constraints.

``course_options`` is the shared building block for explanations ("for each missing skill, the
courses that teach it") and for pathways (which choose a covering set of courses). It reads open
courses with **one** query for all requested skills, computes each course's effective cost,
weekly load and distance to the person, and says which constraints it breaks.

Conventions (documented here because callers rely on them):

- *Effective cost*: ``0`` when ``is_free``, otherwise ``cost`` (PEN). A scholarship is reported but
  not assumed: it is not guaranteed.
- *Weekly load*: ``hours / weeks`` when ``weeks`` is known; otherwise unknown (``None``) and never
  blocking.
- *Distance*: great-circle km between the person's and the course's ubigeo for in-person and
  hybrid courses; ``None`` for online courses, or when either place is unknown (then it never
  blocks: we cannot say it is too far).
- *Modality*: online courses are allowed by default only to remote-ready people (internet and a
  device); in-person and hybrid are always allowed by default.
- *Next start*: the earliest ISO start date on or after ``as_of`` (default today); ``None`` when the
  course lists none (open enrolment).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.courses.models import Modality
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer, haversine_km
from chamba.matching.feature_cache import FeatureCache, generation_for
from chamba.matching.repository import CourseRow, course_rows_teaching, provider_names
from chamba.people.models import Person
from chamba.vocab import SkillLevel

FloatArray = npt.NDArray[np.float64]

DEFAULT_MAX_DISTANCE_KM: Final = 30.0
"""Travel radius used when a person has not said how far they would go."""

CONSTRAINT_NAMES: Final = ("budget", "hours_per_week", "modality", "distance")
"""The names that can appear in :attr:`CourseOption.blocked_by`, in this order."""

_LEVEL_RANK: Final[dict[SkillLevel | None, int]] = {
    SkillLevel.BASIC: 0,
    None: 1,
    SkillLevel.INTERMEDIATE: 1,
    SkillLevel.ADVANCED: 2,
}


@dataclass
class CourseConstraints:
    """What a person can afford and reach. ``None`` means "no limit" for that constraint.

    Args:
        budget: most the person can pay in PEN (per course here; in total for a pathway).
        hours_per_week: most hours of study a week.
        modalities: allowed modalities.
        max_distance_km: farthest an in-person or hybrid course may be.

    Example:
        >>> CourseConstraints(budget=Decimal("300"), hours_per_week=10, modalities=None,
        ...                   max_distance_km=30.0).budget
        Decimal('300')
    """

    budget: Decimal | None = None
    hours_per_week: float | None = None
    modalities: set[Modality] | None = None
    max_distance_km: float | None = None

    @classmethod
    def defaults_for(cls, person: Person) -> CourseConstraints:
        """Constraints read from a profile: availability hours, remote readiness, travel radius.

        Args:
            person: the seeker or learner.

        Returns:
            No budget limit (the profile holds none), ``availability_hours`` a week (``None``
            when unknown), in-person and hybrid always plus online when ``person.remote_ready``,
            and ``person.max_distance_km`` or 30 km.

        Example:
            >>> CourseConstraints.defaults_for(person).modalities  # doctest: +SKIP
            {<Modality.IN_PERSON: 'in_person'>, <Modality.HYBRID: 'hybrid'>}
        """
        modalities = {Modality.IN_PERSON, Modality.HYBRID}
        if person.remote_ready:
            modalities.add(Modality.ONLINE)
        hours = person.availability_hours
        return cls(
            budget=None,
            hours_per_week=float(hours) if hours else None,
            modalities=modalities,
            max_distance_km=(
                float(person.max_distance_km)
                if person.max_distance_km is not None
                else DEFAULT_MAX_DISTANCE_KM
            ),
        )


@dataclass
class CourseOption:
    """One course that teaches some of the requested skills, checked against the constraints."""

    course_id: int
    title: str
    provider: str | None
    modality: Modality
    cost: Decimal  # effective cost in PEN (0 when free)
    is_free: bool
    scholarship: bool
    hours: int
    weeks: int | None
    hours_per_week: float | None
    distance_km: float | None
    next_start_date: date | None
    skills_taught: list[str]  # ids among the requested skills
    fits: bool
    blocked_by: list[str] = field(default_factory=list)
    level: SkillLevel | None = None  # lowest level the course teaches the requested skills at
    ubigeo: str | None = None

    @property
    def level_rank(self) -> int:
        """0 basic, 1 intermediate or unknown, 2 advanced: for basic-before-advanced order."""
        return _LEVEL_RANK.get(self.level, 1)

    def sort_key(self) -> tuple[bool, Decimal, int, float]:
        """Best first: fits, then cheaper, then fewer hours, then nearer (online counts as 0)."""
        return (
            not self.fits,
            self.cost,
            self.hours,
            self.distance_km if self.distance_km is not None else 0.0,
        )


def _next_start(start_dates: Iterable[str] | None, as_of: date) -> date | None:
    best: date | None = None
    for raw in start_dates or ():
        try:
            day = date.fromisoformat(str(raw)[:10])
        except ValueError:
            continue
        if day >= as_of and (best is None or day < best):
            best = day
    return best


@lru_cache(maxsize=1 << 18)
def _place_km(origin: str, place: str) -> float | None:
    """Great-circle km between two ubigeos (None when either is unknown); memoised."""
    try:
        return get_gazetteer().distance_km(origin, place)
    except UnknownUbigeo:
        return None


def _distance(
    person_ubigeo: str | None, modality: Modality, ubigeo: str | None,
    cache: dict[str, float | None],
) -> float | None:  # fmt: skip
    if modality == Modality.ONLINE or not person_ubigeo or not ubigeo:
        return None
    if ubigeo not in cache:
        cache[ubigeo] = _place_km(person_ubigeo, ubigeo)
    return cache[ubigeo]


def _coords(ubigeo: str) -> tuple[float, float] | None:
    """The gazetteer's (lat, lon) of a place, as :meth:`~chamba.geo.service.Gazetteer.distance_km`
    reads them; None when unknown."""
    try:
        place = get_gazetteer().get(ubigeo)
    except UnknownUbigeo:
        return None
    return place.lat, place.lon


class _Places:
    """Every course place seen by this process, numbered once, with the gazetteer's coordinates
    (what :meth:`~chamba.geo.service.Gazetteer.distance_km` reads). A ranking then measures the
    distance to each place its courses are at once, whatever the number of skills and courses
    there (bounded by the country's ubigeos; grows, never shrinks; thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        self._coords: list[tuple[float, float] | None] = []  # None: unknown ubigeo

    def id_of(self, ubigeo: str) -> int:
        found = self._ids.get(ubigeo)
        if found is not None:
            return found
        coords = _coords(ubigeo)
        with self._lock:
            found = self._ids.get(ubigeo)
            if found is None:
                found = self._ids[ubigeo] = len(self._coords)
                self._coords.append(coords)
        return found

    def km_from(self, origin: str | None, ids: npt.NDArray[np.int32]) -> dict[int, float]:
        """``{place id: km from origin}`` for ``ids`` (NaN when either place is unknown): the
        same formula on the same values as :func:`_place_km`, so the same floats."""
        at = _coords(origin) if origin else None
        if at is None:
            return dict.fromkeys(ids.tolist(), math.nan)
        lat0, lon0 = at
        out: dict[int, float] = {}
        for k in ids.tolist():
            there = self._coords[k]
            out[k] = math.nan if there is None else haversine_km(lat0, lon0, there[0], there[1])
        return out


_PLACES: Final = _Places()
_MODALITIES: Final = tuple(Modality)


@dataclass(frozen=True)
class SkillCourses:
    """The open courses that teach one skill, as arrays (nothing here depends on a person).

    Kept per skill by the :class:`~chamba.matching.feature_cache.FeatureCache`, so ranking a
    skill's courses for a person is a few numpy operations (:func:`_best`) instead of one
    :class:`CourseOption` per course.
    """

    rows: tuple[CourseRow, ...]  # ordered by course id
    ids: npt.NDArray[np.int64]  # (n,)
    cost: npt.NDArray[np.float64]  # (n,) effective cost (0 when free)
    hours: npt.NDArray[np.float64]  # (n,)
    per_week: npt.NDArray[np.float64]  # (n,) hours / weeks; NaN when weeks are unknown
    modality: npt.NDArray[np.int8]  # (n,) position of the course's modality in ``_MODALITIES``
    place: npt.NDArray[np.int32]  # (n,) the place's number in ``_PLACES``; -1 online or none
    places: npt.NDArray[np.int32]  # the distinct numbers of ``place`` (-1 left out), ascending

    @classmethod
    def of(cls, rows: Sequence[CourseRow]) -> SkillCourses:
        ordered = tuple(sorted(rows, key=lambda r: r.course_id))
        modality = [Modality(r.modality) for r in ordered]
        place = [
            -1 if m == Modality.ONLINE or not r.ubigeo else _PLACES.id_of(r.ubigeo)
            for r, m in zip(ordered, modality, strict=True)
        ]  # fmt: skip
        return cls(
            rows=ordered,
            ids=np.array([r.course_id for r in ordered], dtype=np.int64),
            cost=np.array([0.0 if r.is_free else float(r.cost or 0) for r in ordered]),
            hours=np.array([float(r.hours) for r in ordered]),
            per_week=np.array(
                [r.hours / r.weeks if r.weeks and r.weeks > 0 else np.nan for r in ordered]
            ),
            modality=np.array([_MODALITIES.index(m) for m in modality], dtype=np.int8),
            place=np.array(place, dtype=np.int32),
            places=np.unique(np.array([k for k in place if k >= 0], dtype=np.int32)),
        )


def skill_courses(
    session: Session, skill_ids: list[str], cache: FeatureCache | None = None
) -> tuple[dict[str, SkillCourses], dict[int, str]]:
    """:class:`SkillCourses` of each skill in ``skill_ids`` and ``{provider_id: name}`` of the
    providers whose names the query read (one query for the skills the cache lacks).

    With ``cache`` each skill's courses are kept between calls (dropped when any course
    changes, see :mod:`chamba.matching.feature_cache`). Providers' names are not kept with the
    courses (an organisation may be renamed without any course changing): the callers read the
    others through :func:`_provider_names`, kept a minute at most.
    """
    found: dict[str, SkillCourses] = {}
    generation = 0
    if cache is not None:
        generation = generation_for(session, cache)
        found = cache.course_rows(skill_ids)
    todo = [s for s in skill_ids if s not in found]
    names: dict[int, str] = {}
    if todo:
        fresh, names = course_rows_teaching(session, todo)
        by_skill: dict[str, list[CourseRow]] = {s: [] for s in todo}
        for r in fresh:
            by_skill[r.skill_id].append(r)
        built = {s: SkillCourses.of(v) for s, v in by_skill.items()}
        if cache is not None:
            cache.put_course_rows(built, generation)
            cache.put_provider_names(names)
        found = {**found, **built}
    return {s: found[s] for s in skill_ids}, names


def _provider_names(session: Session, ids: set[int], cache: FeatureCache | None) -> dict[int, str]:
    """:func:`~chamba.matching.repository.provider_names`, kept by ``cache`` for at most
    :data:`~chamba.matching.feature_cache.LABELS_MAX_AGE_S` (a renamed provider shows within
    that minute): a query less per explained page."""
    if cache is None:
        return provider_names(session, ids)
    found = cache.provider_names(ids)
    todo = ids - found.keys()
    if todo:
        read = provider_names(session, todo)
        cache.put_provider_names(read)
        found.update(read)
    return found


def course_rows(
    session: Session, skill_ids: list[str], cache: FeatureCache | None = None
) -> tuple[list[CourseRow], dict[int, str]]:
    """Every (open course, skill) row for ``skill_ids``, sorted by course then skill, and
    ``{provider_id: name}`` of their providers (see :func:`skill_courses`)."""
    blocks, names = skill_courses(session, skill_ids, cache)
    rows = [r for block in blocks.values() for r in block.rows]
    unnamed = {r.provider_id for r in rows if r.provider_id is not None} - set(names)
    names.update(_provider_names(session, unnamed, cache))
    rows.sort(key=lambda r: (r.course_id, r.skill_id))
    return rows, names


def violations(option: CourseOption, constraints: CourseConstraints) -> list[str]:
    """Which constraints one course breaks on its own (budget is checked per course).

    Args:
        option: the course.
        constraints: the limits.

    Returns:
        A sub-list of :data:`CONSTRAINT_NAMES`, in that order; empty when the course fits.
    """
    out: list[str] = []
    if constraints.budget is not None and option.cost > constraints.budget:
        out.append("budget")
    if (
        constraints.hours_per_week is not None
        and option.hours_per_week is not None
        and option.hours_per_week > constraints.hours_per_week + 1e-9
    ):
        out.append("hours_per_week")
    if constraints.modalities is not None and option.modality not in constraints.modalities:
        out.append("modality")
    if (
        constraints.max_distance_km is not None
        and option.distance_km is not None
        and option.distance_km > constraints.max_distance_km
    ):
        out.append("distance")
    return out


def load_options(
    session: Session,
    person: Person,
    skill_ids: Collection[str],
    constraints: CourseConstraints,
    *,
    as_of: date | None = None,
    cache: FeatureCache | None = None,
) -> list[CourseOption]:
    """Every open course teaching at least one of ``skill_ids``, one option per course.

    One SQL query (course skills ⋈ courses) for all the skills (none for the skills whose rows
    ``cache`` holds) and one for the providers' names.

    Args:
        session: database session.
        person: whose place the distances are measured from.
        skill_ids: skills to look for.
        constraints: the limits each course is checked against.
        as_of: the day that "next start date" counts from (default today).
        cache: keeps each skill's course rows between calls (see :func:`course_rows`).

    Returns:
        Options in no particular order; ``skills_taught`` lists only requested skills.
    """
    wanted = sorted(set(skill_ids))
    if not wanted:
        return []
    rows, providers = course_rows(session, wanted, cache)
    return _options(rows, providers, person, constraints, as_of or date.today())


def _options(
    rows: Sequence[CourseRow], providers: dict[int, str], person: Person,
    constraints: CourseConstraints, day: date,
) -> list[CourseOption]:  # fmt: skip
    """One option per course of ``rows`` (sorted by course then skill), checked."""
    by_course: dict[int, CourseOption] = {}
    dist_cache: dict[str, float | None] = {}
    for row in rows:
        option = by_course.get(row.course_id)
        if option is None:
            cost = Decimal("0") if row.is_free else Decimal(row.cost or 0)
            weeks = row.weeks if row.weeks and row.weeks > 0 else None
            modality = Modality(row.modality)
            option = CourseOption(
                course_id=row.course_id,
                title=row.title,
                provider=providers.get(row.provider_id) if row.provider_id is not None else None,
                modality=modality,
                cost=cost,
                is_free=bool(row.is_free),
                scholarship=bool(row.scholarship),
                hours=int(row.hours),
                weeks=weeks,
                hours_per_week=(row.hours / weeks) if weeks else None,
                distance_km=_distance(person.ubigeo, modality, row.ubigeo, dist_cache),
                next_start_date=_next_start(row.start_dates, day),
                skills_taught=[],
                fits=True,
                level=row.level,
                ubigeo=row.ubigeo,
            )
            by_course[row.course_id] = option
        option.skills_taught.append(row.skill_id)
        if _LEVEL_RANK.get(row.level, 1) < option.level_rank:
            option.level = row.level
    for option in by_course.values():
        option.blocked_by = violations(option, constraints)
        option.fits = not option.blocked_by
    return list(by_course.values())


def course_options(
    session: Session,
    person: Person,
    skill_ids: Collection[str],
    constraints: CourseConstraints | None = None,
    per_skill: int = 3,
    *,
    as_of: date | None = None,
    cache: FeatureCache | None = None,
) -> dict[str, list[CourseOption]]:
    """The best open courses for each skill, checked against the person's constraints.

    Args:
        session: database session.
        person: the learner (place, availability and remote readiness give default limits).
        skill_ids: the skills wanted, e.g. a job's missing essential skills.
        constraints: limits; ``None`` uses :meth:`CourseConstraints.defaults_for`.
        per_skill: how many options to keep per skill (``<= 0`` keeps all).
        as_of: the day next start dates count from (default today).
        cache: keeps each skill's course rows between calls (see :func:`course_rows`).

    Returns:
        ``{skill_id: [CourseOption, ...]}`` for every requested skill (an empty list when no open
        course teaches it), best first: courses that fit, then cheaper, fewer hours, nearer.
        Courses that do not fit are kept (with ``blocked_by``) so a caller can say why.

    Example:
        >>> opts = course_options(session, person, ["soldadura"])  # doctest: +SKIP
        >>> opts["soldadura"][0].fits, opts["soldadura"][0].blocked_by  # doctest: +SKIP
        (False, ['budget'])
    """
    limits = constraints if constraints is not None else CourseConstraints.defaults_for(person)
    wanted = list(dict.fromkeys(skill_ids))
    if not wanted:
        return {}
    day = as_of or date.today()
    blocks, names = skill_courses(session, sorted(wanted), cache)
    km = _km_to_places(person, blocks.values())
    best = _best_of([blocks[s] for s in wanted], limits, per_skill, km)
    chosen: dict[str, npt.NDArray[np.int64]] = {
        skill_id: blocks[skill_id].ids[k] for skill_id, k in zip(wanted, best, strict=True)
    }  # fmt: skip
    picked = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *chosen.values()]))
    # The chosen courses' options, built exactly as load_options builds them (every requested
    # skill each teaches, its lowest level, its checks).
    every = list(blocks.values())
    ids = np.concatenate([np.zeros(0, dtype=np.int64), *(b.ids for b in every)])
    at = np.flatnonzero(np.isin(ids, picked))  # positions in the blocks laid end to end
    starts = np.cumsum([0, *(len(b.ids) for b in every)])  # (blocks + 1,)
    owner = np.searchsorted(starts, at, side="right") - 1  # the block of each position
    rows = [
        every[b].rows[k - int(starts[b])] for b, k in zip(owner.tolist(), at.tolist(), strict=True)
    ]  # fmt: skip
    rows.sort(key=lambda r: (r.course_id, r.skill_id))
    unnamed = {r.provider_id for r in rows if r.provider_id is not None} - set(names)
    names.update(_provider_names(session, unnamed, cache))
    by_id = {o.course_id: o for o in _options(rows, names, person, limits, day)}
    return {skill_id: [by_id[int(c)] for c in chosen[skill_id]] for skill_id in wanted}


def _km_to_places(person: Person, blocks: Iterable[SkillCourses]) -> FloatArray:
    """km from ``person`` to every place numbered so far that ``blocks`` hold (NaN unknown or
    not asked), indexed by the place's number: one distance per place, not per course."""
    held = [b.places for b in blocks if b.places.size]
    places = np.unique(np.concatenate(held)) if held else np.zeros(0, dtype=np.int32)
    out = np.full(int(places[-1]) + 1 if places.size else 0, np.nan)
    found = _PLACES.km_from(person.ubigeo, places)
    out[places] = np.fromiter(found.values(), dtype=np.float64, count=len(found))
    return out


def _best(
    block: SkillCourses, limits: CourseConstraints, per_skill: int, km: FloatArray
) -> npt.NDArray[np.intp]:
    """Indexes of ``block``'s best courses, best first (at most ``per_skill``; all when
    ``per_skill <= 0``): the order of :meth:`CourseOption.sort_key` then course id, with
    :func:`violations` deciding what fits. ``km``: :func:`_km_to_places` of the person."""
    return _best_of([block], limits, per_skill, km)[0]


def _best_of(
    blocks: Sequence[SkillCourses], limits: CourseConstraints, per_skill: int, km: FloatArray
) -> list[npt.NDArray[np.intp]]:
    """:func:`_best` of every block at once: one pass of numpy over all their courses (the
    blocks laid end to end, ranked by block first, then as :func:`_best` ranks one), instead of
    one per skill."""
    sizes = np.array([len(b.ids) for b in blocks], dtype=np.intp)  # (m,)
    total = int(sizes.sum())
    if total == 0:
        return [np.zeros(0, dtype=np.intp) for _ in blocks]
    starts = np.cumsum(sizes) - sizes  # (m,) where each block begins
    group = np.repeat(np.arange(len(blocks)), sizes)  # (total,) the block of each course
    ids = np.concatenate([b.ids for b in blocks])
    cost = np.concatenate([b.cost for b in blocks])
    hours = np.concatenate([b.hours for b in blocks])
    place = np.concatenate([b.place for b in blocks])
    dist = np.where(place >= 0, km[np.maximum(place, 0)] if km.size else np.nan, np.nan)
    blocked = np.zeros(total, dtype=bool)
    if limits.budget is not None:
        budget = limits.budget  # compared as Decimals, as violations() does
        blocked |= np.array(
            [
                (Decimal("0") if r.is_free else Decimal(r.cost or 0)) > budget
                for b in blocks
                for r in b.rows
            ],
            dtype=bool,
        )
    if limits.hours_per_week is not None:
        per_week = np.concatenate([b.per_week for b in blocks])
        with np.errstate(invalid="ignore"):
            blocked |= per_week > limits.hours_per_week + 1e-9
    if limits.modalities is not None:
        allowed = np.array([m in limits.modalities for m in _MODALITIES], dtype=bool)
        blocked |= ~allowed[np.concatenate([b.modality for b in blocks])]
    if limits.max_distance_km is not None:
        with np.errstate(invalid="ignore"):
            blocked |= dist > limits.max_distance_km
    near = np.where(np.isnan(dist), 0.0, dist)  # unknown or online counts as 0
    order = np.lexsort((ids, near, hours, cost, blocked, group))  # (total,) block by block
    local = order - np.repeat(starts, sizes)  # each course's index within its block
    if per_skill > 0:
        kept = np.arange(total) - np.repeat(starts, sizes) < per_skill  # rank within block
        ends = np.cumsum(np.minimum(sizes, per_skill))
        return np.split(local[kept], ends[:-1])
    return np.split(local, np.cumsum(sizes)[:-1])


def weeks_for(option: CourseOption, hours_per_week: float | None) -> int:
    """Calendar weeks a course takes: its own ``weeks``, else its hours at the person's pace.

    Args:
        option: the course.
        hours_per_week: the person's weekly study hours (``None``: assume 10).

    Returns:
        Whole weeks, at least 1.
    """
    if option.weeks:
        return option.weeks
    pace = hours_per_week if hours_per_week and hours_per_week > 0 else 10.0
    return max(1, math.ceil(option.hours / pace))
