"""A small learning-to-rank model in PyTorch (CPU), trained listwise on logged feedback.

Architecture (``F = len(JOB_FEATURES)``, the matching features; ``semantic`` is the cosine of
the person's and the job's text vectors, the embedding interaction)::

    x (batch, F) -> transform (log1p on distances) -> standardise (train mean/std)
      -> linear (F -> 1)  +  MLP (F -> 32 -> 16 -> 1, ReLU)            = score (batch,)

The linear path keeps the model close to a readable weighted sum; the MLP adds feature crosses
(skills x distance, semantic x skills...). The input matrix is exactly :func:`job_features`'s,
so the model serves behind :class:`~chamba.matching.scoring.Scorer` unchanged.

Training loss: ListNet (softmax cross-entropy between the scores of a query group and the
distribution ``(2 ** grade - 1) / sum``) over groups with at least one positive example.
Position bias of the logged slates is absorbed by an additive, learned per-position logit
(``b[position]``, PAL-style) used only in training: at serving time the score is ``f(x)`` alone.

Determinism: :func:`deterministic` seeds torch and numpy, turns on
``torch.use_deterministic_algorithms`` and fixes the thread count, so the same data, config and
seed give identical weights (and scores) on the same machine.
"""

from __future__ import annotations

import copy
import hashlib
import io
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from chamba.learning.metrics import ndcg_at_k, rank_order
from chamba.matching.features import JOB_FEATURES

FloatArray = npt.NDArray[np.float64]
ProgressFn = Callable[[str, int, int], None]
LOG_FEATURES = frozenset({"distance_km"})
"""Columns passed through ``log1p(max(x, 0))`` before standardising (heavy-tailed km)."""


@dataclass(frozen=True)
class RankerConfig:
    """Hyper-parameters (stored in the model's ``metadata.json``)."""

    hidden: tuple[int, ...] = (32, 16)
    epochs: int = 40
    batch_groups: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 7
    threads: int = 1
    max_position: int = 20
    patience: int = 15
    max_group: int = 50
    negative_gain: float = 0.0
    warm_start: bool = True

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RankerConfig:
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        if "hidden" in known:
            known["hidden"] = tuple(int(h) for h in known["hidden"])
        return cls(**known)


@contextmanager
def deterministic(seed: int, threads: int = 1) -> Iterator[torch.Generator]:
    """Seed torch, use deterministic kernels and ``threads`` CPU threads; restore on exit.

    Yields:
        A seeded ``torch.Generator`` for shuffling.
    """
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, threads))
    torch.use_deterministic_algorithms(True)
    try:
        yield torch.Generator().manual_seed(seed)
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


