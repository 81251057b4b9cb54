"""Training impact: what happens to people after they complete a course, against similar people
who did not — an **observational** comparison, never a causal estimate.

Decisions:

- **Completion** of a course: a ``completed`` course interaction, or a certified skill
  (``PersonSkill.source = certified``) that names the course; the earliest of the two counts.
  A person in the cohort is counted once, however many completions matching the filters.
- **Outcomes** within ``window_days`` after completion: *applied* (an application created, or an
  ``applied`` job interaction) and *hired* (an application moved to ``hired``, or a ``hired``
  job interaction such as an external job reported by the person); a completer counts as
  applied (hired) when that followed any of their completions in the window, and a hire counts
  as an application too (the furthest-stage rule of the funnel), so the counts nest.
- **Follow-up**: ``window_days`` is one of :data:`FOLLOW_UP_DAYS` (30, 90, 180, 365); a
  count that differs by a few from the same count with a shorter follow-up of the menu is
  hidden (two free lengths, 180 and 181 days, would single out the people whose outcome fell
  on day 181). A month's completions count once ``window_days`` after the month's end have
  passed by the start of the month of ``as_of``; the others are left out (counted in
  ``follow_up_incomplete``), so recent graduates do not drag the rates down, and completers
  are always whole months (two follow-ups a day apart never single out a day's graduates).
- **Comparison group**: people who never completed a course, in the same stratum (department ×
  education level) as completers, registered by the stratum's reference date — the median
  completion date of the stratum's completers — and followed over the same window from that
  date ("the same period"). Its rates are *standardised*: averaged over strata with the
  completers' weights, so a region or education mix does not masquerade as an effect. Strata
  with fewer than ``min_group`` comparison people are not used (design §7);
  ``comparison_coverage`` is the share of completers whose stratum was used.
- **Privacy** (design §7): every count from 1 to ``min_group - 1`` is ``None`` (``suppressed``),
  and so are the outcome counts of a hidden group (see ``suppress_chain``); rates and
  differences built on a hidden count are ``None``. The course rows are parts of the
  completers: where a hidden course could be recovered by subtracting the others from the
  completers, more courses are hidden (``insights.common.protect``). Completers filtered by a
  provider, a course or a region are shown only as they are among their siblings in the
  report without that filter (a provider next to a small one cannot see its own count); a
  region among its parent's regions (a province among its department's). Completers are
  windows of months: a count that differs by a few from a window sharing one of its ends is
  hidden (:mod:`chamba.insights.windows`), and so are the comparison group's counts where the
  completers of any older window (not only one sharing an end: its medians move either way)
  give a comparison group that differs by a few;
  ``follow_up_incomplete`` follows the same rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.insights import repository as repo
from chamba.insights.common import protect, rate, suppress, suppress_chain
from chamba.insights.schemas import MIN_GROUP, CourseOutcome, ImpactReport, OutcomeGroup
from chamba.insights.windows import (
    Activity,
    Window,
    closed_window,
    hide_after,
    month_index,
    month_start,
)

__all__ = ["FOLLOW_UP_DAYS", "OBSERVATIONAL_NOTE", "impact"]

OBSERVATIONAL_NOTE: Final = (
    "Observational comparison, not a causal effect: people who complete a course may differ "
    "from the comparison group (same department and education, no course completed, same "
    "period) in ways the data do not record, such as motivation or contacts. / Comparación "
    "observacional, no un efecto causal."
)
DEFAULT_WINDOW_DAYS: Final = 180
FOLLOW_UP_DAYS: Final = (30, 90, 180, 365)
"""The follow-ups a report may use, in days after a course: a free length would let two
nearly equal ones (180 and 181 days) single out the people whose outcome fell between them."""

Events = dict[int, list[tuple[str, datetime]]]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _did(events: Events, person_id: int, kind: str, start: datetime, end: datetime) -> bool:
    return any(k == kind and start <= _aware(at) < end for k, at in events.get(person_id, ()))


def _group(people: int, applied: int, hired: int, min_group: int) -> OutcomeGroup:
    return _shown(suppress_chain((people, applied, hired), min_group))


def _shown(counts: list[int | None]) -> OutcomeGroup:
    n, a, h = counts
    return OutcomeGroup(
        people=n,
        applied=a,
        hired=h,
        applied_rate=rate(a, n),
        hired_rate=rate(h, n),
        suppressed=None in (n, a, h),
    )


def _followed_until(when: datetime, window: timedelta) -> int:
    """The first month whose completions' follow-up is not over by ``when``: a month counts
    only when ``window`` after its last day has passed, so the completers are whole months
    whatever ``window_days`` a reader picks (a follow-up of 180 against 181 days does not
    single out one day's graduates)."""
    return month_index(when - window)


def _month(moment: datetime) -> str:
    index = month_index(_aware(moment))
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _activity(rows: list[repo.Completion], events: Events, end: int, window: timedelta) -> Activity:
    """Each person's months of completion (those whose follow-up is over, before month
    ``end``) and what followed each within ``window``: applied (stage 1) or hired (stage 2),
    the furthest-stage rule of :class:`~chamba.insights.windows.Activity`."""
    activity = Activity(3)
    for r in rows:
        at = _aware(r.completed_at)
        if month_index(at) >= end:
            continue
        hired = _did(events, r.person_id, "hired", at, at + window)
        applied = hired or _did(events, r.person_id, "applied", at, at + window)
        activity.add(str(r.person_id), _month(at), 2 if hired else int(applied))
    activity.freeze()
    return activity


def _cell(
    rows: list[repo.Completion],
    events: Events,
    followed: Window,
    done: int,
    window: timedelta,
    min_group: int,
) -> tuple[list[int], list[int | None]]:
    """The true ``(completers, applied, hired)`` of ``rows`` in ``followed`` and the shown ones:
    small counts (and the counts after them) hidden, and so are those that a window of months
    sharing an end with ``followed`` would give away (:mod:`chamba.insights.windows`); the
    completions of month ``done`` on are still followed up and never counted."""
    activity = _activity(rows, events, done, window)
    people = list(activity.months)
    raw = activity.counts(people, followed)
    flags = activity.differs_by_few(people, followed, min_group)
    return raw, hide_after(suppress_chain(raw, min_group), flags)


def _both(shown: list[int | None], other: list[int | None] | None) -> list[int | None]:
    """``shown`` with the cells hidden in ``other`` hidden too."""
    if other is None:
        return shown
    return [None if b is None else a for a, b in zip(shown, other, strict=True)]


def _as_part(
    session: Session,
    dimension: str,
    *,
    course_id: int | None,
    provider_id: int | None,
    region: str | None,
    followed: Window,
    done: int,
    window: timedelta,
    min_group: int,
) -> list[int | None] | None:
    """The completers' counts as the report without the ``dimension`` filter would show them
    among their siblings (``insights.common.protect``); ``None`` when that filter is not set.
    A region is a part of its parent: a department of Peru, a province of its department, a
    district of its province (the check the demand report makes of its provinces)."""
    parent: str | None = None
    if dimension == "course":
        value: object = course_id
        course_id = None
    elif dimension == "provider":
        value, provider_id = provider_id, None
    else:
        value = region
        parent = None if region is None else region[:-2] or None
        region = parent
    if value is None:
        return None
    rows = repo.completions(
        session, course_id=course_id, provider_id=provider_id, region=region, since=None,
        until=followed.closed,
    )  # fmt: skip
    events: Events = defaultdict(list)
    for pid, kind, at in repo.outcome_events(session, {r.person_id for r in rows}):
        events[pid].append((kind, at))
    if dimension == "provider":
        owners = repo.course_titles(session, {r.course_id for r in rows})
        key = {r.course_id: owners.get(r.course_id, ("", None))[1] for r in rows}
    size = len(str(value))
    groups: dict[object, list[repo.Completion]] = defaultdict(list)
    for r in rows:
        if dimension == "course":
            groups[r.course_id].append(r)
        elif dimension == "provider":
            groups[key[r.course_id]].append(r)
        elif r.ubigeo is not None and len(r.ubigeo) >= size:
            groups[r.ubigeo[:size]].append(r)
    if value not in groups:
        return [0, 0, 0]
    codes = sorted(groups, key=str)
    pairs = [_cell(groups[c], events, followed, done, window, min_group) for c in codes]
    total, total_shown = _cell(rows, events, followed, done, window, min_group)
    if dimension == "region" and parent is not None:
        # the parent is itself a part of its own parent: where it is hidden as such, its
        # regions must not add up to it either
        above = _as_part(
            session, dimension, course_id=course_id, provider_id=provider_id, region=parent,
            followed=followed, done=done, window=window, min_group=min_group,
        )  # fmt: skip
        total_shown = _both(total_shown, above)
    cells = protect(
        [r for r, _ in pairs], total, min_group, shown=[x for _, x in pairs],
        total_shown=total_shown,
    )  # fmt: skip
    return cells[codes.index(value)]


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)


