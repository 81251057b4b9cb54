"""Password hashing (argon2id) and tokens: short-lived JWT access tokens, opaque refresh tokens.

Nothing here touches the database; :mod:`chamba.auth.service` decides what is valid.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chamba.auth.errors import NotAuthenticated
from chamba.config import Settings

ALGORITHM = "HS256"
ACCESS = "access"
#: Key id (JWT ``kid``) and HKDF purpose of the access-token signing key.
ACCESS_KEY_ID = "access-token-v1"
_DUMMY_PASSWORD = "chamba-timing-equaliser"


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hasher(settings: Settings) -> PasswordHasher:
    """The argon2id hasher with the configured cost."""
    return _hasher(
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_parallelism,
    )


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash(_DUMMY_PASSWORD)


def hash_password(password: str, settings: Settings) -> str:
    """An argon2id hash (``$argon2id$v=19$m=...``) with a random salt."""
    return hasher(settings).hash(password)


def verify_password(password: str, password_hash: str | None, settings: Settings) -> bool:
    """Check a password. Without a hash, a dummy one is verified so timing reveals nothing."""
    if password_hash is None:
        key = (
            settings.password_hash_time_cost,
            settings.password_hash_memory_kib,
            settings.password_hash_parallelism,
        )
        try:
            hasher(settings).verify(_dummy_hash(*key), password)
        except VerificationError:
            pass
        return False
    try:
        return hasher(settings).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, settings: Settings) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    try:
        return hasher(settings).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified claims of an access token."""

    user_id: int
    role: str
    #: The login's random public id (:attr:`~chamba.auth.models.AuthSession.public_id`).
    session_id: str
    expires_at: datetime
    token_id: str


def create_access_token(
    *, user_id: int, role: str, session_id: str, now: datetime, settings: Settings
) -> tuple[str, int]:
    """A signed JWT (HS256) and its lifetime in seconds.

    Claims: ``sub`` (user id), ``role``, ``sid`` (the login session's random public id, so one
    login's id says nothing about another's), ``iat``, ``exp``, ``jti``.
    """
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "role": role,
        "sid": session_id,
        "typ": ACCESS,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(
        claims, settings.derived_key(ACCESS_KEY_ID), algorithm=ALGORITHM,
        headers={"kid": ACCESS_KEY_ID},
    )  # fmt: skip
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str, settings: Settings, *, now: datetime) -> AccessClaims:
    """Verify signature, shape and expiry (against ``now``, the service's clock).

    A token whose signature and shape were verified once is remembered per process (a bounded
    cache keyed by the token and the signing key, :func:`_verified_claims`): the claims of a
    signed token never change, so asking again costs a dictionary look-up instead of an HMAC, a
    key derivation and two JSON decodes. Expiry is still checked against ``now`` on every call,
    and nothing here says whether the login is still open: the caller checks that in the
    database on every request (:func:`chamba.auth.service.authenticate`), so a log-out, a
    deactivation or a deletion refuses the token at once, in every process. An invalid token
    is never remembered (it is verified again each time).

    Raises:
        NotAuthenticated: with a message saying whether the token expired or is invalid.
    """
    parsed = _verified_claims(token, _access_key(settings))
    if parsed.expires_at <= now:
        raise NotAuthenticated("Your session expired; refresh the token or log in again.")
    return parsed


VERIFIED_TOKENS_KEPT = 4096
"""Verified access tokens remembered per process (least recently used forgotten first)."""


_access_keys: dict[str, bytes] = {}


def _access_key(settings: Settings) -> bytes:
    """The access-token signing key (:meth:`Settings.derived_key`), derived once per secret."""
    secret = settings.secret_key.get_secret_value()
    key = _access_keys.get(secret)
    if key is None:
        key = settings.derived_key(ACCESS_KEY_ID)
        if len(_access_keys) >= 8:  # tests build many settings; a server has one
            _access_keys.clear()
        _access_keys[secret] = key
    return key


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_claims(token: str, key: bytes) -> AccessClaims:
    """The claims of ``token`` once its signature (with ``key``), key id, type and shape are
    verified; raises :class:`NotAuthenticated` otherwise (exceptions are not cached)."""
    invalid = NotAuthenticated("The access token is not valid; log in again.")
    try:
        if jwt.get_unverified_header(token).get("kid") != ACCESS_KEY_ID:
            raise invalid  # signed with a key this version does not use
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={
                "require": ["sub", "sid", "exp", "iat", "jti"],
                "verify_exp": False,  # checked by the caller against the sessions' clock
                "verify_iat": False,
            },
        )
        if claims.get("typ") != ACCESS:
            raise invalid
        return AccessClaims(
            user_id=int(claims["sub"]),
            role=str(claims.get("role", "")),
            session_id=_public_id(claims["sid"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
            token_id=str(claims["jti"]),
        )
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
        raise invalid from None


def session_id_of(token: str, settings: Settings) -> str:
    """The ``sid`` of an access token this service signed, expired or not; ``""`` otherwise.

    For what must stay the same through a login's token refreshes (the web's CSRF binding);
    it says nothing about whether the login is still open.
    """
    try:
        if jwt.get_unverified_header(token).get("kid") != ACCESS_KEY_ID:
            return ""
        claims = jwt.decode(
            token,
            settings.derived_key(ACCESS_KEY_ID),
            algorithms=[ALGORITHM],
            options={"require": ["sid"], "verify_exp": False, "verify_iat": False},
        )
        return _public_id(claims["sid"])
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
        return ""


def _public_id(value: object) -> str:
    """A ``sid`` claim as issued by this version: a random id, not a sequential number."""
    if not isinstance(value, str) or not 32 <= len(value) <= 64 or value.isdigit():
        raise ValueError("not a session id")
    return value


def new_refresh_token() -> str:
    """An opaque, unguessable refresh token (256 random bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a refresh token: its SHA-256 (tokens are random, so no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
