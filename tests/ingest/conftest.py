"""Fixtures of the import tests: a few taxonomy skills and the sample files folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from chamba.taxonomy.models import Skill
from chamba.vocab import SkillType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

SKILLS = [
    ("costura", "Costura", "Sewing", ["coser", "confección textil"]),
    ("cosecha-esparrago", "Cosecha de espárrago", "Asparagus harvesting", []),
    ("conduccion-mototaxi", "Conducción de mototaxi", "Motorcycle taxi driving", ["mototaxista"]),
    ("atencion-al-cliente", "Atención al cliente", "Customer service", []),
    ("guia-turismo", "Guiado turístico", "Tour guiding", ["guía de turismo"]),
    ("ingles", "Inglés", "English", []),
    ("excel", "Microsoft Excel", "Microsoft Excel", ["excel"]),
]


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def skills(session: Session) -> list[str]:
    """The skills the sample files name, created in the test's transaction."""
    for skill_id, label_es, label_en, synonyms in SKILLS:
        session.add(
            Skill(
                id=skill_id,
                label_es=label_es,
                label_en=label_en,
                synonyms_es=synonyms,
                type=SkillType.SKILL,
            )
        )
    session.flush()
    return [s[0] for s in SKILLS]
