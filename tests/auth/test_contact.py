"""Contact codes: a new account confirms its e-mail or phone before its first login, and a new
e-mail or phone replaces the old one only with the code sent to it (after the current password)
— the same answers whether an address is free or taken, codes single-use, hashed, expiring."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from tests.support.problems import assert_problem
from tests.support.signup import code_in, deliver, latest_code
from tests.support.sms_gateway import sms_gateway

from chamba.auth import contact
from chamba.db import session_factory
from chamba.events.relay import OutboxRelay
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.senders import sms_sender_from_settings

from .conftest import PASSWORD, Clock, configure
from .test_api import bearer, login, me, register, tokens

API = "/api/v1"
NEW_EMAIL = "rosa.nueva@example.pe"


@pytest.fixture
def codes_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock the codes see too."""
    monkeypatch.setattr(contact, "utcnow", clock)
    return clock


def confirm(client: TestClient, code: str, password: str = PASSWORD, **who: str) -> Any:
    identifier = who or {"email": "rosa@example.pe"}
    return client.post(
        f"{API}/auth/confirm", json={**identifier, "code": code, "password": password}
    )


# --- sign-up ------------------------------------------------------------------------------------


def test_a_new_account_logs_in_only_after_confirming_its_code(
    client: TestClient, auth_engine: Engine
) -> None:
    # GIVEN a sign-up, not confirmed yet
    assert register(client, confirm=False).status_code == 202
    # THEN it cannot log in: the answer is that of a wrong password
    refused = assert_problem(login(client, email="rosa@example.pe"), 401)
    wrong = assert_problem(login(client, email="rosa@example.pe", password="not it at all"), 401)
    assert refused["detail"] == wrong["detail"]
    # WHEN the code sent to the address comes back with the password
    with auth_engine.connect() as conn:
        query = "SELECT payload FROM outbox WHERE type = 'account.contact_code_requested'"
        payloads = conn.execute(text(query)).scalars().all()
    messages = deliver(auth_engine)
    assert [m.to for m in messages] == ["rosa@example.pe"]
    code = code_in(messages[0])
    assert "/registro/confirmar?codigo=" in messages[0].body
    # THEN neither the outbox nor the database holds the code
    with auth_engine.connect() as conn:
        stored = conn.execute(text("SELECT code_hash FROM contact_codes")).scalars().all()
    assert all(code not in str(p) for p in payloads)
    assert all(code not in (h or "") for h in stored)
    assert confirm(client, code).status_code == 204
    # AND the account logs in; the code does not work twice
    assert tokens(client, email="rosa@example.pe")["access_token"]
    assert_problem(confirm(client, code), 400, "not valid")


def test_a_stranger_cannot_tell_a_free_address_from_a_taken_one(client: TestClient) -> None:
    # GIVEN Rosa's confirmed account
    register(client)
    # WHEN a stranger signs up with her address and with a free one, same password
    mine = "una clave del extraño"
    taken = register(client, confirm=False, email="rosa@example.pe", password=mine)
    free = register(client, confirm=False, email="libre@example.pe", password=mine)
    # THEN the answers are the same, and so are the logins that follow
    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
    after_taken = login(client, email="rosa@example.pe", password=mine)
    after_free = login(client, email="libre@example.pe", password=mine)
    assert (after_taken.status_code, after_taken.json()["detail"]) == (
        after_free.status_code,
        after_free.json()["detail"],
    )


def test_a_code_needs_the_password_of_the_sign_up(
    client: TestClient, auth_engine: Engine
) -> None:
    register(client, confirm=False)
    code = latest_code(auth_engine, "rosa@example.pe")
    assert code is not None
    assert_problem(confirm(client, code, password="otra clave cualquiera"), 400, "not valid")
    assert_problem(confirm(client, code, email="otra@example.pe"), 400, "not valid")
    assert confirm(client, code).status_code == 204


def test_wrong_codes_withdraw_the_code_after_five_tries(
    client: TestClient, auth_engine: Engine
) -> None:
    register(client, confirm=False)
    code = latest_code(auth_engine, "rosa@example.pe")
    assert code is not None
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(contact.MAX_TRIES):
        assert_problem(confirm(client, wrong), 400)
    # THEN even the right code is refused now
    assert_problem(confirm(client, code), 400)


def test_a_code_expires(client: TestClient, auth_engine: Engine, codes_clock: Clock) -> None:
    register(client, confirm=False)
    code = latest_code(auth_engine, "rosa@example.pe")
    assert code is not None
    codes_clock.advance(minutes=31)
    assert_problem(confirm(client, code), 400)


