"""Small PNG charts of the insights (matplotlib, Agg, no pyplot: safe in a threaded server).

Charts are built from the same reports the JSON routes return, so suppressed counts stay
suppressed: a hidden count is drawn as an empty bar labelled "oculto / hidden".
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from chamba.insights.schemas import DemandRow, FunnelGroup

_BAR: Final = "#2a7f62"
_HIDDEN: Final = "oculto / hidden"
_DPI: Final = 100


def _png(labels: Sequence[str], values: Sequence[int | None], title: str, xlabel: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = 1.2 + 0.35 * max(1, len(labels))
    fig = Figure(figsize=(6.4, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    bars = [v or 0 for v in values]
    ax.barh(ys, bars, color=_BAR)
    ax.set_yticks(ys, [label[:40] for label in labels])
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(xlabel)
    for y, v in zip(ys, values, strict=True):
        ax.annotate(
            _HIDDEN if v is None else str(v),
            (bars[y], y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    if not labels:
        ax.text(0.5, 0.5, "Sin datos / No data", ha="center", va="center", transform=ax.transAxes)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def demand_chart(rows: Sequence[DemandRow], *, top: int, lang: str, title: str) -> bytes:
    """Horizontal bars of the ``top`` skills by openings (summed over the rows' regions)."""
    openings: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for r in rows:
        openings[r.skill_id] += r.openings
        labels[r.skill_id] = r.skill_label_en if lang == "en" else r.skill_label_es
    best = sorted(openings, key=lambda s: (-openings[s], s))[:top]
    best = [s for s in best if openings[s] > 0]
    xlabel = "Openings" if lang == "en" else "Vacantes"
    return _png([labels[s] for s in best], [openings[s] for s in best], title, xlabel)


def funnel_chart(group: FunnelGroup, *, lang: str) -> bytes:
    """Horizontal bars of the job funnel of one group (people per stage)."""
    names_es = {
        "shown": "Recomendado",
        "opened": "Abierto",
        "applied": "Postuló",
        "interviewed": "Entrevista",
        "hired": "Contratado",
    }
    labels = [s.stage if lang == "en" else names_es.get(s.stage, s.stage) for s in group.jobs]
    xlabel = "People" if lang == "en" else "Personas"
    return _png(labels, [s.people for s in group.jobs], group.region_name, xlabel)
