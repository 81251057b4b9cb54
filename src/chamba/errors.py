"""One error base class for the whole application.

Each feature defines subclasses in its own ``errors.py``; the API renders any of them as an
RFC 9457 problem document, and the CLI prints the message and exits non-zero.
"""

from __future__ import annotations


class ChambaError(Exception):
    """An expected error with a message a person can act on."""

    status_code: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: Headers for the problem response (``Retry-After``, ``WWW-Authenticate``).
        self.headers = headers
        #: The fields at fault, ``[{"field": "wage_max", "reason": "..."}]`` (problem ``errors``).
        self.errors = errors
        if status_code is not None:
            self.status_code = status_code


class NotFound(ChambaError):
    status_code = 404
    title = "Not found"


class Conflict(ChambaError):
    status_code = 409
    title = "Conflict"


class InvalidInput(ChambaError):
    status_code = 422
    title = "Invalid input"
