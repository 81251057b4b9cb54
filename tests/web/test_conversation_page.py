"""The guided conversation page (``/conversacion``): no JavaScript needed, CSRF, only the
seeker's own proposals, the chat model's text shown escaped."""

from __future__ import annotations

from typing import Any

import pytest

from chamba.auth.models import Role
from chamba.nlp.llm import ChatClient
from chamba.web import csrf

from .conftest import login_as


@pytest.fixture
def seeker(web: Any, fast_matching: Any, make_web_user: Any) -> Any:
    web.app.state.llm_client = None
    actor = make_web_user(Role.SEEKER)
    login_as(web, actor)
    yield actor
    del web.app.state.llm_client


def test_anonymous_is_sent_to_log_in(web: Any) -> None:
    page = web.get("/conversacion", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/ingresar?next=/conversacion"


def test_a_seeker_answers_and_confirms_without_javascript(
    web: Any, token: str, seeker: Any
) -> None:
    page = web.get("/conversacion")
    assert page.status_code == 200
    assert "¿Has trabajado para alguien?" in page.text
    # WHEN she answers THEN the next question and the skills found, with her words, show
    answer = {"respuesta": "Trabajé de cajera en un mercado", csrf.FIELD_NAME: token}
    page = web.post("/conversacion", data=answer)
    assert page.status_code == 200
    assert "¿Qué hacías en un día normal?" in page.text
    assert 'name="skill-cash_register"' in page.text
    assert "Dijiste:" in page.text
    # WHEN she says yes to one THEN it is on her profile
    data = {"skill-cash_register": "yes", "accion": "pasar", csrf.FIELD_NAME: token}
    page = web.post("/conversacion", data=data)
    assert "Habilidades que confirmaste" in page.text
    assert 'name="skill-cash_register"' not in page.text
    assert "¿Qué herramientas" in page.text  # "pasar" skipped one question
    assert "Manejo de caja" in web.get("/perfil").text


def test_a_forged_choice_for_a_skill_never_proposed_is_ignored(
    web: Any, token: str, seeker: Any
) -> None:
    data = {"skill-welding": "yes", "respuesta": "No", csrf.FIELD_NAME: token}
    page = web.post("/conversacion", data=data)
    assert page.status_code == 200
    skills = seeker.person.skills if seeker.person is not None else []
    assert all(s.skill_id != "welding" for s in skills)


def test_posting_without_the_csrf_token_is_refused(web: Any, seeker: Any) -> None:
    page = web.post("/conversacion", data={"respuesta": "Trabajé de cajera"})
    assert page.status_code == 403


def test_restart_goes_back_to_the_first_question(web: Any, token: str, seeker: Any) -> None:
    web.post("/conversacion", data={"respuesta": "No", csrf.FIELD_NAME: token})
    assert "¿Has vendido algo" in web.get("/conversacion").text
    web.post("/conversacion/reiniciar", data={csrf.FIELD_NAME: token})
    assert "¿Has trabajado para alguien?" in web.get("/conversacion").text


def test_too_long_an_answer_is_shown_next_to_the_field(web: Any, token: str, seeker: Any) -> None:
    page = web.post("/conversacion", data={"respuesta": "a" * 2001, csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text


def test_the_chat_models_words_are_shown_as_text_not_markup(
    web: Any, token: str, seeker: Any
) -> None:
    class Evil(ChatClient):
        def complete(self, messages: Any, *, max_tokens: int = 400) -> str | None:
            return '<script>alert("x")</script> ¿Qué hacías?'

    web.app.state.llm_client = Evil("http://127.0.0.1:9/v1", "m")
    page = web.post("/conversacion", data={"respuesta": "Fui cajera", csrf.FIELD_NAME: token})
    assert '<script>alert("x")</script>' not in page.text
    assert "&lt;script&gt;" in page.text
