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
