"""Helpers shared by the insights analytics: small-group suppression, rates, region names."""

from __future__ import annotations

from collections.abc import Iterable

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

    Example:
        >>> suppress_chain([12, 4, 0], 10), suppress_chain([12, 10, 0], 10)
        ([12, None, None], [12, 10, 0])
    """
    out: list[int | None] = []
    for count in counts:
        out.append(None if out and out[-1] is None else suppress(count, min_group))
    return out


def suppress_complements(
    shown: list[list[int | None]],
    raw: list[list[int]],
    total: list[int],
    min_group: int,
) -> list[list[int | None]]:
    """Secondary suppression across sibling groups whose total is published (regions of a
    country), so a hidden count cannot be recovered by subtracting the shown ones from it.

    ``shown[g][i]`` is group ``g``'s count at stage ``i`` after :func:`suppress_chain`,
    ``raw[g][i]`` the true count, ``total[i]`` the published total (which may also count
    people in no group: the remainder, itself never published). At a stage where one group is
    hidden and nothing else is unknown to a reader (no remainder), the shown group with the
    smallest non-zero count is hidden too, from that stage on (so a later zero says nothing
    about it either).

    Example:
        >>> suppress_complements([[12, None], [20, 9]], [[12, 3], [20, 9]], [32, 12], 5)
        [[12, None], [20, None]]
    """
    out = [list(g) for g in shown]
    for i, published in enumerate(total):
        if published == 0 or published < min_group:
            continue  # the total itself is hidden or describes nobody
        hidden = [g for g in out if g[i] is None]
        remainder = published - sum(r[i] for r in raw)
        if not hidden or len(hidden) + (remainder > 0) != 1:
            continue  # nothing hidden, or at least two unknowns (the remainder counts as one)
        candidates = [(raw[k][i], k) for k, g in enumerate(out) if g[i] not in (None, 0)]
        if not candidates:
            continue
        _, k = min(candidates)
        for j in range(i, len(out[k])):
            out[k][j] = None
    return out


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
