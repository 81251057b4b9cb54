"""Validation of the built-in bilingual skills and occupations catalogue (CSV data files)."""

import csv
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parents[2] / "src/chamba/taxonomy/data"
ESCO_DIR = Path(__file__).parents[3] / "shared/data/esco"

SKILL_COLUMNS = [
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
OCCUPATION_COLUMNS = [
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
SECTORS = {
    "agriculture",
    "mining",
    "construction",
    "textiles",
    "commerce",
    "gastronomy",
    "tourism",
    "transport",
    "health_care",
    "education",
    "ict",
    "office",
    "beauty",
    "domestic_work",
    "fishing",
    "crafts",
    "manufacturing",
    "customer_service",
    "languages",
    "transversal",
}
TYPES = {"skill", "knowledge", "transversal", "language"}
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"


def _read(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def _fold(text):
    """Case- and accent-insensitive key."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split(value):
    return [part for part in value.split("|") if part.strip()] if value else []


@pytest.fixture(scope="module")
def skills_file():
    return _read("skills.csv")


@pytest.fixture(scope="module")
def skills(skills_file):
    return skills_file[1]


@pytest.fixture(scope="module")
def occupations_file():
    return _read("occupations.csv")


@pytest.fixture(scope="module")
def occupations(occupations_file):
    return occupations_file[1]


# --- skills ---------------------------------------------------------------


def test_skills_header(skills_file):
    assert skills_file[0] == SKILL_COLUMNS


def test_skill_count(skills):
    assert len(skills) >= 420


def test_skill_sectors_and_types_are_allowed(skills):
    assert {s["sector"] for s in skills} <= SECTORS
    assert {s["type"] for s in skills} <= TYPES


def test_sector_coverage(skills):
    counts = Counter(s["sector"] for s in skills)
    well_covered = [sector for sector, n in counts.items() if n >= 12]
    assert len(well_covered) >= 15, counts


def test_skill_ids_unique_and_well_formed(skills):
    ids = [s["id"] for s in skills]
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes


@pytest.mark.parametrize("column", ["label_es", "label_en"])
def test_skill_labels_present_and_unique(skills, column):
    assert all(s[column].strip() for s in skills)
    folded = Counter(_fold(s[column]) for s in skills)
    dupes = [label for label, n in folded.items() if n > 1]
    assert not dupes


def test_skill_descriptions_present(skills):
    assert all(s["description_es"].strip() for s in skills)


def test_skill_synonyms_are_clean(skills):
    for s in skills:
        for column in ("synonyms_es", "synonyms_en"):
            parts = s[column].split("|") if s[column] else []
            assert all(p.strip() and p == p.strip() for p in parts), (s["id"], column)


def test_skill_esco_uris_are_skill_uris(skills):
    uris = [s["esco_uri"] for s in skills if s["esco_uri"]]
    assert all(u.startswith(ESCO_SKILL_PREFIX) for u in uris)
    dupes = [u for u, n in Counter(uris).items() if n > 1]
    assert not dupes


def test_languages_sector_has_core_languages(skills):
    language_ids = {s["id"] for s in skills if s["sector"] == "languages"}
    assert {"quechua", "aymara", "english"} <= language_ids


# --- occupations ----------------------------------------------------------


def test_occupations_header(occupations_file):
    assert occupations_file[0] == OCCUPATION_COLUMNS


def test_occupation_count_and_isco_codes(occupations):
    assert len(occupations) >= 70
    assert all(re.fullmatch(r"\d{4}", o["isco_code"]) for o in occupations)


def test_occupation_ids_and_labels(occupations):
    ids = [o["id"] for o in occupations]
    assert all(ID_RE.match(i) for i in ids)
    assert len(ids) == len(set(ids))
    for column in ("label_es", "label_en"):
        assert all(o[column].strip() for o in occupations)
        folded = Counter(_fold(o[column]) for o in occupations)
        assert not [label for label, n in folded.items() if n > 1]


def test_occupation_esco_uris_are_occupation_uris(occupations):
    uris = [o["esco_uri"] for o in occupations if o["esco_uri"]]
    assert all(u.startswith(ESCO_OCCUPATION_PREFIX) for u in uris)


def test_occupation_skill_references(occupations, skills):
    skill_ids = {s["id"] for s in skills}
    for o in occupations:
        essential = _split(o["essential_skills"])
        optional = _split(o["optional_skills"])
        assert essential, o["id"]
        missing = (set(essential) | set(optional)) - skill_ids
        assert not missing, (o["id"], missing)
        assert not set(essential) & set(optional), o["id"]


# --- cross-check against the ESCO reference data -------------------------


def _esco_uris(filename):
    with open(ESCO_DIR / filename, encoding="utf-8", newline="") as fh:
        return {row["conceptUri"] for row in csv.DictReader(fh)}


def test_esco_uris_exist_in_reference_data(skills, occupations):
    if not ESCO_DIR.is_dir():
        pytest.skip(f"ESCO reference data not found at {ESCO_DIR}")
    skill_uris = _esco_uris("skills_es.csv") | _esco_uris("skills_en-us.csv")
    occupation_uris = _esco_uris("occupations_es.csv") | _esco_uris("occupations_en-us.csv")
    unknown_skills = [
        s["esco_uri"] for s in skills if s["esco_uri"] and s["esco_uri"] not in skill_uris
    ]
    unknown_occupations = [
        o["esco_uri"] for o in occupations if o["esco_uri"] and o["esco_uri"] not in occupation_uris
    ]
    assert not unknown_skills
    assert not unknown_occupations
