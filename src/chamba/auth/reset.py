"""Password reset by e-mail ("forgot my password"). Never commits.

1. :func:`request_reset` answers the same whether the e-mail belongs to an account or not. For
   an active account with an e-mail it withdraws any earlier open request, writes a
   :class:`~chamba.auth.models.PasswordReset` and queues ``account.password_reset_requested``
   (its id only) in the outbox.
2. After commit, the notifications consumer calls :func:`issue_token` while it writes the
   e-mail: the random token (256 bits) exists only in that message; its SHA-256 is stored.
   A redelivered event issues a new token, which replaces the first.
3. :func:`confirm_reset` takes the token and a new password: once, within
   ``CHAMBA_PASSWORD_RESET_MINUTES``; it ends every login of the account and forgets its
   failed-login count.

Limits: 10 requests an hour from one address, 3 e-mails an hour to one account (more are
answered the same and send nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chamba.auth import ratelimit, repository, security
from chamba.auth.errors import InvalidResetToken, TooManyAttempts
from chamba.auth.models import PasswordReset, User
from chamba.auth.passwords import check_password_policy
from chamba.config import Settings
from chamba.db import blind_index, utcnow
from chamba.events import service as event_service
from chamba.events.schemas import PasswordResetPayload, PasswordResetRequested

#: What every request is answered, account or not.
ACCEPTED = (
    "If an account uses this e-mail address, a message with a link to choose a new password is "
    "on its way. The link works once, for a short time."
)


def request_reset(
    session: Session,
    email: str,
    *,
    address: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Queue a reset e-mail for the account of ``email``, if there is one (see the module).

    Raises:
        TooManyAttempts: too many requests from this address (not per account: that would
            tell the account exists).
    """
    now = now or utcnow()
    per_address = ratelimit.password_resets_per_address()
    per_address.check(session, address or "unknown", now=now)
    per_address.hit(session, address or "unknown", now=now)
    user = repository.user_by_email_index(session, blind_index(email))
    if user is None or not user.is_active or not user.email:
        return
    per_account = ratelimit.password_resets_per_account()
    key = f"user:{user.id}"
    try:
        per_account.check(session, key, now=now)
    except TooManyAttempts:
        return  # answered the same; the mailbox is not flooded
    per_account.hit(session, key, now=now)
    repository.withdraw_open_resets(session, user.id, now=now)
    reset = PasswordReset(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.password_reset_minutes),
    )
    session.add(reset)
    session.flush()
    event_service.emit(
        session, PasswordResetRequested(payload=PasswordResetPayload(reset_id=reset.id))
    )


def issue_token(
    session: Session, reset_id: int, *, now: datetime | None = None
) -> tuple[User, str] | None:
    """The account and a fresh token for the e-mail of reset request ``reset_id``; ``None``
    when the request was used, withdrawn or has expired, or the account cannot receive it."""
    now = now or utcnow()
    reset = repository.password_reset_by_id(session, reset_id)
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    user = repository.user_by_id(session, reset.user_id)
    if user is None or not user.is_active or not user.email:
        return None
    token = security.new_refresh_token()
    reset.token_hash = security.token_hash(token)
    session.flush()
    return user, token


def confirm_reset(
    session: Session,
    token: str,
    new_password: str,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> User:
    """Set a new password with a reset token; the token is spent and every login ends.

    Raises:
        InvalidResetToken: unknown, used, withdrawn or expired.
        WeakPassword: the token stays usable for a better password.
    """
    now = now or utcnow()
    reset = repository.password_reset_by_token_hash(session, security.token_hash(token))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidResetToken()
    user = repository.user_by_id(session, reset.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    check_password_policy(new_password, email=user.email, phone=user.phone)
    user.password_hash = security.hash_password(new_password, settings)
    if user.confirmed_at is None:  # the link reached the account's e-mail: it is theirs
        user.confirmed_at = now
    repository.withdraw_open_resets(session, user.id, now=now)
    repository.revoke_sessions_of_user(session, user.id, now=now, reason="password_reset")
    per_account = ratelimit.login_per_account(settings)
    for identifier in (user.email, user.phone, f"user:{user.id}"):
        if identifier:
            per_account.reset(session, identifier)
    session.flush()
    return user
