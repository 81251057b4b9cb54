"""Serving the promoted ranker: hot reload on promotion, safe fallback, serving statistics.

:class:`ServingRanker` implements :class:`~chamba.matching.scoring.Scorer`. Every call to
:meth:`~ServingRanker.score` checks (at most every ``check_interval`` seconds, one ``stat``) the
modification time of ``serving.json``; when it changed and names another version, that version
is loaded and swapped in - no restart. When the named model cannot be loaded (weights missing,
altered or corrupt) an ERROR is logged and the last good model keeps serving, or the rule-based
scorer when there is none. A failure while scoring also falls back to the rule-based scorer for
that call. A request never fails because of the model.

:class:`~chamba.observability.serving.ServingStats` keeps what monitoring needs: the serving
version, a histogram of served scores and the online feedback rate (positive feedback per shown
recommendation). When the app's
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
from typing import TYPE_CHECKING, Any

import numpy as np

from chamba.config import Settings
from chamba.learning.registry import ModelRegistry
from chamba.matching.features import JOB_FEATURES
from chamba.matching.scoring import Scorer, ScorerKind, register_scorer, rule_based
from chamba.observability.serving import ServingStats, set_serving_stats

if TYPE_CHECKING:
    from chamba.observability.metrics import Metrics

log = logging.getLogger(__name__)


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
        metrics: Metrics | None = None,
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
    def version(self) -> str:
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

    def observe_served(self, scores: np.ndarray) -> None:
        """Count ``scores`` as served without scoring: a ranked page reused for a request
        (:mod:`chamba.matching.page_cache`) is recorded as its ranking was."""
        self._observe(np.asarray(scores, dtype=np.float64))

    def _observe(self, scores: np.ndarray) -> None:
        self.stats.observe_scores(scores)
        if self.metrics is not None:
            try:
                self.metrics.observe_scores(self.kind, scores)
            except Exception as exc:  # metrics must never fail a request
                log.error("cannot record served scores: %s", exc)


_INSTALLED: dict[str, ServingRanker] = {}


def install_serving(
    settings: Settings,
    *,
    metrics: Metrics | None = None,
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
    set_serving_stats(kind, ranker.stats)
    return ranker


def serving_ranker(kind: str = "jobs") -> ServingRanker | None:
    """The ranker installed by :func:`install_serving` (for metrics and admin pages)."""
    return _INSTALLED.get(kind)


def uninstall_serving(kind: ScorerKind = "jobs") -> None:
    """Back to the rule-based scorer (tests, shutdown)."""
    register_scorer(kind, None)
    _INSTALLED.pop(kind, None)
    set_serving_stats(kind, None)
