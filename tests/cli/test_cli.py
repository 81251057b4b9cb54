"""The ``chamba`` command as a script would use it: help, exit codes, one-line errors, serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from chamba.cli import app

runner = CliRunner()


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chamba", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["demo"],
        ["serve"],
        ["import"],
        ["migrate"],
        ["taxonomy"],
        ["taxonomy", "import-esco"],
        ["taxonomy", "export"],
        ["worker"],
        ["events"],
        ["events", "prune"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_invalid_setting_fails_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"CHAMBA_PORT": "99999", "CHAMBA_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: Invalid setting CHAMBA_PORT")


def test_wrong_usage_exits_2() -> None:
    result = run_cli("import", "cats", "x.csv")
    assert result.returncode == 2


def test_missing_import_file_exits_1(tmp_path: Path) -> None:
    result = run_cli(
        "import", "jobs", str(tmp_path / "nope.csv"), env={"CHAMBA_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_and_openapi(tmp_path: Path) -> None:
    # GIVEN a fresh data directory and a free port
    port = _free_port()
    env = {**os.environ, "CHAMBA_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chamba", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # WHEN the server has started (it migrates the new SQLite database first)
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.3)
        # THEN /health answers ok and the OpenAPI document is served
        assert health is not None
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert health.json()["database"] == "sqlite"
        spec = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
        assert spec.status_code == 200
        assert "/health" in spec.json()["paths"]
        missing = httpx.get(f"http://127.0.0.1:{port}/api/v1/no/such/thing", timeout=5)
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        page = httpx.get(f"http://127.0.0.1:{port}/no/such/page", timeout=5)  # the web 404 page
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert (tmp_path / "chamba.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_runs_workers_with_nagle_off_on_every_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket as sockets

    import uvicorn

    from chamba import cli
    from chamba.api.app import NoDelayH11Protocol

    # GIVEN uvicorn replaced by a recorder
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    # WHEN the server is started with three workers
    cli._serve("127.0.0.1", 8123, 3)
    # THEN each worker builds the app from the factory and speaks HTTP with Nagle's algorithm
    # off (uvicorn's own socket for several workers leaves it on: ~40 ms per response)
    assert seen["app"] == "chamba.api.app:served_app"
    assert seen["factory"] is True
    assert seen["workers"] == 3
    assert seen["http"] == "chamba.api.app:NoDelayH11Protocol"
    listener = sockets.socket(sockets.AF_INET, sockets.SOCK_STREAM)  # proto 0, as uvicorn binds
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = sockets.create_connection(listener.getsockname())
    accepted, _ = listener.accept()

    class Transport:
        def get_extra_info(self, name: str, default: object = None) -> object:
            return accepted if name == "socket" else default

    protocol = NoDelayH11Protocol.__new__(NoDelayH11Protocol)
    monkeypatch.setattr(
        "uvicorn.protocols.http.h11_impl.H11Protocol.connection_made", lambda self, t: None
    )
    protocol.connection_made(Transport())
    assert accepted.getsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY) == 1
    for s in (client, accepted, listener):
        s.close()


def test_serve_gives_workers_a_minute_to_answer_the_supervisors_health_ping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN uvicorn, whose supervisor kills a worker silent for 5 s by default (at 100,000 jobs
    # workers still warming up were killed, so the server never answered)
    import uvicorn

    from chamba import cli

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    # WHEN chamba serve starts two workers
    cli._serve(None, None, 2)
    # THEN the supervisor waits a minute before it calls a worker hung
    assert seen["workers"] == 2
    assert seen["timeout_worker_healthcheck"] == cli.WORKER_HEALTHCHECK_SECONDS == 60


def test_import_writes_after_another_process_committed_while_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a SQLite database that a running server writes to while `chamba import` reads and
    # tags the file (minutes for thousands of postings; here: a commit right after tagging)
    import json
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from chamba.ingest import service as ingest_service

    monkeypatch.setenv("CHAMBA_DATA_DIR", str(tmp_path))
    postings = [
        {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "identifier": f"p{n}",
            "title": f"Asistente administrativo {n}",
            "description": "Manejo de Excel y trámite documentario.",
            "skills": "Hojas de cálculo (Excel)",
            "hiringOrganization": {"@type": "Organization", "name": "Municipalidad de Ica"},
            "jobLocation": {"@type": "Place", "address": {"addressRegion": "Ica"}},
        }
        for n in range(3)
    ]
    file = tmp_path / "postings.jsonld"
    file.write_text(json.dumps(postings), encoding="utf-8")
    tag = ingest_service.tag_job_skills
    committed: list[int] = []

    def tag_then_server_commits(session: Session, *args: object, **kwargs: object) -> object:
        rows = tag(session, *args, **kwargs)  # type: ignore[arg-type]  # reason: forwards as called
        # the import's transaction has read the database (tagging reads the taxonomy when its
        # cache is cold; read here explicitly so a warm cache cannot hide the case) ...
        assert session.execute(text("SELECT count(*) FROM skills")).scalar_one() > 0
        # ... and then the server commits
        with sqlite3.connect(tmp_path / "chamba.db") as other:
            other.execute("UPDATE skills SET label_es = label_es || ' ' WHERE rowid = 1")
            committed.append(other.total_changes)
        return rows

    monkeypatch.setattr(ingest_service, "tag_job_skills", tag_then_server_commits)
    # WHEN the file is imported
    result = runner.invoke(app, ["import", "jobs", str(file), "--json"])
    # THEN the other process did commit in between, and the import still wrote every posting
    # (before: "the database refused the import (database is locked); nothing was imported")
    assert committed == [1]
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 3
    assert report["written"] is True
