"""Trusted proxies: X-Forwarded-For/-Proto are believed only from CHAMBA_TRUSTED_PROXIES."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.support.problems import assert_problem

from chamba.api.app import create_app
from chamba.config import SettingsError, load_settings

from .conftest import fast_settings
from .test_api import login, register

INGRESS = ("10.1.2.3", 40000)  # a pod of the ingress controller
STRANGER = ("198.51.100.7", 40000)  # anyone on the internet


@pytest.fixture
def proxied(app: FastAPI, auth_engine: Engine) -> FastAPI:
    """The app behind an ingress on 10.0.0.0/8 (``app`` empties the tables first)."""
    url = auth_engine.url.render_as_string(hide_password=False)
    settings = fast_settings(url, trusted_proxies="10.0.0.0/8", login_failures_per_address=2)
    return create_app(settings=settings, engine=auth_engine)


def _client(app: FastAPI, peer: tuple[str, int]) -> TestClient:
    return TestClient(app, client=peer)


def _login_from(client: TestClient, forwarded_for: str, **fields: Any) -> Any:
    body = {"password": "not the password"} | fields
    return client.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": forwarded_for})


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(proxied: FastAPI) -> None:
    # GIVEN two people behind the same ingress, one of them guessing passwords
    client = _client(proxied, INGRESS)
    for n in range(2):
        assert_problem(_login_from(client, "203.0.113.9", email=f"guess{n}@example.pe"), 401)
    # WHEN the guesser and then someone else try again
    blocked = _login_from(client, "203.0.113.9", email="guess9@example.pe")
    other = _login_from(client, "203.0.113.10", email="rosa@example.pe")
    # THEN only the guesser's address is refused
    assert_problem(blocked, 429, "your network")
    assert_problem(other, 401)


def test_the_right_most_untrusted_address_is_the_client(proxied: FastAPI) -> None:
    # GIVEN a client that puts a made-up address first in X-Forwarded-For
    client = _client(proxied, INGRESS)
    for n in range(2):
        _login_from(client, f"192.0.2.{n}, 203.0.113.9", email=f"guess{n}@example.pe")
    # THEN its own address (the one the ingress appended) is the one limited
    assert_problem(_login_from(client, "192.0.2.99, 203.0.113.9", email="x@example.pe"), 429)


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(proxied: FastAPI) -> None:
    # GIVEN a stranger who sends a new X-Forwarded-For with each guess
    client = _client(proxied, STRANGER)
    for n in range(2):
        _login_from(client, f"203.0.113.{n}", email=f"guess{n}@example.pe")
    # THEN the limit still counts their real address
    assert_problem(_login_from(client, "203.0.113.77", email="x@example.pe"), 429)


def test_no_proxy_is_trusted_by_default(app: FastAPI) -> None:
    # GIVEN the default settings and a peer on the loopback (which uvicorn trusts by default)
    assert app.state.settings.trusted_proxies == ""
    client = _client(app, ("127.0.0.1", 40000))
    register(client)
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    # THEN the forwarded scheme is not believed: no Secure cookie over plain http
    assert response.status_code == 200
    assert "secure" not in response.headers["set-cookie"].lower()
    assert login(client, email="rosa@example.pe").status_code == 200


def test_secure_cookies_follow_the_trusted_proxy_scheme(proxied: FastAPI) -> None:
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusted = _client(proxied, INGRESS).get("/", headers=https)
    spoofed = _client(proxied, STRANGER).get("/", headers=https)
    assert "secure" in trusted.headers["set-cookie"].lower()
    assert "secure" not in spoofed.headers["set-cookie"].lower()


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert load_settings(trusted_proxies=" 10.0.0.0/8, ::1 ").trusted_proxy_networks == [
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(SettingsError, match="CHAMBA_TRUSTED_PROXIES"):
        load_settings(trusted_proxies="ingress.local")


def test_chamba_serve_leaves_forwarded_headers_to_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN uvicorn, which by default believes X-Forwarded-For from 127.0.0.1
    import uvicorn

    from chamba import cli
    from chamba.api import app as app_module

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr(app_module, "create_app", lambda settings: FastAPI())
    monkeypatch.setattr(app_module, "warm_up", lambda app: None)
    # WHEN chamba serve starts it
    cli._serve(None, None)
    # THEN uvicorn's own proxy handling is off: only CHAMBA_TRUSTED_PROXIES is trusted
    assert seen["proxy_headers"] is False


def test_over_https_cookies_are_host_prefixed_and_hsts_is_sent(proxied: FastAPI) -> None:
    # GIVEN a page asked over https through the trusted ingress
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    client = TestClient(proxied, client=INGRESS, base_url="https://testserver")
    page = client.get("/", headers=https)
    # THEN its cookies are __Host- cookies (Secure, Path=/, no Domain) and HSTS is on
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-chamba_csrf=")
    assert "secure" in cookie.lower()
    assert "domain" not in cookie.lower()
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" in client.get("/health", headers=https).headers
    # AND the form posted back with that cookie passes the CSRF check (the name is read back)
    token = client.cookies.get("__Host-chamba_csrf")
    assert token
    login = client.post(
        "/ingresar",
        data={"csrf_token": token, "contacto": "nadie@example.pe", "clave": "x"},
        headers=https,
    )
    assert login.status_code != 403


def test_over_plain_http_there_is_no_hsts(proxied: FastAPI) -> None:
    spoofed = _client(proxied, STRANGER).get("/", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in spoofed.headers
    assert spoofed.headers["set-cookie"].startswith("chamba_csrf=")
