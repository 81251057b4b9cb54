"""Catalogue loading, lookups, bilingual search and CSV exports of the taxonomy."""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.taxonomy.conftest import SMALL_SKILLS, WELD_URI, WELDER_URI, write_catalogue

from chamba.taxonomy import service
from chamba.taxonomy.catalogue import load_catalogue
from chamba.taxonomy.errors import CatalogueError, OccupationNotFound, SkillNotFound
from chamba.taxonomy.esco import import_esco
from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- catalogue -------------------------------------------------------------------------------


def test_load_catalogue_creates_rows_relations_and_search_text(
    session: Session, small_catalogue: Path
) -> None:
    # GIVEN a small catalogue folder
    # WHEN it is loaded
    report = load_catalogue(session, small_catalogue)
    # THEN every row and relation is created, with normalised search text in both languages
    assert (report.skills_created, report.occupations_created) == (7, 2)
    assert report.relations_created == 4
    skill = service.get_skill(session, "atencion-cliente")
    assert skill.search_text.split("|")[:2] == ["atencion al cliente", "customer service"]
    assert "client care" in skill.search_text
    assert skill.synonyms_es == ["atender clientes", "servicio al cliente"]
    mozo = service.get_occupation(session, "mozo")
    relations = {(r.skill_id, r.relation) for r in mozo.skills}
    assert ("toma-pedidos", Requirement.ESSENTIAL) in relations
    assert ("calidad-atencion", Requirement.OPTIONAL) in relations


def test_load_catalogue_twice_changes_nothing(session: Session, small_catalogue: Path) -> None:
    # GIVEN a loaded catalogue
    load_catalogue(session, small_catalogue)
    # WHEN it is loaded again
    report = load_catalogue(session, small_catalogue)
    # THEN the report says nothing changed
    assert not report.changed
    assert (report.skills_unchanged, report.occupations_unchanged) == (7, 2)


def test_load_catalogue_applies_edits(tmp_path: Path, session: Session) -> None:
    # GIVEN a loaded catalogue
    load_catalogue(session, write_catalogue(tmp_path / "v1"))
    # WHEN a label changes and an occupation loses a skill
    skills = [list(r) for r in SMALL_SKILLS]
    skills[0][3] = "Atención a clientes"
    occupations = [["mozo", "5131", "Mozo/moza", "Waiter", "", "", "", "atencion-cliente", ""]]
    report = load_catalogue(session, write_catalogue(tmp_path / "v2", skills, occupations))
    # THEN exactly that is updated and the dropped relations are deleted
    assert (report.skills_updated, report.occupations_updated) == (1, 1)
    assert report.relations_deleted == 2
    assert service.get_skill(session, "atencion-cliente").label_es == "Atención a clientes"


def test_load_catalogue_rejects_unknown_skill_ids(tmp_path: Path, session: Session) -> None:
    # GIVEN an occupation naming a skill that is not in skills.csv
    occupations = [["mozo", "5131", "Mozo", "Waiter", "", "", "", "no-such-skill", ""]]
    folder = write_catalogue(tmp_path, occupations=occupations)
    # WHEN / THEN loading fails naming the file, line and id
    with pytest.raises(
        CatalogueError, match=r"occupations.csv:2: .*unknown skill id 'no-such-skill'"
    ):
        load_catalogue(session, folder)


