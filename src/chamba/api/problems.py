"""RFC 9457 problem documents for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chamba.errors import ChambaError
from chamba.observability.logging import REQUEST_ID_HEADER, request_id_of

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
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


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as ``application/problem+json`` with a message a person can act on."""

    @app.exception_handler(ChambaError)
    async def _chamba_error(request: Request, exc: ChambaError) -> JSONResponse:
        extra = {"errors": exc.errors} if getattr(exc, "errors", None) else {}
        return problem(
            exc.status_code, exc.title, exc.message, request, headers=exc.headers, **extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "reason": err["msg"]}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "Invalid request"
        return problem(422, "Invalid input", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
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
        logger.exception("unhandled error on %s", request.url.path)
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; nothing was changed. Please try again.",
            request,
        )
