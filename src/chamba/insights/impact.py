"""Training impact: what happens to people after they complete a course, against similar people
who did not — an **observational** comparison, never a causal estimate.

Decisions:

- **Completion** of a course: a ``completed`` course interaction, or a certified skill
  (``PersonSkill.source = certified``) that names the course; the earliest of the two counts.
  A person in the cohort is counted once, at their first completion matching the filters.
- **Outcomes** within ``window_days`` after completion: *applied* (an application created, or an
  ``applied`` job interaction) and *hired* (an application moved to ``hired``, or a ``hired``
  job interaction such as an external job reported by the person).
- **Follow-up**: people whose window has not ended by ``as_of`` are left out (counted in
  ``follow_up_incomplete``), so recent graduates do not drag the rates down.
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
  provider, a course or a department are shown only as they are among their siblings in the
  report without that filter (a provider next to a small one cannot see its own count).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.insights import repository as repo
from chamba.insights.common import protect, rate, suppress, suppress_chain
from chamba.insights.schemas import MIN_GROUP, CourseOutcome, ImpactReport, OutcomeGroup
from chamba.insights.windows import closed_window, month_index, month_start

__all__ = ["OBSERVATIONAL_NOTE", "impact"]

OBSERVATIONAL_NOTE: Final = (
    "Observational comparison, not a causal effect: people who complete a course may differ "
    "from the comparison group (same department and education, no course completed, same "
    "period) in ways the data do not record, such as motivation or contacts. / Comparación "
    "observacional, no un efecto causal."
)
DEFAULT_WINDOW_DAYS: Final = 180

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


def _chain(
    rows: list[repo.Completion], events: Events, when: datetime, window: timedelta
) -> list[int]:
    """People (by their first completion whose follow-up is over), and of them how many applied
    and were hired within ``window`` after it."""
    first: dict[int, repo.Completion] = {}
    for r in rows:
        if _aware(r.completed_at) + window <= when and (
            r.person_id not in first or r.completed_at < first[r.person_id].completed_at
        ):
            first[r.person_id] = r
    applied = hired = 0
    for c in first.values():
        start = _aware(c.completed_at)
        applied += _did(events, c.person_id, "applied", start, start + window)
        hired += _did(events, c.person_id, "hired", start, start + window)
    return [len(first), applied, hired]


def _as_part(
    session: Session,
    dimension: str,
    *,
    course_id: int | None,
    provider_id: int | None,
    region: str | None,
    since: datetime | None,
    until: datetime | None,
    when: datetime,
    window: timedelta,
    min_group: int,
) -> list[int | None] | None:
    """The completers' counts as the report without the ``dimension`` filter would show them
    among their siblings (``insights.common.protect``); ``None`` when that filter is not set.
    Regions are parts of Peru by department (2 digits); a finer region is not checked here."""
    if dimension == "course":
        value: object = course_id
        course_id = None
    elif dimension == "provider":
        value, provider_id = provider_id, None
    else:
        value, region = region, None
        if value is not None and len(str(value)) != 2:
            return None
    if value is None:
        return None
    rows = repo.completions(
        session, course_id=course_id, provider_id=provider_id, region=region, since=since,
        until=until,
    )  # fmt: skip
    events: Events = defaultdict(list)
    for pid, kind, at in repo.outcome_events(session, {r.person_id for r in rows}):
        events[pid].append((kind, at))
    if dimension == "provider":
        owners = repo.course_titles(session, {r.course_id for r in rows})
        key = {r.course_id: owners.get(r.course_id, ("", None))[1] for r in rows}
    groups: dict[object, list[repo.Completion]] = defaultdict(list)
    for r in rows:
        if dimension == "course":
            groups[r.course_id].append(r)
        elif dimension == "provider":
            groups[key[r.course_id]].append(r)
        elif r.department is not None:
            groups[r.department].append(r)
    if value not in groups:
        return [0, 0, 0]
    codes = sorted(groups, key=str)
    parts = [_chain(groups[c], events, when, window) for c in codes]
    cells = protect(parts, _chain(rows, events, when, window), min_group)
    return cells[codes.index(value)]


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)


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
        window_days: follow-up after completion, in days (1..730).
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
    if not 1 <= window_days <= 730:
        raise InvalidInput(f"window_days must be between 1 and 730, got {window_days}")
    if region is not None and not (region.isdigit() and len(region) in (2, 4, 6)):
        raise InvalidInput(f"region must be a 2, 4 or 6 digit ubigeo prefix, got {region!r}")
    # Whole, closed months (chamba.insights.windows): completions in whole months, followed up
    # to the start of the month of ``as_of``, so a report does not change within a month.
    when = month_start(month_index(as_of or datetime.now(UTC)))
    months = closed_window(since, until, now=when)
    since, until = months.since, months.until
    window = timedelta(days=window_days)
    rows = repo.completions(
        session,
        course_id=course_id,
        provider_id=provider_id,
        region=region,
        since=since,
        until=until,
    )
    done = [r for r in rows if _aware(r.completed_at) + window <= when]
    first: dict[int, repo.Completion] = {}
    for r in done:
        if r.person_id not in first or r.completed_at < first[r.person_id].completed_at:
            first[r.person_id] = r
    waiting = {r.person_id for r in rows} - set(first)
    events: Events = defaultdict(list)
    for pid, kind, at in repo.outcome_events(session, first):
        events[pid].append((kind, at))

    def outcomes(items: list[repo.Completion]) -> tuple[int, int, int]:
        applied = hired = 0
        for c in items:
            start = _aware(c.completed_at)
            applied += _did(events, c.person_id, "applied", start, start + window)
            hired += _did(events, c.person_id, "hired", start, start + window)
        return len(items), applied, hired

    completers_raw = outcomes(list(first.values()))
    completers_cells = suppress_chain(completers_raw, min_group)
    # A filtered report's completers are a part of the report without that filter (a
    # provider's among all providers, a course's among all courses, a department's among all
    # departments): as hidden there as here, or the total minus the other parts would give a
    # hidden one away.
    for dimension in ("provider", "course", "region"):
        cells = _as_part(
            session, dimension, course_id=course_id, provider_id=provider_id, region=region,
            since=since, until=until, when=when, window=window, min_group=min_group,
        )  # fmt: skip
        if cells is not None:
            completers_cells = [
                None if a is None or b is None else a
                for a, b in zip(completers_cells, cells, strict=True)
            ]
    completers = _shown(completers_cells)

    strata: dict[tuple[str | None, str | None], list[datetime]] = defaultdict(list)
    for c in first.values():
        strata[(c.department, c.education)].append(_aware(c.completed_at))
    used = people = applied = hired = 0
    applied_sum = hired_sum = 0.0
    for (dept, edu), dates in sorted(strata.items(), key=lambda kv: str(kv[0])):
        start = sorted(dates)[(len(dates) - 1) // 2]
        n, a, h = repo.comparison_counts(
            session, department=dept, education=edu, start=start, end=start + window
        )
        if n < min_group:
            continue
        weight = len(dates)
        used += weight
        people, applied, hired = people + n, applied + a, hired + h
        applied_sum += weight * a / n
        hired_sum += weight * h / n
    base = _group(people, applied, hired, min_group)
    comparison = base.model_copy(
        update={
            # a rate over visible counts only: with one stratum, rate x people is the count
            "applied_rate": round(applied_sum / used, 4)
            if used and base.applied is not None
            else None,
            "hired_rate": round(hired_sum / used, 4) if used and base.hired is not None else None,
        }
    )

    by_course: dict[int, list[repo.Completion]] = defaultdict(list)
    for r in done:
        by_course[r.course_id].append(r)
    titles = repo.course_titles(session, by_course)
    course_ids = sorted(by_course)
    # The courses' graduates are parts of the published completers (overlapping when someone
    # completed two): no hidden course may be recovered by subtraction (insights.common.protect).
    course_cells = protect(
        [list(outcomes(by_course[cid])) for cid in course_ids], list(completers_raw), min_group,
        total_shown=completers_cells,
    )  # fmt: skip
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
        follow_up_incomplete=suppress(len(waiting), min_group),
        courses=courses,
    )
