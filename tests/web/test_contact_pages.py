"""The web page that changes (or adds) an account's e-mail or phone: the current password, then
the code sent to the new address; only for the logged-in owner; CSRF-protected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.support.signup import code_in, deliver_in

from chamba.audit.models import AuditEntry
from chamba.auth import security
from chamba.auth.models import AuthSession, Role
from chamba.db import utcnow
from chamba.web import csrf

from .conftest import PASSWORD, login_as

NEW = "nueva.web@example.pe"


def test_anonymous_is_sent_to_log_in(web: Any) -> None:
    page = web.get("/cuenta/contacto", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/ingresar")


def test_the_owner_changes_the_email_with_password_and_code(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a logged-in employer (any role may change its contact)
    actor = make_web_user(Role.EMPLOYER)
    old = actor.user.email
    login_as(web, actor)
    page = web.get("/cuenta/contacto", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert actor.user.email in page.text
    # WHEN the password is wrong THEN nothing is sent
    wrong = {"nuevo": NEW, "clave": "no es la clave", csrf.FIELD_NAME: token}
    refused = web.post("/cuenta/contacto", data=wrong, headers={"Accept-Language": "es"})
    assert refused.status_code == 403
    assert 'id="clave-error"' in refused.text
    assert deliver_in(seeded_session) == []
    # WHEN it is right THEN a code goes to the new address, and the page asks for it
    right = {"nuevo": NEW, "clave": PASSWORD, csrf.FIELD_NAME: token}
    sent = web.post("/cuenta/contacto", data=right, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/cuenta/contacto?enviado=1"
    assert 'name="codigo"' in web.get(sent.headers["location"]).text
    messages = deliver_in(seeded_session)
    assert [m.to for m in messages] == [NEW]
    # AND a wrong code is refused next to its field
    bad = web.post("/cuenta/contacto/confirmar", data={"codigo": "00000000",
                   csrf.FIELD_NAME: token})  # fmt: skip
    assert bad.status_code == 400
    assert 'id="codigo-error"' in bad.text
    # WHEN the code is typed THEN the account uses the new address, audited, old one told
    done = web.post(
        "/cuenta/contacto/confirmar",
        data={"codigo": code_in(messages[0]), csrf.FIELD_NAME: token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    seeded_session.refresh(actor.user)
    assert actor.user.email == NEW
    actions = seeded_session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(actor.user.id))
    ).all()
    assert "user.email_changed" in actions
    assert [m.to for m in deliver_in(seeded_session)] == [old]


def test_a_code_works_only_for_the_account_that_asked(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    owner, other = make_web_user(Role.SEEKER), make_web_user(Role.SEEKER)
    login_as(web, owner)
    web.post("/cuenta/contacto", data={"nuevo": NEW, "clave": PASSWORD, csrf.FIELD_NAME: token})
    code = code_in(deliver_in(seeded_session)[0])
    login_as(web, other)
    page = web.post("/cuenta/contacto/confirmar", data={"codigo": code, csrf.FIELD_NAME: token})
    assert page.status_code == 400
    seeded_session.refresh(other.user)
    seeded_session.refresh(owner.user)
    assert NEW not in (other.user.email, owner.user.email)


def test_the_forms_need_csrf(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    assert web.post("/cuenta/contacto", data={"nuevo": NEW, "clave": PASSWORD}).status_code == 403
    assert web.post("/cuenta/contacto/confirmar", data={"codigo": "1"}).status_code == 403


def test_the_password_changes_with_the_current_one_and_other_logins_end(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker logged in here and on another device
    actor = make_web_user(Role.SEEKER)
    elsewhere = AuthSession(user_id=actor.user.id, created_at=utcnow(),
                            expires_at=utcnow() + timedelta(days=1))  # fmt: skip
    seeded_session.add(elsewhere)
    seeded_session.flush()
    login_as(web, actor)
    assert web.get("/cuenta/clave").status_code == 200
    new = "quinua y kiwicha 7"
    # WHEN the current password is wrong, or the new one weak THEN nothing changes
    wrong = web.post("/cuenta/clave", data={"clave": "no es", "nueva": new,
                     csrf.FIELD_NAME: token})  # fmt: skip
    assert wrong.status_code == 403
    assert 'id="clave-error"' in wrong.text
    weak = web.post("/cuenta/clave", data={"clave": PASSWORD, "nueva": "12345678901",
                    csrf.FIELD_NAME: token})  # fmt: skip
    assert weak.status_code == 422
    assert 'id="nueva-error"' in weak.text
    # WHEN both are right THEN it changes, this login stays, the other one ends
    done = web.post("/cuenta/clave", data={"clave": PASSWORD, "nueva": new,
                    csrf.FIELD_NAME: token}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert web.get(done.headers["location"]).status_code == 200
    seeded_session.refresh(elsewhere)
    assert elsewhere.revoked_at is not None
    assert security.verify_password(new, actor.user.password_hash, web.app.state.settings)
    assert web.post("/cuenta/clave", data={"clave": new}).status_code == 403  # CSRF


def test_the_log_in_page_leads_a_new_account_to_its_confirmation(web: Any) -> None:
    page = web.get("/ingresar", headers={"Accept-Language": "es"})
    assert 'href="/registro/confirmar"' in page.text
    form = web.get("/registro/confirmar?codigo=12345678")
    assert form.status_code == 200
    assert 'value="12345678"' in form.text


def test_log_out_everywhere_ends_every_login_of_the_account_only(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker logged in here and elsewhere, and another person's login
    actor, stranger = make_web_user(Role.SEEKER), make_web_user(Role.SEEKER)
    elsewhere = AuthSession(user_id=actor.user.id, created_at=utcnow(),
                            expires_at=utcnow() + timedelta(days=1))  # fmt: skip
    seeded_session.add(elsewhere)
    seeded_session.flush()
    login_as(web, actor)
    assert "/cuenta/salir-en-todos" in web.get("/cuenta/clave").text
    # WHEN the button is pressed
    page = web.post("/cuenta/salir-en-todos", data={csrf.FIELD_NAME: token},
                    follow_redirects=False)  # fmt: skip
    # THEN every login of the account ended (this one too); the stranger's did not
    assert page.status_code == 303
    logins = seeded_session.scalars(select(AuthSession)).all()
    mine = [s for s in logins if s.user_id == actor.user.id]
    theirs = [s for s in logins if s.user_id == stranger.user.id]
    for login in mine + theirs:
        seeded_session.refresh(login)
    assert all(s.revoked_at is not None for s in mine)
    assert all(s.revoked_at is None for s in theirs)
    assert web.get("/perfil", follow_redirects=False).status_code == 303


def test_a_mobile_is_refused_in_the_persons_language_where_no_sms_can_be_sent(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, monkeypatch: Any
) -> None:
    # GIVEN a deployment that sends no SMS, and a logged-in seeker
    settings = web.app.state.settings.model_copy(update={"sms_sender": "none"})
    monkeypatch.setattr(web.app.state, "settings", settings)
    login_as(web, make_web_user(Role.SEEKER))
    for lang, words in (("es", "no puede enviar SMS"), ("en", "cannot send SMS")):
        # WHEN they ask to use a mobile number instead
        data = {"nuevo": "987654321", "clave": PASSWORD, csrf.FIELD_NAME: token}
        page = web.post("/cuenta/contacto", data=data, headers={"Accept-Language": lang})
        # THEN the form says so next to the new contact, in their language (the sign-up words)
        assert page.status_code == 422
        assert 'id="nuevo-error"' in page.text
        assert words in page.text
    # AND no code was sent anywhere
    assert deliver_in(seeded_session) == []
