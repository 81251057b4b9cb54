"""Value objects for Peru's INEI geography."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["department", "province", "district"]
"""Administrative level of a :class:`Place`."""

CoordPrecision = Literal["district", "province", "department"]
"""Which place's reference point a coordinate really belongs to."""

LEVELS: tuple[Level, ...] = ("department", "province", "district")
CODE_LENGTH: dict[Level, int] = {"department": 2, "province": 4, "district": 6}


@dataclass(frozen=True, slots=True)
class Place:
    """A department, province or district identified by its INEI ubigeo code.

    ``lat``/``lon`` are the WGS84 coordinates of the place's capital. When the
    place's own point is unknown (or its name is ambiguous in the source data)
    the capital of its province or department is used instead, and
    ``coord_precision`` says which level the point really describes.
    """

    code: str
    name: str
    level: Level
    department_code: str
    province_code: str | None
    department: str
    province: str | None
    lat: float
    lon: float
    coord_precision: CoordPrecision

    @property
    def parent_code(self) -> str | None:
        """Code of the enclosing place (province for a district, department for a province)."""
        if self.level == "district":
            return self.province_code
        if self.level == "province":
            return self.department_code
        return None

    @property
    def label(self) -> str:
        """Human label such as ``"Miraflores, Lima, Lima"`` (most specific first)."""
        parts = [self.name]
        if self.level == "district" and self.province is not None:
            parts.append(self.province)
        if self.level != "department":
            parts.append(self.department)
        return ", ".join(parts)
