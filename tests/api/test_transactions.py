"""The request owns the transaction, and it commits before the response leaves."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chamba.api.app import create_app, prepare_database
from chamba.auth.models import User
from chamba.config import get_settings
from chamba.db import make_engine

BODY = {"email": "rosa@example.pe", "password": "cosecha-de-uva-2026", "role": "seeker",
        "name": "Rosa"}  # fmt: skip


def test_a_failed_commit_is_never_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the real app on its own database, whose commits fail
    engine = make_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)

    def broken_commit(self: Session) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Session, "commit", broken_commit)
    client = TestClient(app, raise_server_exceptions=False)
    # WHEN someone registers
    response = client.post("/api/v1/auth/register", json=BODY)
    monkeypatch.undo()
    # THEN they are told it failed (not 202), and nothing was written
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    # AND with working commits the same request succeeds and is readable at once
    ok = TestClient(app).post("/api/v1/auth/register", json=BODY)
    assert ok.status_code == 202
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
    engine.dispose()


@pytest.mark.parametrize(("method", "others_may_write"), [("POST", False), ("GET", True)])
def test_a_request_that_may_write_begins_as_the_writer_and_a_read_never_blocks(
    tmp_path: Path, method: str, others_may_write: bool
) -> None:
    import sqlite3

    from sqlalchemy import text
    from starlette.requests import Request

    from chamba.deps import get_session

    # GIVEN the real app on a SQLite database
    engine = make_engine(f"sqlite:///{tmp_path / 'rw.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)
    request = Request({"type": "http", "method": method, "app": app, "headers": []})
    # WHEN a request's session has read something
    dependency = get_session(request)
    session = next(dependency)
    session.execute(text("SELECT count(*) FROM users")).scalar()
    # THEN an unsafe method holds the write lock from the start (its later write cannot fail
    # because another request committed in between), while a GET leaves writers free
    other = sqlite3.connect(tmp_path / "rw.db", timeout=0, isolation_level=None)
    try:
        other.execute("UPDATE users SET name = name")
        wrote = True
    except sqlite3.OperationalError:
        wrote = False
    other.close()
    assert wrote is others_may_write
    with pytest.raises(StopIteration):
        next(dependency)
    engine.dispose()


def test_writers_queue_for_sqlite_without_holding_the_threads_the_lock_holder_needs(
    tmp_path: Path,
) -> None:
    import asyncio

    import httpx
    from anyio import to_thread

    # GIVEN the real app on SQLite with a single request thread (the worst case of many writers
    # for few threads: a writer waiting for the lock in a thread would starve the holder)
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)

    async def main() -> list[int]:
        to_thread.current_default_thread_limiter().total_tokens = 1
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            bodies = [{**BODY, "email": f"rosa{n}@example.pe"} for n in range(4)]
            # WHEN four people register at the same moment
            responses = await asyncio.gather(
                *(client.post("/api/v1/auth/register", json=body) for body in bodies)
            )
        return [r.status_code for r in responses]

    # THEN every one of them is served (before, the second writer held the only thread while
    # waiting for the lock the first could not release: "database is locked" after 10 s)
    assert asyncio.run(main()) == [202, 202, 202, 202]
    engine.dispose()
