"""Seams between pages of each role's journey (issue 13), over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chamba.auth.models import Role
from chamba.people import service as people_service
from chamba.people.schemas import SkillChoice
from chamba.web import csrf, pending

from .conftest import PASSWORD, login_as

SECRET = "s" * 40


def _confirm_anonymously(web: Any, token: str, text: str) -> list[str]:
    found = web.post("/descubre", data={"texto": text, csrf.FIELD_NAME: token})
    assert found.status_code == 200
    ids = sorted(set(_values(found.text, 'name="shown" value="')))
    data: dict[str, Any] = {"texto": text, "shown": ids, "skill": ids, csrf.FIELD_NAME: token}
    done = web.post("/descubre/habilidades", data=data)
    assert done.status_code == 200
    assert pending.COOKIE_NAME in done.headers["set-cookie"]
    return ids


def _values(html: str, marker: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split(marker)[1:]]


def test_pending_cookie_round_trip_and_tampering() -> None:
    # GIVEN confirmed skills and long text  WHEN encoded  THEN it fits a cookie and decodes
    value = pending.encode(SECRET, ["a", "b", "a"], "vendo ropa " * 1000)
    assert len(value) <= pending.MAX_VALUE_BYTES
    kept = pending.decode(SECRET, value)
    assert kept is not None
    assert kept.skill_ids == ("a", "b")
    assert kept.text.startswith("vendo ropa")
    # WHEN altered or signed with another key  THEN ignored
    assert pending.decode(SECRET, "x" + value) is None
    assert pending.decode("t" * 40, value) is None
    assert pending.decode(SECRET, None) is None


def test_skills_confirmed_before_log_in_join_the_profile(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, sample_text: str
) -> None:
    # GIVEN a seeker with one skill, logged out, who confirms skills on /descubre
    actor = make_web_user(Role.SEEKER)
    person = people_service.person_of_user(seeded_session, actor.user)
    people_service.replace_skills(seeded_session, person, [SkillChoice(id="cash_register")])
    seeded_session.commit()
    login_as(web, None)
    ids = _confirm_anonymously(web, token, sample_text)
    assert ids
    # WHEN they log in
    data = {"contacto": actor.user.email, "clave": PASSWORD, csrf.FIELD_NAME: token}
    page = web.post("/ingresar", data=data, follow_redirects=False)
    # THEN the profile has the earlier skill and the new ones, and the cookie is forgotten
    assert page.headers["location"] == "/perfil?guardado=habilidades"
    assert f'{pending.COOKIE_NAME}=""' in page.headers["set-cookie"]
    seeded_session.expire_all()
    person = people_service.person_of_user(seeded_session, actor.user)
    view = people_service.skills_view(seeded_session, person, "es")
    assert sorted(s.id for s in view.skills) == sorted(["cash_register", *ids])
    # the words were read again: the extracted skills keep their evidence
    assert all(s.evidence for s in view.skills if s.id != "cash_register")


def test_an_employer_logging_in_ignores_pending_skills(
    web: Any, token: str, make_web_user: Any, sample_text: str
) -> None:
    actor = make_web_user(Role.EMPLOYER)
    login_as(web, None)
    _confirm_anonymously(web, token, sample_text)
    data = {"contacto": actor.user.email, "clave": PASSWORD, csrf.FIELD_NAME: token}
    page = web.post("/ingresar", data=data, follow_redirects=False)
    assert page.headers["location"] == "/empleador/ofertas"
