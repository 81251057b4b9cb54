"""Ranking and calibration metrics on plain arrays (no database, no torch).

Every function takes one ranked query at a time (or a batch of probabilities) and returns a float;
:func:`query_metrics` bundles them for one query. Conventions:

- a *ranking* is ``scores`` (higher first) with ties broken by item id (the service's rule);
- *gains* are graded relevance (0, 1, 2, ...); NDCG uses ``2 ** gain - 1`` and ``log2`` discounts;
- *relevant* is a boolean mask (recall, precision, MAP, MRR);
- a query with no relevant item scores 0 on recall, MAP and MRR (it still counts in the mean).

Example:
    >>> order = rank_order(np.array([0.2, 0.9, 0.5]), np.array([1, 2, 3]))
    >>> order.tolist()
    [1, 2, 0]
    >>> round(ndcg_at_k(np.array([0.0, 2.0, 1.0])[order], np.array([0.0, 2.0, 1.0]), 10), 4)
    1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PRECISION_AT: Final = (1, 5, 10)
RECALL_AT: Final = (10, 50)
METRIC_NAMES: Final = (
    "ndcg@10",
    "map",
    "mrr",
    "recall@10",
    "recall@50",
    "precision@1",
    "precision@5",
    "precision@10",
)
"""Per-query metrics, averaged over queries in reports (plus ``coverage`` and ``ece``)."""


def rank_order(scores: np.ndarray, ids: np.ndarray) -> npt.NDArray[np.intp]:
    """Indices of the items best first; equal scores ordered by ascending id. (n,)"""
    order: npt.NDArray[np.intp] = np.lexsort((np.asarray(ids), -np.asarray(scores, np.float64)))
    return order


def dcg_at_k(ranked_gains: np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the first ``k`` gains: ``sum (2**g - 1) / log2(rank + 1)``."""
    g = np.asarray(ranked_gains, dtype=np.float64)[:k]
    discount = 1.0 / np.log2(np.arange(2, g.size + 2))
    return float(((2.0**g - 1.0) * discount).sum())


def ndcg_at_k(ranked_gains: np.ndarray, all_gains: np.ndarray, k: int) -> float:
    """DCG@k of the ranking over the DCG@k of the ideal ranking (0 when nothing is relevant).

    Args:
        ranked_gains: ``(n,)`` gains in the model's order.
        all_gains: ``(n,)`` the same gains in any order (the ideal is their sorted order).
        k: cut-off.
    """
    ideal = dcg_at_k(np.sort(np.asarray(all_gains, dtype=np.float64))[::-1], k)
    return dcg_at_k(ranked_gains, k) / ideal if ideal > 0 else 0.0


def recall_at_k(ranked_relevant: np.ndarray, k: int) -> float:
    """Share of the relevant items found in the first ``k`` (0 when none is relevant)."""
    rel = np.asarray(ranked_relevant, dtype=bool)
    total = int(rel.sum())
    return float(rel[:k].sum() / total) if total else 0.0


def precision_at_k(ranked_relevant: np.ndarray, k: int) -> float:
    """Relevant items among the first ``k`` positions, over ``k`` (short lists count as misses)."""
    rel = np.asarray(ranked_relevant, dtype=bool)
    return float(rel[:k].sum() / k)


def reciprocal_rank(ranked_relevant: np.ndarray) -> float:
    """``1 / rank`` of the first relevant item (0 when none)."""
    hits = np.flatnonzero(np.asarray(ranked_relevant, dtype=bool))
    return 1.0 / (hits[0] + 1) if hits.size else 0.0


def average_precision(ranked_relevant: np.ndarray) -> float:
    """Mean of precision@rank over the ranks of the relevant items (0 when none)."""
    rel = np.asarray(ranked_relevant, dtype=bool)
    hits = np.flatnonzero(rel)
    if not hits.size:
        return 0.0
    precisions = np.arange(1, hits.size + 1) / (hits + 1.0)
    return float(precisions.mean())


