"""Admission: no more requests in flight per process than its connection pool can serve."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send

from chamba.api.admission import AdmissionLimit
from chamba.api.app import create_app


def test_requests_beyond_the_limit_wait_for_a_turn() -> None:
    inside, peak, opened = 0, 0, asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        await opened.wait()
        inside -= 1

    limited = AdmissionLimit(app, limit=2)

    async def scenario() -> tuple[int, int]:
        async def nothing() -> Any:
            return {"type": "http.request"}

        async def drop(_message: Any) -> None:
            return None

        # GIVEN five requests at once through a limit of two
        calls = [asyncio.create_task(limited({"type": "http"}, nothing, drop)) for _ in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)  # let every task run as far as it can
        # THEN two are inside and three wait (holding nothing), until the first ones finish
        seen = inside
        opened.set()
        await asyncio.gather(*calls)
        return seen, inside

    assert asyncio.run(scenario()) == (2, 0)
    assert peak == 2


def test_the_app_admits_as_many_requests_as_it_has_threads() -> None:
    app = create_app()
    limits = [m.kwargs["limit"] for m in app.user_middleware if m.cls is AdmissionLimit]
    assert limits == [app.state.settings.threads]
