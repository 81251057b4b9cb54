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