def query_metrics(
    scores: np.ndarray, ids: np.ndarray, gains: np.ndarray, relevant: np.ndarray
) -> dict[str, float]:
    """All per-query metrics (:data:`METRIC_NAMES`) of one ranked list.

    Args:
        scores: ``(n,)`` model scores, higher first.
        ids: ``(n,)`` item ids (tie-break).
        gains: ``(n,)`` graded relevance.
        relevant: ``(n,)`` boolean relevance.

    Example:
        >>> m = query_metrics(np.array([3.0, 2.0, 1.0]), np.arange(3), np.array([0, 1, 0]),
        ...                   np.array([False, True, False]))
        >>> m["mrr"], m["precision@1"]
        (0.5, 0.0)
    """
    order = rank_order(scores, ids)
    g = np.asarray(gains, dtype=np.float64)[order]
    rel = np.asarray(relevant, dtype=bool)[order]
    out = {"ndcg@10": ndcg_at_k(g, gains, 10), "map": average_precision(rel)}
    out["mrr"] = reciprocal_rank(rel)
    for k in RECALL_AT:
        out[f"recall@{k}"] = recall_at_k(rel, k)
    for k in PRECISION_AT:
        out[f"precision@{k}"] = precision_at_k(rel, k)
    return out


def top_k_ids(scores: np.ndarray, ids: np.ndarray, k: int = 10) -> np.ndarray:
    """The ids of the first ``k`` items of the ranking. (min(k, n),)"""
    return np.asarray(ids)[rank_order(scores, ids)[:k]]


def coverage(top_lists: Iterable[Sequence[int] | np.ndarray], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one top list (0 for an empty catalogue).

    Example:
        >>> coverage([[1, 2], [2, 3]], 10)
        0.3
    """
    seen: set[int] = set()
    for items in top_lists:
        seen.update(int(i) for i in items)
    return len(seen) / catalogue_size if catalogue_size > 0 else 0.0


def expected_calibration_error(
    probabilities: np.ndarray, outcomes: np.ndarray, n_bins: int = 10
) -> float:
    """ECE: ``sum_b (n_b / n) * |mean outcome_b - mean probability_b|`` over equal-width bins.

    Bins are ``[0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]``; empty bins are skipped.

    Example:
        >>> expected_calibration_error(np.array([0.05, 0.05, 0.95, 0.95]), np.array([0, 0, 1, 0]))
        0.25
    """
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(outcomes, dtype=np.float64)
    if p.size == 0:
        return 0.0
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        mask = bins == b
        total += mask.sum() / p.size * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return round(total, 12)


def platt_fit(
    scores: np.ndarray, outcomes: np.ndarray, iterations: int = 50
) -> tuple[float, float]:
    """Fit ``P(positive | s) = sigmoid(a * s + b)`` by Newton's method (L2 0.01 on ``a``).

    Used to turn ranking scores into probabilities (fitted on the validation split) so that every
    model gets a calibration error. Returns ``(a, b)``; ``(0, logit(base rate))`` when the scores
    are constant.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    rate = float(np.clip(y.mean() if y.size else 0.5, 1e-4, 1 - 1e-4))
    a, b = 0.0, float(np.log(rate / (1 - rate)))
    if s.size == 0 or float(s.std()) == 0.0:
        return a, b
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * s + b)))
        w = p * (1 - p)
        grad = np.array([((p - y) * s).sum() + 0.01 * a, (p - y).sum()])
        hess = np.array(
            [[(w * s * s).sum() + 0.01, (w * s).sum()], [(w * s).sum(), w.sum() + 1e-9]]
        )
        step = np.linalg.solve(hess, grad)
        a, b = a - float(step[0]), b - float(step[1])
        if float(np.abs(step).max()) < 1e-9:
            break
    return a, b


def platt_apply(scores: np.ndarray, params: tuple[float, float]) -> FloatArray:
    """``sigmoid(a * scores + b)``. (n,)"""
    a, b = params
    z = np.clip(a * np.asarray(scores, dtype=np.float64) + b, -50, 50)
    out: FloatArray = 1.0 / (1.0 + np.exp(-z))
    return out


def mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Average of per-query metric dicts (0 for every metric when there are no rows)."""
    if not rows:
        return dict.fromkeys(METRIC_NAMES, 0.0)
    return {name: float(np.mean([r[name] for r in rows])) for name in METRIC_NAMES}
