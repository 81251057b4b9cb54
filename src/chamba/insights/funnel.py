"""The placement funnel: how many people go from a recommendation to a job (or a course).

Decisions:

- **Source**: the interaction log (``shown``, ``opened``, ``applied``, ``interviewed``, ``hired``
  on jobs; ``shown``, ``enrolled``, ``completed`` on courses). Applying logs ``applied`` and
  an employer's moves log ``interviewed`` and ``hired`` (see ``chamba.activity.service``), so
  the log covers applications made on the platform.
- **People, furthest stage**: each person counts once, at every stage up to the furthest one
  they reached in the window (someone hired counts as shown, opened, applied and interviewed
  too, even when an earlier step was not logged). Counts therefore never grow down the funnel,
  and rates stay in 0..1.
- **Regions** are the person's department (first two ubigeo digits). People without a place,
  and people who erased their data (pseudonymous interactions only), count in the overall
  funnel but in no region.
- ``occupation`` narrows the *job* funnel to jobs of that occupation; the course funnel is
  unaffected by it.
- **Privacy** (design §7): a count from 1 to ``min_group - 1`` is ``None`` with ``suppressed``,
  and so is every later stage of the same funnel (a zero after a hidden count would say what
  nobody of a small group did); a rate that needs a hidden count is ``None``. Regions without
  any activity are left out. Regions are parts of the total (``insights.common.protect``); a
  region asked for alone (``region``) is shown as it is among its siblings (the departments of
  Peru, the provinces of its department...).
- **Windows** are whole, closed calendar months (UTC), and a count is hidden where a window
  sharing an end with it differs by a few people (:mod:`chamba.insights.windows`); the
  report's ``since``/``until`` are the months counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from chamba.activity.models import InteractionKind, SubjectType
from chamba.errors import InvalidInput
from chamba.insights import repository as repo
from chamba.insights.common import protect, rate, region_name, suppress_chain
from chamba.insights.schemas import (
    ALL_REGIONS,
    MIN_GROUP,
    FunnelGroup,
    FunnelReport,
    StageCount,
)
from chamba.insights.windows import Activity, Window, closed_window, hide_after

__all__ = ["funnel", "stages"]


def _check(
    region: str | None, since: datetime | None, until: datetime | None, min_group: int
) -> None:
    if min_group < 1:
        raise InvalidInput(f"min_group must be at least 1, got {min_group}")
    if region is not None and not (region.isdigit() and len(region) in (2, 4, 6)):
        raise InvalidInput(f"region must be a 2, 4 or 6 digit ubigeo prefix, got {region!r}")
    if since is not None and until is not None and since >= until:
        raise InvalidInput("since must be before until")


def cumulative(reached: dict[int, int], count: int) -> list[int]:
    """People at each of ``count`` stages or later, from ``{furthest stage index: people}``."""
    return [sum(n for s, n in reached.items() if s >= i) for i in range(count)]


def stages(
    reached: dict[int, int],
    names: Sequence[InteractionKind],
    min_group: int,
    shown: list[int | None] | None = None,
) -> list[StageCount]:
    """Cumulative stage counts from ``{furthest stage index: people}``, suppressed and rated
    (``shown``: counts already suppressed, e.g. by :func:`~chamba.insights.common.protect`)."""
    if shown is None:
        shown = suppress_chain(cumulative(reached, len(names)), min_group)
    return [
        StageCount(
            stage=str(name),
            people=shown[i],
            suppressed=shown[i] is None,
            rate_from_previous=rate(shown[i], shown[i - 1]) if i else None,
            rate_from_start=rate(shown[i], shown[0]) if i else None,
        )
        for i, name in enumerate(names)
    ]


def funnel(
    session: Session,
    *,
    region: str | None = None,
    occupation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = MIN_GROUP,
) -> FunnelReport:
    """People at each stage of the job and course funnels, overall and per department.

    Args:
        session: database session.
        region: only people living in this ubigeo prefix (2, 4 or 6 digits).
        occupation: only jobs of this occupation id (job funnel only).
        since: interactions at or after this moment (from the start of its month).
        until: interactions before this moment (to the end of its month; at most the start of
            the current month, which is also the default).
        min_group: smallest count shown (design §7).

    Returns:
        A :class:`FunnelReport`: ``overall`` (region ``"ALL"``) and one group per department
        with any activity, sorted by code.

    Raises:
        InvalidInput: on a malformed region, an empty window or ``min_group`` < 1.

    Example:
        >>> report = funnel(session, region="11")  # doctest: +SKIP
        >>> [(s.stage, s.people) for s in report.overall.jobs]  # doctest: +SKIP
        [('shown', 240), ('opened', 120), ('applied', 45), ('interviewed', 20), ('hired', None)]
    """
    _check(region, since, until, min_group)
    window = closed_window(since, until)
    jobs, courses = (
        _activity(session, subject, names, region, occupation, window)
        for subject, names in (
            (SubjectType.JOB, repo.JOB_STAGES), (SubjectType.COURSE, repo.COURSE_STAGES)
        )
    )  # fmt: skip
    scope = [
        p for p in set(jobs.people) | set(courses.people)
        if region is None or (jobs.ubigeo.get(p) or courses.ubigeo.get(p) or "").startswith(region)
    ]  # fmt: skip
    depts = sorted({c for p in scope if (c := _dept(jobs, courses, p)) is not None})
    members = {c: [p for p in scope if _dept(jobs, courses, p) == c] for c in depts}
    codes = [  # departments with someone in the window
        c for c in depts
        if any(jobs.activity.counts(members[c], window))
        or any(courses.activity.counts(members[c], window))
    ]  # fmt: skip

    def cells(activity: _Activity) -> tuple[list[int | None], dict[str, list[int | None]]]:
        """The report's total and its departments, shown."""
        if region is not None:
            total_shown = _as_part(activity, region, window, min_group)
            return total_shown, dict.fromkeys(codes, total_shown)  # one department: the total
        total, total_shown = _cell(activity, scope, window, min_group)
        if not codes:
            return total_shown, {}
        pairs = [_cell(activity, members[c], window, min_group) for c in codes]
        raw, shown = [r for r, _ in pairs], [x for _, x in pairs]
        # Departments are parts of the published total: no hidden cell (nor the people in no
        # region) may be recovered by subtraction, nor its change since an older window.
        moved = _moved(activity, [members[c] for c in codes], scope, window, min_group)
        protected = protect(
            raw, total, min_group, shown=shown, total_shown=total_shown, moved=moved
        )
        return total_shown, dict(zip(codes, protected, strict=True))

    job_total, job_cells = cells(jobs)
    course_total, course_cells = cells(courses)

    def group(code: str, job: list[int | None], course: list[int | None]) -> FunnelGroup:
        return FunnelGroup(
            region_code=code,
            region_name=region_name(code),
            jobs=stages({}, repo.JOB_STAGES, min_group, job),
            courses=stages({}, repo.COURSE_STAGES, min_group, course),
        )

    return FunnelReport(
        since=window.since,
        until=window.until,
        region=region,
        occupation=occupation,
        min_group=min_group,
        # Filtered to a region, the total is that region's (not "all of Peru").
        overall=group(region or ALL_REGIONS, job_total, course_total),
        regions=[group(c, job_cells[c], course_cells[c]) for c in codes],
    )


