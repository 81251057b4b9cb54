"""The last-resort answer to an unexpected exception (``chamba.problems.AnswerUnexpected``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from chamba.problems import AnswerUnexpected


def test_a_plain_function_handler_answers_an_unexpected_error() -> None:
    # GIVEN an app whose catch-all handler is a plain (not async) function, as Starlette allows
    app = FastAPI()

    def answer(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=500)

    app.add_exception_handler(Exception, answer)
    app.add_middleware(AnswerUnexpected, owner=app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    # WHEN a request fails unexpectedly
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    # THEN the handler's own answer comes back (awaiting its plain response used to fail)
    assert response.status_code == 500
    assert response.json() == {"error": "kaput"}


def _app_raising(exc: Exception) -> TestClient:
    from chamba.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(AnswerUnexpected, owner=app)

    @app.get("/api/v1/work")
    def work() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def test_a_saturated_database_is_a_503_with_retry_after_not_a_500() -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from chamba.problems import BUSY_RETRY_SECONDS

    locked = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
    pool = PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out")
    for exc in (locked, pool):
        # WHEN no connection comes free in time, or SQLite's write lock stays taken
        response = _app_raising(exc).get("/api/v1/work")
        # THEN the client is told the service is busy and when to come back, as a problem
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"] == str(BUSY_RETRY_SECONDS)
        assert "try again" in response.json()["detail"]


def test_any_other_database_error_stays_a_500() -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    broken = OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: jobs"))
    response = _app_raising(broken).get("/api/v1/work")
    assert response.status_code == 500
    assert response.json()["title"] == "Internal error"
