"""CSRF: a signed double-submit token on every POST of the web router."""

from __future__ import annotations

from typing import Any

import pytest

from chamba.web import csrf

SECRET = "s" * 40


def test_tokens_are_signed() -> None:
    token = csrf.new_token(SECRET)
    assert csrf.is_signed(SECRET, token)
    assert csrf.is_valid(SECRET, token, token)
    assert not csrf.is_signed("t" * 40, token)
    nonce, _ = token.split(".")
    assert not csrf.is_signed(SECRET, nonce + ".forged")
    assert not csrf.is_valid(SECRET, token, csrf.new_token(SECRET))
    for bad in (None, "", "no-dot", "a.b.c", "ñ.x"):
        assert not csrf.is_signed(SECRET, bad)


def test_good_token_is_accepted(web: Any, token: str, sample_text: str) -> None:
    response = web.post("/descubre", data={"texto": sample_text, csrf.FIELD_NAME: token})
    assert response.status_code == 200


@pytest.mark.parametrize("case", ["missing field", "bad field", "no cookie", "unsigned pair"])
def test_bad_token_is_rejected_with_a_friendly_page(
    web: Any, token: str, sample_text: str, case: str
) -> None:
    data = {"texto": sample_text, csrf.FIELD_NAME: token}
    if case == "missing field":
        del data[csrf.FIELD_NAME]
    elif case == "bad field":
        data[csrf.FIELD_NAME] = csrf.new_token("x" * 40)
    elif case == "no cookie":
        web.cookies.clear()
    else:
        forged = "abc.def"
        web.cookies.set(csrf.COOKIE_NAME, forged)
        data[csrf.FIELD_NAME] = forged
    response = web.post("/descubre", data=data, headers={"Accept-Language": "es"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "El formulario venció" in response.text


def test_rejection_page_speaks_the_users_language(web: Any) -> None:
    web.get("/?lang=en")
    response = web.post("/descubre/habilidades", data={"accion": "confirmar"})
    assert response.status_code == 403
    assert "The form expired" in response.text
    assert '<html lang="en">' in response.text


def test_cookie_is_http_only_and_same_site(web: Any) -> None:
    response = web.get("/")
    header = response.headers["set-cookie"].lower()
    assert csrf.COOKIE_NAME in header
    assert "httponly" in header
    assert "samesite=lax" in header


def test_csrf_tokens_have_their_own_key_not_the_secret_key(web: Any, token: str) -> None:
    # A token signed with the raw secret key (or the token-signing key) is not accepted: the
    # CSRF key is derived for that use alone.
    from chamba.config import get_settings

    settings = get_settings()
    assert csrf.is_signed(settings.derived_key(csrf.KEY_ID).hex(), token)
    assert not csrf.is_signed(settings.secret_key.get_secret_value(), token)


def test_a_token_is_signed_for_one_login_only() -> None:
    token = csrf.new_token(SECRET, "login-a")
    assert csrf.is_valid(SECRET, token, token, "login-a")
    assert not csrf.is_valid(SECRET, token, token, "login-b")
    assert not csrf.is_valid(SECRET, token, token)  # nor for an anonymous visitor
    assert not csrf.is_valid(SECRET, csrf.new_token(SECRET), csrf.new_token(SECRET), "login-a")


def _page_token(response: Any) -> str:
    marker = f'name="{csrf.FIELD_NAME}" value="'
    start = response.text.index(marker) + len(marker)
    return str(response.text[start : response.text.index('"', start)])


def test_a_token_from_outside_the_login_is_refused_inside_it(web: Any, make_web_user: Any) -> None:
    # GIVEN a token pair anyone can get as an anonymous visitor (or plant in a browser)
    from tests.web.conftest import login_as

    web.get("/descubre")
    anonymous = str(web.cookies.get(csrf.COOKIE_NAME))
    # WHEN the browser then carries a seeker's login and posts that pair
    seeker = make_web_user()
    login_as(web, seeker)
    refused = web.post("/salir", data={csrf.FIELD_NAME: anonymous}, follow_redirects=False)
    # THEN it is refused: it was not signed for this login
    assert refused.status_code == 403
    assert "El formulario venció" in refused.text or "The form expired" in refused.text
    # AND the login's own pages give a new token (cookie and field) that works
    page = web.get("/perfil")
    bound = _page_token(page)
    assert bound != anonymous
    assert web.cookies.get(csrf.COOKIE_NAME) == bound
    done = web.post("/salir", data={csrf.FIELD_NAME: bound}, follow_redirects=False)
    assert done.status_code == 303
    # AND after logging out, the login's token is no longer accepted
    web.get("/descubre")
    again = web.post("/descubre", data={"texto": "x", csrf.FIELD_NAME: bound})
    assert again.status_code == 403