def test_a_phone_sign_up_gets_its_code_by_sms(client: TestClient, auth_engine: Engine) -> None:
    register(client, confirm=False, email=None, phone="987 654 321")
    messages = deliver(auth_engine)
    assert [m.to for m in messages] == ["+51 987 654 321"]
    assert "http" not in messages[0].body
    assert len(messages[0].body) <= 160
    assert confirm(client, code_in(messages[0]), phone="987654321").status_code == 204
    assert tokens(client, phone="987654321")


def test_a_pending_sign_up_is_taken_over_only_with_the_new_code_and_password(
    client: TestClient, auth_engine: Engine
) -> None:
    # GIVEN someone signed up with Rosa's address but never confirmed it
    register(client, confirm=False, password="clave del intruso 9")
    first = latest_code(auth_engine, "rosa@example.pe")
    # WHEN Rosa signs up with her own password
    register(client, confirm=False)
    second = latest_code(auth_engine, "rosa@example.pe")
    assert first
    assert second
    # THEN the first code stopped working, the intruder's password does not confirm
    assert_problem(confirm(client, first), 400)
    assert_problem(confirm(client, second, password="clave del intruso 9"), 400)
    # AND Rosa confirms with the code she got and her password
    assert confirm(client, second).status_code == 204
    assert_problem(login(client, email="rosa@example.pe", password="clave del intruso 9"), 401)


