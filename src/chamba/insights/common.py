"""Helpers shared by the insights analytics: small-group suppression, rates, region names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.insights.schemas import ALL_REGIONS, REMOTE_REGION


def suppress(count: int, min_group: int) -> int | None:
    """``count`` when it describes nobody (0) or at least ``min_group`` people, else ``None``.

    Example:
        >>> suppress(3, 10), suppress(0, 10), suppress(12, 10)
        (None, 0, 12)
    """
    return count if count == 0 or count >= min_group else None


def suppress_chain(counts: Iterable[int], min_group: int) -> list[int | None]:
    """Suppress a chain of nested counts (people ⊇ shown ⊇ applied ...): each as
    :func:`suppress`, and every count after a suppressed one too, so that a zero never tells
    what nobody of a hidden small group did ("none of the 3 applied").

    A count is also hidden when it differs from the count before it by 1 to ``min_group - 1``:
    the difference is the people who stopped at that step ("of the 40 shown a job, 37
    applied" gives the 3 who did not away), a group as small as any hidden count.

    Example:
        >>> suppress_chain([12, 4, 0], 10), suppress_chain([20, 10, 0], 10)
        ([12, None, None], [20, 10, 0])
        >>> suppress_chain([40, 37, 20], 10), suppress_chain([40, 40, 20], 10)
        ([40, None, None], [40, 40, 20])
    """
    out: list[int | None] = []
    before: int | None = None
    for count in counts:
        if out and out[-1] is None:
            out.append(None)
        elif before is not None and 0 < abs(before - count) < min_group:
            out.append(None)  # the people who stopped here are a small group
        else:
            out.append(suppress(count, min_group))
        before = count
    return out


def protect(
    parts: Sequence[Sequence[int]],
    total: Sequence[int],
    min_group: int,
    shown: Sequence[Sequence[int | None]] | None = None,
    total_shown: Sequence[int | None] | None = None,
    moved: Callable[[frozenset[int]], Sequence[bool]] | None = None,
) -> list[list[int | None]]:
    """The one small-group rule of every insight: primary and complementary suppression of the
    parts (regions, genders, courses...) of a published total.

    ``parts[g][i]`` is part ``g``'s true count at stage ``i`` of a chain of nested counts
    (people ⊇ shown ⊇ applied ...), ``total[i]`` the true count of the total the parts belong
    to (it may also count people in no part, or, for overlapping parts, fewer than their sum).
    Each part is first suppressed as :func:`suppress_chain` (or as ``shown`` says, when given).
    Then, at each stage where the total is published (see :func:`suppress_chain`), what the
    shown parts leave unexplained in it — the *residual*, ``total - sum(shown parts)``, which
    a reader can compute — must describe nobody (0, with no part hidden) or at least
    ``min_group`` people (in absolute value: a negative residual counts people in two parts);
    otherwise the shown part with the smallest non-zero count is hidden too, from that stage on
    (so a later zero says nothing about it), and the residual is checked again.

    A total hidden for another reason than its size (``total_shown``, e.g. by the time-window
    rule) must not be recoverable either: there the residual must be at least ``min_group``.

    The people who stopped between two stages must not be recoverable either: where parts are
    hidden at stage ``i``, the group they form with the people in no part is known at stage
    ``i - 1`` too (the total then, less the parts shown at stage ``i``), so its drop-out,
    that count less the residual at stage ``i``, must be 0 or at least ``min_group`` (in
    absolute value), or one more part is hidden.

    Where the counts are of a window of months, ``moved(hidden)`` says for each stage whether
    the people of the parts ``hidden`` (indices) and of no part, taken together, differ by a
    few from their count over a window sharing an end with it (the time-window rule of
    :mod:`chamba.insights.windows`, applied to the residual): a part hidden because its count
    moved by a few since an older window must not come back as the residual either, so one
    more part is hidden until the residual group has not moved by a few.

    Because the rule depends only on the true counts, every report that publishes the same
    parts of the same total hides the same cells, whichever of them a reader asks for.

    Example:
        >>> protect([[12, 3], [20, 9]], [32, 12], 5)  # the 3 would be 12 - 9
        [[12, None], [20, None]]
        >>> protect([[3], [30], [12]], [46], 10)  # 3 hidden + 1 in no part = 4: hide the 12
        [[None], [30], [None]]
    """
    out = [list(g) for g in shown] if shown is not None else [
        suppress_chain(p, min_group) for p in parts
    ]  # fmt: skip
    published = suppress_chain(total, min_group) if total_shown is None else list(total_shown)
    for i, whole in enumerate(published):
        secret = whole is None  # hidden, yet perhaps not small: the parts must not add up to it
        if secret and suppress(total[i], min_group) is None:
            continue  # a small total: its parts are all small, and hidden
        residual = total[i] - sum(
            parts[g][i] for g, cells in enumerate(out) if cells[i] is not None
        )
        hidden = any(cells[i] is None for cells in out)
        while not (
            ((residual == 0 and not hidden and not secret) or abs(residual) >= min_group)
            and not 0 < abs(_dropout(parts, total, out, i, residual)) < min_group
            and not (
                moved is not None
                and hidden
                and moved(frozenset(g for g, cells in enumerate(out) if cells[i] is None))[i]
            )
        ):
            candidates = [
                (parts[g][i], g) for g, cells in enumerate(out) if cells[i] not in (None, 0)
            ]
            if not candidates:
                break
            count, g = min(candidates)
            for j in range(i, len(out[g])):
                out[g][j] = None
            residual += count
            hidden = True
    return out


def _dropout(
    parts: Sequence[Sequence[int]],
    total: Sequence[int],
    out: Sequence[Sequence[int | None]],
    i: int,
    residual: int,
) -> int:
    """The people who stopped between stages ``i - 1`` and ``i`` among those of the parts
    hidden at stage ``i`` and in no part (0 at the first stage or where nothing is hidden): a
    reader has that group's count at both stages from the total and the parts shown at ``i``."""
    if i == 0 or all(cells[i] is not None for cells in out):
        return 0
    shown = (parts[g][i - 1] for g, cells in enumerate(out) if cells[i] is not None)
    before = total[i - 1] - sum(shown)
    return before - residual


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """``numerator / denominator`` rounded to 4 places; ``None`` when either is suppressed
    (``None``) or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(numerator / denominator, 4)


def region_name(code: str) -> str:
    """A department's (or province's) name; the pseudo-regions get a bilingual label."""
    if code == REMOTE_REGION:
        return "Remoto / Remote"
    if code == ALL_REGIONS:
        return "Todo el Perú / All of Peru"
    try:
        return get_gazetteer().get(code).name
    except UnknownUbigeo:
        return code
