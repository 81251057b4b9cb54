"""The learning-loop commands: ``chamba train``, ``chamba evaluate`` and ``chamba models``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chamba.cli_support import fail, open_engine, out, progress_bar
from chamba.config import Settings, get_settings
from chamba.errors import ChambaError

if TYPE_CHECKING:  # imported where used: the CLI starts fast
    from chamba.demo.ground_truth import GroundTruth
    from chamba.learning.registry import ModelRegistry

models_app = typer.Typer(
    help="Trained ranking models: list, promote, roll back.", no_args_is_help=True
)


def _print_report(report: dict[str, Any]) -> None:
    from rich.table import Table

    from chamba.learning.train import summary_rows

    names = ("ndcg@10", "map", "mrr", "recall@10", "recall@50", "precision@1", "coverage", "ece")
    table = Table(title=f"held-out metrics ({report['primary']})")
    table.add_column("model")
    for name in names:
        table.add_column(name, justify="right")
    for model, metrics in summary_rows(report):
        table.add_row(model, *(f"{metrics.get(n, 0.0):.4f}" for n in names))
    out.print(table)
    for gap in report.get("gaps", []):
        out.print(
            f"gap: {gap['model']} {gap['dimension']}={gap['slice']} ({gap['source']}) "
            f"NDCG@10 {gap['ndcg@10']:.3f}, {gap['gap']:+.3f} vs overall",
            markup=False,
        )


def train(
    resume: Annotated[
        bool, typer.Option(help="Continue the latest unfinished run from its last step.")
    ] = False,
    force_promote: Annotated[
        bool, typer.Option(help="Promote even if worse than the serving model.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why (recorded with a forced promotion).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; same data and seed, same model.")] = 7,
    epochs: Annotated[int, typer.Option(min=1, help="Most training epochs.")] = 40,
    max_people: Annotated[
        int, typer.Option(min=1, help="Test people for the ground-truth evaluation.")
    ] = 400,
) -> None:
    """Retrain the job ranker: dataset, train, evaluate, register, promote if better."""
    from chamba.learning.ranker import RankerConfig
    from chamba.learning.train import run_pipeline

    settings = get_settings()
    engine = open_engine()
    with progress_bar() as progress:
        state = run_pipeline(
            settings, engine, resume=resume, force_promote=force_promote, reason=reason,
            config=RankerConfig(seed=seed, epochs=epochs), max_people=max_people,
            ground_truth=_demo_ground_truth(settings), progress=progress,
        )  # fmt: skip
    steps = state["steps"]
    out.print(f"run {state['run_id']}: {state['status']}", markup=False)
    if "evaluate" in steps:
        ev = steps["evaluate"]
        out.print(
            f"held-out NDCG@10 ({ev['primary']}): ranker {ev['ndcg@10']:.4f}, "
            f"rule-based {ev['rule_based_ndcg@10']:.4f}; report {ev['html']}",
            markup=False,
        )
    if "promote" in steps:
        version = steps["register"]["version"]
        done = steps["promote"]
        verb = "promoted" if done["promoted"] else "registered, not promoted"
        out.print(f"{version}: {verb} ({done.get('why')})", markup=False)


def evaluate(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for report.json and .html.")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: serving, else newest).")
    ] = None,
    max_people: Annotated[
        int, typer.Option(min=1, help="Test people for the ground-truth evaluation.")
    ] = 400,
) -> None:
    """Evaluate the ranker against the rule-based, BM25 and embedding baselines."""
    from chamba.learning.train import evaluate_command

    settings = get_settings()
    engine = open_engine()
    try:
        with progress_bar() as progress:
            report = evaluate_command(
                settings, engine, version=version, output=output, max_people=max_people,
                ground_truth=_demo_ground_truth(settings), progress=progress,
            )  # fmt: skip
    except ValueError as exc:
        fail(str(exc))
        return
    _print_report(report)
    if output is not None:
        out.print(f"wrote {output / 'report.json'} and {output / 'report.html'}", markup=False)


def _demo_ground_truth(settings: Settings) -> GroundTruth | None:
    """The demo's hidden model, evaluated against when ``chamba demo`` saved it in
    ``<data_dir>/demo`` (``None`` otherwise)."""
    from chamba.demo.ground_truth import load_ground_truth_if_any

    return load_ground_truth_if_any(Path(settings.data_dir) / "demo")


def _registry() -> ModelRegistry:
    from chamba.learning.registry import ModelRegistry
    from chamba.learning.train import models_dir

    return ModelRegistry(models_dir(get_settings()))


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the registered model versions (the serving one marked with *)."""
    registry = _registry()
    serving = registry.serving_version()
    rows = [
        {"version": m.version, "created": m.created, "ndcg@10": m.ndcg,
         "dataset": m.dataset_id, "serving": m.version == serving,
         "trained_on_erased_data": m.trained_on_erased_data}
        for m in registry.versions()
    ]  # fmt: skip
    if as_json:
        out.print_json(json.dumps({"serving": serving, "models": rows}))
        return
    if not rows:
        out.print("no models yet: run `chamba train`")
        return
    for r in rows:
        ndcg = f"{r['ndcg@10']:.4f}" if r["ndcg@10"] is not None else "-"
        mark = "*" if r["serving"] else " "
        erased = "  trained on erased data: not promotable" if r["trained_on_erased_data"] else ""
        out.print(f"{mark} {r['version']}  {r['created']}  ndcg@10={ndcg}{erased}", markup=False)


@models_app.command("promote")
def models_promote(
    version: Annotated[str, typer.Argument(help="The version to serve.")],
    force: Annotated[bool, typer.Option(help="Promote even if worse than serving.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in the history).")] = None,
) -> None:
    """Serve VERSION; refused when its held-out NDCG@10 is worse (unless --force)."""
    try:
        doc = _registry().promote(version, force=force, reason=reason)
    except ChambaError as exc:
        fail(str(exc))
        return
    from chamba.learning.registry import announce

    announce(open_engine(), doc)
    forced = " (forced)" if doc["history"] and doc["history"][-1].get("forced") else ""
    out.print(f"serving {doc['current']}{forced}", markup=False)


@models_app.command("rollback")
def models_rollback(
    reason: Annotated[str | None, typer.Option(help="Why (recorded in the history).")] = None,
) -> None:
    """Serve the previous version again (the rule-based scorer when there was none)."""
    try:
        doc = _registry().rollback(reason=reason)
    except ChambaError as exc:
        fail(str(exc))
        return
    from chamba.learning.registry import announce

    announce(open_engine(), doc)
    out.print(f"serving {doc['current'] or 'the rule-based scorer'}", markup=False)
