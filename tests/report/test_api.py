"""The skills report: ``GET /api/v1/me/report.pdf`` parsed back with pypdf (skills by sector in
the person's words, certified marked, languages, availability, next steps), plain Spanish."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.encoders import HashEncoder
from tests.support.factories import job_body

from chamba.auth.models import Role
from chamba.jobs import service as job_service
from chamba.jobs.schemas import JobCreate
from chamba.matching.deps import get_match_indexes
from chamba.nlp.deps import get_text_encoder
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import PersonSkill
from chamba.readability import fernandez_huerta
from chamba.report import pdf as report_pdf
from chamba.report.service import Report, build_report
from chamba.vocab import SkillLevel, SkillSource

URL = "/api/v1/me/report.pdf"


@pytest.fixture
def no_indexes(client: Any) -> Any:
    overrides = client.app.dependency_overrides
    overrides[get_text_encoder] = HashEncoder
    overrides[get_match_indexes] = lambda: None
    yield
    overrides.pop(get_text_encoder, None)
    overrides.pop(get_match_indexes, None)


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _profile(client: Any, headers: dict[str, str], session: Session, person_id: int) -> None:
    profile = {
        "name": "Rosa Quispe Ñahui",
        "languages": ["quechua", "español"],
        "availability": {"hours_per_week": 30, "slots": ["mon_morning", "sat_afternoon"]},
        "ubigeo": "150115",
    }
    assert client.put("/api/v1/me/profile", json=profile, headers=headers).status_code == 200
    session.add_all(
        [
            PersonSkill(
                person_id=person_id,
                skill_id="cash_register",
                source=SkillSource.EXTRACTED,
                evidence="cobraba y cuadraba la caja cada día",
                level=SkillLevel.ADVANCED,
                confirmed=True,
            ),
            PersonSkill(
                person_id=person_id,
                skill_id="food_handling_hygiene",
                source=SkillSource.CERTIFIED,
                confirmed=True,
            ),
            PersonSkill(
                person_id=person_id,
                skill_id="arc_welding",
                source=SkillSource.EXTRACTED,
                evidence="mi primo suelda",
                confirmed=False,  # a proposal: never in the report
            ),
        ]
    )
    session.commit()


def test_the_report_pdf_reads_back(
    client: Any, make_user: MakeUser, seeded_session: Session, no_indexes: Any
) -> None:
    rosa = make_user(Role.SEEKER)
    assert rosa.person is not None
    _profile(client, rosa.headers, seeded_session, rosa.person.id)
    org = Organisation(kind=OrgKind.EMPLOYER, name="Bodega Lucho", source="test")
    seeded_session.add(org)
    seeded_session.flush()
    job_service.publish_job(
        seeded_session,
        JobCreate.model_validate(
            job_body(["cash_register"], title="Cajera de bodega", hours_per_week=24)
        ),
        organisation_id=org.id,
    )
    seeded_session.commit()
    response = client.get(URL, headers=rosa.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    pages, content = _pdf_text(response.content)
    assert 1 <= pages <= 2
    # THEN her name (with Ñ), the skills by sector and her own words are there
    assert "Rosa Quispe Ñahui" in content
    assert "Ventas y comercio" in content
    assert "Manejo de caja (avanzado)" in content
    assert "cobraba y cuadraba la caja cada día" in content
    assert "con certificado" in content
    assert "Idiomas" in content, content
    assert "Puedo trabajar 30 horas por semana." in content
    assert "lunes, sábado" in content
    # AND a proposal she never confirmed is not
    assert "suelda" not in content
    # AND the next steps name the job
    assert "Cajera de bodega" in content


def test_others_cannot_get_a_report(client: Any, make_user: MakeUser, no_indexes: Any) -> None:
    assert client.get(URL).status_code == 401
    employer = make_user(Role.EMPLOYER)
    assert client.get(URL, headers=employer.headers).status_code == 403


def test_an_empty_profile_still_gets_a_report(
    client: Any, make_user: MakeUser, no_indexes: Any
) -> None:
    ana = make_user(Role.SEEKER)
    response = client.get(URL, headers=ana.headers)
    assert response.status_code == 200
    _, content = _pdf_text(response.content)
    assert "Aún no confirmé habilidades." in content


def test_without_dejavu_the_core_font_still_writes_spanish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    monkeypatch.setattr(report_pdf, "dejavu_dir", lambda: None)
    report = Report("es", "José Ñique", date(2026, 12, 7), [], ["español"], None)
    _, content = _pdf_text(report_pdf.render_pdf(report))
    assert "José Ñique" in content
    assert "Aún no confirmé habilidades." in content


def test_the_reports_own_sentences_are_plain_spanish(
    client: Any, make_user: MakeUser, seeded_session: Session, no_indexes: Any
) -> None:
    rosa = make_user(Role.SEEKER)
    assert rosa.person is not None
    _profile(client, rosa.headers, seeded_session, rosa.person.id)
    seeded_session.expire_all()
    from chamba.people import service as people_service

    person = people_service.get_person(seeded_session, rosa.person.id)
    assert person is not None
    report = build_report(seeded_session, None, person, "es")
    assert fernandez_huerta(report.prose()) >= 70, report.prose()
