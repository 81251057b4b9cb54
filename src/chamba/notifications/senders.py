"""Sending messages outside the app: the :class:`Sender` interface and an SMTP implementation.

E-mail is sent only when ``CHAMBA_SMTP_HOST`` is set (:func:`sender_from_settings`); the in-app
inbox is always written. A failed send is logged and not retried (the inbox has the message).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from chamba.config import Settings


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Sender(Protocol):
    """Delivers :class:`Message` objects (e-mail, SMS...)."""

    def send(self, message: Message) -> None:  # pragma: no cover - interface
        ...


class SMTPSender:
    """Plain SMTP (as a local relay or a smarthost listening without authentication).

    Args:
        host: the SMTP server.
        port: its port.
        sender: the ``From`` address.
        timeout: seconds to wait for the server.
    """

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(mail)


class MemorySender:
    """Keeps messages in a list (for tests and dry runs)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


def sender_from_settings(settings: Settings) -> Sender | None:
    """An :class:`SMTPSender` when ``CHAMBA_SMTP_HOST`` is set, else ``None`` (no e-mail)."""
    if not settings.smtp_host:
        return None
    return SMTPSender(settings.smtp_host, settings.smtp_port, settings.smtp_from)
