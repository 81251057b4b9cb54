"""A real HTTP server on this machine standing in for an SMS gateway (tests of
:class:`chamba.notifications.senders.HTTPSMSSender` and of phone codes through it)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gateway:
    """A local HTTP server answering each POST with the next planned reply."""

    url: str
    #: (status, headers, delay in seconds) per request; the last one repeats.
    replies: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def reply(self, *plan: int | tuple[int, dict[str, str], float]) -> None:
        self.replies = [p if isinstance(p, tuple) else (p, {}, 0.0) for p in plan]

    def counted(self, path: str = "/sms") -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    def texts(self) -> list[dict[str, Any]]:
        """The JSON bodies received."""
        return [json.loads(body) for _, _, body in self.requests]


@contextmanager
def sms_gateway() -> Iterator[Gateway]:
    """A running :class:`Gateway` on 127.0.0.1 (a free port), stopped on exit."""
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((self.path, dict(self.headers.items()), body))
            n = min(len(state.requests) - 1, len(state.replies) - 1)
            status, headers, delay = state.replies[n] if state.replies else (200, {}, 0.0)
            if delay:
                time.sleep(delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