def test_codes_to_one_account_are_limited(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    configure(app, registrations_per_address=100)
    for _ in range(7):
        assert register(client, confirm=False).status_code == 202
    assert len(deliver(auth_engine)) <= 5


# --- change of e-mail or phone ------------------------------------------------------------------


def ask_change(client: TestClient, access: str, password: str = PASSWORD, **new: str) -> Any:
    return client.post(
        f"{API}/me/contact",
        json={**new, "current_password": password},
        headers=bearer(access),
    )


def confirm_change(client: TestClient, access: str, code: str) -> Any:
    return client.post(f"{API}/me/contact/confirm", json={"code": code}, headers=bearer(access))


def test_changing_the_email_needs_the_password_and_the_code_sent_to_it(
    client: TestClient, auth_engine: Engine
) -> None:
    # GIVEN Rosa logged in on two devices
    register(client)
    here = tokens(client, email="rosa@example.pe")["access_token"]
    elsewhere = tokens(client, email="rosa@example.pe")["access_token"]
    # WHEN she asks with a wrong password THEN nothing happens
    assert_problem(ask_change(client, here, "no es mi clave", email=NEW_EMAIL), 403)
    assert deliver(auth_engine) == []
    # WHEN she asks with her password THEN a code goes to the new address only
    assert ask_change(client, here, email=NEW_EMAIL).status_code == 202
    messages = deliver(auth_engine)
    assert [m.to for m in messages] == [NEW_EMAIL]
    # AND until it comes back the account keeps its e-mail
    assert me(client, here).json()["email"] == "rosa@example.pe"
    assert_problem(confirm_change(client, here, "00000000"), 400)
    done = confirm_change(client, here, code_in(messages[0]))
    assert done.status_code == 200, done.text
    assert done.json()["email"] == NEW_EMAIL
    # THEN she logs in with the new address (its blind index), not the old
    assert tokens(client, email=NEW_EMAIL.upper())
    assert_problem(login(client, email="rosa@example.pe"), 401)
    # AND the old address is told, this login stays, the other one ended
    notices = deliver(auth_engine)
    assert [m.to for m in notices] == ["rosa@example.pe"]
    assert "/clave/olvide" in notices[0].body
    assert me(client, here).status_code == 200
    assert_problem(me(client, elsewhere), 401)
    # AND the change is audited, and the old address is not kept
    with auth_engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_log")).scalars().all()
        previous = conn.execute(text("SELECT previous FROM contact_codes")).scalars().all()
    assert "user.email_changed" in actions
    assert previous == [None] * len(previous)
    # AND the code does not work twice
    assert_problem(confirm_change(client, here, code_in(messages[0])), 400)


def test_a_taken_address_gets_the_same_answer_and_no_code(
    client: TestClient, auth_engine: Engine
) -> None:
    register(client)
    register(client, email="luz@example.pe")
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    taken = ask_change(client, rosa, email="LUZ@example.pe")
    free = ask_change(client, rosa, email=NEW_EMAIL)
    assert (taken.status_code, taken.json()) == (free.status_code, free.json()) == (
        202,
        free.json(),
    )
    assert [m.to for m in deliver(auth_engine)] == [NEW_EMAIL]


def test_only_the_owner_can_use_their_change_code(
    client: TestClient, auth_engine: Engine
) -> None:
    # GIVEN Rosa asked for a new e-mail
    register(client)
    register(client, email="luz@example.pe")
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    luz = tokens(client, email="luz@example.pe")["access_token"]
    ask_change(client, rosa, email=NEW_EMAIL)
    code = code_in(deliver(auth_engine)[0])
    # WHEN another account or nobody sends her code THEN it is refused
    assert_problem(confirm_change(client, luz, code), 400)
    assert_problem(client.post(f"{API}/me/contact/confirm", json={"code": code}), 401)
    assert me(client, luz).json()["email"] == "luz@example.pe"
    # AND it still works for her
    assert confirm_change(client, rosa, code).json()["email"] == NEW_EMAIL


def test_a_phone_is_added_with_a_code_by_sms(client: TestClient, auth_engine: Engine) -> None:
    register(client)
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    assert ask_change(client, rosa, phone="987654321").status_code == 202
    messages = deliver(auth_engine)
    assert [m.to for m in messages] == ["+51 987 654 321"]
    account = confirm_change(client, rosa, code_in(messages[0])).json()
    assert (account["email"], account["phone"]) == ("rosa@example.pe", "+51 987 654 321")
    assert tokens(client, phone="987654321")
    assert deliver(auth_engine) == []  # there was no phone to tell


def test_a_change_asks_for_one_address(client: TestClient) -> None:
    register(client)
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    both = ask_change(client, rosa, email=NEW_EMAIL, phone="987654321")
    assert_problem(both, 422, "not both")
    assert_problem(client.post(f"{API}/me/contact", json={"email": NEW_EMAIL,
                   "current_password": PASSWORD}), 401)  # fmt: skip


def test_erasure_deletes_open_codes_and_their_addresses(
    client: TestClient, auth_engine: Engine
) -> None:
    register(client)
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    ask_change(client, rosa, email=NEW_EMAIL)
    erased = client.request(
        "DELETE", f"{API}/me", headers=bearer(rosa), json={"current_password": PASSWORD}
    )
    assert erased.status_code in (200, 204), erased.text
    with auth_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact_codes")).scalar_one() == 0


# --- SMS: through the deployment's gateway, or refused at once without one --------------------


def test_without_an_sms_sender_a_phone_is_refused_at_once(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    # GIVEN a deployment that sends no SMS
    configure(app, sms_sender="none")
    # WHEN someone signs up with only a phone THEN the answer says so (no silent wait)
    refused = assert_problem(register(client, confirm=False, email=None, phone="987654321"), 422)
    assert "cannot send SMS" in refused["detail"]
    assert "e-mail" in refused["detail"]
    with auth_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM contact_codes")).scalar() == 0
    # AND an e-mail sign-up works as before, but adding a phone is refused the same way
    register(client)
    rosa = tokens(client, email="rosa@example.pe")["access_token"]
    assert_problem(ask_change(client, rosa, phone="987654321"), 422, "cannot send SMS")
    assert deliver(auth_engine) == []


def test_a_phone_sign_up_is_confirmed_with_the_code_sent_through_the_http_gateway(
    client: TestClient, app: FastAPI, auth_engine: Engine
) -> None:
    # GIVEN a deployment whose SMS go to an HTTP gateway (a real server on this machine)
    with sms_gateway() as gateway:
        configure(app, sms_sender="http", sms_http_url=gateway.url, sms_from="CHAMBA")
        consumer = NotificationConsumer(
            None, sms_sender=sms_sender_from_settings(app.state.settings)
        )
        # WHEN someone signs up with a phone and the outbox is delivered
        assert register(client, confirm=False, email=None, phone="987 654 321").status_code == 202
        OutboxRelay(session_factory(auth_engine), consumers=[consumer]).dispatch_pending()
    # THEN the gateway got the code for that phone, and it confirms the account
    [sms] = gateway.texts()
    assert (sms["to"], sms["from"]) == ("+51 987 654 321", "CHAMBA")
    found = re.search(r"\b(\d{8})\b", sms["text"])
    assert found
    assert confirm(client, found[1], phone="987654321").status_code == 204
    assert tokens(client, phone="987654321")
