"""Dashboards and alert rules use only metrics the app exports; Prometheus files are valid."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from tests.deploy.conftest import (
    GRAFANA,
    PROMETHEUS,
    PROMETHEUS_BUILTINS,
    alert_rules,
    compose,
    dashboard_queries,
    exported_series_names,
    promql_metric_names,
    require_tool,
)

from chamba.api.app import create_app
from chamba.config import Settings, get_settings


def test_the_promql_name_parser_finds_metrics_not_functions_or_labels() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{route!="/metrics"}'
        "[$__rate_interval]))) / ignoring(kind) group_left clamp_min(sum(y_total offset 7d), 1e-9)"
        " > bool 0 and on(instance) up"
    )
    assert promql_metric_names(expr) == {"x_bucket", "y_total", "up"}


@pytest.mark.parametrize(("where", "expr"), dashboard_queries())
def test_dashboard_queries_use_only_exported_metrics(where: str, expr: str) -> None:
    names = promql_metric_names(expr)
    assert names, f"{where}: no metric in {expr!r}"
    unknown = names - exported_series_names() - PROMETHEUS_BUILTINS
    assert not unknown, f"{where} queries metrics the app does not export: {unknown}"


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_alert_expressions_use_only_exported_metrics(rule: dict) -> None:
    names = promql_metric_names(rule["expr"])
    assert names
    unknown = names - exported_series_names() - PROMETHEUS_BUILTINS
    assert not unknown, f"alert {rule['alert']} uses metrics the app does not export: {unknown}"
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    assert rule["annotations"]["summary"]


def test_the_required_alerts_exist() -> None:
    exprs = {rule["alert"]: rule["expr"] for rule in alert_rules()}
    assert "chamba_http_requests_total" in exprs["ChambaHighErrorRate"]
    assert "chamba_http_request_duration_seconds_bucket" in exprs["ChambaHighLatency"]
    assert "chamba_outbox_oldest_age_seconds" in exprs["ChambaOutboxLagging"]
    assert "chamba_model_promoted_timestamp_seconds" in exprs["ChambaNoModelPromotion30d"]
    assert "chamba_feedback_total" in exprs["ChambaFeedbackRateDrop"]
    assert 'chamba_sms_messages_total{outcome="failed"}' in exprs["ChambaSmsFailing"]


def test_dashboards_cover_health_funnel_and_quality_on_the_provisioned_datasource() -> None:
    datasource = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    )["datasources"][0]
    uids, all_exprs = set(), ""
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        assert board["uid"] not in uids
        uids.add(board["uid"])
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == datasource["uid"], path.name
            all_exprs += " ".join(t["expr"] for t in panel["targets"])
    assert uids == {"chamba-system-health", "chamba-funnel", "chamba-matching-quality"}
    for metric in [
        "chamba_http_requests_total",
        "chamba_outbox_lag_events",
        "chamba_consumer_lag_events",
        "chamba_index_size",
        "chamba_recommendations_shown_total",
        "chamba_applications_total",
        "chamba_hires_total",
        "chamba_feedback_total",
        "chamba_match_latency_seconds_bucket",
        "chamba_model_info",
    ]:
        assert metric in all_exprs, metric


def test_grafana_provisioning_points_at_the_mounted_dashboards() -> None:
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "chamba.yaml").read_text()
    )["providers"][0]
    mounts = compose()["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_prometheus_scrapes_the_apps_metrics_endpoint() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "chamba")
    app = create_app(get_settings())
    assert job["metrics_path"] in {getattr(route, "path", None) for route in app.routes}
    port = Settings.model_fields["port"].default
    assert job["static_configs"][0]["targets"] == [f"app:{port}"]
    assert config["rule_files"] == ["alerts.yml"]


def test_promtool_accepts_the_rules_and_the_compose_config() -> None:
    promtool = require_tool("promtool")
    for args in (
        ["check", "rules", "alerts.yml"],
        ["check", "config", "prometheus.yml"],
        ["test", "rules", "alerts_test.yml"],  # the alerts fire when they should, and only then
    ):
        result = subprocess.run(
            [promtool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}{result.stderr}"
