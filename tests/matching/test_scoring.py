"""The shared scorer suite: every scorer of every kind, on synthetic features with a known answer.

A trained ranker registered with ``register_scorer`` must pass the same tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from chamba.matching.features import COURSE_FEATURES, JOB_FEATURES
from chamba.matching.scoring import (
    CANDIDATE_WEIGHTS,
    COURSE_WEIGHTS,
    JOB_WEIGHTS,
    KINDS,
    RuleBasedScorer,
    Scorer,
    get_scorer,
    register_scorer,
    rule_based,
)

GOOD = {  # oriented: the value a perfect match has; the bad match has the opposite end
    "skill_essential": (1.0, 0.0), "skill_optional": (1.0, 0.0), "skill_matched": (1.0, 0.0),
    "semantic": (0.9, 0.0), "lexical": (0.8, 0.0), "proximity": (1.0, 0.05),
    "distance_km": (1.0, 75.0),
    "remote": (0.0, 0.0), "remote_not_ready": (0.0, 1.0), "wage_fit": (0.9, 0.1),
    "hours_fit": (1.0, 0.3), "slot_overlap": (1.0, 0.0), "education_fit": (1.0, 0.4),
    "occupation_match": (1.0, 0.0), "freshness": (1.0, 0.05), "congestion": (0.0, 3.0),
    "skill_gap": (1.0, 0.0), "demand": (1.0, 0.0), "new_skills": (1.0, 0.0),
    "cost_fit": (1.0, 0.0), "free": (1.0, 0.0), "access": (1.0, 0.0), "education": (1.0, 0.0),
}  # fmt: skip


def _names(kind: str) -> tuple[str, ...]:
    return COURSE_FEATURES if kind == "courses" else JOB_FEATURES


def _row(kind: str, good: bool) -> np.ndarray:
    return np.array([GOOD[n][0 if good else 1] for n in _names(kind)], dtype=np.float64)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def scorer(kind: str) -> Scorer:
    return get_scorer(kind)  # type: ignore[arg-type]


def test_scores_one_finite_value_per_row(kind: str, scorer: Scorer) -> None:
    # GIVEN 50 random feature rows
    X = np.random.default_rng(0).random((50, len(_names(kind))))
    # WHEN scored
    out = scorer.score(X)
    # THEN one finite float per row, deterministic
    assert out.shape == (50,)
    assert np.all(np.isfinite(out))
    assert np.array_equal(out, scorer.score(X.copy()))
    assert scorer.version
    assert tuple(scorer.features) == _names(kind)


def test_empty_batch_gives_empty_scores(kind: str, scorer: Scorer) -> None:
    assert scorer.score(np.zeros((0, len(_names(kind))))).shape == (0,)


def test_perfect_match_beats_poor_match(kind: str, scorer: Scorer) -> None:
    # GIVEN a row that is good on every feature and one that is poor on every feature
    X = np.stack([_row(kind, good=False), _row(kind, good=True)])
    # WHEN scored
    out = scorer.score(X)
    # THEN the good one wins
    assert out[1] > out[0]


def test_known_order_on_synthetic_items(kind: str, scorer: Scorer) -> None:
    # GIVEN items that interpolate from poor to perfect (the right answer: that order)
    bad, good = _row(kind, good=False), _row(kind, good=True)
    X = np.stack([bad + t * (good - bad) for t in np.linspace(0, 1, 6)])[::-1]  # best first
    # WHEN ranked by score
    order = np.argsort(-scorer.score(X), kind="stable")
    # THEN the ranking is exactly best -> worst
    assert order.tolist() == list(range(6))


def test_core_skill_feature_is_monotone(kind: str, scorer: Scorer) -> None:
    names = _names(kind)
    feature = "skill_gap" if kind == "courses" else "skill_essential"
    # GIVEN identical rows except for the core skill feature
    X = np.tile(np.full(len(names), 0.5), (5, 1))
    X[:, names.index(feature)] = [0.0, 0.25, 0.5, 0.75, 1.0]
    # WHEN scored
    out = scorer.score(X)
    # THEN more coverage always scores higher
    assert np.all(np.diff(out) > 0)


def test_wrong_width_is_refused(kind: str, scorer: Scorer) -> None:
    with pytest.raises(ValueError, match="shape"):
        scorer.score(np.zeros((3, len(_names(kind)) + 1)))


def test_weights_cover_only_known_features() -> None:
    assert set(JOB_WEIGHTS) == set(JOB_FEATURES)
    assert set(CANDIDATE_WEIGHTS) == set(JOB_FEATURES)
    assert set(COURSE_WEIGHTS) == set(COURSE_FEATURES)
    with pytest.raises(ValueError, match="unknown"):
        RuleBasedScorer(("a",), {"b": 1.0}, "x")


def test_register_scorer_swaps_and_restores() -> None:
    # GIVEN a trivial "trained" scorer for jobs
    class Constant:
        version = "constant-v0"
        features = JOB_FEATURES

        def score(self, features: np.ndarray) -> np.ndarray:
            return np.zeros(len(features))

    # WHEN registered, THEN it serves; after unregistering the rule-based scorer is back
    register_scorer("jobs", Constant())
    try:
        assert get_scorer("jobs").version == "constant-v0"
    finally:
        register_scorer("jobs", None)
    assert get_scorer("jobs").version == rule_based("jobs").version
    with pytest.raises(ValueError, match="features"):
        register_scorer("courses", Constant())


def test_floors_make_a_feature_count_only_above_them() -> None:
    scorer = RuleBasedScorer(("a", "b"), {"a": 2.0, "b": 1.0}, "toy", {"a": 0.25})
    out = scorer.score(np.array([[0.1, 0.0], [0.25, 0.0], [0.75, 0.0], [0.1, 1.0]]))
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="unknown"):
        RuleBasedScorer(("a",), {"a": 1.0}, "toy", {"b": 0.5})


def _job_row(**values: float) -> np.ndarray:
    row = np.array(
        [0.5 if n.endswith("_fit") or n == "slot_overlap" else 0.0 for n in JOB_FEATURES]
    )
    for name, value in values.items():
        row[JOB_FEATURES.index(name)] = value
    return row


def test_stray_word_overlaps_do_not_reorder_jobs() -> None:
    # GIVEN two jobs alike but for a stray shared word (lexical 0.1, as short self-descriptions
    # give on the demo) and a place: one next door, one 20 km away
    near = _job_row(lexical=0.0, proximity=1.0, semantic=0.4)
    stray = _job_row(lexical=0.1, proximity=0.45, semantic=0.4)
    # WHEN the job ranking scores them, THEN the nearer one wins
    out = get_scorer("jobs").score(np.stack([near, stray]))
    assert out[0] > out[1]


def test_a_clearly_better_text_match_outweighs_a_nearer_job() -> None:
    # GIVEN (as in bench_known_item.py) the posting whose words a person wrote, 96 km away, and a
    # near-copy with fewer of those words next door
    source = _job_row(lexical=0.55, proximity=0.02, semantic=0.45, freshness=0.8)
    nearby = _job_row(lexical=0.50, proximity=0.92, semantic=0.45, freshness=0.8)
    # THEN the person's own posting ranks first
    out = get_scorer("jobs").score(np.stack([source, nearby]))
    assert out[0] > out[1]
