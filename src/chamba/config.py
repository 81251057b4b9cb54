"""Settings: one object, built by :func:`get_settings`, read from ``CHAMBA_*`` variables.

Every setting is documented in ``docs/settings.md``; a test keeps the two in step.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CHAMBA_"
_DEV_SECRET = "dev-only-insecure-secret-change-me"


class SettingsError(RuntimeError):
    """Raised when the environment holds an invalid setting; the message names the variable."""


class Settings(BaseSettings):
    """All of Chamba's configuration. Build it with :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = Field(
        "production",
        description="Deployment environment. Only `development` (which `chamba demo` sets) "
        "accepts the built-in placeholder secret.",
    )
    data_dir: Path = Field(
        Path("var"), description="Folder for the SQLite database, vector index and models."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: SQLite file chamba.db in the data directory. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db",
    )
    secret_key: SecretStr = Field(
        SecretStr(_DEV_SECRET), description="Signs tokens and keys blind indexes (>= 32 chars)."
    )
    data_key: SecretStr | None = Field(
        None,
        description="Fernet key for personal data at rest; derived from the secret key if unset.",
    )
    blind_index_key: SecretStr | None = Field(
        None,
        description="Keys the blind indexes (lookups of encrypted e-mails, phones, national "
        "ids), at least 32 characters; the secret key if unset. Change it, then run "
        "`chamba keys rotate` to recompute every index.",
    )
    previous_data_keys: SecretStr | None = Field(
        None,
        description="Comma-separated earlier Fernet keys: data written with them stays "
        "readable while `chamba keys rotate` re-encrypts it with the current key.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Logging level."
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="Log lines as JSON objects (one per line) or plain text."
    )
    host: str = Field("127.0.0.1", description="Address the server listens on.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or CIDRs of the reverse proxies (ingress) in "
        "front of the app. Only a request whose direct peer is one of them has its "
        "X-Forwarded-For / X-Forwarded-Proto believed (client address for the rate limits, "
        "https for Secure cookies). Empty: no proxy is trusted.",
    )
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    access_token_minutes: int = Field(
        15, ge=1, le=24 * 60, description="Lifetime of an access token (JWT), in minutes."
    )
    refresh_token_days: int = Field(
        30, ge=1, le=365, description="Lifetime of a refresh token, in days."
    )
    password_reset_minutes: int = Field(
        30, ge=5, le=24 * 60,
        description="A password-reset link works once, for this many minutes.",
    )  # fmt: skip
    contact_code_minutes: int = Field(
        30, ge=5, le=24 * 60,
        description="A code confirming an e-mail or phone (sign-up, change) works for this "
        "many minutes.",
    )  # fmt: skip
    session_absolute_days: int = Field(
        30, ge=1, le=365, description="An app (API) login ends this many days after it began."
    )
    web_session_absolute_hours: int = Field(
        12, ge=1, le=24 * 30, description="A web login ends this many hours after it began."
    )
    web_session_idle_minutes: int = Field(
        30, ge=5, le=24 * 60, description="A web login ends after this many minutes unused."
    )
    password_hash_time_cost: int = Field(2, ge=1, le=20, description="argon2id iterations.")
    password_hash_memory_kib: int = Field(
        65536, ge=1024, le=4 * 1024 * 1024, description="argon2id memory per hash, in KiB."
    )
    password_hash_parallelism: int = Field(2, ge=1, le=16, description="argon2id lanes (threads).")
    login_failures_per_account: int = Field(
        5, ge=1, description="Failed logins allowed per account within the login window."
    )
    login_failures_per_address: int = Field(
        20, ge=1, description="Failed logins allowed per client address within the login window."
    )
    login_window_minutes: int = Field(
        15, ge=1, description="Sliding window of the login rate limits, in minutes."
    )
    registrations_per_address: int = Field(
        5, ge=1, description="Registration attempts allowed per client address within the window."
    )
    registration_window_minutes: int = Field(
        60, ge=1, description="Sliding window of the registration rate limit, in minutes."
    )
    requests_per_user_per_hour: int = Field(
        600, ge=1, description="Costly requests (extraction, matching...) per user and hour."
    )
    anonymous_requests_per_address_per_hour: int = Field(
        60, ge=1, description="Costly requests without a login per client address and hour."
    )
    job_postings_per_day: int = Field(
        30, ge=1, description="Job postings per employer account and day (each may e-mail)."
    )
    kafka_bootstrap: str | None = Field(
        None,
        description="Kafka brokers (host:port,...). Set: events go through Kafka (run "
        "`chamba worker`); unset: the app delivers them in-process.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"] = Field(
        "PLAINTEXT", description="How to reach the brokers: TLS (SSL), SASL over TLS, or plain."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism (with SASL_SSL or SASL_PLAINTEXT)."
    )
    kafka_username: str | None = Field(None, description="SASL user name.")
    kafka_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ca_file: Path | None = Field(
        None, description="PEM file of the CA(s) that sign the brokers' certificates."
    )
    kafka_topic_prefix: str = Field(
        "chamba", pattern=r"^[A-Za-z0-9._-]{1,100}$", description="Prefix of the event topics."
    )
    encoder: str = Field(
        "use-multilingual-v3",
        description="Text encoder of the matching vectors (jobs, people, courses): "
        "`use-multilingual-v3` (built in) or `st:/path/to/folder` (a sentence-transformers "
        "model in a local folder). The vectors are saved with the model's id: changing it "
        "re-embeds on the next start. Skill extraction keeps the built-in encoder, which its "
        "thresholds are calibrated for.",
    )
    threads: int = Field(
        16,
        ge=1,
        le=1000,
        description="Worker threads per server process for request handlers (anyio's pool).",
    )
    match_page_cache_size: int = Field(
        1000,
        ge=0,
        le=1_000_000,
        description="Ranked pages of job matches kept per server process, so that a person "
        "asking again while nothing changed is not ranked again; 0 disables.",
    )
    match_page_cache_seconds: float = Field(
        30.0,
        gt=0,
        le=60,
        description="Seconds a ranked page of job matches is kept at most.",
    )
    db_pool_size: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Database connections per process; default 2 x threads + 6, so that no "
        "thread waits for a connection.",
    )
    db_pool_timeout: float = Field(
        30.0, gt=0, le=600, description="Seconds a thread waits for a free database connection."
    )
    outbox_poll_seconds: float = Field(
        1.0, gt=0, le=3600, description="How often the relay looks for new outbox events."
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail notifications; unset: no e-mail is sent."
    )
    smtp_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port of the SMTP server; default 587 (starttls), 465 (ssl) or 25 (none).",
    )
    smtp_from: str = Field(
        "Chamba <no-reply@chamba.pe>", description="From address of e-mail notifications."
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="starttls: upgrade to TLS before anything else (refused if the server "
        "cannot); ssl: TLS from the first byte; none: plain text (a local relay only).",
    )
    smtp_username: str | None = Field(None, description="SMTP login; unset: no AUTH.")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password; sent only over TLS (never with security none)."
    )
    smtp_ca_file: Path | None = Field(
        None,
        description="PEM file of the CA(s) that sign the SMTP server's certificate (a private "
        "CA), trusted instead of the system's CAs. Unset: the system's CAs.",
    )
    smtp_timeout: float = Field(
        10.0, gt=0, le=300, description="Seconds to wait for the SMTP server at each step."
    )
    sms_sender: Literal["none", "log", "http"] | None = Field(
        None,
        description="How SMS (the codes that confirm a phone) are sent: `http` (the gateway "
        "at CHAMBA_SMS_HTTP_URL), `log` (written to the log: development and tests only, "
        "refused in production) or `none` (a phone-only sign-up is then refused). Unset: "
        "`log` in development, `none` elsewhere.",
    )
    sms_http_url: str | None = Field(
        None,
        description="The SMS gateway's endpoint: Chamba POSTs JSON {to, from, text} to it. "
        "https:// (http:// only to this machine, 127.0.0.1 or localhost).",
    )
    sms_http_token: SecretStr | None = Field(
        None, description="Sent as `Authorization: Bearer <token>` to the SMS gateway."
    )
    sms_from: str | None = Field(
        None, description="The sender number or name the SMS gateway shows (its `from`)."
    )
    sms_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds to wait for the SMS gateway per try."
    )
    sms_retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Further tries when the SMS gateway cannot be reached, times out or "
        "answers 429/5xx (a 4xx refusal is not retried).",
    )
    sms_backoff_seconds: float = Field(
        0.5,
        ge=0,
        le=60,
        description="Wait before the first retry; doubled before each next one (a gateway's "
        "Retry-After, up to 30 s, is honoured when longer).",
    )
    events_retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Published outbox events and processed-event records older than this are "
        "deleted (by `chamba worker`, hourly, and `chamba events prune`).",
    )

    llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible chat API (``.../v1``) that phrases the "
        "conversation's questions and drafts job texts; unset: the built-in templates only.",
    )
    llm_model: str | None = Field(None, description="Model name sent to the chat API.")
    llm_api_key: SecretStr | None = Field(
        None, description="Bearer key of the chat API; unset: no Authorization header."
    )
    llm_timeout: float = Field(
        8.0, gt=0, le=120, description="Seconds to wait for the chat API before falling back."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        networks = []
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (CIDR), e.g. 10.0.0.0/8"
                ) from None
        return ",".join(networks)

    @field_validator("encoder")
    @classmethod
    def _encoder_spec(cls, value: str) -> str:
        value = value.strip()
        if value in ("use-multilingual-v3", "use", "usem3"):
            return value
        if value.startswith("st:") and Path(value[3:]).expanduser().is_dir():
            return f"st:{Path(value[3:]).expanduser()}"
        raise ValueError(
            f"{value!r} is not an encoder: use 'use-multilingual-v3' or 'st:/path/to/folder' "
            "naming an existing folder that holds a sentence-transformers model"
        )

    @field_validator(
        "kafka_bootstrap",
        "smtp_host",
        "smtp_username",
        "llm_url",
        "llm_model",
        "sms_http_url",
        "sms_from",
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("llm_url")
    @classmethod
    def _check_llm_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL such as http://127.0.0.1:8080/v1")
        return value

    @field_validator("smtp_password", "llm_api_key", "sms_http_token")
    @classmethod
    def _blank_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("smtp_ca_file", "kafka_ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is None or str(value) == "":
            return None
        if not value.is_file():
            raise ValueError(f"{value}: no such file")
        try:
            ssl.create_default_context(cafile=str(value))
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(f"{value}: not a PEM file of CA certificates ({exc})") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        allowed = ("sqlite", "postgresql")
        scheme = value.split(":", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in allowed:
            raise ValueError(
                "must be a sqlite:/// or postgresql:// URL, e.g. "
                "postgresql+psycopg://chamba:secret@localhost/chamba"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @field_validator("blind_index_key")
    @classmethod
    def _check_blind_index_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @field_validator("data_key", "previous_data_keys")
    @classmethod
    def _check_data_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        for key in value.get_secret_value().split(","):
            try:
                raw = base64.urlsafe_b64decode(key.strip().encode())
            except (ValueError, TypeError) as exc:
                raise ValueError("must be a url-safe base64 Fernet key (32 bytes)") from exc
            if len(raw) != 32:
                raise ValueError("must be a url-safe base64 Fernet key (32 bytes)")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value() == _DEV_SECRET:
            raise ValueError(
                f"{ENV_PREFIX}SECRET_KEY must be set to a random secret of 32+ characters, e.g. "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))' (the built-in "
                f"placeholder is public; only {ENV_PREFIX}ENV=development, which `chamba demo` "
                "sets, accepts it)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_plaintext_password(self) -> Settings:
        if self.smtp_password is not None and self.smtp_security == "none":
            raise ValueError(
                f"{ENV_PREFIX}SMTP_PASSWORD is never sent over a plain-text connection: set "
                f"{ENV_PREFIX}SMTP_SECURITY to starttls or ssl"
            )
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError(
                f"{ENV_PREFIX}SMTP_USERNAME and {ENV_PREFIX}SMTP_PASSWORD go together: "
                "set both or neither"
            )
        return self

    @model_validator(mode="after")
    def _check_sms(self) -> Settings:
        if self.sms_sender == "log" and self.env == "production":
            raise ValueError(
                f"{ENV_PREFIX}SMS_SENDER=log writes confirmation codes to the log: use http "
                "(an SMS gateway) or none in production"
            )
        if self.sms_sender == "http":
            url = self.sms_http_url
            if url is None:
                raise ValueError(
                    f"{ENV_PREFIX}SMS_SENDER=http needs {ENV_PREFIX}SMS_HTTP_URL (the gateway)"
                )
            parts = urlsplit(url)
            local = parts.hostname in ("127.0.0.1", "localhost", "::1")
            if parts.scheme != "https" and not (parts.scheme == "http" and local):
                raise ValueError(
                    f"{ENV_PREFIX}SMS_HTTP_URL must be an https:// URL (codes and the token "
                    "are never sent in plain text; http:// only to 127.0.0.1 or localhost)"
                )
        return self

    @property
    def effective_sms_sender(self) -> str:
        """``http``, ``log`` or ``none``: :attr:`sms_sender`, or its default for the
        environment (``log`` in development, else ``none``)."""
        if self.sms_sender is not None:
            return self.sms_sender
        return "log" if self.env == "development" else "none"

    @model_validator(mode="after")
    def _check_kafka_security(self) -> Settings:
        sasl = self.kafka_security_protocol.startswith("SASL")
        if sasl and (self.kafka_username is None or self.kafka_password is None):
            raise ValueError(
                f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                f"{ENV_PREFIX}KAFKA_USERNAME and {ENV_PREFIX}KAFKA_PASSWORD"
            )
        if not sasl and (self.kafka_username is not None or self.kafka_password is not None):
            raise ValueError(
                f"{ENV_PREFIX}KAFKA_USERNAME/{ENV_PREFIX}KAFKA_PASSWORD are used only with "
                f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT)"
            )
        if self.env == "production" and self.kafka_security_protocol == "SASL_PLAINTEXT":
            raise ValueError(
                f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT sends the password in "
                "plain text: use SASL_SSL in production"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL to connect to (SQLite file in the data directory by default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chamba.db').resolve()}"

    @property
    def trusted_proxy_networks(self) -> list[str]:
        """The trusted proxies as a list of networks (``[]``: trust none)."""
        return [n for n in self.trusted_proxies.split(",") if n]

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for one ``purpose`` (``access-token-v1``, ``csrf-v1``...), derived from
        the secret key with HKDF-SHA256: a key that leaks from one use (a CSRF token's HMAC)
        says nothing about another (token signing). The ``-vN`` suffix is the key id."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"chamba", info=purpose.encode()
        )
        return hkdf.derive(self.secret_key.get_secret_value().encode())

    @property
    def blind_index_secret(self) -> bytes:
        """The key of the blind indexes: ``CHAMBA_BLIND_INDEX_KEY``, else the secret key."""
        key = self.blind_index_key or self.secret_key
        return key.get_secret_value().encode()

    @property
    def previous_fernet_keys(self) -> list[bytes]:
        """Earlier data keys, still accepted for reading (newest first as configured)."""
        if self.previous_data_keys is None:
            return []
        keys = self.previous_data_keys.get_secret_value().split(",")
        return [k.strip().encode() for k in keys if k.strip()]

    @property
    def fernet_key(self) -> bytes:
        """Key for encrypting personal data at rest."""
        if self.data_key is not None:
            return self.data_key.get_secret_value().encode()
        digest = hashlib.sha256(b"chamba-data-key:" + self.secret_key.get_secret_value().encode())
        return base64.urlsafe_b64encode(digest.digest())


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if p != "__root__"]
        name = ENV_PREFIX + loc[0].upper() if loc else "settings"
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {msg}")
    return "Invalid setting " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment (and explicit overrides), failing with a clear message.

    Raises:
        SettingsError: naming each invalid ``CHAMBA_*`` variable.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates each by name
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once on first use."""
    return load_settings()
