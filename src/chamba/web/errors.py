"""Error pages of the web UI (404, 405, 403 for a failed CSRF check, 500) in the user's language.

The API keeps its problem+json errors: :func:`install_error_pages` wraps the handlers that
:mod:`chamba.problems` installed and renders HTML only for pages (paths outside ``/api/`` and
the ops endpoints, for clients that do not ask for JSON only).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from chamba.errors import ChambaError
from chamba.problems import BUSY_RETRY_SECONDS, is_busy
from chamba.web.session import LoginRequired, WrongRole, account_of, login_redirect, start_page
from chamba.web.templating import render

logger = logging.getLogger(__name__)

#: Paths that are not pages even though they live outside ``/api/``.
NON_PAGE_PREFIXES: Final = ("/api/", "/health", "/metrics")
#: Statuses that get a page of their own; other HTTP errors keep the API's answer.
PAGE_STATUSES: Final = frozenset({404, 405})

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


class CsrfRejected(Exception):
    """A form was posted without a valid CSRF token (expired page, blocked cookies, forgery)."""


def wants_page(request: Request) -> bool:
    """Whether an error on this request should be answered with an HTML page."""
    path = request.url.path
    if path.startswith(NON_PAGE_PREFIXES):
        return False
    accept = request.headers.get("accept", "").lower()
    return not ("json" in accept and "html" not in accept)


def error_page(request: Request, status_code: int, reason: str = "") -> Response:
    account = account_of(request)
    back = start_page(account) if account is not None else "/"
    context = {"status": status_code, "reason": reason, "back_url": back}
    return render(request, "error.html", context, status_code=status_code)


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    return await result if inspect.isawaitable(result) else result


def install_error_pages(app: FastAPI) -> None:
    """Render web errors as pages; call after the API's problem handlers are installed."""
    api_http: Handler | None = app.exception_handlers.get(StarletteHTTPException)
    api_unexpected: Handler | None = app.exception_handlers.get(Exception)
    api_chamba: Handler | None = app.exception_handlers.get(ChambaError)
    api_invalid: Handler | None = app.exception_handlers.get(RequestValidationError)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in PAGE_STATUSES and wants_page(request):
            return error_page(request, exc.status_code)
        if api_http is None:
            raise exc
        return await _call(api_http, request, exc)

    async def csrf_rejected(request: Request, exc: Exception) -> Response:
        return error_page(request, 403)

    async def chamba_error(request: Request, exc: Exception) -> Response:
        # A page that lets a service refusal escape (an unknown or foreign job...) gets a page.
        assert isinstance(exc, ChambaError)
        if wants_page(request) and exc.status_code in (403, 404):
            reason = "forbidden" if exc.status_code == 403 else ""
            return error_page(request, exc.status_code, reason)
        if api_chamba is None:
            raise exc
        return await _call(api_chamba, request, exc)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        # ``/empleos/abc``: a page address with a malformed id does not exist (404); a bad
        # query or form value is a 400 page. The API keeps its problem+json 422.
        assert isinstance(exc, RequestValidationError)
        if wants_page(request):
            in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
            return error_page(request, 404 if in_path else 400)
        if api_invalid is None:
            raise exc
        return await _call(api_invalid, request, exc)

    async def wrong_role(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, "role")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return login_redirect(request, exc)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if wants_page(request) and is_busy(exc):  # overload: "try again in a moment", a 503
            logger.warning("busy on page %s: %s", request.url.path, str(exc).splitlines()[0])
            page = error_page(request, 503)
            page.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
            return page
        if wants_page(request):
            logger.exception("unhandled error on page %s", request.url.path)
            try:
                return error_page(request, 500)
            except Exception:
                logger.exception("the error page itself failed")
        if api_unexpected is None:
            raise exc
        return await _call(api_unexpected, request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(CsrfRejected, csrf_rejected)
    app.add_exception_handler(ChambaError, chamba_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(WrongRole, wrong_role)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Exception, unexpected)