class RankerNet(nn.Module):
    """``score = linear(z) + mlp(z)``, ``z`` the standardised features; plus a training-only
    position bias. Shapes in the comments: ``B`` rows (or ``(G, L)`` padded groups)."""

    # buffers (register_buffer): declared so they type as tensors, not ``Tensor | Module``
    mean: torch.Tensor  # (F,)
    std: torch.Tensor  # (F,)
    log_mask: torch.Tensor  # (F,) bool

    def __init__(self, features: tuple[str, ...], hidden: tuple[int, ...], max_position: int):
        super().__init__()
        n = len(features)
        self.register_buffer("mean", torch.zeros(n))  # (F,)
        self.register_buffer("std", torch.ones(n))  # (F,)
        self.register_buffer(
            "log_mask", torch.tensor([f in LOG_FEATURES for f in features], dtype=torch.bool)
        )
        self.linear = nn.Linear(n, 1)
        layers: list[nn.Module] = []
        width = n
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)
        self.position_bias = nn.Embedding(max_position + 1, 1)  # row 0: unknown position
        nn.init.zeros_(self.position_bias.weight)
        self.max_position = max_position

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """Raw features -> model inputs before standardising. (..., F) -> (..., F)"""
        return torch.where(self.log_mask, torch.log1p(torch.clamp(x, min=0.0)), x)

    def fit_scaler(self, x: torch.Tensor) -> None:
        """Set the standardisation from training rows ``x`` (N, F)."""
        z = self.transform(x)
        self.mean.copy_(z.mean(0))
        self.std.copy_(torch.clamp(z.std(0), min=1e-3))

    def warm_start(self, features: tuple[str, ...], weights: Mapping[str, float]) -> None:
        """Start from a linear scorer: ``score = sum w_f x_f`` (+ a constant) and a silent MLP.

        Call after :meth:`fit_scaler`; log-transformed columns start at 0.
        """
        w = torch.tensor([float(weights.get(f, 0.0)) for f in features])  # (F,)
        w = torch.where(self.log_mask, torch.zeros_like(w), w * self.std)
        with torch.no_grad():
            self.linear.weight.copy_(w.unsqueeze(0))
            self.linear.bias.zero_()
            last = self.mlp[-1]
            assert isinstance(last, nn.Linear)
            last.weight.zero_()
            last.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores of feature rows. (..., F) -> (...)"""
        z = (self.transform(x) - self.mean) / self.std  # (..., F)
        linear: torch.Tensor = self.linear(z)  # (..., 1)
        mlp: torch.Tensor = self.mlp(z)  # (..., 1)
        return linear.squeeze(-1) + mlp.squeeze(-1)

    def train_logits(self, x: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        """Scores plus the logged position's bias. x (G, L, F), position (G, L) -> (G, L)"""
        pos = torch.clamp(position, 0, self.max_position)
        bias: torch.Tensor = self.position_bias(pos)  # (G, L, 1)
        return self.forward(x) + bias.squeeze(-1)