@dataclass
class _Activity:
    """One funnel's person-months, and each person's ubigeo."""

    activity: Activity
    ubigeo: dict[str, str | None]

    @property
    def people(self) -> dict[str, list[list[int]]]:
        return self.activity.months


def _activity(
    session: Session,
    subject: SubjectType,
    names: Sequence[InteractionKind],
    region: str | None,
    occupation: str | None,
    window: Window,
) -> _Activity:
    """Everyone's months in the funnel of ``subject``, under ``region``'s parent (its siblings
    are needed to protect it, see :func:`_as_part`)."""
    parent = region[:-2] or None if region is not None else None
    activity = Activity(len(names))
    ubigeo: dict[str, str | None] = {}
    for key, code, month, stage in repo.funnel_months(
        session, subject_type=subject, stages=names, region=parent, occupation=occupation,
        until=window.closed,
    ):  # fmt: skip
        activity.add(key, month, stage)
        ubigeo[key] = code
    activity.freeze()
    return _Activity(activity, ubigeo)


def _dept(jobs: _Activity, courses: _Activity, person: str) -> str | None:
    code = jobs.ubigeo.get(person) or courses.ubigeo.get(person)
    return code[:2] if code else None


def _cell(
    activity: _Activity, people: Sequence[str], window: Window, min_group: int
) -> tuple[list[int], list[int | None]]:
    """The true counts of ``people`` in ``window`` and the shown ones: small counts and the
    counts after them hidden, and so are those a neighbouring window would give away."""
    members = [p for p in people if p in activity.people]
    raw = activity.activity.counts(members, window)
    shown = hide_after(
        suppress_chain(raw, min_group), activity.activity.differs_by_few(members, window, min_group)
    )
    return raw, shown


def _as_part(activity: _Activity, region: str, window: Window, min_group: int) -> list[int | None]:
    """``region``'s counts as its parent's report would show them among its siblings (the
    provinces of its department, the departments of Peru): a region asked for alone is no
    less hidden than as a part, or the parent's total minus the other parts would give a hidden
    sibling away."""
    size = len(region)
    siblings: dict[str, list[str]] = {}
    for p, code in activity.ubigeo.items():
        if code and len(code) >= size:
            siblings.setdefault(code[:size], []).append(p)
    everyone = list(activity.people)
    total, total_shown = _cell(activity, everyone, window, min_group)
    if region not in siblings:
        return [0] * activity.activity.stages  # nobody there
    codes = sorted(siblings)
    pairs = [_cell(activity, siblings[c], window, min_group) for c in codes]
    raw, shown = [r for r, _ in pairs], [x for _, x in pairs]
    moved = _moved(activity, [siblings[c] for c in codes], everyone, window, min_group)
    protected = protect(raw, total, min_group, shown=shown, total_shown=total_shown, moved=moved)
    return protected[codes.index(region)]


def _moved(
    activity: _Activity,
    groups: Sequence[Sequence[str]],
    everyone: Sequence[str],
    window: Window,
    min_group: int,
) -> Callable[[frozenset[int]], list[bool]]:
    """For :func:`~chamba.insights.common.protect`: do the people of the ``hidden`` groups and
    of no group, together, differ by a few from their count over a window sharing an end?"""
    placed = {p for g in groups for p in g}
    unplaced = [p for p in everyone if p not in placed and p in activity.people]
    cache: dict[frozenset[int], list[bool]] = {}

    def moved(hidden: frozenset[int]) -> list[bool]:
        if hidden not in cache:
            people = [p for g in sorted(hidden) for p in groups[g] if p in activity.people]
            cache[hidden] = activity.activity.differs_by_few(people + unplaced, window, min_group)
        return cache[hidden]

    return moved
