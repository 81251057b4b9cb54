"""Peru as the demo sees it: population by place, the sectors each region lives from.

Department populations are INEI's 2017 census counts (thousands, rounded); district weights
inside a department are a heuristic (department capital > provincial capitals > other
districts), except for Metropolitan Lima and Callao where the 2017 district counts are used.
Sectors come from ISCO-08 codes (longest matching prefix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chamba.geo.service import get_gazetteer, normalize_name

SECTORS: tuple[str, ...] = (
    "agro", "fishing", "mining", "tourism", "textile", "ict", "construction", "transport",
    "commerce", "care", "office", "education", "health", "manufacturing", "security", "other",
)  # fmt: skip
SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}
#: Sectors whose jobs can be done remotely (ICT, office / customer service, tutoring).
REMOTE_SHARE = {"ict": 0.3, "office": 0.15, "education": 0.15}

#: Rough national employment share per sector.
BASE_SHARE = {
    "agro": 0.20, "fishing": 0.01, "mining": 0.015, "tourism": 0.07, "textile": 0.03,
    "ict": 0.02, "construction": 0.07, "transport": 0.07, "commerce": 0.18, "care": 0.06,
    "office": 0.06, "education": 0.04, "health": 0.03, "manufacturing": 0.07, "security": 0.02,
    "other": 0.03,
}  # fmt: skip

#: INEI 2017 census population by department code, thousands.
DEPARTMENT_POPULATION = {
    "01": 380, "02": 1084, "03": 406, "04": 1383, "05": 617, "06": 1342, "07": 994, "08": 1206,
    "09": 348, "10": 722, "11": 851, "12": 1247, "13": 1779, "14": 1198, "15": 9485, "16": 883,
    "17": 141, "18": 174, "19": 254, "20": 1857, "21": 1173, "22": 813, "23": 330, "24": 225,
    "25": 497,
}  # fmt: skip

#: 2017 census population (thousands) of districts of Lima (province 1501) and Callao (0701).
METRO_DISTRICTS = {
    "1501": {
        "san juan de lurigancho": 1038, "san martin de porres": 654, "ate": 599, "comas": 521,
        "villa maria del triunfo": 398, "villa el salvador": 393, "san juan de miraflores": 356,
        "carabayllo": 333, "puente piedra": 329, "santiago de surco": 329, "los olivos": 325,
        "chorrillos": 314, "lima": 268, "lurigancho": 240, "independencia": 211,
        "el agustino": 198, "santa anita": 196, "rimac": 174, "la victoria": 173,
        "san miguel": 155, "la molina": 140, "san borja": 113, "pachacamac": 110,
        "miraflores": 99, "surquillo": 91, "lurin": 89, "brena": 85, "pueblo libre": 83,
        "jesus maria": 71, "ancon": 62, "san isidro": 60, "magdalena del mar": 60, "lince": 50,
        "chaclacayo": 42, "barranco": 34, "cieneguilla": 34, "san luis": 52,
    },
    "0701": {"callao": 451, "ventanilla": 315, "bellavista": 74, "carmen de la legua reynoso": 42,
             "la perla": 61, "la punta": 3, "mi peru": 60},
}  # fmt: skip

#: Sector multipliers by department (1.0 when not listed).
DEPARTMENT_SECTORS: dict[str, dict[str, float]] = {
    "15": {"agro": 0.15, "fishing": 0.3, "mining": 0.2, "textile": 3, "ict": 4, "office": 2.5,
           "commerce": 1.2, "manufacturing": 1.8, "health": 1.3, "security": 1.5},
    "07": {"agro": 0.02, "fishing": 2, "transport": 2.5, "manufacturing": 1.5, "ict": 1.5,
           "office": 1.5},
    "04": {"mining": 4, "agro": 0.8, "textile": 1.5, "ict": 1.5, "tourism": 1.8, "office": 1.3},
    "13": {"agro": 1.6, "mining": 2, "manufacturing": 1.3, "ict": 1.2},
    "20": {"agro": 1.5, "fishing": 5},
    "14": {"agro": 1.4, "commerce": 1.3, "fishing": 1.5},
    "08": {"tourism": 5, "agro": 1.3, "mining": 1.5, "textile": 1.5},
    "12": {"agro": 1.5, "mining": 2},
    "11": {"agro": 2.5, "fishing": 3, "tourism": 1.5},
    "21": {"agro": 1.5, "mining": 2, "tourism": 2.5, "textile": 2, "commerce": 1.3},
    "06": {"agro": 2, "mining": 3},
    "16": {"tourism": 1.5, "transport": 1.5, "agro": 1.2, "fishing": 1.5},
    "02": {"mining": 3, "fishing": 4, "agro": 1.2},
    "22": {"agro": 2.2},
    "10": {"agro": 2},
    "05": {"agro": 2, "textile": 1.2},
    "25": {"agro": 1.5, "transport": 1.5, "manufacturing": 1.3},
    "03": {"agro": 2.2, "mining": 4},
    "01": {"agro": 2.5},
    "09": {"agro": 2.5, "mining": 2},
    "23": {"commerce": 1.8, "mining": 2, "agro": 1.2},
    "19": {"mining": 6, "agro": 1.5},
    "24": {"fishing": 4, "agro": 1.2},
    "18": {"mining": 6, "fishing": 2},
    "17": {"mining": 4, "tourism": 3, "agro": 1.2},
}  # fmt: skip
_DIGITAL_HUBS = {"15", "07", "04", "13"}

#: Where in a department a sector's employers sit, when it is not spread by population:
#: half of Lima's textile and garment employers are in Gamarra (La Victoria, 150115).
SECTOR_DISTRICT_BIAS: dict[tuple[str, str], tuple[str, float]] = {
    ("textile", "15"): ("150115", 0.5),
}

#: Share speaking Quechua / Aymara by department.
QUECHUA = {
    "03": 0.7, "09": 0.65, "05": 0.6, "08": 0.55, "21": 0.4, "02": 0.3, "10": 0.3, "04": 0.15,
    "17": 0.15, "18": 0.12, "12": 0.12, "19": 0.1, "15": 0.08, "23": 0.08, "06": 0.05, "11": 0.05,
    "07": 0.04,
}  # fmt: skip
AYMARA = {"21": 0.3, "23": 0.12, "18": 0.06, "04": 0.02, "15": 0.01}

# ISCO-08 prefix -> sector; the longest prefix wins.
_ISCO_SECTOR: dict[str, str] = {
    "2146": "mining", "3117": "mining", "811": "mining", "9311": "mining",
    "622": "fishing", "9216": "fishing",
    "6": "agro", "92": "agro", "9321": "agro",
    "5113": "tourism", "4221": "tourism", "4224": "tourism", "1411": "tourism",
    "1412": "tourism", "512": "tourism", "513": "tourism", "9411": "tourism", "9412": "tourism",
    "5111": "tourism", "3434": "tourism",
    "7318": "textile", "753": "textile", "815": "textile",
    "25": "ict", "35": "ict", "2166": "ict", "2434": "ict",
    "71": "construction", "9312": "construction", "9313": "construction", "3123": "construction",
    "2142": "construction",
    "83": "transport", "933": "transport", "432": "transport", "9621": "transport",
    "52": "commerce", "95": "commerce", "1420": "commerce", "3322": "commerce",
    "53": "care", "91": "care", "514": "care", "515": "care",
    "4": "office", "24": "office", "33": "office", "1": "office", "26": "office",
    "23": "education",
    "22": "health", "32": "health",
    "7": "manufacturing", "8": "manufacturing", "31": "manufacturing", "21": "manufacturing",
    "541": "security",
}  # fmt: skip


def sector_of(isco: str | None) -> str:
    """The demo sector of an ISCO-08 code (``"other"`` when unknown)."""
    if not isco:
        return "other"
    for n in range(len(isco), 0, -1):
        sector = _ISCO_SECTOR.get(isco[:n])
        if sector:
            return sector
    return "other"


def isco_major(isco: str | None) -> int:
    """ISCO major group 1..9 (0 armed forces / unknown -> 9, elementary)."""
    if not isco or not isco[0].isdigit() or isco[0] == "0":
        return 9
    return int(isco[0])


def sector_multipliers(dept: str) -> npt.NDArray[np.float64]:
    """Per-sector employment weights in a department (base share x regional boost)."""
    boost = DEPARTMENT_SECTORS.get(dept, {})
    out = np.array([BASE_SHARE[s] * boost.get(s, 1.0) for s in SECTORS])
    if dept not in _DIGITAL_HUBS:
        out[SECTOR_INDEX["ict"]] *= 0.3
        out[SECTOR_INDEX["office"]] *= 0.8
    return out


@dataclass(frozen=True)
class Geography:
    """Every district with its coordinates, population weight and urban flag."""

    codes: list[str]
    names: list[str]
    province_names: list[str]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    dept: npt.NDArray[np.int64]  # row in ``departments``
    province: npt.NDArray[np.int64]  # int(code[:4])
    weight: npt.NDArray[np.float64]  # share of Peru's population
    urban: npt.NDArray[np.bool_]
    departments: list[str]  # codes
    department_names: list[str]

    def row(self, code: str) -> int:
        return self.codes.index(code)


def build_geography() -> Geography:
    """Districts of the gazetteer, weighted by population (see the module docstring)."""
    gaz = get_gazetteer()
    depts = gaz.departments()
    dept_codes = [d.code for d in depts]
    districts = gaz.districts()
    weights = np.zeros(len(districts))
    urban = np.zeros(len(districts), dtype=bool)
    for i, d in enumerate(districts):
        prov = d.code[:4]
        known = METRO_DISTRICTS.get(prov)
        if known is not None:
            weights[i] = known.get(normalize_name(d.name), 30.0)
            urban[i] = True
        elif d.code.endswith("0101"):
            weights[i], urban[i] = 30.0, True
        elif d.code.endswith("01"):
            weights[i], urban[i] = 6.0, True
        elif d.code[2:4] == "01":
            weights[i] = 4.0
        else:
            weights[i] = 1.0
    dept_idx = np.array([dept_codes.index(d.department_code) for d in districts])
    for k, code in enumerate(dept_codes):
        mask = dept_idx == k
        if code == "15":  # Lima: metro counts are absolute; the other provinces share ~910k
            metro = mask & np.array([d.code.startswith("1501") for d in districts])
            rest = mask & ~metro
            weights[rest] *= 910.0 / weights[rest].sum()
        elif code != "07":
            weights[mask] *= DEPARTMENT_POPULATION[code] / weights[mask].sum()
    return Geography(
        codes=[d.code for d in districts],
        names=[d.name for d in districts],
        province_names=[d.province or d.name for d in districts],
        lat=np.array([d.lat for d in districts]),
        lon=np.array([d.lon for d in districts]),
        dept=dept_idx.astype(np.int64),
        province=np.array([int(d.code[:4]) for d in districts], dtype=np.int64),
        weight=weights / weights.sum(),
        urban=urban,
        departments=dept_codes,
        department_names=[d.name for d in depts],
    )
