"""A real Prometheus scrapes a real `chamba serve` and evaluates every dashboard/alert query."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.deploy.conftest import PROMETHEUS, alert_rules, dashboard_queries, require_tool

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(check: Callable[[], Any], what: str, proc: subprocess.Popen, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}")
        try:
            result = check()
        except httpx.TransportError:
            result = None
        if result:
            return result
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def chamba_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "chamba.log").open("w")
    proc = subprocess.Popen(
        # One process: every scrape must reach the process that served the requests.
        [sys.executable, "-m", "chamba", "serve", "--port", str(port), "--workers", "1"],
        env={**os.environ, "CHAMBA_DATA_DIR": str(tmp_path / "data")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200,
            "chamba serve",
            proc,
            timeout=180,
        )
        yield port
    finally:
        stop(proc)
        log.close()


def test_prometheus_scrapes_the_app_and_accepts_every_query(
    chamba_server: int, tmp_path: Path
) -> None:
    prometheus = require_tool("prometheus")
    # GIVEN the compose Prometheus config, aimed at the running app and scraping every second
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "chamba")
    job["static_configs"] = [{"targets": [f"127.0.0.1:{chamba_server}"]}]
    config["scrape_configs"] = [job]  # no worker runs here: scrape the app only
    config["rule_files"] = [str(PROMETHEUS / "alerts.yml")]
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    proc = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("w"),
    )

    def query(expr: str) -> dict[str, Any]:
        response = httpx.get(f"{api}/query", params={"query": expr}, timeout=5)
        body: dict[str, Any] = response.json()
        return body

    def scraped(expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = query(expr).get("data", {}).get("result", [])
        return result

    try:
        # WHEN the app has served a few requests
        for _ in range(3):
            httpx.get(f"http://127.0.0.1:{chamba_server}/health", timeout=5)
        # THEN Prometheus sees the target up, and the app's request counter
        up = wait_for(lambda: scraped('up{job="chamba"} == 1'), "up == 1", proc, timeout=60)
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{chamba_server}"
        series = wait_for(
            lambda: scraped('chamba_http_requests_total{route="/health"}'),
            "chamba_http_requests_total",
            proc,
            timeout=30,
        )
        assert float(series[0]["value"][1]) >= 3
        assert scraped("chamba_build_info")
        # AND every dashboard and alert expression is valid PromQL for this Prometheus
        exprs = [expr for _, expr in dashboard_queries()] + [r["expr"] for r in alert_rules()]
        for expr in exprs:
            grafana_free = expr.replace("$__rate_interval", "1m").replace("$__range", "5m")
            answer = query(grafana_free)
            assert answer["status"] == "success", (expr, answer)
        # AND the alert rules loaded
        groups = httpx.get(f"{api}/rules", timeout=5).json()["data"]["groups"]
        loaded = {rule["name"] for group in groups for rule in group["rules"]}
        assert loaded == {rule["alert"] for rule in alert_rules()}
    finally:
        stop(proc)
