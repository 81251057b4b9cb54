"""The PyTorch ranker: deterministic, and passing the shared scorer checks on synthetic data
with a known right answer (the utility is the rule-based weighted sum)."""

from __future__ import annotations

import numpy as np
import pytest

from chamba.learning.dataset import Dataset
from chamba.learning.ranker import RankerConfig, TrainedRanker, train_ranker
from chamba.matching.features import JOB_FEATURES
from chamba.matching.scoring import JOB_WEIGHTS, get_scorer, register_scorer

from .conftest import FAST, fit

GOOD = {  # as in tests/matching/test_scoring.py: (perfect match, poor match)
    "skill_essential": (1.0, 0.0), "skill_optional": (1.0, 0.0), "skill_matched": (1.0, 0.0),
    "semantic": (0.9, 0.0), "lexical": (0.8, 0.0), "proximity": (1.0, 0.05),
    "distance_km": (1.0, 75.0),
    "remote": (0.0, 0.0), "remote_not_ready": (0.0, 1.0), "wage_fit": (0.9, 0.1),
    "hours_fit": (1.0, 0.3), "slot_overlap": (1.0, 0.0), "education_fit": (1.0, 0.4),
    "occupation_match": (1.0, 0.0), "freshness": (1.0, 0.05), "congestion": (0.0, 3.0),
}  # fmt: skip


def _row(good: bool) -> np.ndarray:
    return np.array([GOOD[n][0 if good else 1] for n in JOB_FEATURES])


@pytest.fixture(scope="module")
def synthetic_ranker() -> TrainedRanker:
    # GIVEN slates of 8 random items whose best item (by a known linear utility) is chosen
    rng = np.random.default_rng(1)
    n_groups, size = 600, 8
    lo, hi = _row(False), _row(True)
    X = lo + rng.random((n_groups * size, len(JOB_FEATURES))) * (hi - lo)
    w = np.array([JOB_WEIGHTS[f] for f in JOB_FEATURES])
    w[JOB_FEATURES.index("distance_km")] = -0.02
    # lexical at its earlier weight: at 30 it would drown skill_essential in 600 slates
    w[JOB_FEATURES.index("lexical")] = 20.0
    utility = X @ w
    group = np.repeat(np.arange(n_groups), size)
    grade = np.zeros(len(X), dtype=np.int64)
    for g in range(n_groups):
        rows = np.flatnonzero(group == g)
        order = rows[np.argsort(-utility[rows])]
        grade[order[0]], grade[order[1]] = 3, 1
    cfg = RankerConfig(epochs=30, seed=3, warm_start=False, lr=3e-3)
    ranker, _ = train_ranker(X, grade, group, np.zeros(len(X), np.int64), config=cfg)
    return ranker


def test_shared_scorer_checks_on_synthetic_data(synthetic_ranker: TrainedRanker) -> None:
    s = synthetic_ranker
    # one finite score per row, deterministic, empty in -> empty out, wrong width refused
    X = np.random.default_rng(0).random((50, len(JOB_FEATURES)))
    out = s.score(X)
    assert out.shape == (50,)
    assert np.all(np.isfinite(out))
    assert np.array_equal(out, s.score(X.copy()))
    assert s.score(np.zeros((0, len(JOB_FEATURES)))).shape == (0,)
    with pytest.raises(ValueError, match="shape"):
        s.score(np.zeros((3, len(JOB_FEATURES) + 1)))
    # the known order: interpolating from poor to perfect ranks exactly best -> worst
    bad, good = _row(False), _row(True)
    items = np.stack([bad + t * (good - bad) for t in np.linspace(0, 1, 6)])[::-1]
    assert np.argsort(-s.score(items), kind="stable").tolist() == list(range(6))
    # the core skill feature is monotone
    Z = np.tile((bad + good) / 2, (5, 1))
    Z[:, JOB_FEATURES.index("skill_essential")] = [0.0, 0.25, 0.5, 0.75, 1.0]
    assert np.all(np.diff(s.score(Z)) > 0)
    # and it can be registered as the jobs scorer
    register_scorer("jobs", s)
    try:
        assert get_scorer("jobs") is s
    finally:
        register_scorer("jobs", None)


def test_same_seed_same_weights_and_scores(demo_dataset: Dataset) -> None:
    # GIVEN two trainings with the same data and seed, and one with another seed
    a = fit(demo_dataset)
    b = fit(demo_dataset)
    c = fit(demo_dataset, RankerConfig(**{**FAST.to_dict(), "hidden": (32, 16), "seed": 8}))
    # THEN identical weights and scores; a different seed differs
    assert a.weights_digest() == b.weights_digest()
    X = demo_dataset.features[:200]
    assert np.array_equal(a.score(X), b.score(X))
    assert a.weights_digest() != c.weights_digest()


def test_weights_round_trip(trained: TrainedRanker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    trained.save_weights(tmp_path / "model.pt")
    again = TrainedRanker.load(tmp_path / "model.pt", "v", trained.config)
    X = np.random.default_rng(2).random((20, len(JOB_FEATURES)))
    assert np.array_equal(again.score(X), trained.score(X))
