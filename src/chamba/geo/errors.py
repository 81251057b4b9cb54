"""Errors raised by :mod:`chamba.geo`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chamba.geo.schemas import Place


class UnknownUbigeo(ValueError):
    """A code or place name that does not identify exactly one INEI place."""

    def __init__(self, query: str, message: str | None = None) -> None:
        self.query = query
        super().__init__(
            message
            or (
                f"Unknown ubigeo code {query!r}: expected 2, 4 or 6 digits of an "
                "existing INEI department, province or district"
            )
        )


class AmbiguousPlace(UnknownUbigeo):
    """A place name that matches several different places."""

    def __init__(self, query: str, candidates: Sequence[Place]) -> None:
        self.candidates: tuple[Place, ...] = tuple(candidates)
        listed = "; ".join(f"{p.label} [{p.code}]" for p in self.candidates[:15])
        more = len(self.candidates) - 15
        extra = f" and {more} more" if more > 0 else ""
        super().__init__(
            query,
            f"Ambiguous place {query!r}: it matches {len(self.candidates)} places "
            f"({listed}{extra}). Add the province or department, e.g. "
            f"'{self.candidates[0].label}', or use the ubigeo code.",
        )
