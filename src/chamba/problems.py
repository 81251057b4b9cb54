"""RFC 9457 problem documents for every error the API returns, and their OpenAPI declaration.

Every error response is ``application/problem+json``: expected errors (a :class:`ChambaError`
subclass), invalid input (422, naming the fields at fault), unknown routes and methods, and
unexpected failures. :func:`responses` declares a route's expected errors; :func:`problem_openapi`
makes every 4xx/5xx in the document (FastAPI's own 422 included) point at the ``Problem`` schema.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chamba.errors import ChambaError
from chamba.json_types import JSONObject
from chamba.observability.logging import REQUEST_ID_HEADER, request_id_of
from chamba.text import LONE_SURROGATE_MESSAGE, has_lone_surrogate

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: The largest request body accepted: far above any JSON document or form the API takes.
MAX_BODY_BYTES = 1024 * 1024
#: Paths that take file uploads, with their own body limit (a 5 MB CV plus the form around it).
UPLOAD_PATHS: dict[str, int] = {"/api/v1/me/cv": 6 * 1024 * 1024, "/cv": 6 * 1024 * 1024}
#: FastAPI's detail when a request body cannot be decoded at all (it raises a bare 400).
FASTAPI_BODY_ERROR = "There was an error parsing the body"

#: The JSON schema of a problem document (RFC 9457 members plus ``request_id`` and ``errors``).
PROBLEM_SCHEMA: JSONObject = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Always about:blank."},
        "title": {"type": "string", "description": "A short summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The request path."},
        "request_id": {"type": "string", "description": "Quote it when asking for help."},
        "errors": {
            "type": "array",
            "description": "The fields at fault (invalid input).",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def responses(*errors: type[ChambaError]) -> dict[int | str, dict[str, Any]]:
    """Declare a route's expected errors in OpenAPI, as problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        entry = out.setdefault(
            error.status_code,
            {"description": error.title, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}},
        )
        if error.title not in entry["description"].split(" / "):
            entry["description"] += f" / {error.title}"
    return out


def problem_openapi(document: JSONObject) -> JSONObject:
    """Make every 4xx/5xx response of an OpenAPI ``document`` a problem+json ``Problem``.

    FastAPI declares its own 422 as ``application/json`` ``HTTPValidationError``; the handler
    below answers problem+json, so the document says so (and drops the unused schemas).
    """
    for item in document.get("paths", {}).values():
        for operation in item.values():
            declared = operation.setdefault("responses", {})
            if operation.get("security") and "401" not in declared:
                # Any route that reads a bearer token refuses an invalid one, even when optional.
                declared["401"] = {"description": "Not authenticated"}
            if "requestBody" in operation:
                declared.setdefault("413", {"description": "Content too large"})
            for code, response in declared.items():
                if str(code)[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    text = str(document.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            schemas.pop(unused, None)
    return document


def install_problem_openapi(app: FastAPI) -> None:
    """Serve an OpenAPI document whose errors are all declared as problem+json."""

    def openapi() -> JSONObject:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                    servers=app.servers,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: JSONObject = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra)
    # Every problem names its request, so a person can quote it and an operator find its logs.
    request_id = request_id_of(request)
    if request_id:
        body["request_id"] = request_id
        headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(error: Any) -> str:
    """``wage_max`` or ``location.ubigeo``; a body that is not JSON at all is ``body``."""
    if error.get("type") == "json_invalid":
        return "body"  # FastAPI puts the character position after "body"
    return ".".join(str(p) for p in error["loc"] if p != "body") or "body"


#: Seconds a client is asked to wait (``Retry-After``) when the database is saturated.
BUSY_RETRY_SECONDS = 2


def is_busy(exc: BaseException) -> bool:
    """True for overload rather than a fault: no pooled connection came free in time
    (``CHAMBA_DB_POOL_TIMEOUT``), or SQLite's write lock stayed taken past its busy timeout."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as ``application/problem+json`` with a message a person can act on."""
    install_problem_openapi(app)

    @app.exception_handler(ChambaError)
    async def _chamba_error(request: Request, exc: ChambaError) -> JSONResponse:
        extra = {"errors": exc.errors} if getattr(exc, "errors", None) else {}
        return problem(
            exc.status_code, exc.title, exc.message, request, headers=exc.headers, **extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_of(err), "reason": err["msg"]} for err in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "Invalid request"
        return problem(422, "Invalid input", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == FASTAPI_BODY_ERROR:
            # A body that is not even text (bad UTF-8, a broken form): invalid input like any other.
            reason = "could not be read; send JSON text in UTF-8"
            errors = [{"field": "body", "reason": reason}]
            return problem(422, "Invalid input", f"body: {reason}", request, errors=errors)
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Unauthorized",
            413: "Content too large",
        }
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}; see /api/v1/docs for the API."
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            detail,
            request,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_busy(exc):  # overload, not a fault: say so, and when to come back
            logger.warning("busy on %s: %s", request.url.path, str(exc).splitlines()[0])
            return problem(
                503,
                "Busy",
                "Too many people are using Chamba right now; nothing was changed. "
                f"Please try again in {BUSY_RETRY_SECONDS} seconds.",
                request,
                headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
            )
        logger.exception("unhandled error on %s", request.url.path)
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; nothing was changed. Please try again.",
            request,
        )


