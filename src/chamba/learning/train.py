"""The retraining pipeline: dataset -> train -> evaluate -> register -> promote, resumable.

``chamba train`` runs :func:`run_pipeline`, suitable for a scheduled job. Each run keeps its
state in ``<data_dir>/runs/<run id>.json``::

    {"run_id", "started", "finished", "status": "running" | "done" | "failed",
     "options": {...}, "steps": {step: {"done_at", ...outputs}}, "error": str | null}

A step's outputs live on disk (the dataset snapshot, ``runs/<run id>/model/``, the report), so
``--resume`` continues the latest unfinished run from its first step not done. The promote step
applies the registry's guard: a candidate worse than the serving model is registered but not
promoted (``--force-promote`` overrides, recorded with the reason).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chamba.config import Settings
from chamba.learning.dataset import Dataset, build_dataset, load_snapshot, save_snapshot
from chamba.learning.errors import PromotionRefused
from chamba.learning.registry import ModelRegistry, announce, write_json_atomic
from chamba.matching.embeddings import MatchIndexes

if TYPE_CHECKING:
    from chamba.learning.evaluate import GroundTruth
    from chamba.learning.ranker import RankerConfig, TrainedRanker

log = logging.getLogger(__name__)
ProgressFn = Callable[[str, int, int], None]
STEPS: Final = ("dataset", "train", "evaluate", "register", "promote")


class StopAfter(Exception):
    """Raised by the ``stop_after`` test hook to simulate an interrupted run."""


def datasets_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "datasets"


def models_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "models"


def runs_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "runs"


def load_indexes(session: Session, settings: Settings) -> MatchIndexes | None:
    """The persisted vector indexes, reconciled with the database (built when absent)."""
    from chamba.matching.store import get_index_store

    store = get_index_store(settings)
    indexes = store.load_or_build(session)
    store.save_if_dirty()
    return indexes


@dataclass
class RunState:
    """The state file of one run."""

    path: Path
    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.doc["run_id"])

    def done(self, step: str) -> bool:
        return step in self.doc["steps"]

    def output(self, step: str) -> dict[str, Any]:
        out: dict[str, Any] = self.doc["steps"][step]
        return out

    def complete(self, step: str, outputs: dict[str, Any]) -> None:
        self.doc["steps"][step] = {"done_at": datetime.now(UTC).isoformat(), **outputs}
        self.save()

    def save(self) -> None:
        write_json_atomic(self.path, self.doc)

    @property
    def folder(self) -> Path:
        return self.path.parent / self.run_id


def new_run(settings: Settings, options: dict[str, Any]) -> RunState:
    now = datetime.now(UTC)
    run_id = f"run-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    state = RunState(
        runs_dir(settings) / f"{run_id}.json",
        {"run_id": run_id, "started": now.isoformat(), "finished": None, "status": "running",
         "options": options, "steps": {}, "error": None},
    )  # fmt: skip
    state.save()
    return state


def latest_unfinished(settings: Settings) -> RunState | None:
    """The most recently started run that is not done."""
    folder = runs_dir(settings)
    if not folder.is_dir():
        return None
    found: list[RunState] = []
    for path in folder.glob("run-*.json"):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if doc.get("status") != "done":
            found.append(RunState(path, doc))
    return max(found, key=lambda s: (s.doc.get("started", ""), s.run_id)) if found else None


def evaluate_ranker(
    session: Session,
    indexes: MatchIndexes | None,
    dataset: Dataset,
    ranker: TrainedRanker,
    *,
    ground_truth: GroundTruth | None,
    registry: ModelRegistry | None = None,
    max_people: int | None = 400,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Evaluate ``ranker`` with the baselines (and the serving model, for the promotion guard)."""
    from chamba.learning.evaluate import evaluate_all

    extra: dict[str, Any] = {}
    serving_version = registry.serving_version() if registry is not None else None
    if registry is not None and serving_version and serving_version != ranker.version:
        try:
            extra["serving"] = registry.load(serving_version)
        except Exception as exc:  # a broken serving model must not block a new one
            log.error("cannot load the serving model %s: %s", serving_version, exc)
    report = evaluate_all(
        session, indexes, dataset, ranker, ground_truth=ground_truth, max_people=max_people,
        extra_models=extra, progress=progress,
    )  # fmt: skip
    report["model_version"] = ranker.version
    report["dataset"] = dataset.metadata.get("id") or dataset.content_hash()
    if "serving" in report:
        report["serving"]["version"] = serving_version
    return report


