"""Fairness of recommendations and outcomes across genders, ages, urban/rural areas and regions.

``people`` is everyone known to the platform by the window's end (registered, or first active,
whichever came first): a count of closed months, like the others, not the live number of
accounts.

Rates (each group and everyone):

- ``exposure_rate`` = people shown at least one job / people;
- ``application_rate`` = people who applied / people shown a job;
- ``hire_rate`` = people hired / people who applied.

Stages follow the funnel's furthest-stage rule (someone hired counts as shown and as having
applied). A *gap* is the group's rate minus the overall rate; it is ``flagged`` when its absolute
value exceeds ``gap_threshold`` (default 0.10, ten percentage points).

Groups:

- **gender** as stored (``female``, ``male``, ``other``, ...); missing → ``unknown``.
- **age band** from ``birth_year`` at the year of ``as_of``: ``18-24``, ``25-34``, ``35-44``,
  ``45-54``, ``55+``; younger → ``under_18``; missing → ``unknown``.
- **area**: *urban* when the person's province is Lima Metropolitana (1501), the Callao province
  (0701) or the capital province of any department (INEI province code ``XX01`` — the province
  of each department's capital); every other province is *rural*; no ubigeo → ``unknown``. This
  is a province-level proxy, coarser than INEI's census definition (a rural district of a capital
  province counts as urban, a large non-capital city such as Chimbote or Juliaca as rural).
- **region**: the department (first two ubigeo digits).

**Privacy** (design §7): a group of fewer than ``min_group`` people is shown with all counts and
rates ``None`` (``suppressed``); within a shown group any count from 1 to ``min_group - 1`` is
``None``, and so are the counts after it in the chain people → exposed → applied → hired (see
``suppress_chain``); rates that need a hidden count are ``None``. The groups of a dimension
add up to the overall row, so where a hidden group (or a small sum of hidden groups) could be
recovered by subtraction, more groups are hidden (``insights.common.protect``). Windows are
whole, closed calendar months, and an exposed, applied or hired count is hidden where a window
sharing an end with it would give a few people away (:mod:`chamba.insights.windows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.orm import Session

from chamba.activity.models import InteractionKind
from chamba.errors import InvalidInput
from chamba.insights import repository as repo
from chamba.insights.common import protect, rate, region_name, suppress_chain
from chamba.insights.schemas import ALL_REGIONS, MIN_GROUP, FairnessReport, FairnessRow
from chamba.insights.windows import Activity, Window, closed_window, hide_after, month_index

__all__ = ["AGE_BANDS", "URBAN_PROVINCES_NOTE", "age_band", "area", "fairness"]

AGE_BANDS: Final = ("18-24", "25-34", "35-44", "45-54", "55+")
DEFAULT_GAP_THRESHOLD: Final = 0.10
UNKNOWN: Final = "unknown"
URBAN_PROVINCES_NOTE: Final = (
    "urban = Lima Metropolitana (1501), Callao (0701) and each department's capital province "
    "(ubigeo XX01); rural = other provinces"
)
_AREA_NAMES: Final = {"urban": "Urbano / Urban", "rural": "Rural", UNKNOWN: "Sin dato / Unknown"}
_GENDER_NAMES: Final = {
    "female": "Mujeres / Women",
    "male": "Hombres / Men",
    "other": "Otro / Other",
    UNKNOWN: "Sin dato / Unknown",
}
Counts = list[int]  # [people, exposed, applied, hired]


def age_band(birth_year: int | None, year: int) -> str:
    """The age band of someone born in ``birth_year`` during ``year``.

    Example:
        >>> age_band(2000, 2025), age_band(1960, 2025), age_band(None, 2025)
        ('25-34', '55+', 'unknown')
    """
    if birth_year is None:
        return UNKNOWN
    age = year - birth_year
    if age < 18:
        return "under_18"
    for band, top in zip(AGE_BANDS, (24, 34, 44, 54), strict=False):
        if age <= top:
            return band
    return AGE_BANDS[-1]


def area(province: str | None) -> str:
    """``"urban"``, ``"rural"`` or ``"unknown"`` for a 4-digit province code (see module doc).

    Example:
        >>> area("1501"), area("0701"), area("1101"), area("1105"), area(None)
        ('urban', 'urban', 'urban', 'rural', 'unknown')
    """
    if not province or len(province) < 4:
        return UNKNOWN
    return "urban" if province[2:4] == "01" else "rural"


def _row(
    dimension: str,
    group: str,
    name: str,
    counts: list[int | None],
    overall: FairnessRow | None,
    threshold: float,
) -> FairnessRow:
    n, e, a, h = counts
    rates = {"exposure": rate(e, n), "application": rate(a, e), "hire": rate(h, a)}
    gaps: dict[str, float | None] = {}
    for key, value in rates.items():
        base = getattr(overall, f"{key}_rate") if overall is not None else value
        gaps[key] = None if value is None or base is None else round(value - base, 4)
    return FairnessRow(
        dimension=dimension,
        group=group,
        group_name=name,
        people=n,
        exposed=e,
        applied=a,
        hired=h,
        exposure_rate=rates["exposure"],
        application_rate=rates["application"],
        hire_rate=rates["hire"],
        exposure_gap=gaps["exposure"],
        application_gap=gaps["application"],
        hire_gap=gaps["hire"],
        flagged=[k for k, g in gaps.items() if g is not None and abs(g) > threshold],
        suppressed=None in (n, e, a, h),
    )


def _keys(
    gender: str | None, birth_year: int | None, province: str | None, year: int
) -> tuple[tuple[str, str], ...]:
    """The (dimension, group) keys of one person."""
    return (
        ("gender", (gender or UNKNOWN).lower()),
        ("age_band", age_band(birth_year, year)),
        ("area", area(province)),
        ("region", province[:2] if province else UNKNOWN),
    )


@dataclass
class _Times:
    """What the time-window rule needs of the people: each group's members and flags, and
    everyone's, and ``people`` (those known by the window's end) per group and overall."""

    members: dict[tuple[str, str], list[str]]
    flags: dict[tuple[str, str], list[bool]]
    total_flags: list[bool]
    people: dict[tuple[str, str], int]
    total_people: int
    flags_of: Callable[[list[str]], list[bool]]

    def moved(self, parts: list[tuple[str, str]]) -> Callable[[frozenset[int]], list[bool]]:
        """For :func:`~chamba.insights.common.protect`: do the people of the hidden ``parts``
        (every known person is in one group of each dimension) differ by a few from their
        count over a window sharing an end?"""
        cache: dict[frozenset[int], list[bool]] = {}

        def moved(hidden: frozenset[int]) -> list[bool]:
            if hidden not in cache:
                cache[hidden] = self.flags_of(
                    [p for g in sorted(hidden) for p in self.members.get(parts[g], ())]
                )
            return cache[hidden]

        return moved


def _time_flags(session: Session, window: Window, when: datetime, min_group: int) -> _Times:
    """For each group and for everyone: is a count of the chain (people, exposed, applied,
    hired) one that a window sharing an end with ``window`` would give away by subtraction
    (:mod:`chamba.insights.windows`)? And each group's and everyone's ``people``: those known
    to the platform before the window's end (registered, or active, whichever came first), a
    count of closed months like the others, not of everyone registered by now."""
    job_stages = len(repo.JOB_STAGES)
    chain = Activity(3)  # exposed (any stage), applied, hired
    applied_at = repo.JOB_STAGES.index(InteractionKind.APPLIED)
    for person, month, stage in repo.fairness_months(session, until=window.closed):
        chain.add(person, month, 2 if stage == job_stages - 1 else int(stage >= applied_at))
    chain.freeze()
    known = Activity(1)  # the month each person joined (or was first active)
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    everyone: list[str] = []
    for person, gender, birth_year, province, registered in repo.fairness_people(session):
        months = chain.months.get(person)
        first = month_index(registered)
        if months and months[0]:
            first = min(first, months[0][0])
        if first >= window.now:
            continue  # joined in the month under way: in no closed month yet
        known.add(person, f"{first // 12:04d}-{first % 12 + 1:02d}", 0)
        everyone.append(person)
        for key in _keys(gender, birth_year, province, when.year):
            members[key].append(person)
    known.freeze()
    joined = Window(None, window.end, window.now)  # people: everyone known by the end

    def flags_of(people: list[str]) -> list[bool]:
        active = [p for p in people if p in chain.months]
        return [
            *known.differs_by_few(people, joined, min_group),
            *chain.differs_by_few(active, window, min_group),
        ]

    flags = {key: flags_of(people) for key, people in members.items()}
    counts = {key: known.counts(people, joined)[0] for key, people in members.items()}
    return _Times(
        members, flags, flags_of(everyone), counts, known.counts(everyone, joined)[0], flags_of
    )


def _hide(shown: list[int | None], flags: list[bool]) -> list[int | None]:
    """``shown`` less the counts the time-window rule hides (``flags``): ``people`` alone (it
    is a count of its own window, everyone known by the end, that nothing after it is a part
    of), and from the first flagged of exposed, applied, hired on (see ``hide_after``).

    Example:
        >>> _hide([40, 30, 20, 10], [True, False, True, False])
        [None, 30, None, None]
    """
    return [None if flags[0] else shown[0], *hide_after(shown[1:], flags[1:])]


def fairness(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    as_of: datetime | None = None,
    gap_threshold: float = DEFAULT_GAP_THRESHOLD,
    min_group: int = MIN_GROUP,
) -> FairnessReport:
    """Exposure, application and hire rates by gender, age band, area and region.

    Args:
        session: database session.
        since: interactions at or after this moment (from the start of its month).
        until: interactions before this moment (to the end of its month; at most, and by
            default, the start of the current month: only closed months are counted).
        as_of: reference moment for ages (default now, UTC).
        gap_threshold: absolute gap to the overall rate that is flagged (0..1).
        min_group: smallest group or count shown (design §7).

    Returns:
        A :class:`FairnessReport`: the overall row and one row per (dimension, group), ordered
        by dimension (gender, age_band, area, region) then group.

    Raises:
        InvalidInput: on a bad threshold, window or ``min_group``.

    Example:
        >>> r = fairness(session)  # doctest: +SKIP
        >>> [(x.group, x.exposure_gap, x.flagged) for x in r.rows if x.dimension == "gender"]
        [('female', -0.12, ['exposure']), ('male', 0.11, ['exposure'])]  # doctest: +SKIP
    """
    if min_group < 1:
        raise InvalidInput(f"min_group must be at least 1, got {min_group}")
    if not 0 <= gap_threshold <= 1:
        raise InvalidInput(f"gap_threshold must be between 0 and 1, got {gap_threshold}")
    if since is not None and until is not None and since >= until:
        raise InvalidInput("since must be before until")
    when = as_of or datetime.now(UTC)
    window = closed_window(since, until)  # whole, closed months (chamba.insights.windows)
    since, until = window.since, window.until
    groups: dict[tuple[str, str], Counts] = defaultdict(lambda: [0, 0, 0, 0])
    total = [0, 0, 0, 0]
    times = _time_flags(session, window, when, min_group)
    flags, total_flags, people, total_people = (
        times.flags,
        times.total_flags,
        times.people,
        times.total_people,
    )
    for gender, birth_year, province, *counts in repo.fairness_counts(
        session, since=since, until=until
    ):
        dept = province[:2] if province else UNKNOWN
        keys = (
            ("gender", (gender or UNKNOWN).lower()),
            ("age_band", age_band(birth_year, when.year)),
            ("area", area(province)),
            ("region", dept),
        )
        for key in keys:
            groups[key] = [x + y for x, y in zip(groups[key], counts, strict=True)]
        total = [x + y for x, y in zip(total, counts, strict=True)]
    # ``people`` is everyone known by the window's end (closed months, like the other
    # counts), not the live number of accounts: two readings a month apart are the same.
    for key, counts in list(groups.items()):
        counts[0] = people.get(key, 0)
        if not any(counts):
            del groups[key]  # everyone in it joined in the month under way
    total[0] = total_people
    total_shown = _hide(suppress_chain(total, min_group), total_flags)
    overall = _row("all", ALL_REGIONS, "Todos / Everyone", total_shown, None, gap_threshold)
    order = {"gender": 0, "age_band": 1, "area": 2, "region": 3}
    ordered = sorted(groups, key=lambda k: (order[k[0]], k[1]))
    # The groups of one dimension are parts of the published overall row: none of them may be
    # recovered by subtracting the others from it (the one rule of insights.common.protect).
    shown: dict[tuple[str, str], list[int | None]] = {}
    for dimension in order:
        parts = [k for k in ordered if k[0] == dimension]
        primary = [
            _hide(suppress_chain(groups[k], min_group), flags.get(k, [False] * 4)) for k in parts
        ]
        cells = protect(
            [groups[k] for k in parts], total, min_group, shown=primary, total_shown=total_shown,
            moved=times.moved(parts),
        )  # fmt: skip
        shown.update(zip(parts, cells, strict=True))
    rows = []
    for dimension, group in ordered:
        if dimension == "gender":
            name = _GENDER_NAMES.get(group, group)
        elif dimension == "area":
            name = _AREA_NAMES[group]
        elif dimension == "region":
            name = "Sin dato / Unknown" if group == UNKNOWN else region_name(group)
        else:
            name = "Sin dato / Unknown" if group == UNKNOWN else group
        rows.append(_row(dimension, group, name, shown[(dimension, group)], overall, gap_threshold))
    return FairnessReport(
        since=since,
        until=until,
        as_of=when,
        min_group=min_group,
        gap_threshold=gap_threshold,
        overall=overall,
        rows=rows,
    )