class AnswerUnexpected:
    """Answers an unexpected exception with the app's own 500 (problem or error page), logged
    once with the request id, and keeps the connection open.

    Starlette's outermost ``ServerErrorMiddleware`` calls the same handler but then re-raises
    for the server to see, so the server logged the traceback a second time and closed the
    client's connection (for a client with keep-alive, a 500 became a broken connection). This
    middleware answers first and ends the matter. Install it inside the request-context and
    metrics middlewares, so the access log and the request counts see the status it sends (a
    busy database's 503 is not a 500) and its log line carries the request id. An exception
    raised after the response started cannot be answered any more: it goes on to the server.
    """

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            handler = self.owner.exception_handlers.get(Exception)
            if started or handler is None:
                raise
            result = handler(Request(scope, receive), exc)
            response = await result if inspect.isawaitable(result) else result
            await response(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit:,} bytes; send less."


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 problem, before they are read whole.

    A declared ``Content-Length`` over the limit is refused at once; a streamed body is counted
    as the route reads it. Install it inside the request-context middleware (the problem names
    the request id).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        per_path: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = UPLOAD_PATHS if per_path is None else per_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope.get("path", ""), self.max_bytes)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            request = Request(scope, receive)
            response = problem(413, "Content too large", _too_large(limit), request)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, limited_receive, send)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _json_holds_lone_surrogate(body: bytes) -> bool:
    """Whether a JSON body decodes to text with a lone surrogate (``"\\ud800"``).

    Raw surrogate bytes are invalid UTF-8 (refused as unreadable anyway): only ``\\u`` escapes
    can make one, so bodies without a surrogate escape are not decoded here.
    """
    if not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        decoded = json.loads(body)
    except ValueError:
        return False  # not JSON: the route answers that
    return has_lone_surrogate(json.dumps(decoded, ensure_ascii=False))


class RefuseLoneSurrogates:
    """Answer 422 to a JSON body whose text holds a lone UTF-16 surrogate, wherever it is.

    Such text cannot be stored, hashed or sent back as UTF-8. The shared text validators
    (:func:`chamba.fields.clean_text`) refuse it field by field; this guard covers every other
    string of every API body (passwords, ids, free fields) in one place. Install it inside
    :class:`BodySizeLimit`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or "json" not in headers.get("content-type", ""):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        try:
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, receive, send)  # the client went away
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
        except HTTPException as exc:  # BodySizeLimit counted past its limit
            response = problem(exc.status_code, "Content too large", exc.detail, Request(scope))
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        if _json_holds_lone_surrogate(body):
            reason = LONE_SURROGATE_MESSAGE
            response = problem(
                422,
                "Invalid input",
                f"body: {reason}",
                Request(scope),
                errors=[{"field": "body", "reason": reason}],
            )
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