def run_pipeline(
    settings: Settings,
    engine: Engine,
    *,
    resume: bool = False,
    force_promote: bool = False,
    reason: str | None = None,
    config: RankerConfig | None = None,
    max_people: int | None = 400,
    ground_truth: GroundTruth | None = None,
    progress: ProgressFn | None = None,
    stop_after: str | None = None,
) -> dict[str, Any]:
    """Run (or resume) the retraining pipeline; returns the final run state.

    Args:
        settings: where data, models and runs live.
        engine: the database.
        resume: continue the latest unfinished run (a new run when there is none).
        force_promote: promote even when the guard refuses (``reason`` is recorded).
        reason: why (recorded in the serving history).
        config: a :class:`~chamba.learning.ranker.RankerConfig` (default hyper-parameters).
        max_people: cap on test people for the ground-truth evaluation.
        ground_truth: a known true utility for the evaluation (the CLI passes the demo's hidden
            model when ``<data_dir>/demo`` holds it).
        progress: ``progress(stage, done, total)`` (rich bars in the CLI).
        stop_after: stop (as if interrupted) after this step - for tests.

    Returns:
        The run state document (``status`` ``"done"``; the steps' outputs).
    """
    from chamba.learning.metrics import platt_fit
    from chamba.learning.ranker import RankerConfig, TrainedRanker, train_ranker

    cfg = config or RankerConfig()
    state = latest_unfinished(settings) if resume else None
    if state is None:
        state = new_run(
            settings,
            {"force_promote": force_promote, "reason": reason, "config": cfg.to_dict(),
             "max_people": max_people},
        )  # fmt: skip
    else:
        cfg = RankerConfig.from_dict(state.doc["options"].get("config", {}))
        force_promote = force_promote or bool(state.doc["options"].get("force_promote"))
        reason = reason or state.doc["options"].get("reason")
        state.doc["status"] = "running"
        state.doc["error"] = None
        state.save()
    registry = ModelRegistry(models_dir(settings))
    staging = state.folder / "model"
    try:
        with Session(engine) as session:
            indexes: MatchIndexes | None = None
            dataset: Dataset | None = None

            def get_indexes() -> MatchIndexes | None:
                nonlocal indexes
                if indexes is None:
                    indexes = load_indexes(session, settings)
                return indexes

            # 1. dataset
            if not state.done("dataset"):
                ds = build_dataset(session, get_indexes(), progress=progress)
                if not ds.mask("train").any() or not ds.grade.any():
                    raise ValueError("not enough logged feedback to train a ranker")
                snapshot = save_snapshot(ds, datasets_dir(settings))
                state.complete("dataset", {"snapshot": snapshot, "examples": len(ds)})
                _maybe_stop(stop_after, "dataset")
            dataset = load_snapshot(datasets_dir(settings), state.output("dataset")["snapshot"])

            # 2. train
            if not state.done("train"):
                version = registry.new_version()
                tr, va = dataset.mask("train"), dataset.mask("validation")
                ranker, report = train_ranker(
                    dataset.features[tr], dataset.grade[tr], dataset.group[tr],
                    dataset.position[tr], negative=dataset.negative[tr],
                    validation=(dataset.features[va], dataset.grade[va], dataset.group[va],
                                dataset.item_id[va]),
                    config=cfg, version=version, progress=progress,
                )  # fmt: skip
                val_scores = ranker.score(dataset.features[va])
                ranker.calibration = platt_fit(val_scores, dataset.grade[va] >= 1)
                staging.mkdir(parents=True, exist_ok=True)
                ranker.save_weights(staging / "model.pt")
                state.complete(
                    "train",
                    {"version": version, "staging": str(staging), "config": cfg.to_dict(),
                     "calibration": list(ranker.calibration), "report": report.to_dict(),
                     "weights_sha256": ranker.weights_digest()},
                )  # fmt: skip
                _maybe_stop(stop_after, "train")
            tout = state.output("train")
            cal = tout.get("calibration")
            ranker = TrainedRanker.load(
                Path(tout["staging"]) / "model.pt", tout["version"],
                RankerConfig.from_dict(tout["config"]), calibration=tuple(cal) if cal else None,
            )  # fmt: skip

            # 3. evaluate
            if not state.done("evaluate"):
                report_doc = evaluate_ranker(
                    session, get_indexes(), dataset, ranker,
                    ground_truth=ground_truth, registry=registry,
                    max_people=max_people, progress=progress,
                )  # fmt: skip
                state.folder.mkdir(parents=True, exist_ok=True)
                from chamba.learning.report import write_report

                json_path, html_path = write_report(report_doc, state.folder / "report")
                compared = {}
                if "serving" in report_doc:
                    compared[report_doc["serving"]["version"]] = report_doc["serving"]["ndcg@10"]
                state.complete(
                    "evaluate",
                    {"report": str(json_path), "html": str(html_path),
                     "primary": report_doc["primary"],
                     "ndcg@10": report_doc["ranker"]["ndcg@10"],
                     "rule_based_ndcg@10": report_doc["rule_based"]["ndcg@10"],
                     "compared": compared},
                )  # fmt: skip
                _maybe_stop(stop_after, "evaluate")
            eout = state.output("evaluate")

            # 4. register
            if not state.done("register"):
                version = tout["version"]
                if version not in {m.version for m in registry.versions()}:
                    report_doc = json.loads(Path(eout["report"]).read_text())
                    metrics = dict(report_doc["ranker"])
                    metrics["compared"] = eout.get("compared", {})
                    metrics["rule_based"] = report_doc["rule_based"]
                    registry.register(
                        ranker,
                        {"dataset": {"id": dataset.metadata.get("id"),
                                     **{k: dataset.metadata.get(k) for k in
                                        ("examples", "groups", "splits", "as_of")}},
                         "metrics": metrics, "primary_source": eout["primary"],
                         "training": tout["report"], "run_id": state.run_id},
                        version=version,
                    )  # fmt: skip
                state.complete("register", {"version": version})
                _maybe_stop(stop_after, "register")

            # 5. promote
            if not state.done("promote"):
                version = state.output("register")["version"]
                try:
                    doc = registry.promote(version, force=force_promote, reason=reason)
                    if doc["current"] == version:
                        announce(engine, doc)
                    last = doc["history"][-1] if doc["history"] else {}
                    state.complete(
                        "promote",
                        {"promoted": doc["current"] == version,
                         "forced": bool(last.get("forced")), "why": last.get("reason")},
                    )  # fmt: skip
                except PromotionRefused as exc:
                    state.complete("promote", {"promoted": False, "forced": False, "why": str(exc)})
        state.doc["status"] = "done"
        state.doc["finished"] = datetime.now(UTC).isoformat()
        state.save()
    except StopAfter:
        return state.doc
    except Exception as exc:
        state.doc["status"] = "failed"
        state.doc["error"] = f"{type(exc).__name__}: {exc}"
        state.save()
        raise
    return state.doc


