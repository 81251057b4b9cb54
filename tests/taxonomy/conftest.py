"""Fixtures of the taxonomy tests: a small catalogue and a small official-format ESCO export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCC = "http://data.europa.eu/esco/occupation/"
#: ESCO concepts of ``fixtures/esco_small``.
CUSTOMER_URI = ESCO_SKILL + "0a0a0a0a-0000-4000-8000-00000000000a"
WELD_URI = ESCO_SKILL + "0b0b0b0b-0000-4000-8000-00000000000b"
SPREADSHEET_URI = ESCO_SKILL + "0c0c0c0c-0000-4000-8000-00000000000c"
MATHS_URI = ESCO_SKILL + "0d0d0d0d-0000-4000-8000-00000000000d"
CASHIER_URI = ESCO_OCC + "01010101-0000-4000-8000-000000000001"
WELDER_URI = ESCO_OCC + "02020202-0000-4000-8000-000000000002"

SKILL_HEADER = [
    "id",
    "sector",
    "type",
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "esco_uri",
    "description_es",
]
OCC_HEADER = [
    "id",
    "isco_code",
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "esco_uri",
    "essential_skills",
    "optional_skills",
]
SMALL_SKILLS = [
    ["atencion-cliente", "comercio", "skill", "Atención al cliente", "Customer service",
     "atender clientes|servicio al cliente", "client care", "", "Atender a quien compra."],
    ["atencion-telefono", "comercio", "skill", "Atención al cliente por teléfono",
     "Phone customer service", "", "", "", ""],
    ["toma-pedidos", "gastronomia", "skill", "Toma de pedidos", "Order taking",
     "atención de pedidos", "", "", ""],
    ["calidad-atencion", "comercio", "skill", "Calidad de atención", "Service quality", "", "",
     "", ""],
    ["desatencion", "salud", "knowledge", "Riesgos de la desatención", "Neglect risks", "", "",
     "", ""],
    ["soldadura", "construccion", "skill", "Soldadura", "Welding", "soldar", "", WELD_URI, ""],
    ["hoja-calculo", "oficina", "skill", "=Hojas de cálculo", "+Spreadsheets", "-excel|@sum",
     "", "", ""],
]  # fmt: skip
SMALL_OCCUPATIONS = [
    ["mozo", "5131", "Mozo/moza", "Waiter", "mesero|mesera", "", "",
     "atencion-cliente|toma-pedidos", "calidad-atencion"],
    ["soldador", "7212", "Soldador", "Welder", "", "", WELDER_URI, "soldadura", ""],
]  # fmt: skip


def write_catalogue(
    folder: Path,
    skills: list[list[str]] | None = None,
    occupations: list[list[str]] | None = None,
) -> Path:
    """Write ``skills.csv`` and ``occupations.csv`` in the catalogue format into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("skills.csv", SKILL_HEADER, SMALL_SKILLS if skills is None else skills),
        ("occupations.csv", OCC_HEADER, SMALL_OCCUPATIONS if occupations is None else occupations),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


@pytest.fixture
def small_catalogue(tmp_path: Path) -> Path:
    """A folder with a small catalogue (7 skills, 2 occupations)."""
    return write_catalogue(tmp_path / "catalogue")


@pytest.fixture
def esco_small() -> Path:
    """A small ESCO export in the official CSV format (es + en-us, relations, ISCO, broader)."""
    return FIXTURES / "esco_small"
