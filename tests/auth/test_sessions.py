"""Login lifetimes (absolute and idle), log out everywhere, and changing the password."""

from __future__ import annotations

import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.support.problems import assert_problem

from chamba.auth import security, service
from chamba.auth.models import AuthSession
from chamba.auth.schemas import LoginIn
from chamba.db import session_scope

from .conftest import PASSWORD, Clock
from .test_api import bearer, me, register, tokens

API = "/api/v1"


def _refresh(client: TestClient, token: str) -> tuple[int, str]:
    response = client.post(f"{API}/auth/refresh", json={"refresh_token": token})
    body = response.json()
    return response.status_code, body.get("refresh_token", token)


def test_an_app_login_ends_after_its_absolute_lifetime_however_used(
    client: TestClient, clock: Clock
) -> None:
    # GIVEN an app login whose refresh token is used every 10 days
    register(client)
    refresh = tokens(client, email="rosa@example.pe")["refresh_token"]
    for _ in range(2):
        clock.advance(days=10)
        status, refresh = _refresh(client, refresh)
        assert status == 200
    # WHEN 30 days have passed since the login
    clock.advance(days=10, seconds=1)
    # THEN it has ended: log in again
    status, _ = _refresh(client, refresh)
    assert status == 401


def _web_login(app: FastAPI, engine: Engine) -> str:
    """A login as the web pages make it; returns its refresh token."""
    with session_scope(engine) as session:
        pair = service.login(
            session,
            LoginIn(email="rosa@example.pe", password=PASSWORD),
            client=service.Client(),
            settings=app.state.settings,
            now=service.utcnow(),
            channel=service.WEB,
        )
    return pair.refresh_token


def test_a_web_login_ends_after_30_idle_minutes(
    client: TestClient, app: FastAPI, auth_engine: Engine, clock: Clock
) -> None:
    register(client)
    refresh = _web_login(app, auth_engine)
    # GIVEN a browser that renews its login every 20 minutes: it stays logged in
    clock.advance(minutes=20)
    status, refresh = _refresh(client, refresh)
    assert status == 200
    # WHEN it is then left alone for more than 30 minutes
    clock.advance(minutes=31)
    # THEN the login has ended
    assert _refresh(client, refresh)[0] == 401


def test_a_web_login_ends_12_hours_after_it_began_however_used(
    client: TestClient, app: FastAPI, auth_engine: Engine, clock: Clock
) -> None:
    register(client)
    refresh = _web_login(app, auth_engine)
    for _ in range(11 * 3):  # renewed every 20 minutes for 11 hours
        clock.advance(minutes=20)
        status, refresh = _refresh(client, refresh)
        assert status == 200
    clock.advance(hours=1, seconds=1)
    assert _refresh(client, refresh)[0] == 401


def test_log_out_everywhere_ends_every_login(client: TestClient) -> None:
    # GIVEN the same account logged in on a phone and a computer
    register(client)
    phone = tokens(client, email="rosa@example.pe")
    computer = tokens(client, email="rosa@example.pe")
    # WHEN the phone logs out everywhere
    done = client.post(f"{API}/auth/logout-everywhere", headers=bearer(phone["access_token"]))
    assert done.status_code == 204
    # THEN neither login works any more, access or refresh
    for pair in (phone, computer):
        assert_problem(me(client, pair["access_token"]), 401)
        assert _refresh(client, pair["refresh_token"])[0] == 401


def test_changing_the_password_asks_for_the_current_one_and_ends_other_logins(
    client: TestClient,
) -> None:
    register(client)
    here = tokens(client, email="rosa@example.pe")
    elsewhere = tokens(client, email="rosa@example.pe")
    new = "quinua y kiwicha 7"
    # WHEN the current password is wrong THEN nothing changes
    wrong = client.post(
        f"{API}/auth/password",
        json={"current_password": "not my password", "new_password": new},
        headers=bearer(here["access_token"]),
    )
    assert_problem(wrong, 403, "current password")
    # WHEN it is right THEN the password changes, this login stays and the others end
    done = client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=bearer(here["access_token"]),
    )
    assert done.status_code == 204, done.text
    assert me(client, here["access_token"]).status_code == 200
    assert_problem(me(client, elsewhere["access_token"]), 401)
    assert tokens(client, email="rosa@example.pe", password=new)
    assert_problem(client.post(f"{API}/auth/login", json={
        "email": "rosa@example.pe", "password": PASSWORD}), 401)  # fmt: skip


def test_a_new_password_must_follow_the_policy(client: TestClient) -> None:
    register(client)
    here = tokens(client, email="rosa@example.pe")
    weak = client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": "12345678901"},
        headers=bearer(here["access_token"]),
    )
    assert_problem(weak, 422)


def test_guessing_the_current_password_is_rate_limited(client: TestClient) -> None:
    register(client)
    here = tokens(client, email="rosa@example.pe")
    answers = [
        client.post(
            f"{API}/auth/password",
            json={"current_password": f"guess number {n}", "new_password": "otra clave larga 1"},
            headers=bearer(here["access_token"]),
        ).status_code
        for n in range(6)
    ]
    assert answers == [403] * 5 + [429]


def test_access_tokens_name_their_login_by_a_random_id(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    # GIVEN two logins of the same account
    register(client)
    first = tokens(client, email="rosa@example.pe")["access_token"]
    second = tokens(client, email="rosa@example.pe")["access_token"]
    key = app.state.settings.derived_key(security.ACCESS_KEY_ID)
    sids = [jwt.decode(t, key, algorithms=["HS256"])["sid"] for t in (first, second)]
    # THEN each names its login by a random 256-bit id, not by the sequence of logins
    with session_scope(auth_engine) as session:
        rows = session.scalars(select(AuthSession).order_by(AuthSession.id)).all()
        assert sids == [rows[0].public_id, rows[1].public_id]
        numbers = [str(rows[0].id), str(rows[1].id)]
    assert all(len(sid) >= 43 and sid not in numbers for sid in sids)
    assert sids[0] != sids[1]
    # AND a token naming a login by its row number (as tokens did before) is refused
    forged = security.create_access_token(
        user_id=1, role="seeker", session_id="s" * 43, now=service.utcnow(),
        settings=app.state.settings,
    )[0]  # fmt: skip
    claims = jwt.decode(forged, key, algorithms=["HS256"])
    claims["sid"] = numbers[0]
    legacy = jwt.encode(claims, key, algorithm="HS256", headers={"kid": security.ACCESS_KEY_ID})
    assert me(client, legacy).status_code == 401
    assert me(client, first).status_code == 200
