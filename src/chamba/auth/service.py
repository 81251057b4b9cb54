"""Accounts, logins and tokens. Never commits: the caller (the request) owns the transaction.

A login creates an :class:`AuthSession`; its refresh tokens are opaque, stored hashed, and
rotated on every use. A rotated token presented again means a copy leaked, so the whole session
(every access and refresh token of that login) is revoked. A retry within
:data:`RETRY_GRACE` of a rotation (the reply was lost on a flaky connection) is not theft: it
gets a new pair and the token issued moments before is withdrawn instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chamba.auth import ratelimit, repository, security
from chamba.auth.errors import (
    AccountExists,
    Forbidden,
    InvalidCredentials,
    InvalidRefreshToken,
    NotAuthenticated,
    RefreshTokenReused,
    SelfLockout,
    TooManyAttempts,
    UserNotFound,
    WrongCurrentPassword,
)
from chamba.auth.models import AuthSession, RefreshToken, Role, User
from chamba.auth.passwords import check_password_policy
from chamba.auth.schemas import (
    LoginIn,
    TokenPair,
    UserUpdate,
)
from chamba.config import Settings
from chamba.db import blind_index, utcnow

SELF_SERVICE_ROLES = frozenset({Role.SEEKER, Role.EMPLOYER, Role.PROVIDER})
STAFF_ROLES = frozenset(Role) - SELF_SERVICE_ROLES
RETRY_GRACE = timedelta(seconds=30)
WEB, API = "web", "api"


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from: client address and user agent (either may be unknown)."""

    address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The user behind a valid access token and the login session it belongs to."""

    user: User
    session: AuthSession


# --- accounts --------------------------------------------------------------------------------


def identifier_indexes(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The blind indexes an account is looked up by (its e-mail's and phone's)."""
    return (blind_index(email) if email else None, blind_index(phone) if phone else None)


def owners_of(session: Session, email: str | None, phone: str | None) -> list[User]:
    """The accounts that already use this e-mail or this phone (none, one or two)."""
    email_index, phone_index = identifier_indexes(email, phone)
    found = (
        repository.user_by_email_index(session, email_index) if email_index else None,
        repository.user_by_phone_index(session, phone_index) if phone_index else None,
    )
    return list({u.id: u for u in found if u is not None}.values())


def check_free(session: Session, email_index: str | None, phone_index: str | None) -> None:
    """Raise :class:`AccountExists` when the e-mail or phone already names an account."""
    if email_index and repository.user_by_email_index(session, email_index):
        raise AccountExists("e-mail address")
    if phone_index and repository.user_by_phone_index(session, phone_index):
        raise AccountExists("phone number")


def list_users(
    session: Session, *, role: Role | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[User], int]:
    return repository.list_users(session, role=role, offset=(page - 1) * per_page, limit=per_page)


def find_user(session: Session, user_id: int) -> User | None:
    """The account with that id, or ``None``."""
    return repository.user_by_id(session, user_id)