def test_load_catalogue_rejects_bad_type_and_missing_column(
    tmp_path: Path, session: Session
) -> None:
    # GIVEN a skill with an unknown type
    skills = [["x", "", "talent", "Equis", "Ex", "", "", "", ""]]
    with pytest.raises(CatalogueError, match="unknown type 'talent'"):
        load_catalogue(session, write_catalogue(tmp_path / "a", skills, []))
    # GIVEN a skills file without the type column
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "skills.csv").write_text("id,label_es,label_en\nx,Equis,Ex\n", encoding="utf-8")
    (folder / "occupations.csv").write_text("id,label_es,label_en\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="skills.csv: missing column 'type'"):
        load_catalogue(session, folder)


def test_catalogue_absorbs_an_esco_row_with_its_uri(
    session: Session, small_catalogue: Path, esco_small: Path
) -> None:
    # GIVEN ESCO imported before the catalogue knew the welding URI
    import_esco(session, esco_small)
    assert session.get(Skill, "esco:0b0b0b0b-0000-4000-8000-00000000000b") is not None
    # WHEN the catalogue (which links 'soldadura' to that URI) is loaded
    report = load_catalogue(session, small_catalogue)
    # THEN the ESCO row is merged into the catalogue skill, its relations follow
    assert report.skills_merged == 1
    assert session.get(Skill, "esco:0b0b0b0b-0000-4000-8000-00000000000b") is None
    welding = service.get_skill(session, "soldadura")
    assert welding.esco_uri == WELD_URI
    assert "soldadura por arco" in welding.synonyms_es
    # ... and nothing changes on the next load or import
    assert not load_catalogue(session, small_catalogue).changed
    assert not import_esco(session, esco_small).changed


def test_real_catalogue_loads_idempotently(session: Session) -> None:
    # GIVEN the package's own catalogue (skipped while it is not written yet)
    data = files("chamba.taxonomy") / "data"
    skills_file = data / "skills.csv"
    if not skills_file.is_file() or not (data / "occupations.csv").is_file():
        pytest.skip("the built-in catalogue files are not present yet")
    rows = sum(1 for _ in csv.DictReader(skills_file.read_text(encoding="utf-8-sig").splitlines()))
    # WHEN it is loaded twice
    first = load_catalogue(session)
    second = load_catalogue(session)
    # THEN every row is created once and the second load changes nothing
    assert first.skills_created + first.skills_updated + first.skills_unchanged == rows
    if rows >= 400:
        assert _count(session, Skill) >= 400
    assert _count(session, Occupation) >= 1
    assert not second.changed


# --- lookups ---------------------------------------------------------------------------------


def test_get_unknown_skill_or_occupation_raises(session: Session) -> None:
    with pytest.raises(SkillNotFound, match="no-such"):
        service.get_skill(session, "no-such")
    with pytest.raises(OccupationNotFound):
        service.get_occupation(session, "no-such")


# --- search ----------------------------------------------------------------------------------


def test_search_ranks_exact_prefix_word_and_substring(
    session: Session, small_catalogue: Path
) -> None:
    # GIVEN the small catalogue
    load_catalogue(session, small_catalogue)
    # WHEN searching without accents
    hits = service.search_skills(session, "atencion")
    # THEN label prefixes come first (shorter first), then word prefixes, then substrings
    assert [h.id for h in hits] == [
        "atencion-cliente",
        "atencion-telefono",
        "calidad-atencion",
        "toma-pedidos",
        "desatencion",
    ]
    assert hits[0].label == "Atención al cliente"
    assert [h.tier for h in hits] == [1, 1, 3, 3, 4]


def test_search_exact_label_beats_prefix_and_is_case_insensitive(
    session: Session, small_catalogue: Path
) -> None:
    load_catalogue(session, small_catalogue)
    hits = service.search_skills(session, "ATENCIÓN AL CLIENTE")
    assert [h.id for h in hits[:2]] == ["atencion-cliente", "atencion-telefono"]
    assert hits[0].tier == 0


def test_search_english_query_and_synonyms_find_the_same_skill(
    session: Session, small_catalogue: Path
) -> None:
    # GIVEN the small catalogue
    load_catalogue(session, small_catalogue)
    # WHEN searching in English, asking for English labels
    hits = service.search_skills(session, "customer serv", lang="en")
    # THEN the same skill comes first, labelled in English
    assert hits[0].id == "atencion-cliente"
    assert hits[0].label == "Customer service"
    # AND an exact Spanish synonym finds it too (after exact labels)
    synonym = service.search_skills(session, "servicio al cliente")
    assert synonym[0].id == "atencion-cliente"
    assert synonym[0].tier == 2


def test_search_limit_empty_query_and_occupations(session: Session, small_catalogue: Path) -> None:
    load_catalogue(session, small_catalogue)
    assert len(service.search_skills(session, "a", limit=2)) == 2
    assert service.search_skills(session, "  ¿? ") == []
    assert service.search_skills(session, "zzzz") == []
    assert service.search_occupations(session, "mesera")[0].id == "mozo"
    assert service.search_occupations(session, "welder", lang="en")[0].label == "Welder"


# --- exports ---------------------------------------------------------------------------------


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_export_columns_and_formula_neutralisation(
    tmp_path: Path, session: Session, small_catalogue: Path
) -> None:
    # GIVEN a catalogue with formula-like cells
    load_catalogue(session, small_catalogue)
    # WHEN skills and occupations are exported
    n_skills = service.export_skills(session, tmp_path / "skills.csv")
    n_occ = service.export_occupations(session, tmp_path / "occupations.csv")
    # THEN the headers are exact and dangerous cells start with an apostrophe
    skills, occupations = _read(tmp_path / "skills.csv"), _read(tmp_path / "occupations.csv")
    assert skills[0] == list(service.SKILL_EXPORT_COLUMNS)
    assert skills[0] == "id,label_es,label_en,sector,type,esco_uri,synonyms_es,synonyms_en".split(
        ","
    )
    assert occupations[0] == (
        "id,label_es,label_en,isco_code,esco_uri,essential_skills,optional_skills".split(",")
    )
    assert (n_skills, n_occ) == (7, 2)
    row = next(r for r in skills if r[0] == "hoja-calculo")
    assert row[1:3] == ["'=Hojas de cálculo", "'+Spreadsheets"]
    assert row[6] == "'-excel|@sum"
    mozo = next(r for r in occupations if r[0] == "mozo")
    assert mozo[5:] == ["atencion-cliente|toma-pedidos", "calidad-atencion"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in skills for cell in r)


def test_export_round_trips(tmp_path: Path, session: Session, small_catalogue: Path) -> None:
    # GIVEN an exported catalogue, formula-like cells included
    load_catalogue(session, small_catalogue)
    service.export_skills(session, tmp_path / "skills.csv")
    service.export_occupations(session, tmp_path / "occupations.csv")
    # WHEN the files are read back and the cells restored
    with (tmp_path / "skills.csv").open(encoding="utf-8", newline="") as handle:
        skills = [
            {k: service.restore_cell(v) for k, v in r.items()} for r in csv.DictReader(handle)
        ]
    with (tmp_path / "occupations.csv").open(encoding="utf-8", newline="") as handle:
        occupations = {r["id"]: r for r in csv.DictReader(handle)}
    # THEN every value is the stored one
    assert len(skills) == 7
    for row in skills:
        skill = service.get_skill(session, row["id"])
        assert row["label_es"] == skill.label_es
        assert row["label_en"] == skill.label_en
        assert (row["sector"] or None, row["type"]) == (skill.sector, skill.type.value)
        assert (row["esco_uri"] or None) == skill.esco_uri
        assert [s for s in row["synonyms_es"].split("|") if s] == skill.synonyms_es
        assert [s for s in row["synonyms_en"].split("|") if s] == skill.synonyms_en
    soldador = occupations["soldador"]
    assert (soldador["isco_code"], soldador["esco_uri"]) == ("7212", WELDER_URI)
    assert soldador["essential_skills"] == "soldadura"
    assert service.restore_cell(service.neutralise_cell("'x")) == "'x"
    assert service.restore_cell(service.neutralise_cell("=1+1")) == "=1+1"


def test_export_includes_relations_from_esco(
    tmp_path: Path, session: Session, esco_small: Path
) -> None:
    import_esco(session, esco_small)
    service.export_occupations(session, tmp_path / "o.csv")
    rows = {r[0]: r for r in _read(tmp_path / "o.csv")[1:]}
    cashier = rows["esco:01010101-0000-4000-8000-000000000001"]
    assert cashier[3] == "5230"
    assert len(cashier[5].split("|")) == 2  # customer service + spreadsheets
    assert _count(session, OccupationSkill) == 4
