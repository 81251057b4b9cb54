"""NLP services on a real database (SQLite and PostgreSQL) with the built-in catalogue."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.nlp import service as nlp_service
from chamba.nlp.encoder import TextEncoder
from chamba.people import repository as people_repository
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.catalogue import load_catalogue
from chamba.taxonomy.models import Skill
from chamba.vocab import SkillLevel, SkillSource


@pytest.fixture
def catalogue(session: Session) -> Session:
    load_catalogue(session)
    session.flush()
    return session


def test_extract_skills(catalogue: Session, use_encoder: TextEncoder) -> None:
    found = nlp_service.extract_skills(
        catalogue, "trabajé 3 años en la cosecha de espárragos, sé Excel", encoder=use_encoder
    )
    assert {s.skill_id for s in found} >= {"asparagus_harvesting", "spreadsheets_excel"}


def test_extract_skills_bad_input(catalogue: Session, use_encoder: TextEncoder) -> None:
    assert nlp_service.extract_skills(catalogue, "  ", encoder=use_encoder) == []
    assert nlp_service.extract_skills(catalogue, "😀🔥", encoder=use_encoder) == []
    with pytest.raises(InvalidInput):
        nlp_service.extract_skills(catalogue, "x" * 100_001, encoder=use_encoder)


def test_extractor_is_cached_and_rebuilt_when_skills_change(
    catalogue: Session, use_encoder: TextEncoder
) -> None:
    # GIVEN an extractor built once
    first = nlp_service.get_extractor(catalogue, use_encoder)
    assert nlp_service.get_extractor(catalogue, use_encoder) is first
    # WHEN a skill gains a synonym (updated_at moves)
    catalogue.execute(
        update(Skill)
        .where(Skill.id == "cash_register")
        .values(synonyms_es=["cobradora de tienda xyz"])
    )
    catalogue.flush()
    # THEN the next call rebuilds and sees it
    second = nlp_service.get_extractor(catalogue, use_encoder)
    assert second is not first
    found = second.extract("fui cobradora de tienda xyz", methods=("lexicon",))
    assert "cash_register" in {s.skill_id for s in found}


def test_suggest_job_skills_requirements(catalogue: Session, use_encoder: TextEncoder) -> None:
    title = "Cajera para minimarket"
    description = (
        "Buscamos cajera con experiencia.\n"
        "Requisitos:\n"
        "- Excel básico (indispensable)\n"
        "- Inglés intermedio deseable\n"
        "Manejo de POS es un plus."
    )
    suggested = nlp_service.suggest_job_skills(catalogue, title, description, encoder=use_encoder)
    by_id = {s.skill_id: s for s in suggested}
    assert by_id["cash_register"].requirement == "essential"
    assert by_id["cash_register"].field == "title"
    assert by_id["spreadsheets_excel"].requirement == "essential"
    assert by_id["english"].requirement == "optional"
    assert by_id["pos_terminal"].requirement == "optional"
    assert by_id["english"].importance < by_id["spreadsheets_excel"].importance
    assert all(0.0 <= s.importance <= 1.0 for s in suggested)
    for s in suggested:
        source = title if s.field == "title" else description
        assert source[s.start : s.end] == s.evidence
    assert [s.importance for s in suggested] == sorted(
        (s.importance for s in suggested), reverse=True
    )


def test_suggest_job_skills_english_and_batch(catalogue: Session, use_encoder: TextEncoder) -> None:
    postings = [
        ("Forklift operator", "Forklift license required. Excel is nice to have."),
        ("", ""),
    ]
    first, empty = nlp_service.suggest_job_skills_many(catalogue, postings, encoder=use_encoder)
    by_id = {s.skill_id: s for s in first}
    assert by_id["forklift_operation"].requirement == "essential"
    assert by_id["spreadsheets_excel"].requirement == "optional"
    assert empty == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Excel indispensable", "essential"),
        ("Excel deseable", "optional"),
        ("Excel: no excluyente", "optional"),
        ("Excel de preferencia", "optional"),
        ("Excel, valorable", "optional"),
        ("Excel required", "essential"),
        ("Deseable:\n- Excel", "optional"),
        ("Excel", None),
    ],
)
def test_requirement_of(text: str, expected: str | None) -> None:
    start = text.index("Excel")
    assert nlp_service.requirement_of(text, start, start + 5) == expected


def test_propose_person_skills(catalogue: Session, use_encoder: TextEncoder) -> None:
    person = Person(full_name="Rosa Quispe")
    catalogue.add(person)
    catalogue.flush()
    catalogue.add(
        PersonSkill(
            person_id=person.id,
            skill_id="spreadsheets_excel",
            level=SkillLevel.BASIC,
            source=SkillSource.DECLARED,
        )
    )
    catalogue.flush()
    profile = people_repository.skill_levels(catalogue, person.id)
    proposed = nlp_service.propose_person_skills(
        catalogue, profile, "sé Excel avanzado y trabajé de cajera", encoder=use_encoder
    )
    by_id = {p.skill_id: p for p in proposed}
    assert by_id["spreadsheets_excel"].on_profile
    assert by_id["spreadsheets_excel"].profile_level == "basic"
    assert not by_id["cash_register"].on_profile


def test_propose_person_skills_without_a_profile(catalogue: Session) -> None:
    proposed = nlp_service.propose_person_skills(catalogue, {}, "sé Excel")
    assert proposed
    assert not any(p.on_profile for p in proposed)
