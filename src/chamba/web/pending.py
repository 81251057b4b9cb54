"""Skills confirmed before signing up, kept in the browser until the person has an account.

An anonymous visitor who confirms a checklist on ``/descubre`` gets a signed, ``HttpOnly``
cookie holding the confirmed skill ids and (shortened) the words they wrote. Signing up or
logging in as a seeker hands them to :func:`chamba.web.discover.keep_pending_for_seeker`
(which saves them through the profile service) and forgets the cookie. Nothing is stored on
the server before there is an account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fastapi import Request
from fastapi.responses import Response

COOKIE_NAME: Final = "chamba_pendiente"
#: A day: long enough to create an account, short enough not to linger.
MAX_AGE: Final = 24 * 3600
#: Browsers keep cookies up to 4096 bytes (name and attributes included).
MAX_VALUE_BYTES: Final = 3600
#: Words kept with the skills (their evidence is read again from them).
MAX_TEXT_CHARS: Final = 2000
MAX_SKILLS: Final = 100
_CONTEXT: Final = b"chamba-pending:"


@dataclass(frozen=True, slots=True)
class Pending:
    """What the visitor confirmed: skill ids and the text they came from."""

    skill_ids: tuple[str, ...]
    text: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    key = secret.encode()
    return _b64(hmac.new(key, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest())


def encode(secret: str, skill_ids: Sequence[str], text: str) -> str:
    """The signed cookie value; the text is shortened (then dropped) to fit a cookie."""
    ids = list(dict.fromkeys(skill_ids))[:MAX_SKILLS]
    for kept in (text[:MAX_TEXT_CHARS], text[:500], ""):
        raw = json.dumps({"s": ids, "t": kept}, ensure_ascii=False).encode()
        payload = _b64(zlib.compress(raw, 9))
        value = f"{payload}.{_sign(secret, payload)}"
        if len(value) <= MAX_VALUE_BYTES:
            return value
    return encode(secret, ids[: len(ids) // 2], "")


def decode(secret: str, value: str | None) -> Pending | None:
    """The pending skills of a cookie value, or ``None`` when missing, altered or malformed."""
    if not value or value.count(".") != 1 or len(value) > MAX_VALUE_BYTES:
        return None
    payload, signature = value.split(".")
    if not payload.isascii() or not hmac.compare_digest(_sign(secret, payload), signature):
        return None
    try:
        data = json.loads(zlib.decompress(_unb64(payload)))
        ids = tuple(str(i) for i in data["s"])[:MAX_SKILLS]
        text = str(data["t"])[:MAX_TEXT_CHARS]
    except (ValueError, KeyError, TypeError, zlib.error):
        return None
    return Pending(ids, text) if ids else None


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key.get_secret_value())


def remember(request: Request, response: Response, skill_ids: Sequence[str], text: str) -> None:
    """Keep ``skill_ids`` (and ``text``) in this browser until sign-up or log-in."""
    response.set_cookie(
        COOKIE_NAME,
        encode(_secret(request), skill_ids, text),
        max_age=MAX_AGE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def read(request: Request) -> Pending | None:
    """The skills this browser keeps for the person about to have an account."""
    return decode(_secret(request), request.cookies.get(COOKIE_NAME))


def forget(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", secure=request.url.scheme == "https", httponly=True, samesite="lax"
    )
