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
