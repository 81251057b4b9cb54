"""Match summaries read at a primary-school level in Spanish: Fernández-Huerta >= 70 for every
summary the sentence builders write with the catalogue's skill labels, and for real rankings."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chamba.matching.schemas import CourseSummary, JobsRequest, MissingSkill, WageInfo
from chamba.matching.service import candidates_for_job, courses_for_person, jobs_for_person
from chamba.matching.wording import place_wage_text, skills_text
from chamba.readability import fernandez_huerta, syllables

from .conftest import NOW, SAN_BORJA, World

PLAIN: float = 70.0
PROVIDERS = [None, "SENATI", "CETPRO Comas", "Instituto Superior Tecnológico Público Huaycán"]


def test_spanish_syllables() -> None:
    words = {"casa": 2, "cuidado": 3, "día": 2, "poeta": 3, "guitarra": 3, "quechua": 2,
             "habilidades": 5, "aéreo": 4, "muy": 1, "Perú": 2}  # fmt: skip
    assert {w: syllables(w) for w in words} == words


def test_plain_text_scores_high_and_jargon_low() -> None:
    assert fernandez_huerta("Tienes 3 de las 4 habilidades clave. Está a 3 km.") >= 80
    jargon = (
        "La implementación de metodologías participativas interdisciplinarias contribuye "
        "significativamente al fortalecimiento institucional de las organizaciones."
    )
    assert fernandez_huerta(jargon) < 30


def _catalogue_labels() -> list[str]:
    text = (files("chamba.taxonomy") / "data" / "skills.csv").read_text(encoding="utf-8")
    return [row["label_es"] for row in csv.DictReader(io.StringIO(text, newline=""))]


def _course(rng: random.Random) -> CourseSummary:
    free = rng.random() < 0.4
    return CourseSummary(
        course_id=1, title="x", provider=rng.choice(PROVIDERS),
        modality=rng.choice(["in_person", "online", "hybrid"]),
        cost=Decimal(0 if free else rng.choice([80, 150, 450, 1200])), is_free=free,
        scholarship=False, hours=rng.choice([20, 60, 120, 480]), fits=rng.random() < 0.8,
    )  # fmt: skip


def test_every_job_summary_with_catalogue_labels_is_plain() -> None:
    # GIVEN 2,000 summaries: random catalogue labels missing, courses, places, pay, both sides
    rng = random.Random(16)
    labels = _catalogue_labels()
    worst = (200.0, "")
    for _ in range(2000):
        n_essential = rng.randint(0, 6)
        missing_count = rng.randint(0, n_essential)
        missing = [
            MissingSkill(id=f"s{i}", label=rng.choice(labels),
                         courses=[_course(rng) for _ in range(rng.randint(0, 2))])
            for i in range(missing_count)
        ]  # fmt: skip
        seeker = rng.random() < 0.7
        low = Decimal(rng.choice([930, 1025, 1200, 1500, 2800]))
        wage = WageInfo(
            offered_min=low if rng.random() < 0.8 else None,
            offered_max=low + rng.choice([0, 200, 500]) if rng.random() < 0.6 else None,
            expected=Decimal(1200) if rng.random() < 0.5 else None,
            fit=rng.choice(["above", "meets", "below", "unknown"]),
        )
        summary = " ".join(
            [
                skills_text(
                    rng.randint(0, 5),
                    n_essential,
                    n_essential - missing_count,
                    missing,
                    "es",
                    seeker=seeker,
                ),  # fmt: skip
                place_wage_text(
                    rng.choice([None, 0.4, 3.2, 27.0, 140.0]),
                    rng.random() < 0.2,
                    wage,
                    "es",
                    seeker=seeker,
                ),
            ]
        )
        worst = min(worst, (fernandez_huerta(summary), summary))
    # THEN even the hardest reads at a primary-school level
    assert worst[0] >= PLAIN, worst


Indexes = Callable[[], Any]


def test_real_rankings_explain_in_plain_spanish(
    session: Session, world: World, make_indexes: Indexes
) -> None:
    person = world.person(["mt-soldadura"], expected_wage=Decimal("1200"))
    job = world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 0.8),
                     "mt-electricidad": (True, 0.7)}, ubigeo=SAN_BORJA)  # fmt: skip
    world.job({"mt-soldadura": (True, 1.0)}, remote=True, wage_min=None, wage_max=None)
    world.course(["mt-planos"], title="Lectura de planos", hours=40, weeks=4)
    world.course(["mt-electricidad", "mt-planos"], provider=None, is_free=False,
                 cost=Decimal("250"), hours=120, weeks=12)  # fmt: skip
    indexes = make_indexes()
    summaries = [
        *(i.explanation.summary for i in jobs_for_person(session, indexes, person.id,
                                                          JobsRequest(now=NOW, limit=50)).items),
        *(i.explanation.summary for i in courses_for_person(session, indexes, person.id, now=NOW,
                                                             limit=50).items),
        *(i.explanation.summary for i in candidates_for_job(session, indexes, job.id, now=NOW,
                                                             limit=50).items),
    ]  # fmt: skip
    assert len(summaries) >= 4
    for summary in summaries:
        assert fernandez_huerta(summary) >= PLAIN, summary


@pytest.mark.parametrize("lang", ["es"])
def test_a_summary_names_one_missing_skill_and_counts_the_rest(lang: str) -> None:
    missing = [MissingSkill(id=f"s{i}", label=f"Habilidad {i}") for i in range(5)]
    sentence = skills_text(1, 6, 1, missing, lang, seeker=True)  # type: ignore[arg-type]
    assert "Te faltan Habilidad 0 y 4 más." in sentence
