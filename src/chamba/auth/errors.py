"""Errors of accounts, logins and tokens; each renders as a problem+json response."""

from __future__ import annotations

import math
from collections.abc import Iterable

from chamba.errors import ChambaError, Conflict, InvalidInput

BEARER = {"WWW-Authenticate": "Bearer"}


class NotAuthenticated(ChambaError):
    """No valid access token: missing, malformed, expired, or its session was revoked."""

    status_code = 401
    title = "Not authenticated"

    def __init__(
        self, message: str = "Log in to continue: send 'Authorization: Bearer <token>'."
    ) -> None:
        super().__init__(message, headers=BEARER)


class InvalidCredentials(ChambaError):
    """Wrong identifier or password. Deliberately does not say which."""

    status_code = 401
    title = "Invalid credentials"

    def __init__(self) -> None:
        super().__init__(
            "The e-mail or phone and password do not match an active account. Check them and "
            "try again. A new account logs in only after it is confirmed with the code sent to "
            "its e-mail or phone.",
            headers=BEARER,
        )


class InvalidRefreshToken(ChambaError):
    status_code = 401
    title = "Invalid refresh token"

    def __init__(
        self, message: str = "This refresh token is not valid or has expired; log in again."
    ) -> None:
        super().__init__(message, headers=BEARER)


class RefreshTokenReused(InvalidRefreshToken):
    """A rotated refresh token came back: someone else may hold a copy. The login is revoked."""

    def __init__(self) -> None:
        super().__init__(
            "This refresh token was already used. For your safety this login was ended on every "
            "device that shared it; log in again."
        )


class Forbidden(ChambaError):
    status_code = 403
    title = "Forbidden"


class RoleRequired(Forbidden):
    def __init__(self, roles: Iterable[str]) -> None:
        names = ", ".join(sorted(roles))
        super().__init__(f"This action needs one of these roles: {names}.")


class StaffRoleRefused(Forbidden):
    def __init__(self, role: str) -> None:
        super().__init__(
            f"Accounts with the role '{role}' cannot be self-registered: an administrator must "
            "create them. Register as seeker, employer or provider."
        )


class AccountExists(Conflict):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"An account with this {what} already exists. Log in instead, or use another {what}."
        )


class WeakPassword(InvalidInput):
    title = "Weak password"


class UserNotFound(ChambaError):
    status_code = 404
    title = "Not found"

    def __init__(self, user_id: int) -> None:
        super().__init__(f"There is no user with id {user_id}.")


class SelfLockout(Conflict):
    """An admin tried to remove their own admin role or deactivate themselves."""


class TooManyAttempts(ChambaError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, what: str, retry_after_seconds: float) -> None:
        seconds = max(1, math.ceil(retry_after_seconds))
        minutes = max(1, math.ceil(seconds / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many {what}. Wait {minutes} {unit} and try again.",
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after = seconds


class WrongCurrentPassword(ChambaError):
    """A change of credentials asked for the current password, and it was not right."""

    status_code = 403
    title = "Wrong password"

    def __init__(self) -> None:
        super().__init__("The current password is not right; nothing was changed.")


class InvalidResetToken(ChambaError):
    """A password-reset link that is unknown, already used, withdrawn or expired."""

    status_code = 400
    title = "Invalid reset link"

    def __init__(self) -> None:
        super().__init__(
            "This password-reset link is not valid any more (used, replaced by a newer one, or "
            "expired). Ask for a new one."
        )


class InvalidContactCode(ChambaError):
    """A contact code that is wrong, used, withdrawn or expired, or (for a new account) a
    password that does not match: one answer for all, so it tells nothing about the account."""

    status_code = 400
    title = "Invalid code"

    def __init__(self) -> None:
        super().__init__(
            "This code is not valid (wrong, already used, replaced by a newer one, or expired), "
            "or the e-mail or phone and password do not match it. Check them, or ask for a new "
            "code by signing up again."
        )


class SmsUnavailable(ChambaError):
    """A phone would have to be confirmed by SMS, and this deployment sends none
    (``CHAMBA_SMS_SENDER=none``): said at once, instead of a code that never comes."""

    status_code = 422
    title = "SMS not available"

    def __init__(self) -> None:
        super().__init__(
            "This Chamba cannot send SMS, so a phone number cannot be confirmed here. Use an "
            "e-mail address instead (you can add your phone later, once SMS are available), or "
            "ask an administrator to create your account."
        )
