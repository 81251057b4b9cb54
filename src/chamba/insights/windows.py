"""Time windows of the insights: whole, closed calendar months (UTC), and the rule that keeps
two windows from being subtracted.

Why: a count over a window is a set of people; two windows that share an end ("since June" up
to July and up to August, "the last 30 days" and "the last 31") give, by subtraction, the people
of the part where they differ, which can be one person. So:

- **Months.** ``since`` is moved back to the first instant of its month, ``until`` forward to
  the first instant of the next month (unless it is one already): every window is a run of
  whole calendar months (UTC). "The last 30 days" and "the last 31 days" are the same window.
- **Closed months only.** ``until`` is at most the start of the current month (and is that
  when not given): the month under way, whose counts grow by the hour, is never shown, so two
  reports read a day apart are the same report.
- **Differences.** A count of a window ``[a, b)`` is also hidden when it differs by 1 to
  ``min_group - 1`` from the same count over a window of months that shares one of its ends
  and is *older* on the other: the same start and an earlier end (``[a, b')``, ``b' < b``), or
  the same end and an earlier start (``[a', b)``, ``a' < a``). Of two such windows the one
  that ends later or starts later is hidden, never the other: a window that was shown stays
  shown when a month closes (the new, later-ending one is hidden instead), and "since ever",
  the report everyone reads first, is never hidden because its first month had few people (a
  window starting after that month is). That is enough for *every* pair of nested windows
  ``[a, b) ⊂ [a', b')`` whose counts differ by a few: through ``[a', b)``, which shares the end
  ``b`` with the first and the start ``a'`` with the second, the difference splits into two
  parts (both >= 0 for counts of people); if the first part is a few, ``[a, b)`` starts later
  than ``[a', b)`` and is hidden; if it is 0, the second part is the whole difference and
  ``[a', b')`` ends later than ``[a', b)`` and is hidden. The rule depends only on the data,
  so whichever window a reader asks for first, the same cells are hidden.

Months are numbered ``year * 12 + month - 1`` (:func:`month_index`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chamba.errors import InvalidInput

__all__ = [
    "Activity",
    "Window",
    "closed_window",
    "hide_after",
    "month_index",
    "month_start",
]


def month_index(moment: datetime) -> int:
    """``year * 12 + month - 1`` of a moment (UTC).

    Example:
        >>> month_index(datetime(2025, 6, 10, tzinfo=UTC)) - month_index(datetime(2025, 1, 1))
        5
    """
    moment = moment if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def month_start(index: int) -> datetime:
    """The first instant (UTC) of month ``index``."""
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _parse(month: str) -> int:
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in months; ``start`` ``None`` for "since ever"; ``end`` is at most the
    current month (the open end, "until now")."""

    start: int | None
    end: int
    now: int  # the current month: no window ends after its start

    @property
    def since(self) -> datetime | None:
        return None if self.start is None else month_start(self.start)

    @property
    def until(self) -> datetime:
        return month_start(self.end)

    def earlier_ends(self, lowest: int) -> range:
        """Ends of the windows with this start and an earlier end (from ``lowest``, the data's
        first month: a window ending before it counts nobody)."""
        first = lowest if self.start is None else max(lowest, self.start + 1)
        return range(first, self.end)

    def earlier_starts(self, lowest: int) -> range:
        """Starts of the windows with this end and an earlier start (none for "since ever";
        a start before ``lowest`` counts the same as ``lowest``)."""
        return range(lowest, self.start if self.start is not None else lowest)

    @property
    def closed(self) -> datetime:
        """The end of the last closed month (the start of the current one)."""
        return month_start(self.now)


