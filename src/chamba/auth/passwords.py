"""The password policy of every account (sign-up, change, reset)."""

from __future__ import annotations

from chamba.auth.errors import WeakPassword

MIN_PASSWORD = 10
_COMMON_PASSWORDS = frozenset(
    {"contraseña", "contrasena", "password", "qwertyuiop", "abcdefghij", "iloveyou", "teamo"}
)


def check_password_policy(password: str, *, email: str | None, phone: str | None) -> None:
    """At least 10 characters, not only digits, not the e-mail or a very common word.

    Raises:
        WeakPassword: saying what to change.
    """
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(
            f"The password is too short ({len(password)} characters): use at least "
            f"{MIN_PASSWORD}, for example three or four words you will remember."
        )
    if password.isdigit():
        raise WeakPassword(
            "The password has only digits, which are easy to guess: add letters or words."
        )
    folded = password.casefold()
    if email and folded in {email.casefold(), email.split("@", 1)[0].casefold()}:
        raise WeakPassword("The password cannot be your e-mail address: choose something else.")
    compact = password.replace(" ", "").removeprefix("+")
    if phone and compact in {phone.replace(" ", "").removeprefix("+"), phone[4:].replace(" ", "")}:
        raise WeakPassword("The password cannot be your phone number: choose something else.")
    if len(set(folded)) < 3 or folded.rstrip("0123456789") in _COMMON_PASSWORDS:
        raise WeakPassword("This password is too easy to guess: choose a less common one.")