def _maybe_stop(stop_after: str | None, step: str) -> None:
    if stop_after == step:
        raise StopAfter(step)


def evaluate_command(
    settings: Settings,
    engine: Engine,
    *,
    version: str | None = None,
    output: Path | None = None,
    max_people: int | None = 400,
    ground_truth: GroundTruth | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """``chamba evaluate``: a fresh dataset from the log, the chosen model and the baselines.

    The model is ``version``, else the serving one, else the newest registered.

    Raises:
        ModelNotFound / ValueError: no model to evaluate.
    """
    registry = ModelRegistry(models_dir(settings))
    chosen = version or registry.serving_version()
    if chosen is None:
        versions = registry.versions()
        if not versions:
            raise ValueError("no trained model to evaluate: run `chamba train` first")
        chosen = versions[-1].version
    ranker = registry.load(chosen)
    with Session(engine) as session:
        indexes = load_indexes(session, settings)
        dataset = build_dataset(session, indexes, progress=progress)
        snapshot = save_snapshot(dataset, datasets_dir(settings))
        dataset.metadata["id"] = snapshot
        report = evaluate_ranker(
            session, indexes, dataset, ranker,
            ground_truth=ground_truth,
            registry=None, max_people=max_people, progress=progress,
        )  # fmt: skip
    if output is not None:
        from chamba.learning.report import write_report

        write_report(report, output)
    return report


def summary_rows(report: dict[str, Any]) -> list[tuple[str, dict[str, float]]]:
    """``[(model, metrics)]`` of the primary source, for printing."""
    from chamba.learning.evaluate import MODELS

    return [(m, report[m]) for m in MODELS if m in report]


__all__ = [
    "STEPS",
    "evaluate_command",
    "latest_unfinished",
    "load_indexes",
    "run_pipeline",
    "summary_rows",
]
