"""JSON-lines logs with a request id on every line, and the request-id/access-log middleware.

:func:`configure_logging` installs one handler on the root logger that writes one JSON object per
line to stderr: ``ts``, ``level``, ``logger``, ``msg``, ``request_id`` (inside a request), any
``extra=`` fields and ``exc`` for exceptions. Calling it again replaces that handler, never adds a
second one. ``CHAMBA_LOG_FORMAT=text`` gives plain lines for a developer's terminal.

:class:`RequestContextMiddleware` gives every request an id (the ``X-Request-ID`` a trusted
proxy sent, when it is a sane token, else a new one: a caller cannot choose the id that the audit
log stores), keeps it in a context variable for the duration of the
request, returns it in the ``X-Request-ID`` header and writes one access line per request
(method, route template, status, duration) — never the query string, headers, client address or
body, which may carry tokens or personal data.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chamba.config import Settings
from chamba.observability.metrics import RouteTemplates

__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RequestContextMiddleware",
    "configure_logging",
    "current_request_id",
    "request_id_of",
]

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("chamba_request_id", default=None)
access_logger = logging.getLogger("chamba.access")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
# (uvicorn's ``color_message`` repeats the message with terminal colours.)
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}
)


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _request_id.get()


def request_id_of(request: Request) -> str | None:
    """The id :class:`RequestContextMiddleware` gave ``request`` (also outside its context)."""
    rid = request.scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else current_request_id()


def sane_request_id(value: str | None) -> str | None:
    """``value`` if it is a token safe to log and echo (≤ 64 of ``[A-Za-z0-9._-]``), else None."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None) or current_request_id()
        return f"{line} request_id={rid}" if rid else line


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    _chamba = True

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


class ThrottleFilter(logging.Filter):
    """Lets through at most one record per logger and message template per ``interval`` seconds
    from loggers under ``prefixes`` (e.g. a client library that logs every failed reconnect).

    The next record let through says how many were held back (``suppressed``).
    """

    def __init__(self, prefixes: tuple[str, ...] = ("aiokafka",), interval: float = 60.0) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            record.suppressed = held
        record.exc_info = None  # one line: the library's traceback says nothing new each time
        record.exc_text = None
        return True


def configure_logging(settings: Settings) -> None:
    """Send every log record to stderr as JSON lines (or text) at ``settings.log_level``.

    Idempotent: a second call replaces the handler the first one installed. Uvicorn's own access
    log is silenced (the middleware writes a better one) and its error log goes through ours.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_chamba", False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(ThrottleFilter())  # a broker outage: one line a minute, not thousands
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


class _RequestIds:
    """Request ids: 32 hex digits, a random 64-bit prefix drawn once per process and a counter.

    Unique across requests and (with overwhelming likelihood) across processes, like a
    ``uuid4``, but without a system call per request: ``os.urandom`` releases the GIL, and the
    event loop thread that made the id then waited to take it back behind the rankings running
    on other threads (3 % of a busy worker's samples sat in ``uuid4``).
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child draws its own prefix

    def _reset(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


new_request_id = _RequestIds()
"""A new request id (see :class:`_RequestIds`)."""


class RequestContextMiddleware:
    """Request ids and access logs (see the module docstring)."""

    def __init__(self, app: ASGIApp, routes: RouteTemplates, trusted: Sequence[str] = ()) -> None:
        self.app = app
        self.routes = routes
        # The direct peers (CHAMBA_TRUSTED_PROXIES) whose X-Request-ID is kept; this middleware
        # runs outside the proxy-header one, so scope["client"] is still the direct peer.
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in trusted]

    def _from_trusted_proxy(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client or not self.trusted:
            return False
        try:
            peer = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        if self._from_trusted_proxy(scope):
            for name, value in scope.get("headers", ()):
                if name == b"x-request-id":
                    incoming = sane_request_id(value.decode("latin-1"))
                    break
        rid = incoming or new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        token = _request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        failed = True
        try:
            await self.app(scope, receive, send_wrapper)
            failed = False
        finally:
            route = self.routes(scope)
            access_logger.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            # On an error the id stays set: the server-error handler outside this middleware logs
            # the exception in this same context, and the request's task ends right after.
            if not failed:
                _request_id.reset(token)
