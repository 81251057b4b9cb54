"""Request ids (header, problem documents, every log line) and JSON-lines logs."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chamba.config import load_settings
from chamba.errors import ChambaError
from chamba.observability.logging import JsonFormatter, configure_logging, current_request_id

from .conftest import INGRESS


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every log record of the test, formatted by Chamba's JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_sane_request_id_is_echoed_and_carried_by_the_access_log(
    client: TestClient, json_lines: io.StringIO
) -> None:
    response = client.get("/health", headers={"X-Request-ID": "req-42.a_b"})
    assert response.headers["X-Request-ID"] == "req-42.a_b"
    access = [e for e in lines(json_lines) if e["logger"] == "chamba.access"]
    assert access[-1]["request_id"] == "req-42.a_b"
    assert {"method", "route", "status", "duration_ms"} <= set(access[-1])
    assert access[-1]["route"] == "/health"
    assert access[-1]["status"] == 200


@pytest.mark.parametrize("peer", [("203.0.113.9", 5000), ("testclient", 50000)])
def test_a_request_id_chosen_by_a_caller_who_is_not_a_trusted_proxy_is_replaced(
    app: FastAPI, json_lines: io.StringIO, peer: tuple[str, int]
) -> None:
    # GIVEN a caller that reaches the app directly, not through the trusted ingress
    with TestClient(app, client=peer) as direct:
        # WHEN it sends its own X-Request-ID (it would be stored in the audit log)
        response = direct.get("/health", headers={"X-Request-ID": "chosen-by-caller"})
    # THEN the app gives the request its own id, in the answer and in the logs
    rid = response.headers["X-Request-ID"]
    assert rid != "chosen-by-caller"
    assert len(rid) == 32
    access = [e for e in lines(json_lines) if e["logger"] == "chamba.access"]
    assert access[-1]["request_id"] == rid


@pytest.mark.parametrize("header", ["x" * 65, "has space", "semi;colon", "a/b", "<script>", ""])
def test_an_insane_request_id_is_replaced_by_a_new_one(client: TestClient, header: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": header})
    rid = response.headers["X-Request-ID"]
    assert rid != header
    assert len(rid) == 32
    int(rid, 16)


def test_each_request_without_an_id_gets_its_own(client: TestClient) -> None:
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert first != second
    assert current_request_id() is None  # nothing leaks out of the request


def test_every_problem_document_names_its_request(app: FastAPI, client: TestClient) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    @app.get("/refused")
    def refused() -> None:
        raise ChambaError("No puedes hacer eso", status_code=403)

    cases = {
        "/api/v1/skills/no-such-skill": 404,  # a feature's own error
        "/api/v1/skills?limit=0": 422,  # validation
        "/nowhere": 404,  # no route
        "/refused": 403,  # ChambaError
        "/boom": 500,  # unexpected exception
    }
    for path, status in cases.items():
        # (Outside /api/ a browser gets HTML error pages; an API client asks for JSON.)
        headers = {"X-Request-ID": f"rid-{status}", "Accept": "application/json"}
        response = client.get(path, headers=headers)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["request_id"] == f"rid-{status}", path
        assert response.headers["X-Request-ID"] == f"rid-{status}", path


def test_log_lines_inside_a_request_carry_its_id_even_on_a_crash(
    app: FastAPI, client: TestClient, json_lines: io.StringIO
) -> None:
    @app.get("/chatty")
    def chatty() -> dict[str, str]:
        logging.getLogger("chamba.test").info("working on it", extra={"step": 3})
        return {"ok": "yes"}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    client.get("/chatty", headers={"X-Request-ID": "chatty-1"})
    client.get("/boom", headers={"X-Request-ID": "boom-1", "Accept": "application/json"})
    entries = lines(json_lines)
    mine = next(e for e in entries if e["msg"] == "working on it")
    assert mine["request_id"] == "chatty-1"
    assert mine["step"] == 3
    assert mine["level"] == "INFO"
    crash = next(e for e in entries if e["level"] == "ERROR")
    assert crash["request_id"] == "boom-1"
    assert "RuntimeError: kaput" in crash["exc"]
    boom_access = [e for e in entries if e["logger"] == "chamba.access" and e["route"] == "/boom"]
    assert boom_access[0]["status"] == 500
    assert boom_access[0]["request_id"] == "boom-1"


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_busy_503_is_logged_and_counted_as_the_503_it_was(
    app: FastAPI, client: TestClient, json_lines: io.StringIO, accept: str
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    # GIVEN a route whose database pool has no connection free in time (an API client or a
    # browser asking)
    @app.get("/saturated")
    def saturated() -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out")

    # WHEN it is asked
    response = client.get("/saturated", headers={"X-Request-ID": "busy-1", "Accept": accept})
    # THEN the client got a 503 (busy, come back), and the access log says 503, not 500
    assert response.status_code == 503
    access = [e for e in lines(json_lines) if e["logger"] == "chamba.access"]
    assert [(e["route"], e["status"], e["request_id"]) for e in access] == [
        ("/saturated", 503, "busy-1")
    ]
    # AND the request metrics count it under 503
    metrics = client.get("/metrics").text
    assert 'chamba_http_requests_total{method="GET",route="/saturated",status="503"} 1.0' in (
        metrics
    )
    assert 'route="/saturated",status="500"' not in metrics
    # AND the warning the busy answer logs carries the request id
    busy = [e for e in lines(json_lines) if e["level"] == "WARNING" and "busy" in e["msg"]]
    assert [e.get("request_id") for e in busy] == ["busy-1"]


def test_the_access_log_holds_no_query_string_or_raw_path(
    client: TestClient, json_lines: io.StringIO
) -> None:
    client.get("/api/v1/skills/juan-perez-dni-12345678?token=abc123")
    ours = [e for e in lines(json_lines) if e["logger"].startswith("chamba")]
    text = json.dumps(ours)
    assert "abc123" not in text
    assert "12345678" not in text
    assert "/api/v1/skills/{skill_id}" in text


def test_configure_logging_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    settings = load_settings()
    try:
        configure_logging(settings)
        configure_logging(settings)
        ours = [h for h in root.handlers if getattr(h, "_chamba", False)]
        assert len(ours) == 1
        logging.getLogger("chamba.test").warning("hola %s", "mundo")
        entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert entry["msg"] == "hola mundo"
        assert entry["level"] == "WARNING"
        configure_logging(load_settings(log_format="text"))
        logging.getLogger("chamba.test").warning("en texto")
        assert capsys.readouterr().err.strip().endswith("WARNING chamba.test en texto")
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)


def test_a_crash_is_answered_logged_once_and_never_reaches_the_server(
    app: FastAPI, json_lines: io.StringIO
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    # GIVEN a client that raises whatever exception reaches the server (as uvicorn would log it
    # a second time and close the connection)
    with TestClient(app, client=INGRESS) as strict:
        # WHEN a route crashes
        response = strict.get(
            "/boom", headers={"X-Request-ID": "boom-2", "Accept": "application/json"}
        )
    # THEN the app answered a 500 problem naming the request, and nothing escaped to the server
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "boom-2"
    # AND the failure is one log record, with its request id
    errors = [e for e in lines(json_lines) if e["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "boom-2"


def test_a_chatty_library_logs_one_line_per_interval() -> None:
    from chamba.observability.logging import ThrottleFilter

    # GIVEN the throttle on records of aiokafka
    throttle = ThrottleFilter(("aiokafka",), interval=3600)

    def record(name: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, "Unable connect to %s", ("b",),
                                 None)  # fmt: skip

    # WHEN a broker outage makes it log the same error 3,000 times
    passed = [throttle.filter(record("aiokafka.conn")) for _ in range(3000)]
    # THEN one line goes out; Chamba's own records are never held back
    assert sum(passed) == 1
    assert all(throttle.filter(record("chamba.events")) for _ in range(5))


def test_a_broker_outage_is_reported_once_per_interval_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from chamba.events.kafka import MAX_BACKOFF_SECONDS, OutageReport

    # GIVEN an outage report
    report = OutageReport("outbox relay", interval=3600)
    caplog.set_level(logging.INFO, logger="chamba.events.kafka")
    # WHEN 100 tries in a row fail, then one succeeds
    delays = []
    for _ in range(100):
        report.failed(ConnectionError("broker down"))
        delays.append(report.delay(1.0))
    report.succeeded()
    # THEN the tries back off (doubling, capped) and the outage is two lines: start and end
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == MAX_BACKOFF_SECONDS
    assert report.delay(1.0) == 1.0
    messages = [r.getMessage() for r in caplog.records if r.name == "chamba.events.kafka"]
    assert len(messages) == 2
    assert "unreachable" in messages[0]
    assert "reachable again" in messages[1]


def test_request_ids_are_made_without_a_system_call_per_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    real = os.urandom

    def urandom(n: int) -> bytes:
        drawn.append(n)
        return real(n)

    monkeypatch.setattr(os, "urandom", urandom)
    # WHEN requests come without an id
    ids = [client.get("/health").headers["X-Request-ID"] for _ in range(20)]
    # THEN each gets its own 32-hex-digit id, and none of them drew random bytes from the
    # system (os.urandom releases the GIL: the event loop then waits behind busy threads)
    assert len(set(ids)) == 20
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in ids)
    assert drawn == []


def test_a_forked_process_draws_its_own_request_id_prefix() -> None:
    from chamba.observability.logging import new_request_id

    # GIVEN the ids of this process
    here = new_request_id()
    # WHEN a child is forked, THEN its ids have another random prefix (not a copy of ours)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 32
    assert child[:16] != here[:16]
