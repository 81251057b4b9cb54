"""Sending messages outside the app: the :class:`Sender` interface, an SMTP implementation and
an HTTP SMS-gateway one (:class:`HTTPSMSSender`, ``CHAMBA_SMS_SENDER=http``).

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

import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import SecretStr

from chamba.config import Settings

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

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
    """A :class:`LogSender` for ``channel`` when ``CHAMBA_ENV=development`` (for SMS: when
    ``CHAMBA_SMS_SENDER`` is ``log``, its default there), else ``None``."""
    if channel == "SMS":
        return LogSender(channel) if settings.effective_sms_sender == "log" else None
    return LogSender(channel) if settings.env == "development" else None


#: The longest ``Retry-After`` of a gateway that is waited for (seconds).
MAX_RETRY_AFTER = 30.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: a POST carrying a code and a token never goes elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _masked(phone: str) -> str:
    """``+51 987 654 321`` -> ``***321``: enough to tell messages apart in a log."""
    digits = [c for c in phone if c.isdigit()]
    return "***" + "".join(digits[-3:])


class HTTPSMSSender:
    """SMS through a deployment's HTTP gateway: one JSON ``POST`` per message.

    The request is ``{"to": <phone>, "from": <sender id>, "text": <body>}`` with
    ``Authorization: Bearer <token>``; any 2xx answer is success. A connection error, a timeout
    or a 429/5xx answer is tried again up to ``retries`` times, waiting ``backoff`` seconds,
    then twice that, and so on (or the gateway's ``Retry-After``, up to
    :data:`MAX_RETRY_AFTER`, when longer). A 4xx answer is not retried: 401/403 (the token) and
    other answers that would fail every message raise a :class:`DeliveryError`; the rest (a
    number the gateway refuses) raise one with ``per_message``. Redirects are refused.

    Logs say what failed, with the recipient masked (``***321``); never the message's text,
    which holds a code. Outcomes are counted in ``chamba_sms_messages_total{outcome}`` and
    retries in ``chamba_sms_retries_total`` when ``metrics`` is given.

    Args:
        url: the gateway's endpoint (``https://``; the settings refuse plain ``http://`` to
            anything but this machine).
        token: the bearer token; ``None`` sends no ``Authorization``.
        sender_id: the ``from`` number or name; ``None`` leaves it out.
        timeout: seconds per try.
        retries: further tries after a retryable failure.
        backoff: seconds before the first retry (doubled each time).
        metrics: where outcomes are counted.
        sleep: waits between tries (tests pass a recorder).

    Example:
        >>> sms = HTTPSMSSender("https://sms.example.pe/v1/messages", token="t0k3n")
        >>> sms.send(Message(to="+51 987 654 321", subject="", body="..."))  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        *,
        token: SecretStr | str | None = None,
        sender_id: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        metrics: Metrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"not an http(s) URL: {url!r}")
        if isinstance(token, str):
            token = SecretStr(token)
        self.url, self.sender_id, self.timeout = url, sender_id, timeout
        self.retries, self.backoff = retries, backoff
        self._token = token
        self._metrics = metrics
        self._sleep = sleep
        self._opener = urllib.request.build_opener(
            _NoRedirect(), urllib.request.HTTPSHandler(context=ssl.create_default_context())
        )

    def __repr__(self) -> str:
        return f"HTTPSMSSender({self.url!r}, retries={self.retries})"

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.sms_messages.labels(outcome=outcome).inc()

    def _request(self, message: Message) -> urllib.request.Request:
        payload: dict[str, str] = {"to": message.to, "text": message.body}
        if self.sender_id:
            payload["from"] = self.sender_id
        headers = {"Content-Type": "application/json", "User-Agent": "chamba-sms"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        data = json.dumps(payload).encode()
        return urllib.request.Request(self.url, data=data, headers=headers, method="POST")

    def send(self, message: Message) -> None:
        """Hand one SMS to the gateway, retrying what may pass on a second try.

        Raises:
            DeliveryError: refused (``per_message`` for this message only) or not delivered
                after every try. Nothing of the message's text is in its text.
        """
        to = _masked(message.to)
        where = f"SMS gateway {self.url}"
        reason = ""
        for attempt in range(self.retries + 1):
            wait = self.backoff * 2**attempt
            try:
                with self._opener.open(self._request(message), timeout=self.timeout) as answer:
                    answer.read(65536)
                self._count("sent")
                return
            except urllib.error.HTTPError as exc:
                exc.close()
                status = exc.code
                if status in (401, 403) or 300 <= status < 400:
                    self._count("failed")
                    raise DeliveryError(
                        f"{where} answered {status} (check CHAMBA_SMS_HTTP_URL and "
                        "CHAMBA_SMS_HTTP_TOKEN); nothing was sent"
                    ) from None
                if status != 429 and status < 500:
                    self._count("refused")
                    raise DeliveryError(
                        f"{where} refused the SMS to {to} ({status})", per_message=True
                    ) from None
                reason = f"answered {status}"
                wait = max(wait, min(_retry_after(exc) or 0.0, MAX_RETRY_AFTER))
            except (urllib.error.URLError, OSError) as exc:  # refused, reset, timeout, TLS
                cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                reason = f"{type(cause).__name__}: {cause}"
            if attempt < self.retries:
                log.warning(
                    "%s: SMS to %s not sent (%s); try %d of %d in %.1f s",
                    where, to, reason, attempt + 2, self.retries + 1, wait,
                )  # fmt: skip
                if self._metrics is not None:
                    self._metrics.sms_retries.inc()
                self._sleep(wait)
        self._count("failed")
        raise DeliveryError(
            f"{where}: SMS to {to} not sent after {self.retries + 1} tries ({reason})"
        )


def sms_sender_from_settings(settings: Settings, metrics: Metrics | None = None) -> Sender | None:
    """The deployment's SMS sender: an :class:`HTTPSMSSender` with ``CHAMBA_SMS_SENDER=http``,
    a :class:`LogSender` with ``log`` (development and tests), else ``None`` (no SMS)."""
    if settings.effective_sms_sender == "http":
        assert settings.sms_http_url is not None  # the settings require it
        return HTTPSMSSender(
            settings.sms_http_url,
            token=settings.sms_http_token,
            sender_id=settings.sms_from,
            timeout=settings.sms_timeout,
            retries=settings.sms_retries,
            backoff=settings.sms_backoff_seconds,
            metrics=metrics,
        )
    return development_sender(settings, "SMS")
