"""/metrics: requests counted by route template and status, a registry per app, docs in step."""

from __future__ import annotations

import re
from pathlib import Path

import prometheus_client
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

import chamba
from chamba.api.app import create_app
from chamba.config import get_settings
from chamba.observability.metrics import Metrics

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def requests_of(values: dict, route: str, status: str, method: str = "GET") -> float:
    key = frozenset({("method", method), ("route", route), ("status", status)})
    return values.get(("chamba_http_requests_total", key), 0.0)


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    # GIVEN two lookups of different unknown skills, a health check and a path nobody serves
    client.get("/api/v1/skills/no-such-skill")
    client.get("/api/v1/skills/another-missing-one")
    client.get("/health")
    client.get("/wp-admin/setup.php?token=secret")
    # WHEN Prometheus scrapes
    values = samples(client)
    # THEN both lookups are one series, labelled by the template, not the path
    assert requests_of(values, "/api/v1/skills/{skill_id}", "404") == 2
    assert requests_of(values, "/health", "200") == 1
    assert requests_of(values, "unmatched", "404") == 1
    routes = {dict(labels).get("route") for (_, labels) in values}
    assert not any(r and ("no-such-skill" in r or "wp-admin" in r) for r in routes)
    # AND latency is observed under the same template
    count = values[
        (
            "chamba_http_request_duration_seconds_count",
            frozenset({("method", "GET"), ("route", "/api/v1/skills/{skill_id}")}),
        )
    ]
    assert count == 2


def test_static_files_are_counted_under_their_mount(client: TestClient) -> None:
    client.get("/static/no-such-file.css")
    client.get("/static/another/missing.js")
    values = samples(client)
    assert requests_of(values, "/static/{path}", "404") == 2
    assert requests_of(values, "unmatched", "404") == 0


def test_a_crashing_handler_is_counted_as_500(app: FastAPI, client: TestClient) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    response = client.get("/boom")
    assert response.status_code == 500
    assert requests_of(samples(client), "/boom", "500") == 1


def test_exposition_has_every_declared_metric_and_build_info(client: TestClient) -> None:
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    # Counters are parsed without their _total suffix.
    assert {"chamba_http_requests", "chamba_applications", "chamba_model_info"} <= set(families)
    build = families["chamba_build_info"].samples
    assert [(s.labels, s.value) for s in build] == [({"version": chamba.__version__}, 1.0)]


def test_metrics_endpoint_is_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/metrics" not in paths
    assert "/health" in paths


def test_two_apps_in_one_process_have_separate_registries(obs_engine: Engine) -> None:
    # GIVEN two apps (building the second must not raise "Duplicated timeseries")
    first = create_app(get_settings(), obs_engine)
    second = create_app(get_settings(), obs_engine)
    assert first.state.metrics.registry is not second.state.metrics.registry
    # WHEN one of them counts an application
    first.state.metrics.applications.inc()
    # THEN the other is untouched, and nothing leaked into the process-wide registry
    assert second.state.metrics.registry.get_sample_value("chamba_applications_total") == 0
    assert first.state.metrics.registry.get_sample_value("chamba_applications_total") == 1
    global_names = {f.name for f in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("chamba_") for name in global_names)


def test_set_model_keeps_one_serving_version_per_kind() -> None:
    metrics = Metrics(version="test")
    metrics.set_model("ranker", "v1", promoted_at=1000.0)
    metrics.set_model("ranker", "v2", promoted_at=2000.0)
    metrics.set_model("encoder", "use-v3")
    reg = metrics.registry
    assert reg.get_sample_value("chamba_model_info", {"version": "v1", "kind": "ranker"}) is None
    assert reg.get_sample_value("chamba_model_info", {"version": "v2", "kind": "ranker"}) == 1
    assert reg.get_sample_value("chamba_model_info", {"version": "use-v3", "kind": "encoder"}) == 1
    promoted = reg.get_sample_value("chamba_model_promoted_timestamp_seconds", {"kind": "ranker"})
    assert promoted == 2000.0


def _documented() -> dict[str, tuple[str, set[str]]]:
    rows = re.findall(
        r"^\| `(chamba_[a-z_]+)` \| (\w+) \| ([^|]*) \|", DOCS.read_text(), flags=re.MULTILINE
    )
    return {name: (kind, set(re.findall(r"`(\w+)`", labels))) for name, kind, labels in rows}


def test_every_metric_is_documented_with_its_type_and_labels_and_nothing_else() -> None:
    metrics = Metrics(version="docs")
    actual = {name: (kind, set(labels)) for name, (kind, labels) in metrics.catalogue().items()}
    assert _documented() == actual
    # ... and the catalogue is exactly what the registry exports.
    exported = {
        f.name + "_total" if f.type == "counter" else f.name: f.type
        for f in metrics.registry.collect()
    }
    assert exported == {name: kind for name, (kind, _) in actual.items()}


@pytest.mark.parametrize("name", sorted(_documented()))
def test_metric_names_follow_prometheus_conventions(name: str) -> None:
    kind, _ = _documented()[name]
    assert name.startswith("chamba_")
    assert (kind == "counter") == name.endswith("_total")


def test_a_list_of_scores_is_recorded_as_if_each_was_observed() -> None:
    import numpy as np
    from prometheus_client import CollectorRegistry, Histogram

    from chamba.observability.serving import SCORE_BUCKETS

    # scores below, on and between the bucket bounds, and past the last one
    scores = np.array([-9.0, -4.0, -3.5, 0.0, 0.25, 1.0, 2.5, 4.0, 6.0, 7.75, 12.0, 40.0, 0.25])
    metrics = Metrics(version="test")
    metrics.observe_scores("jobs", scores)
    metrics.observe_scores("jobs", scores[:3].tolist())  # any iterable of floats
    registry = CollectorRegistry()
    one_by_one = Histogram("chamba_model_score", "x", ["kind"], buckets=SCORE_BUCKETS,
                           registry=registry)  # fmt: skip
    for score in [*scores.tolist(), *scores[:3].tolist()]:
        one_by_one.labels(kind="jobs").observe(score)

    def samples(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
        return {
            (s.name, s.labels.get("le", "")): s.value
            for family in registry.collect()
            if family.name == "chamba_model_score"
            for s in family.samples
            if not s.name.endswith("_created")
        }

    assert samples(metrics.registry) == samples(registry)
