"""Sending messages outside the app: the :class:`Sender` interface and an SMTP implementation.

E-mail is sent only when ``CHAMBA_SMTP_HOST`` is set (:func:`sender_from_settings`); the in-app
inbox is always written. A failed send raises :class:`DeliveryError`; the notifications consumer
logs it and goes on (the inbox has the message), it is not retried.

SMTP security (``CHAMBA_SMTP_SECURITY``): ``starttls`` (default) upgrades the connection with
``STARTTLS`` before anything else is said and fails when the server does not offer it; ``ssl``
speaks TLS from the first byte (port 465); ``none`` is plain text, for a relay on the same host
or network only, and never carries a password. TLS verifies the server's certificate and host
name against the system's CAs, or against ``CHAMBA_SMTP_CA_FILE`` for a private CA.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from pydantic import SecretStr

from chamba.config import Settings

Security = Literal["starttls", "ssl", "none"]

#: The usual port of each security mode (submission with STARTTLS, implicit TLS, plain relay).
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Sender(Protocol):
    """Delivers :class:`Message` objects (e-mail, SMS...)."""

    def send(self, message: Message) -> None:  # pragma: no cover - interface
        ...


class DeliveryError(OSError):
    """A message could not be handed to the mail server; the text says why (never a password).

    An ``OSError`` like the :mod:`smtplib` and :mod:`socket` errors it wraps (the original is
    its ``__cause__``), so code that caught those keeps working. ``per_message`` is true when
    only this message was refused (its recipient or content): the next one may still go. Any
    other failure (connection, TLS, login, sender) would fail every message the same way.
    """

    def __init__(self, message: str, *, per_message: bool = False) -> None:
        super().__init__(message)
        self.per_message = per_message


class SMTPSender:
    """SMTP with STARTTLS or implicit TLS and optional login (or plain SMTP to a local relay).

    Args:
        host: the SMTP server (also the name its certificate must carry).
        port: its port.
        sender: the ``From`` address.
        security: ``"starttls"``, ``"ssl"`` or ``"none"`` (see the module).
        username: login name; ``None`` sends without ``AUTH``.
        password: login password (kept as a :class:`~pydantic.SecretStr`).
        ca_file: PEM file of the CAs to trust instead of the system's.
        timeout: seconds to wait for the server at each step.

    Raises:
        ValueError: a password with ``security="none"``, or a username without a password.

    Example:
        >>> sender = SMTPSender("smtp.example.pe", 587, "Chamba <no-reply@chamba.pe>",
        ...                     username="chamba", password="s3cret")
        >>> sender.send(Message(to="rosa@example.pe", subject="Hola", body="..."))  # doctest: +SKIP
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: SecretStr | str | None = None,
        ca_file: Path | str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if security not in DEFAULT_PORTS:
            raise ValueError(f"unknown SMTP security {security!r}: starttls, ssl or none")
        if isinstance(password, str):
            password = SecretStr(password)
        if password is not None and security == "none":
            raise ValueError("refusing to send an SMTP password over a plain-text connection")
        if (username is None) != (password is None):
            raise ValueError("an SMTP login needs both a username and a password")
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.security: Security = security
        self.username = username
        self._password = password
        self._context: ssl.SSLContext | None = None
        if security != "none":
            # Verifies the chain and the host name (CERT_REQUIRED, check_hostname).
            self._context = ssl.create_default_context(
                cafile=str(ca_file) if ca_file is not None else None
            )

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"SMTPSender({self.host!r}, {self.port}, security={self.security!r}{user})"

    def _open(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._context)
            except smtplib.SMTPNotSupportedError as exc:
                smtp.close()
                raise DeliveryError(
                    f"SMTP server {self.host}:{self.port} does not offer STARTTLS; "
                    "nothing was sent (CHAMBA_SMTP_SECURITY=none only for a trusted relay)"
                ) from exc
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: Message) -> None:
        """Send one message: connect, secure, log in, hand it over.

        Raises:
            DeliveryError: the server is unreachable, TLS failed (e.g. an untrusted
                certificate), the login was refused, or the server refused the recipient or
                the message. Nothing was sent then.
        """
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with self._open() as smtp:
                if self.username is not None and self._password is not None:
                    smtp.login(self.username, self._password.get_secret_value())
                smtp.send_message(mail)
        except DeliveryError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(
                f"{where}: its TLS certificate is not trusted ({exc.verify_message}); "
                "set CHAMBA_SMTP_CA_FILE for a private CA"
            ) from exc
        except ssl.SSLError as exc:
            raise DeliveryError(f"{where}: TLS failed ({exc})") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where} refused the login of {self.username!r}: {_reply(exc)}"
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(f"{to}: {_reply(err)}" for to, err in exc.recipients.items())
            raise DeliveryError(
                f"{where} refused the recipient ({reasons})", per_message=True
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryError(f"{where} refused the sender {exc.sender}: {_reply(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"{where} refused the message: {_reply(exc)}", per_message=True
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from exc


def _reply(error: object) -> str:
    """``"535 Authentication failed"`` from an SMTP error (or its ``(code, text)`` tuple)."""
    if isinstance(error, smtplib.SMTPResponseException):
        code, text = error.smtp_code, error.smtp_error
    elif isinstance(error, tuple) and len(error) == 2:
        code, text = error
    else:
        return str(error)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


class MemorySender:
    """Keeps messages in a list (for tests and dry runs)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


def sender_from_settings(settings: Settings) -> Sender | None:
    """An :class:`SMTPSender` when ``CHAMBA_SMTP_HOST`` is set, else ``None`` (no e-mail).

    The port defaults to that of the security mode (:data:`DEFAULT_PORTS`).
    """
    if not settings.smtp_host:
        return None
    return SMTPSender(
        settings.smtp_host,
        settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
        settings.smtp_from,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        ca_file=settings.smtp_ca_file,
        timeout=settings.smtp_timeout,
    )


class LogSender:
    """Writes each message to the log instead of sending it: in development only (``chamba
    demo`` with no mail server or SMS gateway), so that a new account's confirmation code can
    be read off the console. Never used elsewhere: messages hold codes."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: Message) -> None:
        log.warning(
            "%s not sent (development, no %s sender) to %s: %s | %s",
            self.channel, self.channel, message.to, message.subject, message.body,
        )  # fmt: skip


def development_sender(settings: Settings, channel: str) -> Sender | None:
    """A :class:`LogSender` for ``channel`` when ``CHAMBA_ENV=development``, else ``None``.

    Chamba ships no SMS gateway: outside development a phone gets no message (a deployment
    plugs its gateway in as the notifications consumer's ``sms_sender``)."""
    return LogSender(channel) if settings.env == "development" else None
