"""Request dependencies of the kit: the request-scoped session (the request owns the
transaction) and the app's settings. Routers of every feature and the web pages take them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from chamba.config import Settings
from chamba.db import begin_write, roll_back_unkept, session_scope

#: Methods whose requests may change data: their transaction begins as a writer.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def sqlite_write_turn(request: Request) -> AsyncIterator[None]:
    """A writing request's turn at SQLite's single write lock, waited for without a thread.

    A SQLite request that writes holds the database's write lock from its ``BEGIN IMMEDIATE``
    (in :func:`get_session`'s set-up, on a thread of the pool) until its commit, across several
    hops through the thread pool (dependencies, handler, commit). Were the waiting done by
    threads, requests blocked on the lock could occupy every thread while the holder waits for
    one to finish on: the server stalls until the busy timeout. So writers of one process queue
    here, on the event loop, first in first out, and at most one thread per process ever waits
    for the lock (for a writer of another process). PostgreSQL and reads (GET) skip the queue.
    """
    turn: asyncio.Lock | None = getattr(request.app.state, "sqlite_write_turn", None)
    if turn is None or request.method in SAFE_METHODS:
        yield
        return
    async with turn:
        yield


def get_session(
    request: Request,
    _turn: Annotated[None, Depends(sqlite_write_turn, scope="function")] = None,
) -> Iterator[Session]:
    """One session per request: commits when the handler succeeds, rolls back on any error
    (all but what :func:`chamba.db.keep_so_far` kept).

    A request with an unsafe method (POST, PUT, PATCH, DELETE) begins its transaction as a
    writer (:func:`~chamba.db.begin_write`: ``BEGIN IMMEDIATE`` on SQLite), so that a write after
    its reads cannot fail because another request committed in between. Reads (GET) begin
    deferred and never wait for a writer; what they write on the side (impressions, read audits)
    goes through the app's :class:`~chamba.side_writes.SideWriter`, outside their transaction.

    Sessions come from ``app.state.session_factory`` when the app has one (so listeners such as
    the match-index upkeep can hang on it), else from a new factory on ``app.state.engine``.
    """
    factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
    writes = request.method not in SAFE_METHODS
    if factory is None:
        with session_scope(request.app.state.engine) as session:
            if writes:
                begin_write(session)
            yield session
        return
    session = factory()
    if writes:
        begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        roll_back_unkept(session)  # what keep_so_far kept (counted attempts...) persists
        raise
    finally:
        session.close()


async def get_app_settings(request: Request) -> Settings:
    """The app's settings (``async``: a look-up needs no thread of the pool)."""
    settings: Settings = request.app.state.settings
    return settings


#: ``scope="function"``: the transaction commits when the handler returns, BEFORE the response is
#: sent - a client never sees a success for a write that could still fail to commit, and its
#: next request reads what it just wrote.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