def closed_window(
    since: datetime | None, until: datetime | None, now: datetime | None = None
) -> Window:
    """The window of whole, closed months that covers ``[since, until)`` (see the module doc).

    Raises:
        InvalidInput: ``since`` is not before ``until``, or no closed month is left.

    Example:
        >>> w = closed_window(datetime(2025, 6, 10, tzinfo=UTC), None,
        ...                   now=datetime(2025, 9, 3, tzinfo=UTC))
        >>> w.since.date(), w.until.date()
        (datetime.date(2025, 6, 1), datetime.date(2025, 9, 1))
    """
    if since is not None and until is not None and since >= until:
        raise InvalidInput("since must be before until")
    current = month_index(now or datetime.now(UTC))
    start = None if since is None else month_index(since)
    if until is None:
        end = current
    else:
        aware = until if until.tzinfo is not None else until.replace(tzinfo=UTC)
        end = month_index(aware)
        if month_start(end) < aware:
            end += 1  # until inside a month: the whole month
        end = min(end, current)
    if start is not None and start >= end:
        raise InvalidInput(
            "insights count whole calendar months that have ended (UTC): the window from "
            f"{month_start(start).date()} has none yet"
        )
    return Window(start, end, current)


@dataclass
class Activity:
    """Each person's months of activity per stage of a chain (the furthest-stage rule: a month
    counts for stage ``i`` when the person reached stage ``i`` or a later one in it).

    Args:
        stages: the number of stages of the chain.
    """

    stages: int
    months: dict[str, list[list[int]]] = field(default_factory=dict)
    first: int | None = None  # the earliest month of anyone

    def add(self, person: str, month: str, stage: int) -> None:
        """Person ``person`` reached ``stage`` (0-based) in ``month`` (``'YYYY-MM'``)."""
        index = _parse(month)
        lists = self.months.setdefault(person, [[] for _ in range(self.stages)])
        for i in range(min(stage, self.stages - 1) + 1):
            lists[i].append(index)
        self.first = index if self.first is None else min(self.first, index)

    def freeze(self) -> None:
        for lists in self.months.values():
            for months in lists:
                months.sort()

    def counts(self, people: Iterable[str], window: Window) -> list[int]:
        """People of ``people`` at each stage within ``window``."""
        out = [0] * self.stages
        for p in people:
            for i, months in enumerate(self.months.get(p, ())):
                if self._first_at_or_after(months, window.start) < window.end:
                    out[i] += 1
        return out

    @staticmethod
    def _first_at_or_after(months: Sequence[int], start: int | None) -> int:
        if not months:
            return 1 << 30
        if start is None:
            return months[0]
        k = bisect_left(months, start)
        return months[k] if k < len(months) else 1 << 30

    @staticmethod
    def _last_before(months: Sequence[int], end: int) -> int:
        k = bisect_left(months, end)
        return months[k - 1] if k else -(1 << 30)

    def differs_by_few(self, people: Sequence[str], window: Window, min_group: int) -> list[bool]:
        """For each stage: does the count of ``people`` in ``window`` differ by 1 to
        ``min_group - 1`` from its count in an older window that shares an end with it (see
        the module doc)?"""
        out = []
        lowest = self.first if self.first is not None else window.end
        for i in range(self.stages):
            firsts = sorted(
                self._first_at_or_after(self.months[p][i], window.start)
                for p in people
                if p in self.months
            )
            lasts = sorted(
                self._last_before(self.months[p][i], window.end) for p in people if p in self.months
            )
            value = bisect_left(firsts, window.end)
            others = [bisect_left(firsts, end) for end in window.earlier_ends(lowest)]
            others += [
                len(lasts) - bisect_left(lasts, start) for start in window.earlier_starts(lowest)
            ]
            out.append(any(0 < abs(v - value) < min_group for v in others))
        return out


def hide_after(shown: Sequence[int | None], hidden: Sequence[bool]) -> list[int | None]:
    """``shown`` with every stage from the first ``hidden`` one on set to ``None``.

    Example:
        >>> hide_after([12, 10, 4], [False, True, False])
        [12, None, None]
    """
    out = list(shown)
    for i, flag in enumerate(hidden):
        if flag:
            for j in range(i, len(out)):
                out[j] = None
            break
    return out
