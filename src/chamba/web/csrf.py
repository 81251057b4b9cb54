"""CSRF protection for the web forms: a signed double-submit token bound to the login.

A token is ``<nonce>.<signature>`` where the signature is an HMAC-SHA256, keyed by the CSRF key,
of the nonce and of the *binding*: the random public id of the browser's login session (empty
for an anonymous visitor). The same token goes in a cookie (``HttpOnly``, ``SameSite=Lax``) and
in a hidden field of every form; a POST is accepted only when both are present, equal and
correctly signed for the login the request carries. An attacker's page can neither read the
cookie nor forge a signature without the key; and a token pair the attacker holds (their own,
or one planted in the victim's browser) is worth nothing inside the victim's login, because it
was signed for another binding. Logging in or out changes the binding, so the next page gets a
fresh token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

COOKIE_NAME: Final = "chamba_csrf"
FIELD_NAME: Final = "csrf_token"
#: HKDF purpose (and id) of the key that signs CSRF tokens (:meth:`Settings.derived_key`).
KEY_ID: Final = "csrf-v1"
_NONCE_BYTES: Final = 18
_CONTEXT: Final = b"chamba-csrf:"


def cookie_name(base: str, *, secure: bool) -> str:
    """``__Host-<base>`` over https, ``base`` over plain http.

    A browser accepts a ``__Host-`` cookie only when it is ``Secure``, has ``Path=/`` and no
    ``Domain``: a sibling subdomain or a plain-http page cannot plant or overwrite it.
    """
    return f"__Host-{base}" if secure else base


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _sign(secret: str, nonce: str, binding: str) -> str:
    message = _CONTEXT + binding.encode() + b"|" + nonce.encode("ascii")
    return _b64(hmac.new(secret.encode(), message, hashlib.sha256).digest())


def new_token(secret: str, binding: str = "") -> str:
    """A fresh token signed for ``binding`` (the login's public id; ``""`` when anonymous)."""
    nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
    return f"{nonce}.{_sign(secret, nonce, binding)}"


def is_signed(secret: str, token: str | None, binding: str = "") -> bool:
    """Whether ``token`` was made by :func:`new_token` with this secret for this binding."""
    if not token or token.count(".") != 1 or len(token) > 200:
        return False
    nonce, signature = token.split(".")
    if not nonce or not nonce.isascii():
        return False
    return hmac.compare_digest(_sign(secret, nonce, binding), signature)


def is_valid(secret: str, cookie: str | None, field: str | None, binding: str = "") -> bool:
    """Whether a form submission carries the cookie's token, correctly signed for ``binding``.

    Example:
        >>> token = new_token("s" * 32, "login-1")
        >>> is_valid("s" * 32, token, token, "login-1"), is_valid("s" * 32, token, token)
        (True, False)
    """
    if not cookie or not field:
        return False
    if not hmac.compare_digest(cookie.encode(), field.encode()):
        return False
    return is_signed(secret, cookie, binding)
