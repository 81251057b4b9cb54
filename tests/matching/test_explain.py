"""Explanations: Spanish and English, missing skills with courses, money format, real encoder."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chamba.matching.embeddings import build_indexes
from chamba.matching.schemas import JobsRequest
from chamba.matching.service import candidates_for_job, jobs_for_person
from chamba.matching.wording import format_money
from chamba.nlp.encoder import get_encoder

from .conftest import NOW, SAN_BORJA, World

Indexes = Callable[[], Any]


def test_format_money_peru_style() -> None:
    assert format_money(Decimal("1130")) == "S/ 1,130"
    assert format_money(1500) == "S/ 1,500"
    assert format_money(Decimal("1130.5")) == "S/ 1,130.50"
    assert format_money(0) == "S/ 0"


def _welding_world(world: World) -> tuple[Any, Any, Any]:
    person = world.person(["mt-soldadura", "mt-planos", "mt-seguridad"],
                          expected_wage=Decimal("1200"))  # fmt: skip
    job = world.job(
        {"mt-soldadura": (True, 1.0), "mt-planos": (True, 0.8), "mt-seguridad": (True, 0.6),
         "mt-electricidad": (True, 0.7), "mt-excel": (False, 0.3)},
        ubigeo=SAN_BORJA, wage_min=Decimal("1500"), wage_max=Decimal("1500"),
    )  # fmt: skip
    course = world.course(["mt-electricidad"], provider="SENATI", hours=60)
    return person, job, course


def test_spanish_explanation(session: Session, world: World, make_indexes: Indexes) -> None:
    # GIVEN a person with 3 of the 4 key skills of a job 8 km away paying more than they ask
    person, job, course = _welding_world(world)
    # WHEN matched (Spanish by default)
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(now=NOW, limit=50))
    item = next(i for i in page.items if i.job_id == job.id)
    ex = item.explanation
    # THEN the structured parts are right
    assert page.lang == "es"
    assert {s.id for s in ex.matched_skills} == {"mt-soldadura", "mt-planos", "mt-seguridad"}
    assert [m.id for m in ex.missing_essential] == ["mt-electricidad"]
    assert ex.missing_essential[0].label == "Electricidad"
    assert ex.missing_essential[0].courses[0].course_id == course.id
    assert ex.missing_essential[0].courses[0].is_free
    assert [s.id for s in ex.missing_optional] == ["mt-excel"]
    assert ex.distance_km == pytest.approx(7.7, abs=0.5)
    assert ex.place is None  # two districts: the distance is known to the km
    assert ex.matched_words == ["soldador", "taller"]
    assert ex.wage.fit == "above"
    assert ex.hours.fit == "fits"
    # AND the summary reads naturally
    assert ex.summary == (
        "Tienes 3 de las 4 habilidades clave. Te falta Electricidad. Hay un curso gratis, "
        "de 60 h. Tus palabras coinciden con el aviso: soldador y taller. Está a 8 km. "
        "Paga S/ 1,500 al mes, más de lo que pides."
    )


def test_english_explanation_by_request_and_by_account(session: Session, world: World,
                                                       make_indexes: Indexes) -> None:  # fmt: skip
    person, job, _ = _welding_world(world)
    expected = (
        "You have 3 of the 4 key skills. You are missing Electricity. There is a free course "
        "of 60 h. Your own words match the posting: soldador and taller. It is 8 km away. "
        "It pays S/ 1,500 a month, more than you ask for."
    )
    # WHEN asked in English
    page = jobs_for_person(
        session, make_indexes(), person.id, JobsRequest(now=NOW, lang="en", limit=50)
    )
    item = next(i for i in page.items if i.job_id == job.id)
    assert page.lang == "en"
    assert item.explanation.summary == expected
    assert item.explanation.missing_essential[0].label == "Electricity"
    # WHEN the person's account is in English and no language is given
    person.user_id = world.user("en").id
    session.flush()
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(now=NOW, limit=50))
    assert page.lang == "en"
    assert next(i for i in page.items if i.job_id == job.id).explanation.summary == expected


def test_remote_and_unknown_wage_wording(session: Session, world: World) -> None:
    person = world.person(["mt-soldadura"])
    world.job({"mt-soldadura": (True, 1.0)}, remote=True, wage_min=None, wage_max=None)
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, remote=True))
    assert page.items[0].explanation.summary.endswith("Es remoto. No dice el sueldo.")
    assert page.items[0].explanation.wage.fit == "unknown"


def test_candidate_explanation_for_the_employer(session: Session, world: World,
                                                make_indexes: Indexes) -> None:  # fmt: skip
    person, job, _ = _welding_world(world)
    page = candidates_for_job(session, make_indexes(), job.id, now=NOW, limit=200)
    item = next(i for i in page.items if i.person_id == person.id)
    assert item.explanation.summary == (
        "Tiene 3 de las 4 habilidades clave. Le falta Electricidad. "
        "Sus palabras coinciden con el aviso: soldador y taller. "
        "Vive a 8 km. Pide S/ 1,200 al mes, menos de lo que ofreces."
    )
    assert item.explanation.missing_essential[0].courses == []  # employers get no course list


def test_with_the_real_encoder(session: Session, world: World) -> None:
    # GIVEN indexes built with the default multilingual encoder and a person who only
    # describes their trade in their own words (no extracted skills)
    encoder = get_encoder(threads=2)
    person = world.person([], self_description="Soy soldador, trabajo con estructuras metálicas")
    weld = world.job({"mt-soldadura": (True, 1.0)}, title="Soldador de estructuras",
                     description="Soldadura de estructuras metálicas")  # fmt: skip
    cook = world.job({"mt-ventas": (True, 1.0)}, title="Cocinero",
                     description="Preparar menú en restaurante")  # fmt: skip
    indexes = build_indexes(session, encoder)
    # WHEN matched
    page = jobs_for_person(session, indexes, person.id, JobsRequest(now=NOW, limit=50))
    features = {i.job_id: i.features for i in page.items}
    # THEN the semantic signal prefers the welding job
    assert features[weld.id]["semantic"] > features[cook.id]["semantic"]
    ranks = {i.job_id: i.rank for i in page.items}
    assert ranks[weld.id] < ranks[cook.id]


def test_a_department_is_named_not_measured(session: Session, world: World) -> None:
    # GIVEN a job known only to its department (Cusco) and a person in Cusco's capital
    person = world.person(["mt-soldadura"], ubigeo="080101", max_distance_km=500.0)
    job = world.job({"mt-soldadura": (True, 1.0)}, ubigeo="08")
    # WHEN matched
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, limit=50))
    ex = next(i for i in page.items if i.job_id == job.id).explanation
    # THEN the place is named at the precision the data has, with no invented kilometres
    assert ex.place == "Cusco"
    assert ex.distance_km is None
    assert "Está en Cusco. Paga S/ 1,500" in ex.summary
    assert "km" not in ex.summary


def test_a_job_without_skills_is_explained_by_shared_words(session: Session, world: World) -> None:
    # GIVEN a posting with no tagged skills and a person whose words it shares
    person = world.person([], self_description="Sé SIAF, contabilidad gubernamental y Excel")
    job = world.job({}, title="Asistente contable",
                    description="Conocimiento de SIAF y contabilidad gubernamental.")  # fmt: skip
    # WHEN matched
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, limit=50))
    ex = next(i for i in page.items if i.job_id == job.id).explanation
    # THEN the reason is the shared words, in the posting's words, not "no key skills"
    assert ex.matched_words == ["siaf", "contabilidad", "gubernamental"]
    assert ex.summary.startswith(
        "Tus palabras coinciden con el aviso: siaf, contabilidad y gubernamental. Está a "
    )
    assert "No pide habilidades" not in ex.summary
    # AND in English
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, limit=50, lang="en"))
    ex = next(i for i in page.items if i.job_id == job.id).explanation
    assert ex.summary.startswith("Your own words match the posting: siaf, contabilidad and")


def test_a_page_stems_the_persons_words_once_with_the_same_shared_words(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chamba.matching.explain as explain
    from chamba.matching.wording import own_stems, shared_words

    # GIVEN a person whose long description several postings share words with
    text = "Sé SIAF, contabilidad gubernamental, Excel avanzado y archivo de documentos. " * 4
    person = world.person([], self_description=text)
    jobs = [
        world.job({}, title=f"Asistente contable {k}", description="SIAF y archivo contable.")
        for k in range(4)
    ]
    calls: list[str | None] = []

    def spy(words: str | None) -> frozenset[str]:
        calls.append(words)
        return own_stems(words)

    monkeypatch.setattr(explain, "own_stems", spy)
    # WHEN a page of them is explained
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, limit=10))
    # THEN the person's words were stemmed once for the page
    assert calls == [text]
    # AND each job's shared words are those of the words themselves
    for job in jobs:
        got = next(i for i in page.items if i.job_id == job.id).explanation.matched_words
        assert got == shared_words(text, job) == ["siaf", "archivo"]


def test_shared_words_from_each_postings_stems_equal_a_walk_over_its_words() -> None:
    # GIVEN postings and people's words drawn from inflected, repeated, accented words
    import random
    import re

    from chamba.jobs.models import Job
    from chamba.matching.wording import _token_root, own_stems, shared_words

    vocab = (
        "Soldador soldadura soldadores cajera cajeros Ventas venta menú cocina cocinero taller "
        "Lima madera muebles de la y SIAF siaf excel Excel 2 al año años ok"
    ).split()
    rng = random.Random(11)
    for _ in range(300):
        job = Job(
            title=" ".join(rng.choices(vocab, k=rng.randint(0, 4))),
            description=" ".join(rng.choices(vocab, k=rng.randint(0, 30))) + ".",
        )
        mine = own_stems(" ".join(rng.choices(vocab, k=rng.randint(0, 8))))
        limit = rng.choice([1, 3, 6])
        # WHEN its shared words are found (each posting's stems read once per process)
        got = shared_words(mine, job, limit)
        # THEN they are those of a walk over the posting's words, first of each stem, in order
        want: list[str] = []
        seen: set[str] = set()
        for token in re.findall(r"[^\W_]+", f"{job.title or ''} {job.description or ''}"):
            root = _token_root(token)
            if root is not None and root in mine and root not in seen and len(want) < limit:
                seen.add(root)
                want.append(token.lower())
        assert got == want
