"""SMTP with TLS and login, against a real aiosmtpd server holding a certificate of a test CA."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tests.support.kafka_broker import free_port

from chamba.config import SettingsError, load_settings
from chamba.notifications.senders import DeliveryError, Message, SMTPSender, sender_from_settings

USER, PASSWORD = "chamba", "correct horse battery staple"
MESSAGE = Message(to="rosa@example.pe", subject="Nuevo empleo", body="Hola Rosa")


@dataclass(frozen=True)
class Certs:
    ca_file: Path  # the test CA's certificate (what the client trusts)
    cert_file: Path  # the server's certificate, signed by the CA, for 127.0.0.1 and localhost
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A private CA (self-signed) and a server certificate it signed, written as PEM files."""
    folder = tmp_path_factory.mktemp("certs")
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Chamba test CA"))
        .issuer_name(_name("Chamba test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    found = Certs(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    found.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    found.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


class Mailbox:
    """aiosmtpd handler and authenticator: keeps what it receives and the logins it saw."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of successful logins

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        good = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if good:
            self.logins.append((mechanism, USER))
        return AuthResult(success=good, handled=False)  # handled=False: reply 535 on failure

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.endswith("@nowhere.invalid"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@dataclass
class Server:
    port: int
    mailbox: Mailbox


def _serve(certs: Certs, *, implicit_tls: bool, **options: Any) -> Iterator[Server]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    tls = {"ssl_context": certs.server_context()} if implicit_tls else {
        "tls_context": certs.server_context(), "require_starttls": True,
    }  # fmt: skip
    # aiosmtpd's auth_require_tls knows STARTTLS only: on an SMTPS listener (every connection
    # TLS already) AUTH is offered without it, and not required (aiosmtpd warns otherwise).
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox.authenticate,
        auth_required=not implicit_tls, auth_require_tls=not implicit_tls, **tls, **options,
    )  # fmt: skip
    controller.start()
    try:
        yield Server(port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certs: Certs) -> Iterator[Server]:
    """STARTTLS required, then AUTH (LOGIN or PLAIN) required before any mail."""
    yield from _serve(certs, implicit_tls=False)


@pytest.fixture
def login_only_server(certs: Certs) -> Iterator[Server]:
    """As ``starttls_server``, offering AUTH LOGIN alone (smtplib prefers PLAIN otherwise)."""
    yield from _serve(certs, implicit_tls=False, auth_exclude_mechanism=["PLAIN"])


@pytest.fixture
def ssl_server(certs: Certs) -> Iterator[Server]:
    """TLS from the first byte (SMTPS); AUTH offered."""
    yield from _serve(certs, implicit_tls=True)


def _sender(server: Server, certs: Certs | None, **options: Any) -> SMTPSender:
    args: dict[str, Any] = {"security": "starttls", "username": USER, "password": PASSWORD}
    if certs is not None:
        args["ca_file"] = certs.ca_file
    return SMTPSender("127.0.0.1", server.port, "Chamba <no-reply@chamba.pe>", **(args | options))


@pytest.mark.parametrize(("server_fixture", "mechanism"), [
    ("starttls_server", "PLAIN"), ("login_only_server", "LOGIN"),
])  # fmt: skip
def test_starttls_and_login_deliver_the_message(
    request: pytest.FixtureRequest, certs: Certs, server_fixture: str, mechanism: str
) -> None:
    # GIVEN a server that requires STARTTLS and a login, its certificate signed by a private CA
    server: Server = request.getfixturevalue(server_fixture)
    # WHEN a sender that trusts that CA sends a message
    _sender(server, certs).send(MESSAGE)
    # THEN it was received after a login with the expected mechanism
    assert server.mailbox.logins == [(mechanism, USER)]
    (received,) = server.mailbox.messages
    assert received["To"] == "rosa@example.pe"
    assert received["From"] == "Chamba <no-reply@chamba.pe>"
    assert received["Subject"] == "Nuevo empleo"
    assert received.get_content().strip() == "Hola Rosa"


def test_implicit_tls_delivers_the_message(ssl_server: Server, certs: Certs) -> None:
    # GIVEN an SMTPS server (TLS from the first byte)
    # WHEN the sender uses security "ssl" and trusts the CA
    _sender(ssl_server, certs, security="ssl").send(MESSAGE)
    # THEN the message was received after a login
    assert ssl_server.mailbox.logins == [("PLAIN", USER)]
    assert [m["To"] for m in ssl_server.mailbox.messages] == ["rosa@example.pe"]


def test_a_wrong_password_is_a_clear_error_and_sends_nothing(
    starttls_server: Server, certs: Certs
) -> None:
    # GIVEN a sender with the wrong password
    sender = _sender(starttls_server, certs, password="wrong")
    # WHEN it sends, THEN the login refusal is named (without the password) and nothing arrives
    with pytest.raises(DeliveryError, match="refused the login of 'chamba': 535") as caught:
        sender.send(MESSAGE)
    assert "wrong" not in str(caught.value)
    assert starttls_server.mailbox.messages == []


def test_an_untrusted_certificate_fails_before_anything_is_sent(
    starttls_server: Server, ssl_server: Server
) -> None:
    # GIVEN senders that trust only the system's CAs, not the server's private one
    for server, security in ((starttls_server, "starttls"), (ssl_server, "ssl")):
        sender = _sender(server, None, security=security)
        # WHEN they send, THEN certificate verification fails: no login, no message
        with pytest.raises(DeliveryError, match="certificate is not trusted"):
            sender.send(MESSAGE)
        assert server.mailbox.logins == []
        assert server.mailbox.messages == []


def test_a_refused_recipient_is_a_clear_error(starttls_server: Server, certs: Certs) -> None:
    # GIVEN a recipient the server does not know
    message = Message(to="nadie@nowhere.invalid", subject="s", body="b")
    # WHEN it is sent, THEN the refusal and the server's reply are in the error
    with pytest.raises(DeliveryError, match=r"refused the recipient .*550 5\.1\.1"):
        _sender(starttls_server, certs).send(message)
    assert starttls_server.mailbox.messages == []


def test_starttls_refuses_a_server_that_does_not_offer_it(certs: Certs) -> None:
    # GIVEN a plain server without STARTTLS
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # WHEN a starttls sender (no login) sends, THEN it refuses to go on in plain text
        sender = SMTPSender("127.0.0.1", port, "x@chamba.pe", ca_file=certs.ca_file)
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            sender.send(MESSAGE)
    finally:
        controller.stop()
    assert mailbox.messages == []


def test_a_password_is_never_sent_in_plain_text() -> None:
    # GIVEN a login with security "none", WHEN the sender or the settings are built,
    # THEN both refuse
    with pytest.raises(ValueError, match="plain-text"):
        SMTPSender("mail", 25, "x@chamba.pe", security="none", username=USER, password="pw")
    with pytest.raises(SettingsError, match="CHAMBA_SMTP_PASSWORD.*CHAMBA_SMTP_SECURITY"):
        load_settings(smtp_host="mail", smtp_security="none", smtp_username=USER,
                      smtp_password="pw")  # fmt: skip


def test_settings_build_a_verifying_sender_that_hides_the_password(certs: Certs) -> None:
    # GIVEN settings with a login and a private CA
    settings = load_settings(
        smtp_host="smtp.example.pe", smtp_username=USER, smtp_password=PASSWORD,
        smtp_ca_file=str(certs.ca_file),
    )  # fmt: skip
    # WHEN the sender is built
    sender = sender_from_settings(settings)
    # THEN it uses STARTTLS on the submission port, and no repr shows the password
    assert isinstance(sender, SMTPSender)
    assert (sender.security, sender.port) == ("starttls", 587)
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in repr(sender)
    assert PASSWORD not in str(settings.model_dump())
    ssl_sender = sender_from_settings(load_settings(smtp_host="h", smtp_security="ssl"))
    assert isinstance(ssl_sender, SMTPSender)
    assert ssl_sender.port == 465


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"smtp_username": USER}, "CHAMBA_SMTP_USERNAME"),
        ({"smtp_ca_file": "/no/such/ca.pem"}, "CHAMBA_SMTP_CA_FILE"),
        ({"smtp_security": "tls"}, "CHAMBA_SMTP_SECURITY"),
    ],
)
def test_invalid_smtp_settings_name_the_variable(overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(smtp_host="mail", **overrides)


def test_a_file_that_holds_no_certificate_is_refused_as_ca_file(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("hello\n")
    with pytest.raises(SettingsError, match="CHAMBA_SMTP_CA_FILE.*not a PEM file"):
        load_settings(smtp_ca_file=str(not_pem))
