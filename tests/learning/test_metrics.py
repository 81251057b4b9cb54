"""Evaluation arithmetic on small cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chamba.learning.metrics import (
    average_precision,
    coverage,
    dcg_at_k,
    expected_calibration_error,
    ndcg_at_k,
    platt_apply,
    platt_fit,
    precision_at_k,
    query_metrics,
    rank_order,
    recall_at_k,
    reciprocal_rank,
)


def test_ndcg_with_graded_gains() -> None:
    # GIVEN gains [3, 0, 2] in ranked order (ideal order: 3, 2, 0)
    ranked = np.array([3.0, 0.0, 2.0])
    dcg = 7 / math.log2(2) + 0 / math.log2(3) + 3 / math.log2(4)  # 7 + 1.5
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 0
    # THEN
    assert dcg_at_k(ranked, 10) == pytest.approx(dcg)
    assert ndcg_at_k(ranked, ranked, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(np.array([3.0, 2.0, 0.0]), ranked, 10) == pytest.approx(1.0)
    # k cuts both the ranking and the ideal
    assert ndcg_at_k(ranked, ranked, 1) == pytest.approx(1.0)
    assert ndcg_at_k(np.zeros(3), np.zeros(3), 10) == 0.0


def test_map_mrr_recall_precision() -> None:
    rel = np.array([False, True, False, True, False])  # hits at ranks 2 and 4
    assert average_precision(rel) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert reciprocal_rank(rel) == pytest.approx(0.5)
    assert recall_at_k(rel, 2) == pytest.approx(0.5)
    assert recall_at_k(rel, 50) == pytest.approx(1.0)
    assert precision_at_k(rel, 1) == 0.0
    assert precision_at_k(rel, 5) == pytest.approx(2 / 5)
    assert precision_at_k(rel, 10) == pytest.approx(2 / 10)  # short list: misses count
    nothing = np.zeros(4, dtype=bool)
    assert (average_precision(nothing), reciprocal_rank(nothing), recall_at_k(nothing, 10)) == (
        0.0,
        0.0,
        0.0,
    )


def test_query_metrics_ranks_by_score_then_id() -> None:
    # GIVEN tied scores: ids break ties (ascending)
    scores = np.array([1.0, 1.0, 5.0])
    ids = np.array([9, 3, 7])
    assert rank_order(scores, ids).tolist() == [2, 1, 0]
    m = query_metrics(scores, ids, np.array([0.0, 1.0, 0.0]), np.array([False, True, False]))
    assert m["mrr"] == pytest.approx(0.5)
    assert m["precision@1"] == 0.0
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_coverage() -> None:
    assert coverage([[1, 2, 3], [3, 4]], 8) == pytest.approx(4 / 8)
    assert coverage([], 0) == 0.0


def test_expected_calibration_error() -> None:
    # bin [0.1, 0.2): p=0.1 x2, outcomes 0,1 -> |0.5 - 0.1| = 0.4, weight 2/4
    # bin [0.9, 1.0]: p=0.9 x2, outcomes 1,1 -> |1 - 0.9| = 0.1, weight 2/4
    p = np.array([0.1, 0.1, 0.9, 0.9])
    y = np.array([0, 1, 1, 1])
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    assert expected_calibration_error(np.array([1.0, 0.0]), np.array([1, 0])) == 0.0


def test_platt_scaling_recovers_a_logistic_relation() -> None:
    rng = np.random.default_rng(0)
    s = rng.normal(size=4000)
    y = rng.random(4000) < 1 / (1 + np.exp(-(2.0 * s - 1.0)))
    a, b = platt_fit(s, y)
    assert a == pytest.approx(2.0, abs=0.25)
    assert b == pytest.approx(-1.0, abs=0.2)
    assert expected_calibration_error(platt_apply(s, (a, b)), y) < 0.03