def get_user(session: Session, user_id: int) -> User:
    """The account with that id, or :class:`UserNotFound`."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def change_user(
    session: Session, actor: User, user_id: int, data: UserUpdate
) -> tuple[User, list[str]]:
    """:func:`update_user`, and the audit actions it amounts to (``user.role_changed``,
    ``user.deactivated``, ``user.activated``), for the caller to record."""
    before = get_user(session, user_id)
    old_role, was_active = before.role, before.is_active
    user = update_user(session, actor, user_id, data)
    actions = []
    if user.role != old_role:
        actions.append("user.role_changed")
    if user.is_active != was_active:
        actions.append("user.activated" if user.is_active else "user.deactivated")
    return user, actions


def update_user(
    session: Session, actor: User, user_id: int, data: UserUpdate, *, now: datetime | None = None
) -> User:
    """Change an account's role or active flag. Deactivation ends its sessions at once.

    Raises:
        UserNotFound; SelfLockout when an admin would remove their own access.
    """
    user = get_user(session, user_id)
    if user.id == actor.id and (
        data.is_active is False or (data.role is not None and data.role != Role.ADMIN)
    ):
        raise SelfLockout(
            "You cannot deactivate yourself or remove your own admin role; ask another admin."
        )
    if data.role is not None:
        user.role = data.role
    if data.is_active is not None:
        user.is_active = data.is_active
        if not data.is_active:
            repository.revoke_sessions_of_user(
                session, user.id, now=now or utcnow(), reason="deactivated"
            )
    session.flush()
    return user


# --- login, tokens, logout ---------------------------------------------------------------------


def session_limits(channel: str, settings: Settings) -> tuple[timedelta, timedelta]:
    """``(absolute, idle)`` time limits of a login made through ``channel`` (web or api)."""
    if channel == WEB:
        return (
            timedelta(hours=settings.web_session_absolute_hours),
            timedelta(minutes=settings.web_session_idle_minutes),
        )
    return timedelta(days=settings.session_absolute_days), timedelta(
        days=settings.refresh_token_days
    )


def _issue_refresh(
    session: Session, auth_session: AuthSession, *, now: datetime, settings: Settings
) -> tuple[str, RefreshToken]:
    """A new refresh token; the login now ends at its idle limit or its absolute limit."""
    token = security.new_refresh_token()
    absolute, idle = session_limits(auth_session.channel, settings)
    expires = min(now + idle, auth_session.created_at + absolute)
    row = RefreshToken(
        session_id=auth_session.id,
        token_hash=security.token_hash(token),
        created_at=now,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    auth_session.expires_at = expires
    return token, row


def _pair(
    user: User, auth_session: AuthSession, refresh: str, *, now: datetime, settings: Settings
) -> TokenPair:
    access, lifetime = security.create_access_token(
        user_id=user.id,
        role=user.role.value,
        session_id=auth_session.public_id,
        now=now,
        settings=settings,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=lifetime)


def login(
    session: Session,
    data: LoginIn,
    *,
    client: Client,
    settings: Settings,
    now: datetime | None = None,
    channel: str = API,
) -> TokenPair:
    """Check the password and open a login session (``channel``: web or api, see
    :func:`session_limits`).

    Failed attempts are counted per account and per client address; the caller must commit
    them even though :class:`InvalidCredentials` is raised. A success clears the account's
    count and rehashes the password when the argon2 parameters changed.

    Raises:
        TooManyAttempts, InvalidCredentials, Forbidden (deactivated account).
    """
    now = now or utcnow()
    identifier = data.email or data.phone
    assert identifier is not None  # the schema requires one
    address = client.address or "unknown"
    per_address = ratelimit.login_per_address(settings)
    per_account = ratelimit.login_per_account(settings)
    per_address.check(session, address, now=now)

    index = blind_index(identifier)
    if data.email:
        user = repository.user_by_email_index(session, index)
    else:
        user = repository.user_by_phone_index(session, index)
    wait = per_account.wait(session, identifier, now=now)
    if wait > 0 and not (user is not None and known_device(session, user, client, now=now)):
        # Someone is guessing this account's password: slowed down, but the owner, on a
        # device the account logged in from before, still gets in with the right password.
        raise TooManyAttempts(per_account.what, wait)
    password_hash = user.password_hash if user is not None else None
    if not security.verify_password(data.password, password_hash, settings):
        per_address.hit(session, address, now=now)
        per_account.hit(session, identifier, now=now)
        raise InvalidCredentials()
    assert user is not None
    assert user.password_hash is not None
    if user.confirmed_at is None:
        # A sign-up whose contact is not confirmed yet answers as a wrong password: a
        # different answer would tell a stranger who tried someone's address that it was free.
        per_address.hit(session, address, now=now)
        per_account.hit(session, identifier, now=now)
        raise InvalidCredentials()
    if not user.is_active:
        raise Forbidden("This account is deactivated. Contact support to reactivate it.")

    per_account.reset(session, identifier)
    if security.needs_rehash(user.password_hash, settings):
        user.password_hash = security.hash_password(data.password, settings)
    user.last_login_at = now
    auth_session = AuthSession(
        user_id=user.id,
        created_at=now,
        expires_at=now,  # set by the first refresh token
        user_agent=(client.user_agent or "")[:300] or None,
        ip=client.address,
        channel=channel,
    )
    session.add(auth_session)
    session.flush()
    refresh, _ = _issue_refresh(session, auth_session, now=now, settings=settings)
    return _pair(user, auth_session, refresh, now=now, settings=settings)


#: A device the account logged in from within this time is "known".
KNOWN_DEVICE_DAYS = 90


def known_device(session: Session, user: User, client: Client, *, now: datetime) -> bool:
    """Whether the account logged in successfully before from this address and browser/app."""
    if not client.address or not client.user_agent:
        return False
    agent = client.user_agent[:300]
    recent = repository.recent_sessions_of_user(
        session, user.id, since=now - timedelta(days=KNOWN_DEVICE_DAYS)
    )
    return any(s.ip == client.address and s.user_agent == agent for s in recent)


def _revoke(auth_session: AuthSession, *, now: datetime, reason: str) -> None:
    if auth_session.revoked_at is None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = reason


def refresh(
    session: Session, token: str, *, settings: Settings, now: datetime | None = None
) -> TokenPair:
    """Exchange a refresh token for a new pair; the old token stops working.

    Raises:
        InvalidRefreshToken: unknown, expired, or its session ended.
        RefreshTokenReused: an already exchanged token came back; its session is revoked,
            which the caller must commit.
    """
    now = now or utcnow()
    found = repository.refresh_token_by_hash(session, security.token_hash(token))
    if found is None:
        raise InvalidRefreshToken()
    row, auth_session, user = found
    if auth_session.revoked_at is not None:
        raise InvalidRefreshToken("This login has ended (logged out or revoked); log in again.")
    retire = row
    if row.rotated_at is not None:
        successor = (
            repository.refresh_token_by_id(session, row.rotated_to) if row.rotated_to else None
        )
        lost_reply = (
            successor is not None
            and successor.rotated_at is None
            and now - row.rotated_at <= RETRY_GRACE
        )
        if successor is None or not lost_reply:
            _revoke(auth_session, now=now, reason="refresh_token_reused")
            session.flush()
            raise RefreshTokenReused()
        retire = successor  # withdrawn: its reply never arrived (rotated_to stays empty)
    if row.expires_at <= now or auth_session.expires_at <= now:
        raise InvalidRefreshToken("This refresh token has expired; log in again.")
    if not user.is_active:
        _revoke(auth_session, now=now, reason="deactivated")
        session.flush()
        raise InvalidRefreshToken("This account is deactivated; contact support.")
    if not repository.mark_rotated(session, retire.id, now=now):
        # exchanged concurrently by another request: treat as reuse
        _revoke(auth_session, now=now, reason="refresh_token_reused")
        session.flush()
        raise RefreshTokenReused()
    retire.rotated_at = now
    new_token, new_row = _issue_refresh(session, auth_session, now=now, settings=settings)
    row.rotated_to = new_row.id
    session.flush()
    return _pair(user, auth_session, new_token, now=now, settings=settings)


def authenticate(
    session: Session, access_token: str, *, settings: Settings, now: datetime | None = None
) -> Authenticated:
    """The user of a valid access token whose login session is still open.

    Raises:
        NotAuthenticated: invalid or expired token, session revoked or expired, user inactive.
    """
    now = now or utcnow()
    claims = security.decode_access_token(access_token, settings, now=now)
    found = repository.session_with_user(session, claims.session_id)
    if found is None:
        raise NotAuthenticated("This session has ended; log in again.")
    auth_session, user = found
    if (
        user.id != claims.user_id
        or auth_session.revoked_at is not None
        or auth_session.expires_at <= now
    ):
        raise NotAuthenticated("This session has ended; log in again.")
    if not user.is_active:
        raise NotAuthenticated("This account is deactivated; contact support.")
    return Authenticated(user=user, session=auth_session)


def logout(
    session: Session,
    current: Authenticated,
    *,
    refresh_token: str | None = None,
    now: datetime | None = None,
) -> None:
    """End the current login (its access and refresh tokens), and the refresh token's login
    when one of the same user is given."""
    now = now or utcnow()
    _revoke(current.session, now=now, reason="logout")
    if refresh_token:
        found = repository.refresh_token_by_hash(session, security.token_hash(refresh_token))
        if found is not None and found[2].id == current.user.id:
            _revoke(found[1], now=now, reason="logout")
    session.flush()


def logout_everywhere(session: Session, user: User, *, now: datetime | None = None) -> None:
    """End every login of ``user`` (every device, the current one included)."""
    repository.revoke_sessions_of_user(session, user.id, now=now or utcnow(), reason="logout_all")
    session.flush()


def reauthenticate(
    session: Session,
    user: User,
    current_password: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Check the account's current password again before a sensitive action (erasure, a new
    password or e-mail): a stolen access token or an unattended browser is not enough. A wrong
    password counts as a failed login of the account (same progressive limit).

    Raises:
        TooManyAttempts; WrongCurrentPassword (the caller commits the count).
    """
    now = now or utcnow()
    key = f"user:{user.id}"
    per_account = ratelimit.login_per_account(settings)
    per_account.check(session, key, now=now)
    if not security.verify_password(current_password, user.password_hash, settings):
        per_account.hit(session, key, now=now)
        raise WrongCurrentPassword()


def change_password(
    session: Session,
    current: Authenticated,
    current_password: str,
    new_password: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Set a new password after checking the current one (re-authentication), and end every
    other login of the account. A wrong current password counts as a failed login.

    Raises:
        TooManyAttempts, WrongCurrentPassword (the caller commits the count), WeakPassword.
    """
    now = now or utcnow()
    user = current.user
    reauthenticate(session, user, current_password, settings=settings, now=now)
    check_password_policy(new_password, email=user.email, phone=user.phone)
    user.password_hash = security.hash_password(new_password, settings)
    session.flush()
    others = repository.other_sessions_of_user(session, user.id, keep=current.session.id)
    for other in others:
        _revoke(other, now=now, reason="password_changed")
    session.flush()
