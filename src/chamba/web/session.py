"""Web sessions: a login kept in an HttpOnly cookie, refreshed transparently.

The ``chamba_session`` cookie holds the access token and the refresh token of a login made by
:func:`chamba.auth.service.login` (``<access>|<refresh>``). It is ``HttpOnly`` (scripts cannot
read it), ``SameSite=Lax`` (other sites' forms do not send it; every form also carries a CSRF
token) and ``Secure`` on https. When the short-lived access token has expired, the refresh token
is exchanged for a new pair (:func:`chamba.auth.service.refresh`, which rotates it) and the
cookie is replaced on the response by :class:`SessionCookieMiddleware`.

Pages get the user with the dependencies of this module; they apply the same rules as the API's
``CurrentUser`` / ``require_roles``, but answer as a person expects: an anonymous visitor is
sent to ``/ingresar?next=...`` and a user of another role gets a 403 page.

Example:
    ``def page(user: Annotated[User, Depends(current_web_user(Role.SEEKER))]) -> Response``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chamba.auth import security
from chamba.auth import service as auth_service
from chamba.auth.errors import InvalidRefreshToken, NotAuthenticated
from chamba.auth.models import Role, User
from chamba.auth.schemas import TokenPair
from chamba.config import Settings
from chamba.db import keep_so_far
from chamba.deps import SessionDep, SettingsDep
from chamba.web import csrf

COOKIE_NAME: Final = "chamba_session"
_SEPARATOR: Final = "|"
_PENDING: Final = "chamba_pending_cookies"
#: Where each role starts after logging in (roles without pages yet go to the home page).
START_PAGES: Final[dict[Role, str]] = {
    Role.SEEKER: "/para-ti",
    Role.EMPLOYER: "/empleador/ofertas",
    Role.PROVIDER: "/proveedor/cursos",
    Role.COUNSELOR: "/consejeria/personas",
    Role.ANALYST: "/panorama",
    Role.ADMIN: "/admin/usuarios",
}


@dataclass(frozen=True)
class Account:
    """Who is logged in, as the page layout shows it: plain values, not the ORM ``User``.

    Error pages render after the request's database session has closed (a rolled-back
    ``User`` would try to reload itself and fail), so the layout reads this copy instead.
    """

    id: int
    role: Role
    name: str


def account_of(request: Request) -> Account | None:
    """The :class:`Account` found by :func:`optional_web_user` earlier in this request."""
    account: Account | None = request.scope.get("state", {}).get("web_account")
    return account


class LoginRequired(Exception):
    """An anonymous visitor asked for a page that needs a login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class WrongRole(Exception):
    """A logged-in user asked for a page of another role."""

    def __init__(self, roles: frozenset[Role]) -> None:
        super().__init__(", ".join(sorted(r.value for r in roles)))
        self.roles = roles


def start_page(user: User | Account | None) -> str:
    """The first page of ``user``'s role."""
    return START_PAGES.get(user.role, "/") if user is not None else "/"


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site (``/para-ti``), else ``default``.

    Example:
        >>> safe_next("//evil.example/x"), safe_next("/empleos/3?x=1")
        ('/', '/empleos/3?x=1')
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# --- the cookie ----------------------------------------------------------------------------


def _cookie_name(request: Request) -> str:
    """``__Host-chamba_session`` over https (see :func:`chamba.web.csrf.cookie_name`)."""
    return csrf.cookie_name(COOKIE_NAME, secure=request.url.scheme == "https")


def _queue_cookie(request: Request, value: str | None, max_age: int | None = None) -> None:
    """Ask :class:`SessionCookieMiddleware` to set (or, with ``None``, delete) the cookie."""
    template = Response()
    secure = request.url.scheme == "https"
    name = _cookie_name(request)
    if value is None:
        template.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
    else:
        template.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    headers = [v for k, v in template.raw_headers if k == b"set-cookie"]
    request.scope.setdefault("state", {})[_PENDING] = headers


def start_session(request: Request, pair: TokenPair, settings: Settings) -> None:
    """Keep a new login in the browser (the response of this request sets the cookie)."""
    value = f"{pair.access_token}{_SEPARATOR}{pair.refresh_token}"
    _queue_cookie(request, value, max_age=settings.web_session_absolute_hours * 3600)


def end_session(request: Request) -> None:
    """Forget the login in the browser."""
    _queue_cookie(request, None)


def session_tokens(request: Request) -> tuple[str, str] | None:
    """``(access, refresh)`` of the request's session cookie, if it has a well-formed one."""
    raw = request.cookies.get(_cookie_name(request))
    if not raw or raw.count(_SEPARATOR) != 1 or len(raw) > 4000:
        return None
    access, refresh = raw.split(_SEPARATOR)
    if not access or not refresh:
        return None
    return access, refresh


