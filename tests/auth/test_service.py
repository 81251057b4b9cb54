"""Service functions used outside HTTP: the first admin, the password policy, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine

from chamba.accounts import service as accounts_service
from chamba.auth import security, service
from chamba.auth.errors import AccountExists, NotAuthenticated, WeakPassword
from chamba.auth.models import Role
from chamba.config import Settings
from chamba.db import session_scope
from chamba.errors import InvalidInput

from .conftest import PASSWORD


def test_create_admin_makes_an_admin_who_can_log_in(auth_engine: Engine, app: FastAPI) -> None:
    settings: Settings = app.state.settings
    with session_scope(auth_engine) as session:
        admin = accounts_service.create_admin(
            session, " Jefe@Chamba.PE ", PASSWORD, "Jefa", settings=settings
        )
        assert admin.role == Role.ADMIN
        assert admin.email == "jefe@chamba.pe"
    with session_scope(auth_engine) as session, pytest.raises(AccountExists):
        accounts_service.create_admin(
            session, "jefe@chamba.pe", PASSWORD, "Otra", settings=settings
        )
    with session_scope(auth_engine) as session, pytest.raises(InvalidInput):
        accounts_service.create_admin(session, "not an email", PASSWORD, "X", settings=settings)


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "1234567890123",
        "rosa@example.pe",
        "ROSA@EXAMPLE.PE",
        "rosa",
        "+51987654321",
        "aaaaaaaaaaaa",
    ],
)
def test_password_policy_refuses(password: str) -> None:
    with pytest.raises(WeakPassword):
        service.check_password_policy(password, email="rosa@example.pe", phone="+51 987 654 321")


@pytest.mark.parametrize("password", ["cafe con leche 42", "Machu-Picchu-2026", "ñandú volador"])
def test_password_policy_accepts(password: str) -> None:
    service.check_password_policy(password, email="rosa@example.pe", phone="+51 987 654 321")


def test_access_tokens_expire_on_the_service_clock(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    token, lifetime = security.create_access_token(
        user_id=7, role="seeker", session_id="s" * 43, now=now, settings=settings
    )
    claims = security.decode_access_token(token, settings, now=now + timedelta(minutes=14))
    assert (claims.user_id, claims.session_id, lifetime) == (7, "s" * 43, 900)
    with pytest.raises(NotAuthenticated, match="expired"):
        security.decode_access_token(token, settings, now=now + timedelta(seconds=lifetime))


def test_a_verified_token_is_checked_once_its_expiry_every_time(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a signed access token, decoded once (its signature verified)
    settings: Settings = app.state.settings
    now = datetime(2026, 5, 2, 12, tzinfo=UTC)
    token, lifetime = security.create_access_token(
        user_id=8, role="seeker", session_id="t" * 43, now=now, settings=settings
    )
    first = security.decode_access_token(token, settings, now=now)
    calls: list[str] = []
    real = security.jwt.decode

    def counted(*args: object, **kwargs: object) -> object:
        calls.append("decode")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(security.jwt, "decode", counted)
    # WHEN it is decoded again: THEN the claims come back without verifying it again
    assert security.decode_access_token(token, settings, now=now + timedelta(minutes=1)) == first
    assert calls == []
    # AND its expiry is still checked against the clock on every call
    with pytest.raises(NotAuthenticated, match="expired"):
        security.decode_access_token(token, settings, now=now + timedelta(seconds=lifetime))
    # AND a token changed by one character, or signed with another key, is verified and refused
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(NotAuthenticated, match="not valid"):
        security.decode_access_token(tampered, settings, now=now)
    with pytest.raises(NotAuthenticated, match="not valid"):
        security.decode_access_token(tampered, settings, now=now)
    assert calls == ["decode", "decode"]  # an invalid token is never remembered
    other = settings.model_copy(update={"secret_key": SecretStr("another-secret-" * 4)})
    with pytest.raises(NotAuthenticated, match="not valid"):
        security.decode_access_token(token, other, now=now)
