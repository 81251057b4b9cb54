"""SQL of accounts, login sessions, refresh tokens and rate-limit attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from chamba.auth.models import (
    AuthAttempt,
    AuthSession,
    ContactCode,
    PasswordReset,
    RefreshToken,
    Role,
    User,
)


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email_index(session: Session, index: str) -> User | None:
    return session.scalars(select(User).where(User.email_index == index)).one_or_none()


def user_by_phone_index(session: Session, index: str) -> User | None:
    return session.scalars(select(User).where(User.phone_index == index)).one_or_none()


def list_users(
    session: Session, *, role: Role | None, offset: int, limit: int
) -> tuple[list[User], int]:
    """One page of users (oldest first) and the total count."""
    stmt = select(User)
    count = select(func.count()).select_from(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
        count = count.where(User.role == role)
    users = list(session.scalars(stmt.order_by(User.id).offset(offset).limit(limit)))
    return users, session.scalar(count) or 0


# Statements of every authenticated request, built once: building a select costs about as
# much CPU as running it on an index (SQLAlchemy's compiled-statement cache still needs the
# new object's cache key), so these take their values as bound parameters.
_SESSION_WITH_USER: Final = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.public_id == bindparam("public_id"))
)
_BLOCKED_UNTIL: Final = (
    select(AuthAttempt.created_at)
    .where(
        AuthAttempt.scope == bindparam("scope"),
        AuthAttempt.key == bindparam("key"),
        AuthAttempt.created_at > bindparam("since"),
    )
    .order_by(AuthAttempt.created_at.desc())
    .offset(bindparam("skip"))
    .limit(1)
)
_ID_SPAN: Final = select(
    select(func.max(AuthAttempt.id)).scalar_subquery()
    - select(func.min(AuthAttempt.id)).scalar_subquery()
)
WALK_AT_MOST: Final = 1_000
"""A rate-limit check walks at most this many attempts of its key without first asking
whether the table holds as many rows as its limit at all (see :func:`blocked_until`)."""


def session_with_user(session: Session, public_id: str) -> tuple[AuthSession, User] | None:
    """The login whose random public id is ``public_id``, with its user."""
    row = session.execute(_SESSION_WITH_USER, {"public_id": public_id}).one_or_none()
    return None if row is None else (row[0], row[1])


def refresh_token_by_hash(
    session: Session, token_hash: str
) -> tuple[RefreshToken, AuthSession, User] | None:
    row = session.execute(
        select(RefreshToken, AuthSession, User)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .join(User, User.id == AuthSession.user_id)
        .where(RefreshToken.token_hash == token_hash)
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def refresh_token_by_id(session: Session, token_id: int) -> RefreshToken | None:
    return session.get(RefreshToken, token_id)


def mark_rotated(session: Session, token_id: int, *, now: datetime) -> bool:
    """Mark a refresh token used, only if it was not already (guards concurrent refreshes)."""
    result = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_sessions_of_user(session: Session, user_id: int, *, now: datetime, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


def other_sessions_of_user(session: Session, user_id: int, *, keep: int) -> list[AuthSession]:
    """Open logins of the user except ``keep``."""
    stmt = select(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), AuthSession.id != keep
    )
    return list(session.scalars(stmt))


def add_attempt(session: Session, scope: str, key: str, *, now: datetime) -> None:
    session.add(AuthAttempt(scope=scope, key=key, created_at=now))
    session.flush()


def attempts_since(
    session: Session, scope: str, key: str, *, since: datetime
) -> tuple[int, datetime | None]:
    """How many attempts of this key lie after ``since``, and when the latest was."""
    count, latest = session.execute(
        select(func.count(), func.max(AuthAttempt.created_at)).where(
            AuthAttempt.scope == scope, AuthAttempt.key == key, AuthAttempt.created_at > since
        )
    ).one()
    return int(count), latest


def recent_sessions_of_user(
    session: Session, user_id: int, *, since: datetime
) -> list[AuthSession]:
    """The user's logins opened after ``since`` (newest first, at most 50)."""
    stmt = (
        select(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.created_at > since)
        .order_by(AuthSession.created_at.desc())
        .limit(50)
    )
    return list(session.scalars(stmt))


def blocked_until(
    session: Session, scope: str, key: str, *, limit: int, since: datetime
) -> datetime | None:
    """The time of the ``limit``-th most recent attempt after ``since``; None below the limit.

    The answer walks up to ``limit`` entries of the key's index, so a limit above
    :data:`WALK_AT_MOST` first reads the span of the table's ids (two look-ups of its primary
    key): a table of fewer rows than ``limit`` cannot hold ``limit`` attempts of one key, and
    the answer is None without the walk. With a limit of a million (the benchmarks lift the
    hourly limit on costly reads that far) the walk read every use of the hour: 4.7 ms a
    request at 40,000 uses in the window, the whole cost of a page-cache hit.
    """
    if limit > WALK_AT_MOST:
        span: int | None = session.scalar(_ID_SPAN)
        if span is None or span + 1 < limit:  # at most span + 1 rows, of every key
            return None
    params = {"scope": scope, "key": key, "since": since, "skip": max(0, limit - 1)}
    found: datetime | None = session.scalar(_BLOCKED_UNTIL, params)
    return found


def clear_attempts(session: Session, scope: str, key: str) -> None:
    session.execute(delete(AuthAttempt).where(AuthAttempt.scope == scope, AuthAttempt.key == key))


def prune_attempts(session: Session | Connection, scope: str, *, before: datetime) -> None:
    """Forget the attempts of ``scope`` older than ``before`` (in a session, or on the side
    writer's connection)."""
    session.execute(
        delete(AuthAttempt).where(AuthAttempt.scope == scope, AuthAttempt.created_at < before)
    )


def password_reset_by_id(session: Session, reset_id: int) -> PasswordReset | None:
    return session.get(PasswordReset, reset_id)


def password_reset_by_token_hash(session: Session, token_hash: str) -> PasswordReset | None:
    return session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash)
    ).one_or_none()


def withdraw_open_resets(session: Session, user_id: int, *, now: datetime) -> None:
    """Mark every unused reset request of the account used at ``now``."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def contact_code_by_id(session: Session, code_id: int) -> ContactCode | None:
    return session.get(ContactCode, code_id)


def withdraw_open_codes(session: Session, user_id: int, purpose: str, *, now: datetime) -> None:
    """End the user's contact codes of ``purpose`` that are still open."""
    session.execute(
        update(ContactCode)
        .where(
            ContactCode.user_id == user_id,
            ContactCode.purpose == purpose,
            ContactCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def open_code(session: Session, user_id: int, purpose: str, *, now: datetime) -> ContactCode | None:
    """The user's newest contact code of ``purpose`` that is neither used nor expired."""
    return session.scalars(
        select(ContactCode)
        .where(
            ContactCode.user_id == user_id,
            ContactCode.purpose == purpose,
            ContactCode.used_at.is_(None),
            ContactCode.expires_at > now,
        )
        .order_by(ContactCode.id.desc())
        .limit(1)
    ).one_or_none()
