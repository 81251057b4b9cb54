"""Import of the official ESCO CSV export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.taxonomy.conftest import (
    CASHIER_URI,
    CUSTOMER_URI,
    MATHS_URI,
    SPREADSHEET_URI,
    WELD_URI,
    WELDER_URI,
)

from chamba.db import make_engine, migrate, session_scope
from chamba.taxonomy import service
from chamba.taxonomy.catalogue import load_catalogue
from chamba.taxonomy.errors import EscoImportError
from chamba.taxonomy.esco import esco_id, import_esco
from chamba.taxonomy.models import IscoGroup, Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement, SkillType


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_import_merges_languages_by_uri(session: Session, esco_small: Path) -> None:
    # GIVEN a small export with Spanish and English (en-us, with a BOM) files
    # WHEN it is imported
    report = import_esco(session, esco_small)
    # THEN each concept is one row with labels and multi-line alt labels in both languages
    assert report.languages == ["es", "en"]
    assert (report.skills_created, report.occupations_created) == (4, 2)
    skill = service.get_skill(session, esco_id(CUSTOMER_URI))
    assert skill.id == "esco:0a0a0a0a-0000-4000-8000-00000000000a"
    assert (skill.label_es, skill.label_en) == ("atención al cliente", "customer service")
    assert skill.synonyms_es == ["servicio al cliente", "atender a clientes"]  # label dropped
    assert skill.synonyms_en == ["client service", "customer care"]
    assert skill.description_en == "Help customers before and after a purchase."
    assert (skill.source, skill.reuse_level, skill.type) == (
        "esco",
        "cross-sector",
        SkillType.SKILL,
    )
    assert skill.broader_uris == [
        "http://data.europa.eu/esco/skill/9a9a9a9a-0000-4000-8000-00000000009a"
    ]
    maths = service.get_skill(session, esco_id(MATHS_URI))
    assert maths.type == SkillType.TRANSVERSAL
    # AND a concept with an English label only gets it in Spanish too
    sheet = service.get_skill(session, esco_id(SPREADSHEET_URI))
    assert sheet.label_es == sheet.label_en == "use spreadsheets software"
    # AND occupations keep their ISCO code, alt labels split on newlines and " | "
    welder = service.get_occupation(session, esco_id(WELDER_URI))
    assert welder.isco_code == "7212"
    assert welder.synonyms_es == ["soldador", "soldadora"]
    assert session.get(IscoGroup, "5230") is not None


def test_import_relations_skip_unknown_concepts(session: Session, esco_small: Path) -> None:
    # GIVEN relations of which two name concepts that are not in the export
    # WHEN imported
    report = import_esco(session, esco_small)
    # THEN known pairs are stored and the others counted as skipped
    assert (report.relations_imported, report.relations_skipped) == (4, 2)
    cashier = service.get_occupation(session, esco_id(CASHIER_URI))
    relations = {r.skill_id: r.relation for r in cashier.skills}
    assert relations == {
        esco_id(CUSTOMER_URI): Requirement.ESSENTIAL,
        esco_id(SPREADSHEET_URI): Requirement.ESSENTIAL,
        esco_id(MATHS_URI): Requirement.OPTIONAL,
    }


def test_reimport_changes_nothing(session: Session, esco_small: Path) -> None:
    # GIVEN an imported export
    import_esco(session, esco_small)
    # WHEN it is imported again
    report = import_esco(session, esco_small)
    # THEN nothing is written
    assert not report.changed
    assert (report.skills_unchanged, report.occupations_unchanged) == (4, 2)
    assert _count(session, Skill) == 4
    assert _count(session, OccupationSkill) == 4


def test_concepts_with_catalogue_uris_are_linked(
    session: Session, esco_small: Path, small_catalogue: Path
) -> None:
    # GIVEN a catalogue whose 'soldadura' skill and 'soldador' occupation carry ESCO URIs
    load_catalogue(session, small_catalogue)
    # WHEN ESCO is imported
    report = import_esco(session, esco_small)
    # THEN no duplicate is made: the catalogue rows keep their ids and labels and gain synonyms
    assert (report.skills_linked, report.occupations_linked) == (1, 1)
    assert report.skills_created == 3
    assert session.get(Skill, esco_id(WELD_URI)) is None
    assert session.get(Occupation, esco_id(WELDER_URI)) is None
    welding = service.get_skill(session, "soldadura")
    assert (welding.label_es, welding.source, welding.sector) == (
        "Soldadura",
        "catalogue",
        "construccion",
    )
    assert welding.synonyms_es == ["soldar", "soldar metales", "soldadura por arco"]
    assert welding.synonyms_en == ["weld", "arc welding"]
    assert welding.reuse_level == "sector-specific"
    assert welding.broader_uris
    # AND the catalogue keeps the skill list of its occupation
    soldador = service.get_occupation(session, "soldador")
    assert [r.skill_id for r in soldador.skills] == ["soldadura"]
    # AND the search finds the catalogue skill by an ESCO alt label
    assert service.search_skills(session, "soldadura por arco")[0].id == "soldadura"
    # AND the catalogue and ESCO can be reloaded in any order without changes
    assert not load_catalogue(session, small_catalogue).changed
    assert not import_esco(session, esco_small).changed


def test_restricting_languages(session: Session, esco_small: Path) -> None:
    # GIVEN the small export
    # WHEN only Spanish is imported
    report = import_esco(session, esco_small, langs=["es"])
    # THEN English files are not read and labels fall back to Spanish
    assert report.languages == ["es"]
    assert report.skills_created == 3
    assert session.get(Skill, esco_id(SPREADSHEET_URI)) is None
    skill = service.get_skill(session, esco_id(CUSTOMER_URI))
    assert skill.label_en == "atención al cliente"
    # AND importing English later fills English without losing Spanish
    import_esco(session, esco_small, langs=["en-US"])
    skill = service.get_skill(session, esco_id(CUSTOMER_URI))
    assert (skill.label_es, skill.label_en) == ("atención al cliente", "customer service")
    assert skill.synonyms_es == ["servicio al cliente", "atender a clientes"]


def test_other_languages_are_accepted_but_ignored(
    tmp_path: Path, session: Session, esco_small: Path
) -> None:
    folder = tmp_path / "esco"
    shutil.copytree(esco_small, folder)
    shutil.copy(folder / "skills_es.csv", folder / "skills_fr.csv")
    report = import_esco(session, folder)
    assert report.languages == ["es", "en"]
    assert report.languages_ignored == ["fr"]
    with pytest.raises(EscoImportError, match="No skills_es.csv or skills_en.csv"):
        import_esco(session, folder, langs=["fr"])
    with pytest.raises(EscoImportError, match="skills_pt.csv not found"):
        import_esco(session, folder, langs=["pt"])


def test_missing_column_or_file_is_a_clear_error(tmp_path: Path, session: Session) -> None:
    # GIVEN a skills file without conceptUri
    (tmp_path / "skills_es.csv").write_text(
        "preferredLabel,skillType\nsoldar,skill\n", encoding="utf-8"
    )
    (tmp_path / "empty").mkdir()
    # WHEN / THEN the import names the file and the column
    with pytest.raises(EscoImportError, match=r"skills_es.csv: missing column 'conceptUri'"):
        import_esco(session, tmp_path)
    with pytest.raises(EscoImportError, match="No skills_es.csv or skills_en.csv"):
        import_esco(session, tmp_path / "empty")
    with pytest.raises(EscoImportError, match="relations file"):
        import_esco(session, tmp_path, relations_file=tmp_path / "nope.csv")


def test_progress_is_reported(session: Session, esco_small: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    import_esco(
        session, esco_small, progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    stages = {c[0] for c in calls}
    assert {"skills_es.csv", "skills", "occupations", "relations"} <= stages
    assert all(0 <= done <= total for _, done, total in calls)


@pytest.mark.slow
def test_import_of_the_real_esco_export(tmp_path: Path, shared_data: Path) -> None:
    # GIVEN the official export (v1.0 es + en-us) and the v1.1.1 relations, on a fresh SQLite
    esco = shared_data / "esco"
    if not (esco / "skills_es.csv").is_file():
        pytest.skip("shared ESCO export not present")
    engine = make_engine(f"sqlite:///{tmp_path / 'esco.db'}")
    migrate(engine)
    try:
        # WHEN all of it is imported
        with session_scope(engine) as session:
            report = import_esco(
                session, esco, relations_file=esco / "en-v1.1.1" / "occupationSkillRelations.csv"
            )
        # THEN every skill has a Spanish label and the relations are there
        with session_scope(engine) as session:
            n_skills = session.scalar(select(func.count()).where(Skill.label_es != ""))
            assert (n_skills or 0) >= 13_000
            known = session.scalars(
                select(Skill).where(
                    Skill.esco_uri
                    == "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
                )
            ).one()
            assert known.label_es == "gestionar tareas en relación con los músicos"
            assert known.label_en == "manage musical staff"
            assert _count(session, OccupationSkill) > 100_000
            assert _count(session, Occupation) >= 2_900
        assert report.relations_imported > 100_000
        assert report.relations_skipped > 0  # v1.1.1 concepts missing from v1.0
        assert report.seconds < 60
    finally:
        engine.dispose()


def test_report_summary_is_one_readable_line(session: Session, esco_small: Path) -> None:
    report = import_esco(session, esco_small)
    line = report.summary()
    assert "\n" not in line
    assert "4 created" in line
    assert "2 skipped" in line


def test_the_esco_shipped_in_the_package_imports_with_relations(tmp_path: Path) -> None:
    # GIVEN a fresh SQLite database with the built-in catalogue
    from chamba.nlp.service import get_occupation_index
    from chamba.taxonomy.catalogue import load_catalogue
    from chamba.taxonomy.esco import bundled_esco_dir, import_bundled_esco

    assert "European Union" in (bundled_esco_dir() / "README.md").read_text(encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'bundled.db'}")
    migrate(engine)
    try:
        with session_scope(engine) as session:
            load_catalogue(session)
        # WHEN the ESCO copy shipped inside the package is imported
        with session_scope(engine) as session:
            report = import_bundled_esco(session)
        # THEN ESCO's skills and occupations are there in Spanish and English, with relations
        assert report.languages == ["es", "en"]
        with session_scope(engine) as session:
            assert _count(session, Skill) >= 13_400
            assert _count(session, Occupation) >= 2_900
            assert _count(session, OccupationSkill) >= 50_000
            musicians = "gestionar tareas en relación con los músicos"
            music = session.scalars(select(Skill).where(Skill.label_es == musicians)).one()
            assert music.label_en == "manage musical staff"
            # AND occupation titles find their skills: ESCO's and the catalogue's
            index = get_occupation_index(session)
            judicial = index.find("Secretario Judicial - Corte Superior de Lima")
            assert judicial is not None
            assert judicial.skills
            assert "secretarial_work" not in judicial.skills
            waiter = index.find("Mozo")
            assert waiter is not None
            assert "table_service" in waiter.skills
    finally:
        engine.dispose()
