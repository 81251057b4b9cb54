"""Codes that show an e-mail or phone is the person's: before a self-registered account's
first login, and before a new e-mail or phone replaces an account's. Never commits.

The pattern is the password reset's (:mod:`chamba.auth.reset`):

1. A request writes a :class:`~chamba.auth.models.ContactCode` (withdrawing the account's
   earlier open one of the same purpose) and queues ``account.contact_code_requested`` with its
   id only.
2. After commit, the notifications consumer calls :func:`issue_code` while it writes the
   message (e-mail, or SMS for a phone): the random code (8 digits) exists only in that
   message; a keyed hash of it is stored. A redelivered event issues a new code.
3. The code works once, for ``CHAMBA_CONTACT_CODE_MINUTES``; :data:`MAX_TRIES` wrong tries
   withdraw it. At most 5 codes an hour go to one account (more requests are answered the
   same and send nothing).

A new account confirms with its identifier, the code *and its password*
(:func:`confirm_signup`), so a code is useless to anyone who does not also know the password of
that sign-up. A change (:func:`request_change`) asks for the current password first
(re-authentication); the new address takes effect only with the code sent to it
(:func:`confirm_change`), the old address is told (``account.contact_changed``) and the
account's other logins end.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chamba.auth import ratelimit, repository, security
from chamba.auth.errors import InvalidContactCode, SmsUnavailable, TooManyAttempts
from chamba.auth.models import ContactCode, ContactPurpose, User
from chamba.auth.service import Authenticated, reauthenticate
from chamba.config import Settings
from chamba.db import blind_index, utcnow
from chamba.events import service as event_service
from chamba.events.schemas import ContactChanged, ContactCodePayload, ContactCodeRequested

EMAIL, PHONE = "email", "phone"
#: Wrong tries after which a code is withdrawn (a guesser gets 5 in 10^8 per code).
MAX_TRIES = 5
CODE_DIGITS = 8

#: What every sign-up is answered, new address or taken (API and web alike).
SIGNUP_ACCEPTED = (
    "Registration received. We sent a code to the e-mail or phone you gave: confirm your "
    "account with it (POST /api/v1/auth/confirm with the code and your password), then log "
    "in. If the address already had an account, nothing changed and its owner was told."
)
#: What every request for a new e-mail or phone is answered, free or taken.
CHANGE_ACCEPTED = (
    "If this address can be used, a code is on its way to it. Your account keeps its current "
    "e-mail and phone until you confirm the code (POST /api/v1/me/contact/confirm)."
)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code as the message that carries it needs it."""

    user: User
    purpose: str
    channel: str
    to: str
    code: str


def require_sender(settings: Settings, *, phone: str | None, email: str | None) -> None:
    """Refuse a code that would have to go by SMS when the deployment sends none.

    Raises:
        SmsUnavailable: only a phone is given and ``CHAMBA_SMS_SENDER`` is ``none``.
    """
    if phone and not email and settings.effective_sms_sender == "none":
        raise SmsUnavailable()


def _hash(code_id: int, code: str) -> str:
    """A keyed hash of the code (8 digits would be guessed from a plain hash in a moment)."""
    return blind_index(f"contact-code:{code_id}:{code}")


def _send_code(
    session: Session,
    user: User,
    purpose: ContactPurpose,
    channel: str,
    value: str,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """Withdraw the open code of this purpose and queue a new one (within the account's limit;
    beyond it nothing is sent, and the caller answers the same)."""
    limit = ratelimit.contact_codes_per_account()
    key = f"user:{user.id}"
    try:
        limit.check(session, key, now=now)
    except TooManyAttempts:
        return
    limit.hit(session, key, now=now)
    repository.withdraw_open_codes(session, user.id, purpose.value, now=now)
    row = ContactCode(
        user_id=user.id,
        purpose=purpose.value,
        channel=channel,
        value=value,
        value_index=blind_index(value),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.contact_code_minutes),
    )
    session.add(row)
    session.flush()
    event_service.emit(session, ContactCodeRequested(payload=ContactCodePayload(code_id=row.id)))


def start_signup(
    session: Session, user: User, *, settings: Settings, now: datetime | None = None
) -> None:
    """Send a new, unconfirmed account a code to its e-mail (else its phone)."""
    now = now or utcnow()
    channel, value = (EMAIL, user.email) if user.email else (PHONE, user.phone)
    assert value is not None  # an account has an e-mail or a phone
    _send_code(session, user, ContactPurpose.SIGNUP, channel, value, settings=settings, now=now)


def issue_code(
    session: Session,
    code_id: int,
    *,
    channels: Collection[str] = (EMAIL, PHONE),
    now: datetime | None = None,
) -> IssuedCode | None:
    """A fresh code for the message of request ``code_id``; ``None`` when the request was
    used, withdrawn or has expired, its account is deactivated, or it goes to a channel not in
    ``channels`` (nothing can carry it)."""
    now = now or utcnow()
    row = repository.contact_code_by_id(session, code_id)
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    if row.channel not in channels:
        return None
    user = repository.user_by_id(session, row.user_id)
    if user is None or not user.is_active:
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row.code_hash = _hash(row.id, code)
    row.tries = 0
    session.flush()
    return IssuedCode(user=user, purpose=row.purpose, channel=row.channel, to=row.value, code=code)


