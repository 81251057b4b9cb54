"""Password reset by e-mail: same answer for any address, single-use short-lived token stored
hashed (never in the outbox), every login ended."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from tests.support.problems import assert_problem

from chamba.auth import reset
from chamba.db import session_factory
from chamba.events.relay import OutboxRelay
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.senders import Message

from .conftest import PASSWORD, Clock
from .test_api import login, register, tokens

API = "/api/v1"
NEW_PASSWORD = "tres palabras nuevas"


class Outbox:
    """A sender keeping the messages it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def send(self, message: Message) -> None:
        self.messages.append(message)


@pytest.fixture
def mail(auth_engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    monkeypatch.setattr(reset, "utcnow", clock)
    with auth_engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
    return Outbox()


def deliver(auth_engine: Engine, sender: Outbox) -> None:
    relay = OutboxRelay(session_factory(auth_engine), consumers=[NotificationConsumer(sender)])
    relay.dispatch_pending()


def ask(client: TestClient, email: str) -> tuple[int, dict[str, str]]:
    response = client.post(f"{API}/auth/password-reset", json={"email": email})
    return response.status_code, response.json()


def token_of(message: Message) -> str:
    found = re.search(r"token=([A-Za-z0-9_-]+)", message.body)
    assert found, message.body
    return found[1]


def confirm(client: TestClient, token: str, password: str = NEW_PASSWORD) -> object:
    return client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": password}
    )


def test_the_answer_is_the_same_for_any_address_and_only_the_owner_gets_mail(
    client: TestClient, auth_engine: Engine, mail: Outbox
) -> None:
    # GIVEN an account
    register(client)
    # WHEN a reset is asked for its address and for an address nobody uses
    known = ask(client, "Rosa@example.pe")
    unknown = ask(client, "nadie@example.pe")
    # THEN both get the same answer
    assert known == unknown
    assert known[0] == 202
    # AND one e-mail goes out, to the owner, with a link; the outbox held no token
    with auth_engine.connect() as conn:
        query = "SELECT payload FROM outbox WHERE type = 'account.password_reset_requested'"
        payloads = conn.execute(text(query)).scalars().all()
    assert len(payloads) == 1
    deliver(auth_engine, mail)
    assert [m.to for m in mail.messages] == ["rosa@example.pe"]
    token = token_of(mail.messages[0])
    assert token not in str(payloads)
    # AND the database keeps only the token's hash
    with auth_engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM password_resets")).scalars().all()
    assert token not in stored
    assert len(stored) == 1


def test_a_reset_token_works_once_and_ends_every_login(
    client: TestClient, auth_engine: Engine, mail: Outbox
) -> None:
    # GIVEN an account logged in on a device, and a reset e-mail
    register(client)
    old_login = tokens(client, email="rosa@example.pe")
    ask(client, "rosa@example.pe")
    deliver(auth_engine, mail)
    token = token_of(mail.messages[0])
    # WHEN a too weak password is tried, then a good one
    assert_problem(confirm(client, token, "123456789012"), 422)  # type: ignore[arg-type]
    done = confirm(client, token)
    # THEN the new password works, the old one no longer does
    assert done.status_code == 204  # type: ignore[attr-defined]
    assert login(client, email="rosa@example.pe", password=NEW_PASSWORD).status_code == 200
    assert login(client, email="rosa@example.pe", password=PASSWORD).status_code == 401
    # AND the login made before ended (its refresh token is refused)
    again = client.post(f"{API}/auth/refresh", json={"refresh_token": old_login["refresh_token"]})
    assert again.status_code == 401
    # AND the token cannot be used a second time
    assert_problem(confirm(client, token, "otra clave distinta"), 400, "not valid")  # type: ignore[arg-type]


def test_a_reset_token_expires_and_a_newer_request_replaces_it(
    client: TestClient, auth_engine: Engine, mail: Outbox, clock: Clock
) -> None:
    register(client)
    ask(client, "rosa@example.pe")
    deliver(auth_engine, mail)
    first = token_of(mail.messages[0])
    ask(client, "rosa@example.pe")
    deliver(auth_engine, mail)
    second = token_of(mail.messages[1])
    # the older link was withdrawn by the newer request
    assert_problem(confirm(client, first), 400)  # type: ignore[arg-type]
    # the newer one expires after CHAMBA_PASSWORD_RESET_MINUTES (30)
    clock.advance(minutes=31)
    assert_problem(confirm(client, second), 400)  # type: ignore[arg-type]
    assert login(client, email="rosa@example.pe").status_code == 200


def test_reset_mail_to_one_account_is_limited_without_telling(
    client: TestClient, auth_engine: Engine, mail: Outbox
) -> None:
    register(client)
    answers = set()
    for _ in range(5):
        answers.add(str(ask(client, "rosa@example.pe")))
        deliver(auth_engine, mail)
    assert len(answers) == 1
    assert len(mail.messages) == 3  # at most 3 e-mails an hour to one account


def test_the_owner_is_told_when_someone_registers_with_their_email(
    client: TestClient, auth_engine: Engine, mail: Outbox
) -> None:
    register(client)
    deliver(auth_engine, mail)
    assert mail.messages == []  # a new account: nobody to warn
    again = register(client, confirm=False, email="ROSA@example.pe", password="otra clave segura")
    assert again.status_code == 202
    deliver(auth_engine, mail)
    assert [m.to for m in mail.messages] == ["rosa@example.pe"]
    assert "/clave/olvide" in mail.messages[0].body
