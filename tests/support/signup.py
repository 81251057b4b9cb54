"""Confirm a self-registered account the way a person does: the outbox is delivered to the
notifications consumer with senders that keep the messages, the code is read from the message
sent to the account's address, and ``POST /api/v1/auth/confirm`` brings it back."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chamba.auth.schemas import parse_account_email, parse_mobile
from chamba.db import session_factory, utcnow
from chamba.events.models import OutboxEvent
from chamba.events.relay import OutboxRelay
from chamba.events.schemas import ContactChanged, ContactCodeRequested, parse_event
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.senders import Message

API = "/api/v1"
CODE = re.compile(r"\b(\d{8})\b")


class Mailbox:
    """A sender keeping the messages it is given (e-mail and SMS alike)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def send(self, message: Message) -> None:
        self.messages.append(message)


def deliver(engine: Engine) -> list[Message]:
    """Hand the pending outbox to the notifications consumer; the messages it sent."""
    box = Mailbox()
    consumer = NotificationConsumer(box, sms_sender=box)
    OutboxRelay(session_factory(engine), consumers=[consumer]).dispatch_pending()
    return box.messages


def code_in(message: Message) -> str:
    """The 8-digit code a message carries."""
    found = CODE.search(message.body)
    assert found, message.body
    return found[1]


def address_of(email: str | None = None, phone: str | None = None) -> str:
    """The address messages go to, as stored (lower-case e-mail, ``+51 987 654 321``)."""
    value = parse_account_email(email) if email else parse_mobile(phone)
    assert value is not None
    return value


def latest_code(engine: Engine, to: str) -> str | None:
    """The code of the newest message just delivered to ``to`` (``None``: none was sent)."""
    sent = [m for m in deliver(engine) if m.to == to and CODE.search(m.body)]
    return code_in(sent[-1]) if sent else None


def confirm_signup(
    client: TestClient,
    *,
    email: str | None = None,
    phone: str | None = None,
    password: str,
    engine: Engine | None = None,
) -> Any:
    """Deliver the sign-up's code and confirm with it; the response of ``/auth/confirm``, or
    ``None`` when no code was sent (the address had an account).

    Every pending event is delivered (to senders that keep nothing else): sign up an address
    already in use with ``confirm=False`` when the test reads the owner's notice itself."""
    engine = engine or client.app.state.engine  # type: ignore[attr-defined]
    code = latest_code(engine, address_of(email, phone))
    if code is None:
        return None
    identifier = {"email": email} if email else {"phone": phone}
    return client.post(
        f"{API}/auth/confirm", json={**identifier, "code": code, "password": password}
    )


def deliver_in(session: Session) -> list[Message]:
    """The messages the notifications consumer writes for the contact events pending in
    ``session``'s outbox (for tests whose requests share one rolled-back session, where the
    relay, with its own connections, cannot see them). Each event is handled once."""
    box = Mailbox()
    consumer = NotificationConsumer(box, sms_sender=box)
    types = (ContactCodeRequested.type, ContactChanged.type)
    rows = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.type.in_(types), OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.occurred_at)
    ).all()
    for row in rows:
        event = parse_event(
            {"id": row.id, "type": row.type, "version": row.version,
             "occurred_at": row.occurred_at, "payload": row.payload}
        )  # fmt: skip
        send = consumer.handle(session, event)
        row.published_at = utcnow()
        if send is not None:
            send()
    session.flush()
    return box.messages


def web_confirm_signup(web: TestClient, session: Session, contact: str, password: str) -> Any:
    """Confirm a web sign-up as the person does: the code from the message sent to
    ``contact``, typed on ``/registro/confirmar`` with the password. The page's response."""
    to = address_of(**({"email": contact} if "@" in contact else {"phone": contact}))
    sent = [m for m in deliver_in(session) if m.to == to and CODE.search(m.body)]
    assert sent, f"no code was sent to {to}"
    form = web.get(f"/registro/confirmar?codigo={code_in(sent[-1])}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    data = {"contacto": contact, "codigo": code_in(sent[-1]), "clave": password,
            "csrf_token": token[1]}  # fmt: skip
    return web.post("/registro/confirmar", data=data, follow_redirects=False)
