"""Forgot-password pages (es/en): the same answer for any e-mail, a single-use link that sets a
new password and ends every login."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.auth.models import AuthSession, PasswordReset
from chamba.notifications import service as notification_service
from chamba.web import csrf

from .conftest import PASSWORD, login_as

NEW = "tres palabras nuevas"


def _link_token(session: Session, user_id: int) -> str:
    """The token the e-mail of the user's open reset request carries (made as it is written)."""
    reset = session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None)
        )
    ).one()
    message = notification_service.password_reset_message(session, reset.id)
    assert message is not None
    return message.body.split("token=")[1].split()[0]


def test_forgot_password_answers_alike_then_the_link_sets_a_new_password(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker with a login, and the log-in page's link
    rosa = make_web_user(email="rosa.reset@example.pe")
    assert 'href="/clave/olvide"' in web.get("/ingresar").text
    # WHEN a reset is asked for her e-mail and for one nobody uses
    es = {"Accept-Language": "es"}
    known = web.post("/clave/olvide", data={"correo": "rosa.reset@example.pe",
                                            csrf.FIELD_NAME: token}, headers=es)  # fmt: skip
    unknown = web.post("/clave/olvide", data={"correo": "nadie@example.pe",
                                              csrf.FIELD_NAME: token}, headers=es)  # fmt: skip
    # THEN both pages say the same
    assert known.status_code == unknown.status_code == 200
    assert "Revisa tu correo" in known.text
    assert known.text.replace(token, "") == unknown.text.replace(token, "")
    # WHEN she opens the e-mail's link and chooses a new password
    link = _link_token(seeded_session, rosa.user.id)
    form = web.get(f"/clave/nueva?token={link}", headers=es)
    assert "Elige una nueva contraseña" in form.text
    done = web.post("/clave/nueva", data={"token": link, "clave": NEW, csrf.FIELD_NAME: token},
                    follow_redirects=False)  # fmt: skip
    # THEN she is sent to log in, every login of hers ended, and the new password works
    assert done.status_code == 303
    assert done.headers["location"] == "/ingresar?clave=nueva"
    seeded_session.expire_all()
    logins = seeded_session.scalars(select(AuthSession).where(AuthSession.user_id == rosa.user.id))
    assert all(s.revoked_reason == "password_reset" for s in logins)
    login_as(web, None)
    bad = web.post("/ingresar", data={"contacto": "rosa.reset@example.pe", "clave": PASSWORD,
                                      csrf.FIELD_NAME: token})  # fmt: skip
    assert bad.status_code == 401
    good = web.post("/ingresar", data={"contacto": "rosa.reset@example.pe", "clave": NEW,
                                       csrf.FIELD_NAME: token}, follow_redirects=False)  # fmt: skip
    assert good.status_code == 303
    # AND the link does not work twice (in English too)
    login_as(web, None)
    again = web.post("/clave/nueva", data={"token": link, "clave": "otra clave distinta",
                                           csrf.FIELD_NAME: token},
                     headers={"Accept-Language": "en"})  # fmt: skip
    assert again.status_code == 400
    assert "This link is not valid any more" in again.text


def test_forgot_password_pages_need_csrf(web: Any) -> None:
    assert web.post("/clave/olvide", data={"correo": "a@example.pe"}).status_code == 403
    assert web.post("/clave/nueva", data={"token": "x", "clave": NEW}).status_code == 403
