"""Job-ad mode of extraction: items, masks, levels, aliases and occupation titles.

Lexicon-only extractors over the built-in catalogue keep these tests fast and exact; the
quality on real postings is measured by ``benchmarks/bench_jobads.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.jobads import (
    OccupationIndex,
    extract_job_ads,
    mask_item,
    name_variants,
    requirement_items,
)
from chamba.nlp.schemas import SkillRecord

ROOT = Path(__file__).resolve().parents[2]
SKILLS_CSV = ROOT / "src" / "chamba" / "taxonomy" / "data" / "skills.csv"


@pytest.fixture(scope="module")
def extractor() -> SkillExtractor:
    with SKILLS_CSV.open(encoding="utf-8", newline="") as handle:
        records = [
            SkillRecord(
                id=row["id"],
                label_es=row["label_es"],
                label_en=row["label_en"],
                synonyms_es=tuple(s for s in row["synonyms_es"].split("|") if s.strip()),
                synonyms_en=tuple(s for s in row["synonyms_en"].split("|") if s.strip()),
                esco_uri=row["esco_uri"] or None,
            )
            for row in csv.DictReader(handle)
        ]
    return SkillExtractor(records, semantic=False)


def _ids(extractor: SkillExtractor, text: str) -> set[str]:
    return {s.skill_id for s in extract_job_ads(extractor, [text])[0]}


def test_items_are_lines_bullets_and_sentences() -> None:
    text = "Requisitos:\n• Manejo del SIAF\n¿ Excel intermedio; inglés deseable. Trabajo en equipo"
    items = [text[i.start : i.end] for i in requirement_items(text)]
    assert items == [
        "Requisitos:",
        "Manejo del SIAF",
        "Excel intermedio",
        "inglés deseable",
        "Trabajo en equipo",
    ]


def test_degrees_hours_and_lead_ins_are_masked_keeping_offsets() -> None:
    item = "Maestría en Gestión Pública y 40 horas de capacitación en SIAF"
    masked, _ = mask_item(item)
    assert len(masked) == len(item)
    assert "Maestr" not in masked
    assert "horas" not in masked
    assert "capacitación" not in masked
    assert "Gestión Pública" in masked
    assert "SIAF" in masked


def test_known_errors_of_the_free_text_tagger_are_gone(extractor: SkillExtractor) -> None:
    # GIVEN formal requirement lines that the free-text tagger misread
    # THEN degrees, hours of training and documents asked for as proof name no skill
    assert "primary_teaching" not in _ids(extractor, "Maestría en Gestión Pública")
    assert _ids(extractor, "Maestría en Gestión Pública") == {"public_management"}
    assert "workshop_facilitation" not in _ids(extractor, "40 horas de capacitación en SIAF")
    assert _ids(extractor, "40 horas de capacitación en SIAF") == {"siaf_system"}
    proof = "Experiencia acreditada con constancias, certificados o boletas de pago"
    assert _ids(extractor, proof) == set()
    # AND "Resolución de conflictos" reaches "Manejo de conflictos"
    assert _ids(extractor, "Resolución de conflictos") == {"conflict_management"}


def test_the_free_text_tagger_did_misread_them(extractor: SkillExtractor) -> None:
    # The same lines through the free-text tagger: what the job-ad mode fixes.
    def plain(text: str) -> set[str]:
        return {s.skill_id for s in extractor.extract(text)}

    assert "primary_teaching" in plain("Maestría en Gestión Pública")
    assert "workshop_facilitation" in plain("40 horas de capacitación en SIAF")


def test_a_list_of_chores_yields_each_item(extractor: SkillExtractor) -> None:
    found = _ids(extractor, "Funciones: limpieza, lavado de vajilla, jardinería, rondas")
    assert {"commercial_cleaning", "dishwashing", "gardening", "security_guarding"} <= found


def test_public_sector_requirements_are_covered(extractor: SkillExtractor) -> None:
    text = (
        "• Conocimiento en Gestión Pública y Ley N° 27444\n"
        "• Manejo del SIAF y SIGA\n"
        "• Trámite documentario\n"
        "• Orientación a resultados, vocación de servicio, planificación"
    )
    assert _ids(extractor, text) >= {
        "public_management",
        "administrative_procedure_law",
        "siaf_system",
        "siga_system",
        "mesa_de_partes",
        "results_orientation",
        "service_orientation",
        "planning",
    }


def test_levels_apply_to_the_skills_before_them(extractor: SkillExtractor) -> None:
    found = extract_job_ads(
        extractor, ["Ofimática: Word, Excel y PowerPoint a nivel intermedio\nInglés básico"]
    )[0]
    levels = {s.skill_id: s.level for s in found}
    assert levels["word_processing"] == "intermediate"
    assert levels["spreadsheets_excel"] == "intermediate"
    assert levels["presentations"] == "intermediate"
    assert levels["english"] == "basic"


def test_terse_bullets_use_the_item_aliases(extractor: SkillExtractor) -> None:
    assert _ids(extractor, "• Análisis\n• Redacción\n• Orden") == {
        "analytical_thinking",
        "document_writing",
        "organisation_skills",
    }


def test_evidence_indexes_the_input(extractor: SkillExtractor) -> None:
    text = "Requisitos:\n- Conocimiento de ofimática nivel intermedio\n- Manejo del SIAF"
    for skill in extract_job_ads(extractor, [text])[0]:
        assert text[skill.start : skill.end] == skill.evidence


def test_occupation_titles_imply_their_skills() -> None:
    index = OccupationIndex(
        [
            ("waiter", ["Mozo/a", "mesero"], [("table_service", "essential", True)]),
            (
                "esco:court-clerk",
                ["secretario judicial/secretaria judicial"],
                [("esco:legal", "essential", False), ("esco:x", "optional", False)],
            ),
        ]
    )
    waiter = index.find("Mozo para pollería en Surco")
    assert waiter is not None
    assert waiter.skills == ("table_service",)
    clerk = index.find("Secretario Judicial (CAS) - Corte Superior")
    assert clerk is not None
    assert clerk.skills == ("esco:legal",)  # essential relations only
    assert index.find("Mozambique") is None
    assert index.find("Secretario") is None


def test_name_variants() -> None:
    assert name_variants("Mozo/a") == ["mozo", "moza"]
    assert name_variants("camarero/camarera") == ["camarero", "camarera"]
