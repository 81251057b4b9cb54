"""Online statistics of the serving ranker: served scores, recommendations shown, feedback.

The features that show recommendations and log feedback (matching, activity) count into the
:class:`ServingStats` of the serving model (:func:`serving_stats`), which
:func:`chamba.learning.serving.install_serving` sets; they need not know the learning feature.
"""

from __future__ import annotations

import threading
from typing import Any, Final

import numpy as np

SCORE_BUCKETS: Final = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)
"""Upper bounds of the served-score histogram (the last bucket is ``+inf``)."""
POSITIVE_FEEDBACK: Final = frozenset(
    {"opened", "saved", "applied", "interviewed", "hired", "enrolled", "completed", "useful"}
)


class ServingStats:
    """Served-score histogram and online feedback rate (thread-safe).

    Example:
        >>> s = ServingStats()
        >>> s.observe_scores(np.array([0.5, 2.5]))
        >>> s.record_shown(4); s.record_feedback("applied")
        >>> s.feedback_rate()
        0.25
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version: str | None = None
        self.bucket_counts = [0] * (len(SCORE_BUCKETS) + 1)
        self.score_sum = 0.0
        self.score_count = 0
        self.shown = 0
        self.positive = 0

    def observe_scores(self, scores: np.ndarray) -> None:
        if scores.size == 0:
            return
        idx = np.searchsorted(np.array(SCORE_BUCKETS), scores, side="left")  # (n,)
        counts = np.bincount(idx, minlength=len(SCORE_BUCKETS) + 1)
        with self._lock:
            for k, c in enumerate(counts.tolist()):
                self.bucket_counts[k] += int(c)
            self.score_sum += float(scores.sum())
            self.score_count += int(scores.size)

    def record_shown(self, n: int = 1) -> None:
        """Count ``n`` recommendations shown (the activity feature calls this)."""
        with self._lock:
            self.shown += n

    def record_feedback(self, kind: str) -> None:
        """Count one feedback event; only :data:`POSITIVE_FEEDBACK` kinds raise the rate."""
        if kind in POSITIVE_FEEDBACK:
            with self._lock:
                self.positive += 1

    def feedback_rate(self) -> float:
        """Positive feedback per shown recommendation (0 before anything was shown)."""
        with self._lock:
            return self.positive / self.shown if self.shown else 0.0

    def snapshot(self) -> dict[str, Any]:
        """Everything as plain data (for a metrics collector or an admin page)."""
        with self._lock:
            return {
                "version": self.version,
                "score_buckets": list(SCORE_BUCKETS),
                "score_bucket_counts": list(self.bucket_counts),
                "score_sum": self.score_sum,
                "score_count": self.score_count,
                "shown": self.shown,
                "positive_feedback": self.positive,
                "feedback_rate": self.positive / self.shown if self.shown else 0.0,
            }


_STATS: dict[str, ServingStats] = {}


def set_serving_stats(kind: str, stats: ServingStats | None) -> None:
    """The statistics of the model serving ``kind`` (``None``: no trained model serves)."""
    if stats is None:
        _STATS.pop(kind, None)
    else:
        _STATS[kind] = stats


def serving_stats(kind: str = "jobs") -> ServingStats | None:
    """The statistics of the model serving ``kind``, or ``None`` when none is installed."""
    return _STATS.get(kind)
