"""Rendering pages: one Jinja2 environment per language, the request's language and CSRF token.

Every page goes through :func:`render`, which picks the language (see
:func:`chamba.web.i18n.negotiate_lang`), remembers an explicit choice (``?lang=``) in the
``lang`` cookie, makes sure the CSRF cookie is set, and adds the headers every page needs
(``Content-Language``, ``Vary``, a strict Content-Security-Policy).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chamba.config import Settings
from chamba.web import csrf
from chamba.web.i18n import (
    LANG_COOKIE,
    LANG_PARAM,
    LANGUAGES,
    Lang,
    as_lang,
    format_date,
    format_money,
    format_number,
    get_translations,
    negotiate_lang,
)
from chamba.web.session import csrf_binding

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
STATIC_DIR: Final = Path(__file__).parent / "static"
BRAND: Final = "Chamba"
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
#: Scripts and styles only from this site; htmx needs nothing more (its indicator styles are off).
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@lru_cache(maxsize=64)
def static_version(path: str) -> str:
    """First 12 hex digits of the SHA-256 of a static file (the cache-busting version)."""
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """URL of a static file with its content hash, safe to cache for a year."""
    return f"/static/{path}?v={static_version(path)}"


@lru_cache(maxsize=len(LANGUAGES))
def get_environment(lang: Lang) -> Environment:
    """The Jinja2 environment of ``lang``: its gettext catalogue and Babel filters installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(get_translations(lang), newstyle=True)  # type: ignore[attr-defined]  # added by jinja2's i18n extension
    env.filters["money"] = partial(format_money, lang=lang)
    env.filters["number"] = partial(format_number, lang=lang)
    env.filters["date"] = partial(format_date, lang=lang)
    env.globals.update(static_url=static_url, brand=BRAND, languages=LANGUAGES)
    return env


def request_lang(request: Request) -> Lang:
    """The language of this request (``?lang=``, cookie, ``Accept-Language``, Spanish)."""
    return negotiate_lang(
        request.query_params.get(LANG_PARAM),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def gettext_for(request: Request) -> Callable[[str], str]:
    """The ``gettext`` function of the request's language (for messages made in Python)."""
    return get_translations(request_lang(request)).gettext


def secret_of(request: Request) -> str:
    # The CSRF tokens' own key (HKDF from the secret key), not the token-signing key.
    settings: Settings = request.app.state.settings  # starlette's State holds Any
    return settings.derived_key(csrf.KEY_ID).hex()


def csrf_token_for(request: Request) -> tuple[str, bool]:
    """The CSRF token of this browser's login, and whether it is new (the cookie must then be
    set): a token signed for no login or another one is replaced."""
    secure = request.url.scheme == "https"
    existing = request.cookies.get(csrf.cookie_name(csrf.COOKIE_NAME, secure=secure))
    secret = secret_of(request)
    binding = csrf_binding(request)
    if csrf.is_signed(secret, existing, binding):
        assert existing is not None
        return existing, False
    return csrf.new_token(secret, binding), True


def switch_links(request: Request, path: str | None, lang: Lang) -> list[dict[str, Any]]:
    """The language switch: one link per language to this page (or ``path``) in it."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != LANG_PARAM]
    # One leading slash: "//evil.example" would be a link to another site (open redirect).
    base = "/" + (path or request.url.path).lstrip("/")
    links = []
    for code, name in LANGUAGES.items():
        query = urlencode([*params, (LANG_PARAM, code)]) if path is None else f"lang={code}"
        links.append(
            {"code": code, "name": name, "url": f"{base}?{query}", "current": code == lang}
        )
    return links


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    switch_path: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language as a complete response.

    Args:
        request: the current request.
        template: template name under ``templates/``.
        context: template variables (``request``, ``lang``, ``csrf_token`` and the language
            switch are added).
        status_code: HTTP status.
        switch_path: where the language switch points (default: this URL); pages that answer a
            POST pass the GET page to return to.
        headers: extra response headers.
    """
    lang = request_lang(request)
    token, new_token = csrf_token_for(request)
    env = get_environment(lang)
    body = env.get_template(template).render(
        {
            "request": request,
            "lang": lang,
            "csrf_field": csrf.FIELD_NAME,
            "csrf_token": token,
            "current_path": request.url.path,
            "account": request.scope.get("state", {}).get("web_account"),
            "unread": request.scope.get("state", {}).get("web_unread", 0),
            "lang_links": switch_links(request, switch_path, lang),
            **(context or {}),
        }
    )
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    secure = request.url.scheme == "https"
    if new_token:
        response.set_cookie(
            csrf.cookie_name(csrf.COOKIE_NAME, secure=secure),
            token,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
    chosen = request.query_params.get(LANG_PARAM)
    if as_lang(chosen) == lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
    return response
