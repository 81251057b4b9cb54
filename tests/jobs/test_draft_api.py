"""Job description drafts (``POST /api/v1/jobs/draft``): the template, the chat model behind a
local stub (used only when it keeps every essential skill), employers only, nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.chat_stub import chat_stub
from tests.support.factories import LIMA_CERCADO

from chamba.auth.models import Role
from chamba.jobs.models import Job
from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.llm import ChatClient
from chamba.readability import fernandez_huerta

URL = "/api/v1/jobs/draft"
FACTS: dict[str, Any] = {
    "title": "Cajera para bodega",
    "skills": [
        {"id": "cash_register", "requirement": "essential"},
        {"id": "customer_attention", "requirement": "essential"},
        {"id": "spreadsheets_excel", "requirement": "optional"},
    ],
    "hours_per_week": 36,
    "wage_min": 1200,
    "wage_max": 1400,
    "location": {"ubigeo": LIMA_CERCADO},
}


@pytest.fixture(autouse=True)
def _setup(client: Any, lexicon_extractor: SkillExtractor) -> Any:
    client.app.state.llm_client = None
    yield
    del client.app.state.llm_client


def test_the_template_lists_requirements_hours_pay_and_place(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    boss = make_user(Role.EMPLOYER)
    before = seeded_session.scalar(select(func.count(Job.id)))
    response = client.post(URL, json=FACTS, headers=boss.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    text = body["description"]
    assert body["written_by"] == "template"
    assert text.startswith("Buscamos cajera para bodega.")
    requirements = text.split("Requisitos:")[1].split("Deseable:")[0]
    assert "- Manejo de caja" in requirements
    assert "- Atención al cliente" in requirements
    assert "Excel" in text.split("Deseable:")[1]
    assert "Horario: 36 horas por semana." in text
    assert "Pago: de S/ 1 200 a S/ 1 400 al mes." in text
    assert "Lugar: " in text
    assert fernandez_huerta(text) >= 70
    # AND nothing is stored
    assert seeded_session.scalar(select(func.count(Job.id))) == before


def test_free_text_gives_the_skills_to_confirm(client: Any, make_user: MakeUser) -> None:
    boss = make_user(Role.EMPLOYER)
    facts = {"title": "Cajera", "text": "Que sepa atender al público.", "remote": True}
    body = client.post(URL, json=facts, headers=boss.headers).json()
    assert {"cash_register", "customer_attention"} <= {s["id"] for s in body["skills"]}
    assert body["description"].startswith("Buscamos cajera.\nQue sepa atender al público.")
    assert "Trabajo remoto." in body["description"]


def test_unknown_skills_are_refused(client: Any, make_user: MakeUser) -> None:
    boss = make_user(Role.EMPLOYER)
    facts = {"title": "Cajera", "skills": [{"id": "flying_carpets"}], "remote": True}
    response = client.post(URL, json=facts, headers=boss.headers)
    assert response.status_code == 422
    assert "flying_carpets" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.SEEKER, Role.PROVIDER])
def test_only_employers_draft(client: Any, make_user: MakeUser, role: Role) -> None:
    other = make_user(role)
    assert client.post(URL, json=FACTS, headers=other.headers).status_code == 403


GOOD = (
    "Bodega en Lima busca cajera. Requisitos: manejo de caja y atención al cliente. "
    "Deseable: Excel. 36 horas por semana. Pago de S/ 1 200 a S/ 1 400."
)
DROPS_A_REQUIREMENT = "Bodega en Lima busca cajera con manejo de caja. Buen sueldo y buen trato."


@pytest.mark.parametrize(
    ("reply", "written_by"),
    [(GOOD, "llm"), (DROPS_A_REQUIREMENT, "template"), (500, "template"), ("ok", "template")],
)
def test_the_chat_model_is_used_only_when_its_draft_is_sound(
    client: Any, make_user: MakeUser, reply: Any, written_by: str
) -> None:
    boss = make_user(Role.EMPLOYER)
    with chat_stub(lambda _messages: reply) as stub:
        client.app.state.llm_client = ChatClient(stub.url, "stub", timeout=2)
        body = client.post(URL, json=FACTS, headers=boss.headers).json()
    assert body["written_by"] == written_by
    if written_by == "llm":
        assert body["description"] == GOOD
    else:
        assert body["description"].startswith("Buscamos cajera para bodega.")
    # AND the model was told the facts only
    assert "Manejo de caja" in stub.requests[0]["messages"][1]["content"]