def _pending(
    rows: list[repo.Completion], months: Window, done: int, min_group: int, value: int
) -> int | None:
    """``value``, the people who completed in ``months`` with no completion whose follow-up is
    over (those of month ``done`` on are still followed up), as shown: hidden when small or
    when it differs by a few from the same count over a window of months sharing an end."""
    started, finished = Activity(1), Activity(1)
    for r in rows:
        at = _aware(r.completed_at)
        started.add(str(r.person_id), _month(at), 0)
        if month_index(at) < done:
            finished.add(str(r.person_id), _month(at), 0)
    started.freeze()
    finished.freeze()
    people = list(started.months)

    def pending(start: int | None, end: int) -> int:
        whole = started.counts(people, Window(start, end, months.now))[0]
        return whole - finished.counts(people, Window(start, min(end, done), months.now))[0]

    lowest = started.first if started.first is not None else months.end
    others = [pending(months.start, end) for end in range(lowest, months.now + 1)]
    others += [pending(start, months.end) for start in range(lowest, months.end)]
    if any(0 < abs(other - value) < min_group for other in others):
        return None
    return suppress(value, min_group)


class _Comparison:
    """The comparison group of a set of completers, computed in memory so that every window of
    months can be compared with the report's (see the module doc)."""

    def __init__(
        self,
        pool: dict[tuple[str | None, str | None], list[tuple[datetime, int]]],
        events: Events,
        window: timedelta,
        min_group: int,
    ) -> None:
        self.pool, self.events, self.window, self.min_group = pool, events, window, min_group
        self._cache: dict[tuple[tuple[str | None, str | None], datetime], tuple[int, int, int]] = {}

    def stratum(self, key: tuple[str | None, str | None], start: datetime) -> tuple[int, int, int]:
        """People of stratum ``key`` registered by ``start``; of them, who applied and who was
        hired in ``[start, start + window)``."""
        found = self._cache.get((key, start))
        if found is None:
            members = self.pool.get(key, [])
            chosen = [pid for registered, pid in members if registered <= start]
            end = start + self.window
            found = (
                len(chosen),
                sum(_did(self.events, pid, "applied", start, end) for pid in chosen),
                sum(_did(self.events, pid, "hired", start, end) for pid in chosen),
            )
            self._cache[(key, start)] = found
        return found

    def counts(
        self, firsts: Iterable[repo.Completion]
    ) -> tuple[tuple[int, int, int], int, float, float]:
        """``((people, applied, hired), used, applied_sum, hired_sum)`` over the strata of the
        completers ``firsts`` (one completion per person) with enough comparison people."""
        strata: dict[tuple[str | None, str | None], list[datetime]] = defaultdict(list)
        for c in firsts:
            strata[(c.department, c.education)].append(_aware(c.completed_at))
        used = people = applied = hired = 0
        applied_sum = hired_sum = 0.0
        for key, dates in sorted(strata.items(), key=lambda kv: str(kv[0])):
            start = sorted(dates)[(len(dates) - 1) // 2]
            n, a, h = self.stratum(key, start)
            if n < self.min_group:
                continue
            weight = len(dates)
            used += weight
            people, applied, hired = people + n, applied + a, hired + h
            applied_sum += weight * a / n
            hired_sum += weight * h / n
        return (people, applied, hired), used, applied_sum, hired_sum

    def differs_by_few(
        self,
        rows: list[repo.Completion],
        followed: Window,
        done: int,
        value: tuple[int, int, int],
    ) -> list[bool]:
        """For each of people, applied, hired: does the comparison of the completers of an
        older window of months than ``followed`` (one that ends earlier, or ends with it and
        starts earlier) differ by 1 to ``min_group - 1``? Of any two windows the one that
        ends (or, with the same end, starts) later is hidden, so no two shown comparison
        groups differ by a few."""
        months = sorted({month_index(_aware(r.completed_at)) for r in rows})
        lowest = months[0] if months else followed.end
        # Every older window: one that ends earlier (whatever its start), or ends with this one
        # and starts earlier. These counts do not nest (a stratum's median moves either way),
        # so the windows sharing an end are not enough: two windows with no common end can
        # have medians a few registrations apart.
        windows: list[tuple[int | None, int]] = [
            (start, end)
            for end in range(lowest + 1, followed.end)
            for start in (None, *range(lowest, end))
        ]
        windows += [(start, followed.end) for start in followed.earlier_starts(lowest)]
        out = [False, False, False]
        for start, end in windows:
            first: dict[int, repo.Completion] = {}
            for r in rows:
                m = month_index(_aware(r.completed_at))
                if (
                    (start is None or m >= start)
                    and m < min(end, done)
                    and (
                        r.person_id not in first or r.completed_at < first[r.person_id].completed_at
                    )
                ):
                    first[r.person_id] = r
            other = self.counts(first.values())[0]
            for i in range(3):
                out[i] = out[i] or 0 < abs(other[i] - value[i]) < self.min_group
        return out


def _moved(value: list[int], others: list[list[int]], min_group: int) -> list[bool]:
    """For each stage: does ``value`` differ by 1 to ``min_group - 1`` from any of ``others``
    (the same counts over another follow-up)?"""
    return [any(0 < abs(o[i] - v) < min_group for o in others) for i, v in enumerate(value)]


class _FollowUp:
    """The true counts of one report over one follow-up of the menu: the completers (whole
    months whose follow-up is over), each course's graduates and outcomes, the comparison
    group, and who still waits for their follow-up."""

    def __init__(
        self,
        every: list[repo.Completion],
        events: Events,
        pool: dict[tuple[str | None, str | None], list[tuple[datetime, int]]],
        months: Window,
        when: datetime,
        days: int,
        min_group: int,
    ) -> None:
        window = timedelta(days=days)
        self.done_end = _followed_until(when, window)
        self.followed = Window(months.start, min(months.end, self.done_end), months.now)
        rows = [
            r for r in every
            if (months.start is None or month_index(_aware(r.completed_at)) >= months.start)
            and month_index(_aware(r.completed_at)) < months.end
        ]  # fmt: skip
        self.done = [r for r in rows if month_index(_aware(r.completed_at)) < self.followed.end]
        self.first: dict[int, repo.Completion] = {}
        for r in self.done:
            known = self.first.get(r.person_id)
            if known is None or r.completed_at < known.completed_at:
                self.first[r.person_id] = r
        self.waiting = {r.person_id for r in rows} - set(self.first)
        activity = _activity(every, events, self.done_end, window)
        self.completers = activity.counts(list(activity.months), self.followed)
        grouped: dict[int, list[repo.Completion]] = defaultdict(list)
        for r in self.done:
            grouped[r.course_id].append(r)
        self.by_course = {cid: _outcomes(items, events, window) for cid, items in grouped.items()}
        self.compare = _Comparison(pool, events, window, min_group)
        self.comparison = self.compare.counts(self.first.values())


def _outcomes(items: list[repo.Completion], events: Events, window: timedelta) -> list[int]:
    """``[completions, applied, hired]`` of ``items`` within ``window`` after each."""
    applied = hired = 0
    for c in items:
        start = _aware(c.completed_at)
        is_hired = _did(events, c.person_id, "hired", start, start + window)
        hired += is_hired
        applied += is_hired or _did(events, c.person_id, "applied", start, start + window)
    return [len(items), applied, hired]


def impact(
    session: Session,
    *,
    course_id: int | None = None,
    provider_id: int | None = None,
    region: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    as_of: datetime | None = None,
    min_group: int = MIN_GROUP,
) -> ImpactReport:
    """Application and hire rates after completing a course, against a comparison group.

    Args:
        session: database session.
        course_id: only completions of this course.
        provider_id: only completions of this provider's courses (its graduates).
        region: only people living in this ubigeo prefix.
        since: completions at or after this moment (from the start of its month).
        until: completions before this moment (to the end of its month; at most the start of
            the month of ``as_of``).
        window_days: follow-up after completion, in days: one of :data:`FOLLOW_UP_DAYS`.
        as_of: the moment of the analysis (default now, UTC), taken back to the start of its
            month; decides finished follow-ups.
        min_group: smallest count shown (design §7).

    Returns:
        An :class:`ImpactReport` with the completers, the comparison group, the differences of
        rates, and one row per course.

    Raises:
        InvalidInput: on bad arguments.

    Example:
        >>> r = impact(session, provider_id=7)  # doctest: +SKIP
        >>> r.completers.hired_rate, r.comparison.hired_rate, r.observational  # doctest: +SKIP
        (0.31, 0.18, True)
    """
    if min_group < 1:
        raise InvalidInput(f"min_group must be at least 1, got {min_group}")
    if window_days not in FOLLOW_UP_DAYS:
        raise InvalidInput(
            f"window_days must be one of {', '.join(map(str, FOLLOW_UP_DAYS))} (days of "
            f"follow-up after a course), got {window_days}"
        )
    if region is not None and not (region.isdigit() and len(region) in (2, 4, 6)):
        raise InvalidInput(f"region must be a 2, 4 or 6 digit ubigeo prefix, got {region!r}")
    # Whole, closed months (chamba.insights.windows): completions in whole months, followed up
    # to the start of the month of ``as_of``, so a report does not change within a month.
    when = month_start(month_index(as_of or datetime.now(UTC)))
    months = closed_window(since, until, now=when)
    since, until = months.since, months.until
    window = timedelta(days=window_days)
    every = repo.completions(
        session, course_id=course_id, provider_id=provider_id, region=region, since=None,
        until=months.closed,
    )  # fmt: skip
    events: Events = defaultdict(list)
    for pid, kind, at in repo.outcome_events(session, {r.person_id for r in every}):
        events[pid].append((kind, at))
    pool: dict[tuple[str | None, str | None], list[tuple[datetime, int]]] = defaultdict(list)
    for pid, dept, edu, registered in repo.comparison_pool(session):
        pool[(dept, edu)].append((_aware(registered), pid))
    for members in pool.values():
        members.sort()
    for pid, kind, at in repo.outcome_events(
        session, {pid for members in pool.values() for _, pid in members}
    ):
        events[pid].append((kind, at))
    this = _FollowUp(every, events, pool, months, when, window_days, min_group)
    # The same report over a shorter follow-up of the menu: a count here that differs from
    # its count there by a few gives away the people whose outcome (or completion month) fell
    # between the two follow-ups, so it is hidden here (the longer follow-up of the pair).
    shorter = [
        _FollowUp(every, events, pool, months, when, days, min_group)
        for days in FOLLOW_UP_DAYS
        if days < window_days
    ]
    followed, done_end, first = this.followed, this.done_end, this.first

    # Completions of whole months whose follow-up is over, counted as in any other window of
    # months: a count that a window sharing an end would give away is hidden too.
    raw, completers_cells = _cell(every, events, followed, done_end, window, min_group)
    completers_raw = (raw[0], raw[1], raw[2])
    completers_cells = hide_after(
        completers_cells, _moved(this.completers, [o.completers for o in shorter], min_group)
    )
    # A filtered report's completers are a part of the report without that filter (a
    # provider's among all providers, a course's among all courses, a region's among its
    # parent's regions): as hidden there as here, or the total minus the other parts would
    # give a hidden one away.
    for dimension in ("provider", "course", "region"):
        cells = _as_part(
            session, dimension, course_id=course_id, provider_id=provider_id, region=region,
            followed=followed, done=done_end, window=window, min_group=min_group,
        )  # fmt: skip
        completers_cells = _both(completers_cells, cells)
    completers = _shown(completers_cells)

    compare = this.compare
    (people, applied, hired), used, applied_sum, hired_sum = this.comparison
    # The comparison counts of a window are hidden where a window of months sharing one of its
    # ends gives counts that differ by a few (other medians: the people registered between).
    hidden = compare.differs_by_few(every, followed, done_end, (people, applied, hired))
    moved = _moved([people, applied, hired], [list(o.comparison[0]) for o in shorter], min_group)
    hidden = [a or b for a, b in zip(hidden, moved, strict=True)]
    base = _shown(hide_after(suppress_chain((people, applied, hired), min_group), hidden))
    comparison = base.model_copy(
        update={
            # a rate over visible counts only: with one stratum, rate x people is the count
            "applied_rate": round(applied_sum / used, 4)
            if used and base.applied is not None
            else None,
            "hired_rate": round(hired_sum / used, 4) if used and base.hired is not None else None,
        }
    )

    titles = repo.course_titles(session, this.by_course)
    course_ids = sorted(this.by_course)
    course_raw = [this.by_course[cid] for cid in course_ids]
    every_by_course: dict[int, list[repo.Completion]] = defaultdict(list)
    for r in every:
        every_by_course[r.course_id].append(r)
    course_shown = [
        _both(
            hide_after(
                suppress_chain(counts, min_group),
                _moved(counts, [o.by_course.get(cid, [0, 0, 0]) for o in shorter], min_group),
            ),
            # a course's row is a window of months like the report of that course alone: as
            # hidden here as there where a window sharing an end differs by a few
            _cell(every_by_course[cid], events, followed, done_end, window, min_group)[1],
        )
        for cid, counts in zip(course_ids, course_raw, strict=True)
    ]
    # The courses' graduates are parts of the published completers (overlapping when someone
    # completed two): no hidden course may be recovered by subtraction (insights.common.protect).
    course_cells = protect(
        course_raw, list(completers_raw), min_group, shown=course_shown,
        total_shown=completers_cells,
    )  # fmt: skip
    pending = _pending(every, months, done_end, min_group, len(this.waiting))
    if any(0 < abs(len(o.waiting) - len(this.waiting)) < min_group for o in shorter):
        pending = None
    courses = []
    for cid, cells in zip(course_ids, course_cells, strict=True):
        g = _shown(cells)
        title, provider = titles.get(cid, (str(cid), None))
        courses.append(
            CourseOutcome(
                course_id=cid,
                title=title,
                provider_id=provider,
                graduates=g.people,
                applied=g.applied,
                hired=g.hired,
                applied_rate=g.applied_rate,
                hired_rate=g.hired_rate,
                suppressed=g.suppressed,
            )
        )
    return ImpactReport(
        note=OBSERVATIONAL_NOTE,
        course_id=course_id,
        provider_id=provider_id,
        region=region,
        since=since,
        until=until,
        as_of=when,
        window_days=window_days,
        min_group=min_group,
        completers=completers,
        comparison=comparison,
        comparison_coverage=rate(used, len(first)) if completers.people else None,
        applied_rate_difference=_diff(completers.applied_rate, comparison.applied_rate),
        hired_rate_difference=_diff(completers.hired_rate, comparison.hired_rate),
        follow_up_incomplete=pending,
        courses=courses,
    )
