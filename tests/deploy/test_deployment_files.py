"""Dockerfile, compose and Kubernetes manifests parse and agree with the app and each other."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from tests.deploy.conftest import DEPLOY, K8S, ROOT, compose, k8s_objects, load_yaml_documents

from chamba.api.app import create_app
from chamba.config import ENV_PREFIX, Settings, get_settings

SETTINGS_VARIABLES = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def app_paths() -> set[str]:
    routes = create_app(get_settings()).routes
    return {path for route in routes if (path := getattr(route, "path", None))}


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    objects = k8s_objects()
    deployment = objects["Deployment/chamba"]["spec"]["template"]["spec"]
    cronjob = objects["CronJob/chamba-retrain"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    worker = objects["Deployment/chamba-worker"]["spec"]["template"]["spec"]
    return [
        ("Deployment/chamba", deployment),
        ("CronJob/chamba-retrain", cronjob),
        ("Deployment/chamba-worker", worker),
    ]


def test_dockerfile_is_multi_stage_and_runs_as_an_unprivileged_user() -> None:
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\w+)", DOCKERFILE, flags=re.MULTILINE | re.I)
    assert [image for image, _ in stages] == ["python:3.11-slim", "python:3.11-slim"]
    assert "COPY --from=builder" in DOCKERFILE
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert users[-1].split(":")[0] == "10001"
    assert re.search(r"^EXPOSE\s+8000\b", DOCKERFILE, flags=re.MULTILINE)
    assert "HEALTHCHECK" in DOCKERFILE
    assert "/health" in DOCKERFILE
    assert "-c requirements/constraints.txt" in DOCKERFILE
    assert '"chamba", "serve", "--host", "0.0.0.0", "--port", "8000"' in DOCKERFILE


def test_dockerfile_installs_the_torch_version_pyproject_pins() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch_pin = next(d for d in deps if d.startswith("torch=="))
    assert f'"{torch_pin}"' in DOCKERFILE


def test_compose_runs_the_whole_stack_with_one_image() -> None:
    services = compose()["services"]
    assert {"app", "worker", "postgres", "kafka", "prometheus", "grafana"} <= set(services)
    assert services["app"]["image"] == services["worker"]["image"]
    assert services["app"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["worker"]["command"][:2] == ["chamba", "worker"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "./prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    port = Settings.model_fields["port"].default
    assert f"{port}:{port}" in services["app"]["ports"]


def test_compose_has_no_default_monitoring_password_and_keeps_prometheus_local() -> None:
    services = compose()["services"]
    password = services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password.startswith("${GRAFANA_ADMIN_PASSWORD:?")  # no default: compose refuses
    assert all(str(p).startswith("127.0.0.1:") for p in services["prometheus"]["ports"])


def test_compose_sets_only_real_settings() -> None:
    for name, service in compose()["services"].items():
        env = service.get("environment") or {}
        chamba_vars = {key for key in env if key.startswith(ENV_PREFIX)}
        assert chamba_vars <= SETTINGS_VARIABLES, f"{name}: {chamba_vars - SETTINGS_VARIABLES}"


def test_kubernetes_manifests_parse_and_kustomization_lists_them_all() -> None:
    kustomization = load_yaml_documents(K8S / "kustomization.yaml")[0]
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    kinds = {key.split("/")[0] for key in k8s_objects()}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "CronJob",
        "ConfigMap",
        "Secret",
    } <= kinds


def test_kubernetes_runs_the_compose_image_on_the_settings_port() -> None:
    image = compose()["services"]["app"]["image"]
    default_port = Settings.model_fields["port"].default
    for where, spec in pod_specs():
        for container in spec["containers"]:
            assert container["image"] == image, where
    api = pod_specs()[0][1]["containers"][0]
    assert [p["containerPort"] for p in api["ports"]] == [default_port]
    service = k8s_objects()["Service/chamba"]["spec"]
    assert service["ports"][0]["targetPort"] == api["ports"][0]["name"]
    assert service["selector"].items() <= (
        k8s_objects()["Deployment/chamba"]["spec"]["template"]["metadata"]["labels"].items()
    )
    scrape = k8s_objects()["Deployment/chamba"]["spec"]["template"]["metadata"]["annotations"]
    assert scrape["prometheus.io/port"] == str(default_port)
    assert scrape["prometheus.io/path"] in app_paths()


def test_probes_ask_a_path_the_app_serves() -> None:
    api = pod_specs()[0][1]["containers"][0]
    probes = [api[name] for name in ("startupProbe", "readinessProbe", "livenessProbe")]
    paths = app_paths()
    for probe in probes:
        assert probe["httpGet"]["path"] == "/health"
        assert probe["httpGet"]["path"] in paths
        assert probe["httpGet"]["port"] in {"http", api["ports"][0]["containerPort"]}


@pytest.mark.parametrize(
    "where", ["Deployment/chamba", "CronJob/chamba-retrain", "Deployment/chamba-worker"]
)
def test_pods_run_as_non_root_with_a_read_only_root(where: str) -> None:
    spec = dict(pod_specs())[where]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001
    for container in spec["containers"]:
        ctx = container["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False
        assert ctx["readOnlyRootFilesystem"] is True
        assert ctx["capabilities"]["drop"] == ["ALL"]
        assert "memory" in container["resources"]["limits"]
        assert container["resources"]["requests"]["cpu"]


def test_every_environment_variable_is_a_real_setting() -> None:
    objects = k8s_objects()
    names = set(objects["ConfigMap/chamba-config"]["data"])
    names |= set(objects["Secret/chamba-secrets"]["stringData"])
    for _, spec in pod_specs():
        for container in spec["containers"]:
            names |= {env["name"] for env in container.get("env", [])}
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                kind = "ConfigMap" if "configMapRef" in source else "Secret"
                assert f"{kind}/{ref['name']}" in objects
    assert names <= SETTINGS_VARIABLES, names - SETTINGS_VARIABLES
    assert {"CHAMBA_SECRET_KEY", "CHAMBA_DATABASE_URL"} <= set(
        objects["Secret/chamba-secrets"]["stringData"]
    )


def test_the_secret_placeholders_cannot_start_an_app() -> None:
    from chamba.config import SettingsError, load_settings

    secret = k8s_objects()["Secret/chamba-secrets"]["stringData"]
    with pytest.raises(SettingsError, match="CHAMBA_SECRET_KEY"):
        load_settings(env="production", secret_key=secret["CHAMBA_SECRET_KEY"])


def test_autoscaler_and_ingress_point_at_the_api() -> None:
    objects = k8s_objects()
    hpa = objects["HorizontalPodAutoscaler/chamba"]["spec"]
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "chamba"}
    assert hpa["scaleTargetRef"] == target
    assert hpa["minReplicas"] >= 2
    backends = [
        path["backend"]["service"]
        for rule in objects["Ingress/chamba"]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends
    assert all(b["name"] == "chamba" for b in backends)


def test_retraining_cronjob_runs_chamba_train() -> None:
    cron = k8s_objects()["CronJob/chamba-retrain"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    container = pod_specs()[1][1]["containers"][0]
    assert container["args"] == ["chamba", "train"]


def test_worker_runs_the_relay_with_its_metrics_port() -> None:
    # GIVEN the worker Deployment and the compose worker service
    worker = k8s_objects()["Deployment/chamba-worker"]["spec"]
    container = worker["template"]["spec"]["containers"][0]
    # THEN exactly one relay runs, and it serves the metrics its probe and scrape annotation use
    assert worker["replicas"] == 1
    assert container["args"][:2] == ["chamba", "worker"]
    port = container["args"][container["args"].index("--metrics-port") + 1]
    assert container["ports"][0]["containerPort"] == int(port)
    assert worker["template"]["metadata"]["annotations"]["prometheus.io/port"] == port
    assert container["livenessProbe"]["httpGet"]["port"] == container["ports"][0]["name"]
    assert compose()["services"]["worker"]["command"][:2] == ["chamba", "worker"]
    assert "profiles" not in compose()["services"]["worker"]
