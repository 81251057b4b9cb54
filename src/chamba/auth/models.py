"""Users and roles. Login identifiers are stored encrypted with a keyed blind index for lookup."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import BLIND_INDEX_OF, Base, EncryptedString, UTCDateTime, utcnow
from chamba.vocab import db_enum


class Role(StrEnum):
    SEEKER = "seeker"
    EMPLOYER = "employer"
    PROVIDER = "provider"
    COUNSELOR = "counselor"
    ANALYST = "analyst"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(EncryptedString)
    email_index: Mapped[str | None] = mapped_column(
        String(64), unique=True, info={BLIND_INDEX_OF: "email"}
    )
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    phone_index: Mapped[str | None] = mapped_column(
        String(64), unique=True, info={BLIND_INDEX_OF: "phone"}
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"), index=True)
    name: Mapped[str | None] = mapped_column(EncryptedString)
    is_active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(5), default="es")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the account's contact (its e-mail, else its phone) was shown to be its owner's.
    #: Self-registration leaves it empty until the code sent there comes back
    #: (:mod:`chamba.auth.contact`), and such an account cannot log in before. Accounts made
    #: any other way (an administrator, ``chamba create-admin``, the demo, imports, accounts
    #: before migration 0018) are confirmed when made: their contact was given by staff.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


def new_session_id() -> str:
    """A random, unguessable login id (256 bits, URL-safe): what access tokens carry as ``sid``."""
    return secrets.token_urlsafe(32)


class AuthSession(Base):
    """One login: the family of refresh tokens it issued. Access tokens name it (claim ``sid``)
    by its random :attr:`public_id`, never by the sequential primary key.

    Revoking the session (logout, refresh-token reuse, deactivation) ends every token of the
    family at once: access tokens are checked against this row on each request.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id tokens and cookies carry (random, 43 characters); the integer ``id`` stays inside.
    #: Always set (by the default); nullable in the schema only because SQLite cannot add a NOT
    #: NULL column to a table that others reference without dropping their rows.
    public_id: Mapped[str] = mapped_column(
        String(64), nullable=True, unique=True, index=True, default=new_session_id
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(EncryptedString)
    #: ``web`` (the browser's cookie) or ``api`` (an app): each has its own absolute and idle
    #: time limits (``CHAMBA_WEB_SESSION_*``, ``CHAMBA_SESSION_ABSOLUTE_DAYS``).
    channel: Mapped[str] = mapped_column(String(8), default="api", server_default="api")


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256 hash. Used once: rotated to a new one."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the token was exchanged; presenting it again means it was stolen.
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_to: Mapped[int | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL")
    )


class AuthAttempt(Base):
    """One counted attempt for the rate limits (sliding window over ``created_at``).

    ``key`` is a keyed hash (blind index) of the account identifier or the client address, so
    the table holds no plaintext identifiers. Rows older than the window are pruned.
    """

    __tablename__ = "auth_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_auth_attempts_scope_key_created", "scope", "key", "created_at"),)


class PasswordReset(Base):
    """One "forgot my password" request: a single-use, short-lived token sent by e-mail.

    Only the token's SHA-256 is stored, and only once the e-mail is written (by the
    notifications consumer, after the request committed): neither the database nor the event
    outbox (or Kafka) ever holds a usable token. Using it, or a newer request, ends it.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was used, or withdrawn (a newer request, a password change).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactPurpose(StrEnum):
    """Why a code was sent to an address."""

    #: Confirm a self-registered account's contact before its first login.
    SIGNUP = "signup"
    #: Confirm a new e-mail or phone before it replaces the account's.
    CHANGE = "change"


class ContactCode(Base):
    """A single-use, short-lived code sent to an e-mail or phone to show it is the person's.

    Like :class:`PasswordReset`, the code is made only when the message is written (by the
    notifications consumer, after the request committed) and only a keyed hash of it is kept:
    neither the database nor the outbox (or Kafka) holds a usable code. A newer code of the same
    account and purpose, using it, or :data:`chamba.auth.contact.MAX_TRIES` wrong tries end it.
    """

    __tablename__ = "contact_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    #: ``email`` or ``phone``: where the code goes.
    channel: Mapped[str] = mapped_column(String(8))
    #: The address the code goes to (for a change: the new one, which takes effect on use).
    value: Mapped[str] = mapped_column(EncryptedString)
    value_index: Mapped[str] = mapped_column(String(64), info={BLIND_INDEX_OF: "value"})
    #: For a used change: the address it replaced, kept until the notice to it is written.
    previous: Mapped[str | None] = mapped_column(EncryptedString)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was used, or withdrawn (a newer code, too many wrong tries).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
