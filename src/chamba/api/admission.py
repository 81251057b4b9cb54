"""Admission: at most as many requests in a process at once as its connection pool can serve.

A request holds its database connection from its first query to its commit, also while it waits
for a request thread between its dependencies and its handler. With more requests in flight than
the pool has connections for, threads block waiting for a connection while the requests holding
every connection wait for a thread: the process stalls until ``CHAMBA_DB_POOL_TIMEOUT`` and then
answers 500s (seen at 64 connections on a busy 2-core machine). :class:`AdmissionLimit` lets at
most ``limit`` requests past it at once (``CHAMBA_THREADS``: the pool, sized by
:func:`chamba.db.pool_size_for`, holds two connections for each of them plus the background
threads'); the others wait on the event loop, holding no thread and no connection.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class AdmissionLimit:
    """Pass at most ``limit`` HTTP requests at once to ``app``; later ones wait their turn."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.app = app
        self.limit = limit
        self._turns: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._turns is None:  # made on the server's event loop
            self._turns = asyncio.Semaphore(self.limit)
        async with self._turns:
            await self.app(scope, receive, send)
