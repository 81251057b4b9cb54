"""Serving the promoted ranker: hot reload on promotion, safe fallback, serving statistics.

:class:`ServingRanker` implements :class:`~chamba.matching.scoring.Scorer`. Every call to
:meth:`~ServingRanker.score` checks (at most every ``check_interval`` seconds, one ``stat``) the
modification time of ``serving.json``; when it changed and names another version, that version
is loaded and swapped in - no restart. When the named model cannot be loaded (weights missing,
altered or corrupt) an ERROR is logged and the last good model keeps serving, or the rule-based
scorer when there is none. A failure while scoring also falls back to the rule-based scorer for
that call. A request never fails because of the model.

:class:`ServingStats` keeps what monitoring needs: the serving version, a histogram of served
scores and the online feedback rate (positive feedback per shown recommendation). When the app's
:class:`~chamba.observability.metrics.Metrics` is given, ``chamba_model_info{version,kind}`` and
``chamba_model_promoted_timestamp_seconds{kind}`` are set on every (re)load.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np

from chamba.config import Settings
from chamba.learning.registry import ModelRegistry
from chamba.matching.features import JOB_FEATURES
from chamba.matching.scoring import Scorer, ScorerKind, register_scorer, rule_based

log = logging.getLogger(__name__)

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


class ServingRanker:
    """The serving scorer of ``kind``: the promoted model, hot-reloaded, never failing.

    Args:
        root: the registry folder (``<data_dir>/models``).
        kind: the scorer kind it serves (``"jobs"``).
        check_interval: seconds between checks of the pointer file (0: every call).
        metrics: the app's ``Metrics`` (optional), fed on every load.
        clock: monotonic clock (tests).

    Example:
        >>> ranker = ServingRanker(settings.data_dir / "models")  # doctest: +SKIP
        >>> ranker.score(X)  # the promoted model, or rule-based  # doctest: +SKIP
    """

    features: tuple[str, ...] = JOB_FEATURES

    def __init__(
        self,
        root: Path,
        kind: ScorerKind = "jobs",
        *,
        check_interval: float = 5.0,
        metrics: Any | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = ModelRegistry(root, kind)
        self.kind: ScorerKind = kind
        self.fallback: Scorer = rule_based(kind)
        self.features = tuple(self.fallback.features)
        self.check_interval = check_interval
        self.metrics = metrics
        self.clock = clock
        self.stats = ServingStats()
        self._lock = threading.Lock()
        self._model: Scorer | None = None
        self._last_check = float("-inf")
        self._stamp: tuple[int, int] | None = None
        self._wanted: str | None = None
        self.reload(force=True)

    # ------------------------------------------------------------------ state

    @property
    def version(self) -> str:  # type: ignore[override]
        model = self._model
        return model.version if model is not None else self.fallback.version

    @property
    def model(self) -> Scorer | None:
        """The loaded trained model (``None``: serving the rule-based scorer)."""
        return self._model

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.registry.pointer_path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def reload(self, force: bool = False) -> bool:
        """Load the pointer's version if the pointer changed (or ``force``). True if swapped."""
        with self._lock:
            self._last_check = self.clock()
            stamp = self._pointer_stamp()
            if stamp == self._stamp and not force:
                return False
            self._stamp = stamp
            try:
                pointer = self.registry.pointer()
            except (OSError, ValueError) as exc:
                log.error("cannot read the serving pointer; keeping the current model: %s", exc)
                return False
            wanted = pointer.get("current")
            self._wanted = wanted
            current = self._model.version if self._model is not None else None
            if wanted == current:
                return False
            if wanted is None:  # rolled back to the rule-based scorer
                self._model = None
                self._publish(pointer)
                log.info("serving the rule-based scorer", extra={"kind": self.kind})
                return True
            try:
                model = self.registry.load(str(wanted))
            except Exception as exc:
                log.error(
                    "cannot load model %s (%s); still serving %s",
                    wanted, exc, current or self.fallback.version,
                )  # fmt: skip
                return False
            self._model = model
            self._publish(pointer)
            log.info("serving model", extra={"version": model.version, "kind": self.kind})
            return True

    def _publish(self, pointer: dict[str, Any]) -> None:
        self.stats.version = self.version
        if self.metrics is None:
            return
        promoted = pointer.get("promoted_at")
        when = datetime.fromisoformat(promoted).timestamp() if promoted else None
        try:
            self.metrics.set_model(self.kind, self.version, when)
        except Exception as exc:  # monitoring must never break serving
            log.error("cannot update model metrics: %s", exc)

    def maybe_reload(self) -> None:
        """Reload when ``check_interval`` has passed since the last check (cheap otherwise)."""
        if self.clock() - self._last_check >= self.check_interval:
            self.reload()

    # ------------------------------------------------------------------ Scorer

    def score(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected features of shape (n, {len(self.features)}), got {x.shape}")
        self.maybe_reload()
        model = self._model
        if model is not None:
            try:
                out = np.asarray(model.score(x), dtype=np.float64)
                if out.shape == (x.shape[0],) and np.all(np.isfinite(out)):
                    self._observe(out)
                    return out
                raise ValueError("non-finite or misshapen scores")
            except Exception as exc:
                log.error("model %s failed to score (%s); rule-based for this call",
                          model.version, exc)  # fmt: skip
        out = np.asarray(self.fallback.score(x), dtype=np.float64)
        self._observe(out)
        return out

    def _observe(self, scores: np.ndarray) -> None:
        self.stats.observe_scores(scores)
        if self.metrics is not None:
            try:
                self.metrics.observe_scores(self.kind, scores.tolist())
            except Exception as exc:  # metrics must never fail a request
                log.error("cannot record served scores: %s", exc)


_INSTALLED: dict[str, ServingRanker] = {}


def install_serving(
    settings: Settings,
    *,
    metrics: Any | None = None,
    kind: ScorerKind = "jobs",
    check_interval: float = 5.0,
) -> ServingRanker:
    """Serve the registry's promoted model for ``kind`` (``register_scorer``); returns it.

    Safe to call when nothing was trained yet: the rule-based scorer serves until a model is
    promoted, and the promotion is picked up without a restart.

    Example:
        >>> install_serving(get_settings(), metrics=app.state.metrics)  # doctest: +SKIP
    """
    ranker = ServingRanker(
        Path(settings.data_dir) / "models", kind, check_interval=check_interval, metrics=metrics
    )
    register_scorer(kind, ranker)
    _INSTALLED[kind] = ranker
    return ranker


def serving_ranker(kind: str = "jobs") -> ServingRanker | None:
    """The ranker installed by :func:`install_serving` (for metrics and admin pages)."""
    return _INSTALLED.get(kind)


def uninstall_serving(kind: ScorerKind = "jobs") -> None:
    """Back to the rule-based scorer (tests, shutdown)."""
    register_scorer(kind, None)
    _INSTALLED.pop(kind, None)
