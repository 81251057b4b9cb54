"""Shared helpers of the deployment-file tests: paths, YAML loading, PromQL metric names."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"

#: Series Prometheus makes itself, allowed in queries besides the app's own metrics.
PROMETHEUS_BUILTINS = frozenset({"up"})
_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
    | {"and", "or", "unless", "inf", "nan", "atan2"}
)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_objects() -> dict[str, dict[str, Any]]:
    """Every object of deploy/k8s, keyed ``Kind/name``."""
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in load_yaml_documents(path):
            if "kind" in doc and doc.get("apiVersion") != "kustomize.config.k8s.io/v1beta1":
                objects[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return objects


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def dashboard_queries() -> list[tuple[str, str]]:
    """``(dashboard file: panel title, PromQL)`` of every Grafana panel target."""
    queries = []
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                queries.append((f"{path.name}: {panel['title']}", target["expr"]))
    return queries


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords and labels dropped).

    Example:
        >>> sorted(promql_metric_names('sum by (le) (rate(a_bucket{x="y"}[5m])) / b offset 1d'))
        ['a_bucket', 'b']
    """
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors
    text = re.sub(r"\$\w+", " ", text)  # Grafana variables
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # label lists
    names = set()
    for match in re.finditer(r"(?<![\w:.])([A-Za-z_:][\w:]*)\s*(\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def exported_series_names() -> set[str]:
    """Every series name the app exports (histograms with their three series)."""
    from chamba.observability.metrics import Metrics

    names = set()
    for name, (kind, _) in Metrics(version="test").catalogue().items():
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        else:
            names.add(name)
    return names


def require_tool(name: str) -> str:
    """A Prometheus tool's path: skips where missing, fails in CI (test.sh installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (scripts/test.sh installs Debian's prometheus)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
