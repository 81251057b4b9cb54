"""Small PNG charts of the insights (matplotlib, Agg, no pyplot: safe in a threaded server).

Charts are built from the same reports the JSON routes return, so suppressed counts stay
suppressed: a hidden count is drawn as an empty bar labelled "oculto" ("hidden" in English).
Every word drawn is in the reader's language.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from chamba.insights.schemas import DemandRow, FunnelGroup

_BAR: Final = "#2a7f62"
#: The chart's own words, by language: a hidden count, no data at all, the whole country.
WORDS: Final = {
    "es": {"hidden": "oculto", "none": "Sin datos", "all": "Todo el Perú", "remote": "Remoto"},
    "en": {"hidden": "hidden", "none": "No data", "all": "All of Peru", "remote": "Remote"},
}
_STAGES: Final = {
    "es": {"shown": "Recomendado", "opened": "Abierto", "applied": "Postuló",
           "interviewed": "Entrevista", "hired": "Contratado"},
    "en": {"shown": "Recommended", "opened": "Opened", "applied": "Applied",
           "interviewed": "Interview", "hired": "Hired"},
}  # fmt: skip
_DPI: Final = 100


def _png(
    labels: Sequence[str],
    values: Sequence[int | None],
    title: str,
    xlabel: str,
    words: dict[str, str],
) -> bytes:
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
            words["hidden"] if v is None else str(v),
            (bars[y], y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    if not labels:
        ax.text(0.5, 0.5, words["none"], ha="center", va="center", transform=ax.transAxes)
    if not any(bars):  # every count hidden or zero: no negative axis around an empty chart
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 1])
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
    words = WORDS["en" if lang == "en" else "es"]
    return _png([labels[s] for s in best], [openings[s] for s in best], title, xlabel, words)


def funnel_chart(group: FunnelGroup, *, lang: str) -> bytes:
    """Horizontal bars of the job funnel of one group (people per stage)."""
    lang = "en" if lang == "en" else "es"
    words = WORDS[lang]
    labels = [_STAGES[lang].get(s.stage, s.stage) for s in group.jobs]
    xlabel = "People" if lang == "en" else "Personas"
    title = {"ALL": words["all"], "REMOTE": words["remote"]}.get(
        group.region_code, group.region_name
    )
    return _png(labels, [s.people for s in group.jobs], title, xlabel, words)
