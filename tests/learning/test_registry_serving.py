"""Registry promotion guard and rollback; serving hot reload and safe fallback."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from chamba.config import load_settings
from chamba.learning.errors import NothingToRollBack, PromotionRefused
from chamba.learning.ranker import TrainedRanker
from chamba.learning.registry import ModelRegistry
from chamba.learning.serving import ServingRanker, install_serving, uninstall_serving
from chamba.matching.features import JOB_FEATURES
from chamba.matching.scoring import get_scorer, rule_based

X = np.random.default_rng(5).random((12, len(JOB_FEATURES)))


def _register(reg: ModelRegistry, ranker: TrainedRanker, version: str, ndcg: float) -> str:
    return reg.register(ranker, {"metrics": {"ndcg@10": ndcg}}, version=version)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models")


def test_promotion_guard_refuses_worse_and_force_is_logged(
    registry: ModelRegistry, trained: TrainedRanker, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a serving model with NDCG@10 0.70 and a worse candidate (0.60)
    _register(registry, trained, "ranker-a", 0.70)
    _register(registry, trained, "ranker-b", 0.60)
    _register(registry, trained, "ranker-c", 0.75)
    registry.promote("ranker-a")
    # WHEN promoting the worse one, THEN it is refused and nothing changes
    with pytest.raises(PromotionRefused, match="worse"):
        registry.promote("ranker-b")
    assert registry.serving_version() == "ranker-a"
    # WHEN forced with a reason, THEN it serves and the history records force and reason
    with caplog.at_level(logging.WARNING, logger="chamba.learning.registry"):
        doc = registry.promote("ranker-b", force=True, reason="hotfix for Loreto")
    assert doc["current"] == "ranker-b"
    last = doc["history"][-1]
    assert last["forced"] is True
    assert last["reason"] == "hotfix for Loreto"
    assert any("forced promotion" in r.message for r in caplog.records)
    # a better one is promoted without force
    registry.promote("ranker-c")
    assert registry.serving_version() == "ranker-c"
    # rollback walks back: c -> b -> a -> rule-based
    assert registry.rollback()["current"] == "ranker-b"
    assert registry.rollback()["current"] == "ranker-a"
    assert registry.rollback()["current"] is None
    with pytest.raises(NothingToRollBack):
        registry.rollback()
    pointer = json.loads(registry.pointer_path.read_text())
    assert [h["action"] for h in pointer["history"]].count("rollback") == 3


def test_metadata_records_what_made_the_model(
    registry: ModelRegistry, trained: TrainedRanker
) -> None:
    version = registry.register(trained, {"dataset": {"id": "abc"}, "metrics": {"ndcg@10": 0.5}})
    meta = registry.info(version).metadata
    assert meta["version"] == version
    assert meta["features"] == list(JOB_FEATURES)
    assert meta["dataset"]["id"] == "abc"
    assert meta["hyper_parameters"]["seed"] == trained.config.seed
    assert meta["code_version"].startswith("0.")
    assert (registry.root / version / "model.pt").is_file()


def test_serving_hot_reloads_a_promotion_without_restart(
    registry: ModelRegistry, trained: TrainedRanker
) -> None:
    # GIVEN a serving ranker with nothing promoted: the rule-based scorer answers
    serving = ServingRanker(registry.root, check_interval=0)
    assert serving.version == rule_based("jobs").version
    assert np.array_equal(serving.score(X), rule_based("jobs").score(X))
    # WHEN a model is promoted
    _register(registry, trained, "ranker-hot", 0.7)
    registry.promote("ranker-hot")
    # THEN the next call serves it
    assert np.array_equal(serving.score(X), trained.score(X))
    assert serving.version == "ranker-hot"
    # AND a rollback goes back to rule-based, also without restart
    registry.rollback()
    os.utime(registry.pointer_path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert np.array_equal(serving.score(X), rule_based("jobs").score(X))
    stats = serving.stats.snapshot()
    assert stats["score_count"] == 3 * len(X)


def test_corrupt_weights_fall_back_with_an_error_and_never_fail(
    registry: ModelRegistry, trained: TrainedRanker, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a good model serving, then a second promoted model whose weights are corrupted
    _register(registry, trained, "ranker-good", 0.7)
    registry.promote("ranker-good")
    serving = ServingRanker(registry.root, check_interval=0)
    assert serving.version == "ranker-good"
    _register(registry, trained, "ranker-bad", 0.8)
    (registry.root / "ranker-bad" / "model.pt").write_bytes(b"not a torch file")
    registry.promote("ranker-bad")
    # WHEN scoring
    with caplog.at_level(logging.ERROR, logger="chamba.learning.serving"):
        out = serving.score(X)
    # THEN the last good model still answers, and an ERROR was logged
    assert np.array_equal(out, trained.score(X))
    assert serving.version == "ranker-good"
    assert any(
        r.levelno == logging.ERROR and "ranker-bad" in r.getMessage() for r in caplog.records
    )
    # AND a fresh process with only the corrupt model serves the rule-based scorer
    fresh = ServingRanker(registry.root, check_interval=0)
    assert fresh.version == rule_based("jobs").version
    assert np.array_equal(fresh.score(X), rule_based("jobs").score(X))
    # AND a missing weights file is handled the same way
    (registry.root / "ranker-bad" / "model.pt").unlink()
    assert ServingRanker(registry.root).score(X).shape == (len(X),)


def test_install_serving_registers_the_jobs_scorer(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    ranker = install_serving(settings, check_interval=0)
    try:
        assert get_scorer("jobs") is ranker
        assert ranker.score(X).shape == (len(X),)
    finally:
        uninstall_serving()
    assert get_scorer("jobs").version == rule_based("jobs").version


def test_serving_feeds_the_model_metrics(registry: ModelRegistry, trained: TrainedRanker) -> None:
    from chamba.observability.metrics import Metrics

    # GIVEN the app's metrics and a promoted model
    metrics = Metrics(version="test")
    _register(registry, trained, "ranker-metrics", 0.7)
    registry.promote("ranker-metrics")
    # WHEN serving starts
    serving = ServingRanker(registry.root, metrics=metrics)
    # THEN the model version and promotion time are exported
    text = metrics.exposition().decode()
    assert 'chamba_model_info{kind="jobs",version="ranker-metrics"} 1.0' in text
    assert 'chamba_model_promoted_timestamp_seconds{kind="jobs"}' in text
    # AND the online feedback rate is positive feedback per shown recommendation
    serving.stats.record_shown(10)
    for kind in ("applied", "dismissed", "saved"):
        serving.stats.record_feedback(kind)
    assert serving.stats.feedback_rate() == pytest.approx(0.2)
