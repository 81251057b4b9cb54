"""The guided conversation: ``/api/v1/me/conversation`` (deterministic plan, decisions, resume,
object-level checks) and the optional chat model, tested against a local stub server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.support.api_fixtures import MakeUser
from tests.support.chat_stub import chat_stub

from chamba.auth.models import Role
from chamba.conversation import plan
from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.llm import ChatClient

URL = "/api/v1/me/conversation"


@pytest.fixture(autouse=True)
def _no_llm(client: Any, lexicon_extractor: SkillExtractor) -> Any:
    """Lexicon-only extraction and, unless a test says otherwise, no chat model."""
    client.app.state.llm_client = None
    yield
    del client.app.state.llm_client


def say(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_new_conversation_starts_with_work_for_others(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    body = client.get(URL, headers=rosa.headers).json()
    assert body["topic"] == "jobs"
    assert body["done"] is False
    assert body["proposals"] == []
    assert body["phrased_by"] == "template"
    assert "¿Has trabajado para alguien?" in body["question"]


def test_answers_propose_skills_with_the_persons_words(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    # WHEN she says she worked as a cashier
    body = say(client, rosa.headers, message="Trabajé en una bodega atendiendo al público")
    # THEN the follow-up asks about tasks, and the skill comes with her words as evidence
    assert body["topic"] == "jobs"
    assert "tareas" in body["question"]
    proposals = {p["id"]: p for p in body["proposals"]}
    assert "customer_attention" in proposals
    assert proposals["customer_attention"]["status"] == "proposed"
    assert proposals["customer_attention"]["evidence"].lower() in (
        "trabajé en una bodega atendiendo al público".lower()
    )
    # AND the proposal waits on her profile, unconfirmed
    skills = client.get("/api/v1/me/skills", headers=rosa.headers).json()
    assert "customer_attention" in [s["id"] for s in skills["proposed"]]
    assert skills["skills"] == []


def test_a_no_skips_the_follow_ups_of_that_kind_of_work(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    body = say(client, rosa.headers, message="No, nunca")
    assert body["topic"] == "business"
    body = say(client, rosa.headers, skip=True)
    assert body["topic"] == "family"


def test_confirm_and_reject_change_the_profile(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    body = say(client, rosa.headers, message="Vendía ropa en el mercado y cobraba con Yape")
    ids = [p["id"] for p in body["proposals"]]
    assert len(ids) >= 2, ids
    keep, drop = ids[0], ids[1]
    body = say(client, rosa.headers, confirm=[keep], reject=[drop])
    status = {p["id"]: p["status"] for p in body["proposals"]}
    assert status[keep] == "confirmed"
    assert status[drop] == "rejected"
    skills = client.get("/api/v1/me/skills", headers=rosa.headers).json()
    assert keep in [s["id"] for s in skills["skills"]]
    assert drop not in [s["id"] for s in skills["skills"] + skills["proposed"]]
    # AND a rejected skill is not proposed again
    body = say(client, rosa.headers, message="Vendía ropa en el mercado y cobraba con Yape")
    assert [p["status"] for p in body["proposals"] if p["id"] == drop] == ["rejected"]


def test_deciding_on_a_skill_never_proposed_is_refused(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    response = client.post(URL, json={"confirm": ["welding"]}, headers=rosa.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_it_can_be_left_and_resumed_and_restarted(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    say(client, rosa.headers, message="Fui ayudante de cocina en un restaurante")
    before = client.get(URL, headers=rosa.headers).json()
    assert before["answered"] == 1
    assert before["turns"][0]["answer"] == "Fui ayudante de cocina en un restaurante"
    # WHEN she comes back later THEN the same question waits
    again = client.get(URL, headers=rosa.headers).json()
    assert again["question"] == before["question"]
    # WHEN she restarts THEN it begins again
    assert client.delete(URL, headers=rosa.headers).status_code == 204
    fresh = client.get(URL, headers=rosa.headers).json()
    assert fresh["answered"] == 0
    assert fresh["topic"] == "jobs"


def test_the_whole_plan_ends_with_a_summary(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    body: dict[str, Any] = {}
    for _ in range(len(plan.steps())):
        body = say(client, rosa.headers, message="Sí, cocino y vendo comida")
        if body["done"]:
            break
    assert body["done"] is True
    assert body["question"] is None
    assert body["summary"].startswith("Gracias")
    assert body["answered"] <= body["total"]


def test_each_seeker_sees_only_their_own_conversation(client: Any, make_user: MakeUser) -> None:
    rosa, ana = make_user(Role.SEEKER), make_user(Role.SEEKER)
    say(client, rosa.headers, message="Trabajé de cajera")
    assert client.get(URL, headers=ana.headers).json()["answered"] == 0
    # AND Ana cannot decide on Rosa's proposals
    rosa_ids = [p["id"] for p in client.get(URL, headers=rosa.headers).json()["proposals"]]
    response = client.post(URL, json={"confirm": rosa_ids[:1]}, headers=ana.headers)
    assert response.status_code == 422


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.PROVIDER, Role.ADMIN])
def test_only_seekers_converse(client: Any, make_user: MakeUser, role: Role) -> None:
    other = make_user(role)
    assert client.get(URL, headers=other.headers).status_code == 403
    assert client.post(URL, json={"message": "hola"}, headers=other.headers).status_code == 403


def test_anonymous_gets_401(client: Any) -> None:
    assert client.post(URL, json={"message": "hola"}).status_code == 401


# --- the optional chat model -------------------------------------------------------------------


def _model(messages: list[dict[str, str]]) -> str:
    """A fake model: lists skills as JSON when asked for them, else phrases a question."""
    system = messages[0]["content"]
    user = messages[-1]["content"]
    if "JSON array" in system:
        if "chacra" in user:
            return json.dumps(
                [
                    {"skill": "siembra y trasplante", "quote": "sembraba papa"},
                    {"skill": "poderes mágicos", "quote": "sembraba papa"},  # not a skill
                    {"skill": "soldadura", "quote": "soldaba barcos"},  # not in the answer
                ]
            )
        return "[]"
    return "<b>¡Gracias!</b> ¿Qué hacías cada día?"


def test_a_chat_model_phrases_and_suggests_only_taxonomy_skills(
    client: Any, make_user: MakeUser
) -> None:
    rosa = make_user(Role.SEEKER)
    with chat_stub(_model) as stub:
        client.app.state.llm_client = ChatClient(stub.url, "stub-model", "k-123", timeout=2)
        body = say(client, rosa.headers, message="Ayudaba en la chacra, sembraba papa")
    # THEN the question is the model's words, returned as plain text (not markup)
    assert body["phrased_by"] == "llm"
    assert body["question"] == "<b>¡Gracias!</b> ¿Qué hacías cada día?"
    # AND only the suggestion that maps to the taxonomy and quotes her is proposed
    by_llm = [p for p in body["proposals"] if p["found_by"] == "llm"]
    assert [p["id"] for p in by_llm] == ["sowing_transplanting"]
    assert by_llm[0]["evidence"] == "sembraba papa"
    assert by_llm[0]["status"] == "proposed"
    assert stub.requests[0]["model"] == "stub-model"
    assert stub.headers[0]["Authorization"] == "Bearer k-123"


@pytest.mark.parametrize("failure", [500, None, "no question here", "x" * 1000])
def test_a_failing_chat_model_falls_back_to_the_plan(
    client: Any, make_user: MakeUser, failure: Any
) -> None:
    rosa = make_user(Role.SEEKER)
    with chat_stub(lambda _messages: failure, hang_seconds=1.5) as stub:
        client.app.state.llm_client = ChatClient(stub.url, "stub-model", timeout=0.5)
        body = say(client, rosa.headers, message="Trabajé de cajera en un mercado")
    assert body["phrased_by"] == "template"
    assert body["question"] == plan.topic("jobs").question("tasks", "es")
    assert "cash_register" in [p["id"] for p in body["proposals"]]


def test_my_data_export_holds_my_conversation(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    say(client, rosa.headers, message="Trabajé de cajera en un mercado")
    export = client.get("/api/v1/me/export", headers=rosa.headers).json()
    assert export["conversation"]["turns"][0]["answer"] == "Trabajé de cajera en un mercado"
    assert "cash_register" in [p["id"] for p in export["conversation"]["proposals"]]
