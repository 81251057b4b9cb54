"""A person's erasure reaches the dataset snapshots under the data directory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from chamba.events.schemas import PersonErased, PersonPayload
from chamba.learning.consumers import DatasetPurgeConsumer
from chamba.learning.errors import PromotionRefused, TrainedOnErasedData
from chamba.learning.registry import ModelRegistry


def _snapshot(root: Path, name: str, people: list[int]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    np.savez(folder / "arrays.npz", person_id=np.array(people, dtype=np.int64))
    (folder / "metadata.json").write_text("{}")
    return folder


def test_snapshots_holding_an_erased_person_are_deleted_and_others_kept(
    tmp_path: Path, session: Session
) -> None:
    # GIVEN two snapshots, one with examples of person 7
    holding = _snapshot(tmp_path, "a" * 64, [3, 7, 7, 9])
    other = _snapshot(tmp_path, "b" * 64, [3, 9])
    # WHEN the erasure event of person 7 is handled (after its commit)
    consumer = DatasetPurgeConsumer(tmp_path)
    after = consumer.handle(session, PersonErased(payload=PersonPayload(person_id=7)))
    assert after is not None
    after()
    # THEN the snapshot holding 7 is gone, the other stays
    assert not holding.exists()
    assert other.exists()


def test_a_missing_datasets_folder_is_nothing_to_purge(tmp_path: Path, session: Session) -> None:
    consumer = DatasetPurgeConsumer(tmp_path / "none")
    after = consumer.handle(session, PersonErased(payload=PersonPayload(person_id=1)))
    assert after is not None
    after()


# ----------------------------------------------------------------------------- trained models


def _model(registry: ModelRegistry, version: str, snapshot: str | None, ndcg: float) -> str:
    from chamba.learning.ranker import RankerNet, TrainedRanker
    from chamba.matching.features import JOB_FEATURES

    ranker = TrainedRanker(RankerNet(JOB_FEATURES, (8,), 20), version)
    meta: dict[str, object] = {"metrics": {"ndcg@10": ndcg}}
    if snapshot is not None:
        meta["dataset"] = {"id": snapshot}
    return registry.register(ranker, meta, version=version)


def test_models_trained_on_an_erased_person_are_marked_and_never_served_again(
    tmp_path: Path, session: Session
) -> None:
    # GIVEN snapshot a (holds person 7) and b (does not), a serving model trained on a, an
    # older one on a too, and a model trained on b that is worse than the serving one
    datasets, registry = tmp_path / "datasets", ModelRegistry(tmp_path / "models")
    _snapshot(datasets, "a" * 64, [3, 7])
    _snapshot(datasets, "b" * 64, [3, 9])
    _model(registry, "ranker-old", "a" * 64, 0.70)
    _model(registry, "ranker-a", "a" * 64, 0.80)
    _model(registry, "ranker-b", "b" * 64, 0.60)
    registry.promote("ranker-old")
    registry.promote("ranker-a")
    assert registry.info("ranker-a").dataset_id == "a" * 64
    with pytest.raises(PromotionRefused, match="worse"):
        registry.promote("ranker-b")
    # WHEN person 7's erasure is handled
    after = DatasetPurgeConsumer(datasets, tmp_path / "models").handle(
        session, PersonErased(payload=PersonPayload(person_id=7))
    )
    assert after is not None
    after()
    # THEN the two models trained on a are marked, the one on b is not
    mark = registry.info("ranker-a").trained_on_erased_data
    assert mark is not None
    assert mark["erasures"] == 1
    assert "erased" in mark["why"]
    assert registry.info("ranker-old").trained_on_erased_data is not None
    assert registry.info("ranker-b").trained_on_erased_data is None
    # AND a marked model is never promoted again, not even forced
    with pytest.raises(TrainedOnErasedData, match="chamba train"):
        registry.promote("ranker-old", force=True, reason="it was fine")
    assert registry.check_promotion("ranker-old")[0] is False
    # AND rolling back skips it: the rule-based scorer serves rather than ranker-old
    assert registry.rollback()["current"] is None
    registry.promote("ranker-b")  # nothing serves: b is accepted
    # AND while a marked model serves, a clean one replaces it whatever its metrics
    pointer = registry.pointer()
    pointer["current"] = "ranker-a"
    (tmp_path / "models" / "serving.json").write_text(json.dumps(pointer))
    ok, why = registry.check_promotion("ranker-b")
    assert ok
    assert "erased" in why
    assert registry.promote("ranker-b")["current"] == "ranker-b"


def test_a_model_whose_snapshot_is_gone_or_unknown_is_marked_too(
    tmp_path: Path, session: Session
) -> None:
    # GIVEN a model whose snapshot was deleted, one with no recorded snapshot, one on a kept one
    datasets, registry = tmp_path / "datasets", ModelRegistry(tmp_path / "models")
    _snapshot(datasets, "c" * 64, [1])
    _model(registry, "ranker-gone", "d" * 64, 0.5)
    _model(registry, "ranker-unknown", None, 0.5)
    _model(registry, "ranker-kept", "c" * 64, 0.5)
    # WHEN someone in none of the kept snapshots erases their data
    after = DatasetPurgeConsumer(datasets, tmp_path / "models").handle(
        session, PersonErased(payload=PersonPayload(person_id=99))
    )
    assert after is not None
    after()
    # THEN nothing shows they were not in the lost snapshot: those models are marked
    assert registry.info("ranker-gone").trained_on_erased_data is not None
    assert registry.info("ranker-unknown").trained_on_erased_data is not None
    assert registry.info("ranker-kept").trained_on_erased_data is None