class SessionCookieMiddleware:
    """Adds the ``Set-Cookie`` headers queued during the request to whatever response it gets
    (pages, redirects, error pages), so a refreshed login is never lost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending = scope.get("state", {}).get(_PENDING)
                if pending:
                    headers = list(message.get("headers", []))
                    headers.extend((b"set-cookie", value) for value in pending)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


# --- who is asking -------------------------------------------------------------------------


def _authenticate(
    request: Request, session: Session, settings: Settings
) -> auth_service.Authenticated | None:
    tokens = session_tokens(request)
    if tokens is None:
        return None
    access, refresh = tokens
    try:
        return auth_service.authenticate(session, access, settings=settings)
    except NotAuthenticated:
        pass
    try:
        pair = auth_service.refresh(session, refresh, settings=settings)
    except InvalidRefreshToken:
        keep_so_far(session)  # a reused token revokes its login: that persists
        end_session(request)
        return None
    keep_so_far(session)  # the rotation persists even if the page then fails
    start_session(request, pair, settings)
    try:
        return auth_service.authenticate(session, pair.access_token, settings=settings)
    except NotAuthenticated:  # pragma: no cover - a token just issued
        end_session(request)
        return None


def optional_web_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The logged-in user of this browser, or ``None`` (an invalid cookie is forgotten)."""
    state = request.scope.setdefault("state", {})
    if "web_user" in state:
        cached: User | None = state["web_user"]
        return cached
    login = _authenticate(request, session, settings)
    if login is None and request.cookies.get(_cookie_name(request)):
        end_session(request)
    state["web_login"] = login
    # Read now: an error page renders after the request's session rolled back (and closed),
    # when the login's rows can no longer load.
    state["web_csrf_binding"] = login.session.public_id if login is not None else ""
    state["web_user"] = login.user if login is not None else None
    if login is not None:
        user = login.user
        state["web_account"] = Account(id=user.id, role=user.role, name=user.name or "")
    if login is not None and login.user.role == Role.SEEKER:
        from chamba.notifications import service as notification_service

        state["web_unread"] = notification_service.unread_count(session, login.user)
    return login.user if login is not None else None


def current_login(request: Request) -> auth_service.Authenticated | None:
    """The login found by :func:`optional_web_user` earlier in this request."""
    login: auth_service.Authenticated | None = request.scope.get("state", {}).get("web_login")
    return login


OptionalWebUser = Annotated[User | None, Depends(optional_web_user)]


def csrf_binding(request: Request) -> str:
    """What this request's CSRF token must be signed for: its login's public id, or ``""``.

    Once :func:`optional_web_user` has looked (pages), its answer counts: a revoked login's
    cookie, which that answer deletes, binds nothing. Before (the CSRF check of a POST), the
    login named by the cookie's access token, whose signature is checked but not its expiry,
    so a refresh within the request changes nothing.
    """
    state = request.scope.get("state", {})
    if "web_csrf_binding" in state:
        binding: str = state["web_csrf_binding"]
        return binding
    tokens = session_tokens(request)
    if tokens is None:
        return ""
    return security.session_id_of(tokens[0], request.app.state.settings)


def _next_of(request: Request) -> str:
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.url.netloc:
            return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "/"


def current_web_user(*roles: Role) -> Callable[..., User]:
    """A dependency giving the logged-in user; anonymous visitors are sent to ``/ingresar``.

    Args:
        roles: the roles allowed (none: any logged-in user). Others get a 403 page.
    """
    allowed = frozenset(roles)

    def dependency(request: Request, user: OptionalWebUser) -> User:
        if user is None:
            raise LoginRequired(_next_of(request))
        if allowed and user.role not in allowed:
            raise WrongRole(allowed)
        return user

    return dependency


WebUser = Annotated[User, Depends(current_web_user())]
WebSeeker = Annotated[User, Depends(current_web_user(Role.SEEKER))]
WebEmployer = Annotated[User, Depends(current_web_user(Role.EMPLOYER))]
WebProvider = Annotated[User, Depends(current_web_user(Role.PROVIDER))]
WebCounselor = Annotated[User, Depends(current_web_user(Role.COUNSELOR))]
WebAdmin = Annotated[User, Depends(current_web_user(Role.ADMIN))]
#: Staff who see the labour-market overview (the API's insights ``StaffUser``).
WebStaff = Annotated[User, Depends(current_web_user(Role.COUNSELOR, Role.ANALYST, Role.ADMIN))]


def see_other(url: str) -> RedirectResponse:
    """Redirect (303) to ``url``: the answer to a form that changed data.

    The request's session (:data:`chamba.deps.SessionDep`) commits when the handler returns,
    before the response goes out, so the page the browser then asks for reads the change.
    """
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    """The answer to :class:`LoginRequired`: to the log-in page, coming back afterwards."""
    target = "/ingresar?next=" + quote(safe_next(exc.next_url), safe="/")
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def client_of(request: Request) -> auth_service.Client:
    """Where the request comes from (for rate limits), as the API's ``ClientDep``."""
    return auth_service.Client(
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
