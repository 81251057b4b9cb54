"""The admin's model list and promotion over the API: models trained on erased people's data."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.api_fixtures import MakeUser
from tests.support.problems import assert_problem

from chamba.auth.models import Role
from chamba.config import get_settings
from chamba.learning.ranker import RankerNet, TrainedRanker
from chamba.learning.registry import ModelRegistry
from chamba.learning.train import models_dir
from chamba.matching.features import JOB_FEATURES


def _register(snapshot: str) -> tuple[ModelRegistry, str]:
    registry = ModelRegistry(models_dir(get_settings()))
    ranker = TrainedRanker(RankerNet(JOB_FEATURES, (8,), 20), f"api-{uuid.uuid4().hex[:8]}")
    version = registry.register(
        ranker, {"metrics": {"ndcg@10": 0.99}, "dataset": {"id": snapshot}}, version=None
    )
    return registry, version


def test_a_model_trained_on_erased_data_is_listed_as_such_and_not_promoted(
    client: Any, make_user: MakeUser
) -> None:
    # GIVEN a model whose snapshot held a person who has since erased their data, and an admin
    snapshot = uuid.uuid4().hex * 2
    registry, version = _register(snapshot)
    assert registry.mark_trained_on_erased([snapshot]) == [version]
    admin = make_user(Role.ADMIN)
    # WHEN the admin lists the models
    body = client.get("/api/v1/models", headers=admin.headers).json()
    # THEN the model is marked, with why, and the guard says it cannot be promoted
    row = next(m for m in body["models"] if m["version"] == version)
    assert row["dataset"] == snapshot
    assert row["trained_on_erased_data"]["erasures"] == 1
    assert row["promotable"] is False
    assert "ndcg@10" in row
    # WHEN the admin promotes it, even forced with a reason
    refused = client.post(
        f"/api/v1/models/{version}/promote", json={"force": True, "reason": "looks good"},
        headers=admin.headers,
    )  # fmt: skip
    # THEN it is a 409 problem document that says why and what to do
    assert_problem(refused, 409, "erased", "chamba train")
    assert registry.serving_version() != version


def test_a_clean_model_is_promoted_and_the_list_is_for_admins(
    client: Any, make_user: MakeUser
) -> None:
    # GIVEN a clean model, an admin and an analyst
    registry, version = _register(uuid.uuid4().hex * 2)
    before = registry.pointer()
    admin, analyst = make_user(Role.ADMIN), make_user(Role.ANALYST)
    try:
        # WHEN the admin promotes it THEN it serves
        done = client.post(f"/api/v1/models/{version}/promote", json={}, headers=admin.headers)
        assert done.status_code == 200, done.text
        assert done.json()["serving"] == version
        # AND an unknown version is a 404 problem, an analyst a 403
        assert_problem(
            client.post("/api/v1/models/nope/promote", json={}, headers=admin.headers), 404
        )
        assert_problem(client.get("/api/v1/models", headers=analyst.headers), 403)
    finally:
        from chamba.learning.registry import write_json_atomic

        write_json_atomic(registry.pointer_path, before)
