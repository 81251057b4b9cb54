"""Draw a :class:`~chamba.report.service.Report` as a one- or two-page A4 PDF (fpdf2).

Fonts: DejaVu Sans (covers Spanish and far more), taken from matplotlib's bundled fonts (a
pinned dependency) or Debian's ``fonts-dejavu-core``; without either, the PDF core font
Helvetica (Latin-1: every Spanish letter, other characters become ``?``). The person's words are
drawn as plain text (no markup is interpreted).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Final

from fpdf import FPDF

from chamba.report.service import Report, text

#: Most skills drawn (a longer list would not fit two pages); the rest are counted.
MAX_SKILLS: Final = 40
MAX_EVIDENCE: Final = 140
DEBIAN_DEJAVU: Final = Path("/usr/share/fonts/truetype/dejavu")
BRAND: Final = (0, 95, 115)  # the site's teal
MUTED: Final = (80, 80, 80)


@lru_cache(maxsize=1)
def dejavu_dir() -> Path | None:
    """A folder holding DejaVuSans.ttf, -Bold and -Oblique, or ``None``."""
    candidates = []
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    candidates.append(DEBIAN_DEJAVU)
    for folder in candidates:
        names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
        if all((folder / n).is_file() for n in names):
            return folder
    return None


class _Pdf(FPDF):
    def __init__(self, fonts: Path | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(True, margin=14)
        self.unicode = fonts is not None
        if fonts is not None:
            self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
            self.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
            self.family_name = "DejaVu"
        else:
            self.family_name = "helvetica"

    def safe(self, value: str) -> str:
        value = " ".join(value.split())
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def use(
        self, style: str = "", size: float = 11, color: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        self.set_font(self.family_name, style, size)
        self.set_text_color(*color)

    def para(self, value: str, height: float = 5.5) -> None:
        self.multi_cell(0, height, self.safe(value), new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    lang = report.lang
    pdf = _Pdf(dejavu_dir())
    pdf.set_title(text("title", lang))
    pdf.set_author(report.name or "Chamba")
    pdf.set_creator("Chamba")
    pdf.add_page()
    pdf.use("B", 20, BRAND)
    pdf.para(report.name or text("title", lang), 9)
    pdf.use("B", 14)
    pdf.para(text("title", lang), 7)
    pdf.use("", 11, MUTED)
    pdf.para(text("intro", lang))
    pdf.ln(2)

    pdf.use("B", 13, BRAND)
    pdf.para(text("skills", lang), 7)
    drawn = 0
    total = sum(len(s.skills) for s in report.sectors)
    if not report.sectors:
        pdf.use("", 11)
        pdf.para(text("none_skills", lang))
    for sector in report.sectors:
        if drawn >= MAX_SKILLS:
            break
        pdf.use("B", 11.5)
        pdf.para(sector.label, 6.5)
        for skill in sector.skills:
            if drawn >= MAX_SKILLS:
                break
            drawn += 1
            line = f"• {skill.label}"
            if skill.level:
                line += f" ({skill.level})"
            if skill.certified:
                line += f" · {text('certified', lang)}"
            pdf.use("B" if skill.certified else "", 11)
            pdf.para(line)
            if skill.evidence:
                said = skill.evidence[:MAX_EVIDENCE]
                pdf.use("I", 9.5, MUTED)
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(
                    0,
                    4.8,
                    pdf.safe(f"{text('said', lang)}: “{said}”"),
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
        pdf.ln(1)
    if total > drawn:
        pdf.use("", 10, MUTED)
        more = total - drawn
        pdf.para(f"+ {more} more" if lang == "en" else f"+ {more} más")

    if report.languages:
        pdf.use("B", 13, BRAND)
        pdf.para(text("languages", lang), 7)
        pdf.use("", 11)
        pdf.para(", ".join(report.languages))
        pdf.ln(1)
    if report.availability:
        pdf.use("B", 13, BRAND)
        pdf.para(text("availability", lang), 7)
        pdf.use("", 11)
        pdf.para(report.availability)
        pdf.ln(1)

    pdf.use("B", 13, BRAND)
    pdf.para(text("next", lang), 7)
    if not report.steps:
        pdf.use("", 11)
        pdf.para(text("none_next", lang))
    for number, step in enumerate(report.steps, 1):
        pdf.use("B", 11)
        pdf.para(f"{number}. {text(step.kind, lang)}: {step.title}")
        if step.summary:
            pdf.use("", 10, MUTED)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5, pdf.safe(step.summary), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.use("", 9, MUTED)
    pdf.para(f"{text('made', lang)} {report.made_on.isoformat()} · chamba.pe")
    return bytes(pdf.output())
