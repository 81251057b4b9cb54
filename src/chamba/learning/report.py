"""Evaluation reports on disk: ``report.json`` and a self-contained ``report.html``.

The HTML page embeds its charts as base64 PNGs (matplotlib, Agg backend): metric bars per model
for each label source, and NDCG@10 per slice for each slice dimension. No external files, no
JavaScript - it opens from a shared folder or an e-mail attachment.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from chamba.learning.evaluate import MODELS, SLICE_DIMENSIONS

CHART_METRICS: Final = ("ndcg@10", "map", "mrr", "recall@10", "precision@5", "coverage")
TABLE_METRICS: Final = (
    "ndcg@10", "map", "mrr", "recall@10", "recall@50", "precision@1", "precision@5",
    "precision@10", "coverage", "ece",
)  # fmt: skip


def _models(report: Mapping[str, Any]) -> list[str]:
    return [m for m in (*MODELS, "serving") if m in report]


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def metric_chart(report: Mapping[str, Any], source: str) -> str:
    """Grouped bars: one group per metric, one bar per model (base64 PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = _models(report)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(CHART_METRICS))
    width = 0.8 / max(1, len(models))
    for k, model in enumerate(models):
        values = [report[model].get(source, {}).get(m, 0.0) for m in CHART_METRICS]
        ax.bar(x + k * width, values, width, label=model)
    ax.set_xticks(x + width * (len(models) - 1) / 2, CHART_METRICS)
    ax.set_ylim(0, 1)
    ax.set_title(f"Metrics per model ({source})")
    ax.legend(fontsize=8, ncols=len(models))
    return _png(fig)


def slice_chart(slices: Mapping[str, Any], dimension: str, source: str) -> str | None:
    """NDCG@10 per slice value (bars per model); ``None`` when no slice is large enough."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = [m for m in slices if slices[m][dimension]["slices"]]
    if not models:
        return None
    values = sorted({v for m in models for v in slices[m][dimension]["slices"]})
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(values) + 2), 3.4))
    x = np.arange(len(values))
    width = 0.8 / len(models)
    for k, model in enumerate(models):
        rows = slices[model][dimension]["slices"]
        ax.bar(x + k * width, [rows.get(v, {}).get("ndcg@10", 0.0) for v in values], width,
               label=model)  # fmt: skip
    ax.set_xticks(x + width * (len(models) - 1) / 2, values, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title(f"NDCG@10 by {dimension} ({source})")
    ax.legend(fontsize=8, ncols=len(models))
    return _png(fig)


def _table(report: Mapping[str, Any], source: str) -> str:
    head = "".join(f"<th>{html.escape(m)}</th>" for m in TABLE_METRICS)
    rows = []
    for model in _models(report):
        values = report[model].get(source, {})
        cells = "".join(
            f"<td>{values[m]:.4f}</td>" if m in values else "<td>-</td>" for m in TABLE_METRICS
        )
        rows.append(f"<tr><th>{html.escape(model)}</th>{cells}</tr>")
    return f"<table><tr><th>model</th>{head}</tr>{''.join(rows)}</table>"


def _gaps(gaps: Sequence[Mapping[str, Any]]) -> str:
    if not gaps:
        return "<p>No slice is more than the threshold below its model's overall NDCG@10.</p>"
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(g[k]))}</td>" for k in
                         ("source", "model", "dimension", "slice", "people", "ndcg@10", "gap"))
        + "</tr>"
        for g in gaps
    )  # fmt: skip
    return (
        "<table><tr><th>source</th><th>model</th><th>dimension</th><th>slice</th>"
        f"<th>people</th><th>NDCG@10</th><th>gap</th></tr>{rows}</table>"
    )


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Chamba ranking evaluation</title><style>",
        "body{font-family:system-ui,sans-serif;margin:1rem;max-width:72rem}",
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;",
        "padding:.2rem .5rem;text-align:right}img{max-width:100%}</style></head><body>",
        "<h1>Ranking evaluation</h1>",
        f"<p>Primary label source: <b>{html.escape(str(report.get('primary')))}</b>; "
        f"evaluated at {html.escape(str(report.get('evaluated_at')))}; model "
        f"{html.escape(str(report.get('model_version', '-')))}; dataset "
        f"{html.escape(str(report.get('dataset', '-')))}.</p>",
    ]
    for source in report.get("people", {}):
        parts.append(f"<h2>{html.escape(source)}</h2>")
        parts.append(
            f"<p>{report['queries'][source]} queries, {report['people'][source]} people.</p>"
        )
        parts.append(_table(report, source))
        parts.append(f"<img alt='metrics per model ({html.escape(source)})' "
                     f"src='data:image/png;base64,{metric_chart(report, source)}'>")  # fmt: skip
        slices = report.get("slices", {}).get(source, {})
        for dim in SLICE_DIMENSIONS:
            if not slices:
                break
            png = slice_chart(slices, dim, source)
            if png:
                parts.append(f"<img alt='NDCG@10 by {dim} ({html.escape(source)})' "
                             f"src='data:image/png;base64,{png}'>")  # fmt: skip
    rules = report.get("slice_rules", {})
    parts.append("<h2>Fairness gaps</h2>")
    parts.append(
        f"<p>Slices with at least {rules.get('min_people')} people; flagged when NDCG@10 is "
        f"more than {rules.get('gap_threshold')} below the model's overall value. Urban: "
        f"{html.escape(str(rules.get('urban')))}.</p>"
    )
    parts.append(_gaps(report.get("gaps", [])))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``out_dir/report.json`` and ``out_dir/report.html``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path
