"""Job-match notifications: written for seekers a new job suits, e-mailed through real SMTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.events import world
from tests.support.kafka_broker import free_port

from chamba.config import load_settings
from chamba.events.relay import OutboxRelay
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.models import Notification
from chamba.notifications.senders import Message, SMTPSender, sender_from_settings


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def notifications(factory: sessionmaker[Session]) -> list[Notification]:
    with factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_new_job_notifies_matching_seekers_only(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        skills = world.skill_ids(session, 5)
        near = world.seeker(session, skills[:3])  # 3 of 5 essential skills = 0.6, in Lima
        few = world.seeker(session, skills[:2])  # 0.4: not enough
        far = world.seeker(session, skills, ubigeo=world.CUSCO)  # too far for an on-site job
        no_account = world.seeker(session, skills, account=False)
        org = world.employer(session)
        job = world.post_job(session, org, skills)
        session.commit()
    relay = OutboxRelay(factory, consumers=[NotificationConsumer()])
    assert relay.dispatch_pending() == 1
    rows = notifications(factory)
    assert [r.user_id for r in rows] == [near.user_id]
    assert rows[0].job_id == job.id
    assert rows[0].kind == "job_match"
    assert rows[0].title_es.startswith("Nuevo empleo")
    assert rows[0].title_en.startswith("A new job")
    assert {few.user_id, far.user_id, no_account.user_id}.isdisjoint({r.user_id for r in rows})


def test_a_remote_job_reaches_remote_ready_seekers_anywhere(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        skills = world.skill_ids(session, 2)
        ready = world.seeker(session, skills, ubigeo=world.CUSCO, remote_ready=True)
        offline = world.seeker(session, skills, ubigeo=world.CUSCO, remote_ready=False)
        org = world.employer(session)
        world.post_job(session, org, skills, remote=True)
        session.commit()
    OutboxRelay(factory, consumers=[NotificationConsumer()]).dispatch_pending()
    assert [r.user_id for r in notifications(factory)] == [ready.user_id]
    assert offline.user_id is not None


def test_job_match_email_reaches_a_real_smtp_server(
    factory: sessionmaker[Session], smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    with factory() as session:
        skills = world.skill_ids(session, 2)
        world.seeker(session, skills, email="rosa@example.pe", language="es")
        world.seeker(session, skills, email="ann@example.com", language="en")
        org = world.employer(session)
        world.post_job(session, org, skills, title="Cocinero de menú")
        session.commit()
    sender = SMTPSender("127.0.0.1", port, "Chamba <no-reply@chamba.pe>", security="none")
    OutboxRelay(factory, consumers=[NotificationConsumer(sender)]).dispatch_pending()
    for _ in range(100):
        if len(inbox.messages) == 2:
            break
        time.sleep(0.05)
    by_to = {m["To"]: m for m in inbox.messages}
    assert set(by_to) == {"rosa@example.pe", "ann@example.com"}
    # The employer's words stay out of the subject line (phishing, spam): they are in the body
    assert by_to["rosa@example.pe"]["Subject"] == "Chamba: hay un nuevo empleo para ti"
    assert by_to["ann@example.com"]["Subject"] == "Chamba: a new job for you"
    assert "Cocinero de menú" in by_to["rosa@example.pe"].get_content()
    assert by_to["rosa@example.pe"]["From"] == "Chamba <no-reply@chamba.pe>"


def test_no_smtp_host_means_no_email_and_a_broken_server_loses_no_notification(
    factory: sessionmaker[Session],
) -> None:
    assert sender_from_settings(load_settings()) is None
    assert isinstance(sender_from_settings(load_settings(smtp_host="mail")), SMTPSender)
    with factory() as session:
        skills = world.skill_ids(session, 2)
        world.seeker(session, skills)
        org = world.employer(session)
        world.post_job(session, org, skills)
        session.commit()
    dead = SMTPSender("127.0.0.1", free_port(), "x@chamba.pe", timeout=1)
    with pytest.raises(OSError, match="refused|Connection"):
        dead.send(Message(to="a@b.pe", subject="s", body="b"))
    OutboxRelay(factory, consumers=[NotificationConsumer(dead)]).dispatch_pending()
    assert len(notifications(factory)) == 1


class CountingSender:
    """Fails every send with ``error`` and counts the attempts."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send(self, message: Message) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    ("per_message", "expected_calls"),
    [(False, 1), (True, 3)],
    ids=["server-failure-stops", "refused-recipient-goes-on"],
)
def test_a_failing_server_is_not_retried_for_every_seeker(
    factory: sessionmaker[Session], per_message: bool, expected_calls: int
) -> None:
    from chamba.notifications.senders import DeliveryError

    # GIVEN three seekers a new job suits
    before = len(notifications(factory))
    with factory() as session:
        skills = world.skill_ids(session, 2)
        for n in range(3):
            world.seeker(session, skills, email=f"s{n}.{per_message}@example.pe")
        org = world.employer(session)
        world.post_job(session, org, skills)
        session.commit()
    # WHEN the mail server refuses the login (or only each recipient)
    sender = CountingSender(DeliveryError("refused", per_message=per_message))
    OutboxRelay(factory, consumers=[NotificationConsumer(sender)]).dispatch_pending()
    # THEN a server failure stops after one attempt (no storm of failed logins), a refused
    # recipient does not stop the others, and every inbox notification is kept
    assert sender.calls == expected_calls
    assert len(notifications(factory)) - before == 3
