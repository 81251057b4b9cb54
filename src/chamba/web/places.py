"""The location picker: department -> province -> district selects from the INEI gazetteer.

Without JavaScript the form is sent with ``accion=lugar`` to refine the lists; with htmx a
change of department or province asks ``/lugares`` for the three selects again
(``templates/_lugar.html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer


@dataclass(frozen=True, slots=True)
class PlacePicker:
    """The choices and the current selection of the three selects."""

    department: str = ""
    province: str = ""
    district: str = ""
    departments: list[tuple[str, str]] = field(default_factory=list)
    provinces: list[tuple[str, str]] = field(default_factory=list)
    districts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ubigeo(self) -> str | None:
        """The most precise place chosen (district, else province, else department)."""
        return self.district or self.province or self.department or None


def _known(code: str, length: int) -> bool:
    if len(code) != length or not code.isdigit():
        return False
    try:
        get_gazetteer().get(code)
    except (UnknownUbigeo, ValueError):
        return False
    return True


def picker(department: str = "", province: str = "", district: str = "") -> PlacePicker:
    """The selects for a (possibly partial or inconsistent) choice; lower levels that do not
    belong to the chosen upper level are dropped."""
    geo = get_gazetteer()
    dept = department.strip() if _known(department.strip(), 2) else ""
    prov = province.strip() if dept and province.startswith(dept) and _known(province, 4) else ""
    dist = district.strip() if prov and district.startswith(prov) and _known(district, 6) else ""
    return PlacePicker(
        department=dept,
        province=prov,
        district=dist,
        departments=[(p.code, p.name) for p in geo.departments()],
        provinces=[(p.code, p.name) for p in geo.provinces(dept)] if dept else [],
        districts=[(p.code, p.name) for p in geo.districts(prov)] if prov else [],
    )


def picker_for(ubigeo: str | None) -> PlacePicker:
    """The selects showing a stored ubigeo."""
    code = ubigeo or ""
    return picker(code[:2], code[:4] if len(code) >= 4 else "", code if len(code) == 6 else "")


def label_of(ubigeo: str | None) -> str | None:
    """``"Miraflores, Lima, Lima"`` for a code, ``None`` when unknown."""
    if not ubigeo:
        return None
    try:
        return get_gazetteer().get(ubigeo).label
    except (UnknownUbigeo, ValueError):
        return None
