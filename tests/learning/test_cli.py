"""``chamba train``, ``chamba evaluate`` and ``chamba models`` on the small demo world."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chamba.cli import app
from chamba.config import get_settings
from chamba.learning import train as train_module
from chamba.learning.evaluate import MIN_SLICE_PEOPLE, MODELS
from chamba.learning.metrics import METRIC_NAMES
from chamba.learning.ranker import RankerConfig
from chamba.learning.registry import ModelRegistry

from .conftest import DemoWorld

runner = CliRunner()


@pytest.fixture
def cli_env(
    demo_world: DemoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    data = tmp_path / "data"
    shutil.copytree(demo_world.gt_dir, data / "demo")
    monkeypatch.setenv("CHAMBA_DATA_DIR", str(data))
    monkeypatch.setenv("CHAMBA_DATABASE_URL", demo_world.url)
    monkeypatch.setattr(train_module, "load_indexes", lambda session, settings: demo_world.indexes)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_train_resume_then_evaluate_and_models_commands(cli_env: Path) -> None:
    settings = get_settings()
    engine = __import__("chamba.db", fromlist=["get_engine"]).get_engine(settings)
    # GIVEN a run interrupted after its dataset step
    partial = train_module.run_pipeline(
        settings, engine, config=RankerConfig(epochs=4), max_people=60, stop_after="dataset"
    )
    assert partial["status"] == "running"
    assert list(partial["steps"]) == ["dataset"]
    # WHEN resumed from the command line
    out = _ok(["train", "--resume", "--max-people", "60"])
    # THEN the same run finishes every step and the model is registered and promoted
    state = json.loads((cli_env / "runs" / f"{partial['run_id']}.json").read_text())
    assert state["status"] == "done"
    assert set(state["steps"]) == set(train_module.STEPS)
    assert state["steps"]["dataset"] == partial["steps"]["dataset"]
    assert len(list((cli_env / "runs").glob("run-*.json"))) == 1
    first = state["steps"]["register"]["version"]
    assert "promoted" in out
    registry = ModelRegistry(cli_env / "models")
    assert registry.serving_version() == first
    meta = registry.info(first).metadata
    assert meta["dataset"]["id"] == state["steps"]["dataset"]["snapshot"]
    assert "ndcg@10" in meta["metrics"]
    assert meta["run_id"] == partial["run_id"]

    # evaluate --output writes report.json (four models, the metric names) and report.html
    _ok(["evaluate", "--output", str(cli_env / "report"), "--max-people", "60"])
    report = json.loads((cli_env / "report" / "report.json").read_text())
    for model in MODELS:
        for name in (*METRIC_NAMES, "coverage", "ece"):
            assert name in report[model], (model, name)
        assert set(report[model]) >= {"interactions", "ground_truth"}
    assert report["primary"] == "ground_truth"
    for source in report["slices"].values():
        for dims in source.values():
            for body in dims.values():
                assert all(r["people"] >= MIN_SLICE_PEOPLE for r in body["slices"].values())
    page = (cli_env / "report" / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 2

    # models list / promote (refused, then forced) / rollback
    registry.register(registry.load(first), {"metrics": {"ndcg@10": -1.0}}, version="ranker-worse")
    listing = json.loads(_ok(["models", "list", "--json"]))
    assert listing["serving"] == first
    assert {m["version"] for m in listing["models"]} == {first, "ranker-worse"}
    refused = runner.invoke(app, ["models", "promote", "ranker-worse"])
    assert refused.exit_code == 1
    assert "refused" in refused.output
    assert registry.serving_version() == first
    _ok(["models", "promote", "ranker-worse", "--force", "--reason", "trial in Cusco"])
    history = registry.pointer()["history"]
    assert history[-1]["forced"]
    assert history[-1]["reason"] == "trial in Cusco"
    assert "ranker-worse" in _ok(["models", "list"])
    assert first in _ok(["models", "rollback"])
    assert registry.serving_version() == first
    missing = runner.invoke(app, ["models", "promote", "ranker-nope"])
    assert missing.exit_code == 1


@pytest.mark.parametrize(
    "args", [["train"], ["evaluate"], ["models"], ["models", "list"], ["models", "promote"],
             ["models", "rollback"]],
)  # fmt: skip
def test_learning_commands_have_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