def _padded_groups(
    X: np.ndarray,
    grade: np.ndarray,
    group: np.ndarray,
    position: np.ndarray,
    max_group: int,
    negative: np.ndarray | None = None,
    negative_gain: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows -> padded groups: x (G, L, F), gain (G, L), position (G, L), mask (G, L).

    Groups with a positive grade get gains ``2 ** grade - 1``. With ``negative_gain > 0``,
    groups without a positive but with a dismissal are kept too: every item not dismissed gets
    ``negative_gain`` (a dismissed item was worse than what was merely shown). Other groups
    carry no listwise signal and are dropped; groups longer than ``max_group`` keep their first
    ``max_group`` rows.
    """
    if negative_gain <= 0:
        negative = None
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    ends = np.r_[starts[1:], g_sorted.size]
    keep = [
        (s, e)
        for s, e in zip(starts, ends, strict=True)
        if grade[order[s:e]].max() > 0 or (negative is not None and negative[order[s:e]].any())
    ]
    n_f = X.shape[1]
    if not keep:
        empty = torch.zeros((0, 1))
        return torch.zeros((0, 1, n_f)), empty, empty.long(), empty.bool()
    L = min(max_group, max(e - s for s, e in keep))
    G = len(keep)
    x = np.zeros((G, L, n_f), dtype=np.float32)
    gain = np.zeros((G, L), dtype=np.float32)
    pos = np.zeros((G, L), dtype=np.int64)
    mask = np.zeros((G, L), dtype=bool)
    for k, (s, e) in enumerate(keep):
        rows = order[s : min(e, s + L)]
        n = rows.size
        x[k, :n] = X[rows]
        gains = 2.0 ** grade[rows] - 1.0
        if gains.max() <= 0 and negative is not None:
            gains = np.where(negative[rows], 0.0, negative_gain)
        gain[k, :n] = gains
        pos[k, :n] = position[rows]
        mask[k, :n] = True
    return (
        torch.from_numpy(x),
        torch.from_numpy(gain),
        torch.from_numpy(pos),
        torch.from_numpy(mask),
    )


def listnet_loss(logits: torch.Tensor, gain: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy between scores and the gain distribution, mean over groups.

    Args:
        logits: ``(G, L)`` scores.
        gain: ``(G, L)`` non-negative gains (``2 ** grade - 1``), at least one > 0 per group.
        mask: ``(G, L)`` True on real rows (padding is ignored).
    """
    logits = logits.masked_fill(~mask, -1e9)
    target = gain * mask / torch.clamp((gain * mask).sum(1, keepdim=True), min=1e-9)  # (G, L)
    return -(target * torch.log_softmax(logits, dim=1)).sum(1).mean()


def mean_group_ndcg(
    scores: np.ndarray, grade: np.ndarray, group: np.ndarray, ids: np.ndarray
) -> float:
    """Mean NDCG@10 over groups with a positive example (validation metric)."""
    out = []
    for g in np.unique(group):
        m = group == g
        if grade[m].max() <= 0:
            continue
        order = rank_order(scores[m], ids[m])
        gains = grade[m].astype(np.float64)
        out.append(ndcg_at_k(gains[order], gains, 10))
    return float(np.mean(out)) if out else 0.0


def _validation_ndcg(
    net: RankerNet, validation: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
) -> float:
    net.eval()
    vx, vg, vgroup, vids = validation
    with torch.inference_mode():
        vs = net(torch.from_numpy(np.asarray(vx, np.float32))).numpy()  # (n,)
    return mean_group_ndcg(vs, vg, vgroup, vids)


class TrainedRanker:
    """A trained :class:`RankerNet` behind the :class:`~chamba.matching.scoring.Scorer` interface.

    Args:
        net: the trained network (put in eval mode).
        version: stable name, e.g. ``"ranker-20250630-170000-1a2b3c"``.
        features: column names, in order (:data:`JOB_FEATURES`).
        config: the hyper-parameters it was trained with.
        calibration: Platt ``(a, b)`` mapping scores to P(positive feedback), if fitted.

    Example:
        >>> ranker = train_ranker(train_ds, validation_ds)  # doctest: +SKIP
        >>> ranker.score(X).shape  # doctest: +SKIP
        (len(X),)
    """

    def __init__(
        self,
        net: RankerNet,
        version: str,
        features: tuple[str, ...] = JOB_FEATURES,
        config: RankerConfig | None = None,
        calibration: tuple[float, float] | None = None,
    ) -> None:
        self.net = net.eval()
        self.version = version
        self.features = tuple(features)
        self.config = config or RankerConfig()
        self.calibration = calibration

    def score(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected features of shape (n, {len(self.features)}), got {x.shape}")
        if x.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)  # (n, F)
        with torch.inference_mode():
            out: torch.Tensor = self.net(torch.from_numpy(x.astype(np.float32)))  # (n,)
        return out.numpy().astype(np.float64)

    def state_bytes(self) -> bytes:
        """The weights as ``torch.save`` bytes (what ``model.pt`` holds)."""
        buffer = io.BytesIO()
        torch.save(self.net.state_dict(), buffer)
        return buffer.getvalue()

    def weights_digest(self) -> str:
        """sha256 of the weights' values (independent of serialisation details)."""
        h = hashlib.sha256()
        for name, tensor in sorted(self.net.state_dict().items()):
            h.update(name.encode())
            h.update(tensor.detach().contiguous().numpy().tobytes())
        return h.hexdigest()

    def save_weights(self, path: Path) -> None:
        path.write_bytes(self.state_bytes())

    @classmethod
    def load(
        cls,
        path: Path,
        version: str,
        config: RankerConfig,
        features: tuple[str, ...] = JOB_FEATURES,
        calibration: tuple[float, float] | None = None,
    ) -> TrainedRanker:
        """Load ``model.pt`` (a state dict; ``weights_only``: no code is unpickled)."""
        net = RankerNet(features, config.hidden, config.max_position)
        state = torch.load(path, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        return cls(net, version, features, config, calibration)


@dataclass
class TrainReport:
    """What training did: epochs run, best epoch, validation NDCG per epoch, seconds."""

    epochs: int
    best_epoch: int
    best_validation_ndcg: float
    history: list[dict[str, float]]
    seconds: float
    train_groups: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_ranker(
    X: np.ndarray,
    grade: np.ndarray,
    group: np.ndarray,
    position: np.ndarray,
    *,
    negative: np.ndarray | None = None,
    prior: Mapping[str, float] | None = None,
    validation: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    config: RankerConfig | None = None,
    features: tuple[str, ...] = JOB_FEATURES,
    version: str = "ranker-untitled",
    progress: ProgressFn | None = None,
) -> tuple[TrainedRanker, TrainReport]:
    """Train a ranker listwise on graded query groups.

    Args:
        X: ``(n, F)`` training features.
        grade: ``(n,)`` graded labels (0..4).
        group: ``(n,)`` query group ids.
        position: ``(n,)`` logged positions (1 = top, 0 unknown) for the position bias.
        negative: ``(n,)`` dismissed flags (groups with only dismissals teach "worse than
            shown", weighted by ``config.negative_gain``).
        prior: linear weights to start from when ``config.warm_start`` (default: the rule-based
            job weights when the features are :data:`JOB_FEATURES`).
        validation: ``(X, grade, group, item_ids)`` for early stopping on mean NDCG@10
            (``None``: train all epochs and keep the last weights).
        config: hyper-parameters (seed included).
        features: column names of ``X``.
        version: the version name given to the result.
        progress: ``progress("train", epoch, epochs)``.

    Returns:
        The ranker (best validation epoch) and a :class:`TrainReport`.
    """
    cfg = config or RankerConfig()
    started = time.perf_counter()
    with deterministic(cfg.seed, cfg.threads) as gen:
        x, gain, pos, mask = _padded_groups(
            np.asarray(X, np.float32), np.asarray(grade), np.asarray(group),
            np.asarray(position), cfg.max_group,
            None if negative is None else np.asarray(negative, bool), cfg.negative_gain,
        )  # fmt: skip
        net = RankerNet(tuple(features), cfg.hidden, cfg.max_position)
        net.fit_scaler(torch.from_numpy(np.asarray(X, np.float32)))
        if cfg.warm_start:
            if prior is None and tuple(features) == JOB_FEATURES:
                from chamba.matching.scoring import JOB_WEIGHTS

                prior = JOB_WEIGHTS
            if prior is not None:
                net.warm_start(tuple(features), prior)
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        history: list[dict[str, float]] = []
        best_state = copy.deepcopy(net.state_dict())
        best, best_epoch, stale = -1.0, 0, 0
        if validation is not None:
            best = _validation_ndcg(net, validation)
            history.append({"epoch": 0, "loss": float("nan"), "validation_ndcg@10": best})
        G = x.shape[0]
        for epoch in range(1, cfg.epochs + 1):
            net.train()
            perm = torch.randperm(G, generator=gen) if G else torch.zeros(0, dtype=torch.long)
            total = 0.0
            for start in range(0, G, cfg.batch_groups):
                idx = perm[start : start + cfg.batch_groups]
                logits = net.train_logits(x[idx], pos[idx])  # (b, L)
                loss = listnet_loss(logits, gain[idx], mask[idx])
                opt.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]  # torch leaves backward() untyped
                opt.step()
                total += float(loss.detach()) * idx.numel()
            row: dict[str, float] = {"epoch": epoch, "loss": total / max(G, 1)}
            if validation is not None:
                row["validation_ndcg@10"] = _validation_ndcg(net, validation)
                if row["validation_ndcg@10"] > best + 1e-6:
                    best, best_epoch, stale = row["validation_ndcg@10"], epoch, 0
                    best_state = copy.deepcopy(net.state_dict())
                else:
                    stale += 1
            else:
                best_state, best_epoch = copy.deepcopy(net.state_dict()), epoch
            history.append(row)
            if progress is not None:
                progress("train", epoch, cfg.epochs)
            if validation is not None and stale >= cfg.patience:
                break
        net.load_state_dict(best_state)
        net.eval()
    report = TrainReport(
        epochs=sum(1 for h in history if h["epoch"] > 0),
        best_epoch=best_epoch,
        best_validation_ndcg=round(max(best, 0.0), 6),
        history=history,
        seconds=round(time.perf_counter() - started, 3),
        train_groups=G,
    )
    if progress is not None:
        progress("train", cfg.epochs, cfg.epochs)
    return TrainedRanker(net, version, tuple(features), cfg), report