def _matches(row: ContactCode, code: str) -> bool:
    """Check ``code`` against an open row, counting the try."""
    row.tries += 1
    given = code.strip().replace(" ", "").replace("-", "")
    return row.code_hash is not None and hmac.compare_digest(row.code_hash, _hash(row.id, given))


def _refuse(session: Session, row: ContactCode | None, *, now: datetime) -> InvalidContactCode:
    """The error of a failed try; the code is withdrawn after :data:`MAX_TRIES`."""
    if row is not None and row.tries >= MAX_TRIES:
        row.used_at = now
    session.flush()
    return InvalidContactCode()


def confirm_signup(
    session: Session,
    *,
    email: str | None,
    phone: str | None,
    code: str,
    password: str,
    address: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> User:
    """Confirm a new account: its identifier, the code sent there and the sign-up's password.
    The account can log in from then on.

    Raises:
        TooManyAttempts: too many tries from this address.
        InvalidContactCode: anything wrong (one answer; the caller commits the counted try).
    """
    now = now or utcnow()
    per_address = ratelimit.contact_confirmations_per_address()
    per_address.check(session, address or "unknown", now=now)
    per_address.hit(session, address or "unknown", now=now)
    identifier = email or phone
    assert identifier is not None  # the schema requires one
    index = blind_index(identifier)
    user = (
        repository.user_by_email_index(session, index)
        if email
        else repository.user_by_phone_index(session, index)
    )
    row = None
    if user is not None and user.confirmed_at is None and user.is_active:
        row = repository.open_code(session, user.id, ContactPurpose.SIGNUP.value, now=now)
    if user is None or row is None or row.value_index != index:
        security.verify_password(password, None, settings)  # the same work either way
        raise InvalidContactCode()
    code_ok = _matches(row, code)
    password_ok = security.verify_password(password, user.password_hash, settings)
    if not (code_ok and password_ok):
        raise _refuse(session, row, now=now)
    row.used_at = now
    user.confirmed_at = now
    session.flush()
    return user


def contact_in_use(session: Session, channel: str, value: str) -> bool:
    """Whether an account (any, the caller's included) already uses this e-mail or phone."""
    index = blind_index(value)
    if channel == EMAIL:
        return repository.user_by_email_index(session, index) is not None
    return repository.user_by_phone_index(session, index) is not None


def request_change(
    session: Session,
    user: User,
    current_password: str,
    *,
    email: str | None,
    phone: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Ask to change (or add) the account's e-mail or phone: the current password first, then
    a code to the new address. Answered the same when the address is taken (nothing is sent)
    or the account's code limit is reached.

    Raises:
        SmsUnavailable: a phone, and the deployment sends no SMS.
        TooManyAttempts, WrongCurrentPassword (the caller commits the count).
    """
    now = now or utcnow()
    require_sender(settings, phone=phone, email=email)
    reauthenticate(session, user, current_password, settings=settings, now=now)
    channel, value = (EMAIL, email) if email else (PHONE, phone)
    assert value is not None  # the schema requires exactly one
    if contact_in_use(session, channel, value):
        return
    _send_code(session, user, ContactPurpose.CHANGE, channel, value, settings=settings, now=now)


def confirm_change(
    session: Session, current: Authenticated, code: str, *, now: datetime | None = None
) -> ContactCode:
    """Put the confirmed new e-mail or phone on the account (its blind index too), end the
    account's other logins, and queue the notice to the old address. Returns the used code
    (its ``channel`` says what changed).

    Raises:
        InvalidContactCode: wrong, used, withdrawn or expired code, or the address was taken
            meanwhile (the caller commits the counted try).
    """
    now = now or utcnow()
    user = current.user
    row = repository.open_code(session, user.id, ContactPurpose.CHANGE.value, now=now)
    if row is None or not _matches(row, code):
        raise _refuse(session, row, now=now)
    if contact_in_use(session, row.channel, row.value):
        row.used_at = now
        session.flush()
        raise InvalidContactCode()
    previous = user.email if row.channel == EMAIL else user.phone
    try:
        with session.begin_nested():
            if row.channel == EMAIL:
                user.email, user.email_index = row.value, row.value_index
            else:
                user.phone, user.phone_index = row.value, row.value_index
            session.flush()
    except IntegrityError:  # taken concurrently
        session.refresh(user)
        row.used_at = now
        session.flush()
        raise InvalidContactCode() from None
    row.used_at = now
    row.previous = previous
    if user.confirmed_at is None:
        user.confirmed_at = now
    for other in repository.other_sessions_of_user(session, user.id, keep=current.session.id):
        if other.revoked_at is None:
            other.revoked_at, other.revoked_reason = now, "contact_changed"
    session.flush()
    event_service.emit(session, ContactChanged(payload=ContactCodePayload(code_id=row.id)))
    return row


def changed_notice(session: Session, code_id: int) -> tuple[User, str, str] | None:
    """For the notice of a change: the account, what changed (``email``/``phone``) and the old
    address, which is forgotten here (kept only until this notice is written). ``None`` when
    there was no old address or the notice was written already."""
    row = repository.contact_code_by_id(session, code_id)
    if row is None or row.previous is None:
        return None
    user = repository.user_by_id(session, row.user_id)
    previous = row.previous
    row.previous = None
    session.flush()
    if user is None:
        return None
    return user, row.channel, previous
