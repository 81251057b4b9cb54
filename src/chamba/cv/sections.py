"""Find the sections of a CV's text: work history, education, languages.

CVs in Peru (and most elsewhere) put short headings on their own line: "EXPERIENCIA LABORAL",
"Formación académica", "Idiomas". A line is a heading when it is short, has no digits and starts
with one of the known heading words; the lines after it, up to the next heading, are its
entries. Languages are also looked for in the whole text ("Inglés intermedio", "Quechua
(nativo)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from chamba.text import strip_accents

MAX_ENTRIES: Final = 20
MAX_ENTRY_CHARS: Final = 200

HEADINGS: Final[dict[str, tuple[str, ...]]] = {
    "work": (
        "experiencia",
        "historial laboral",
        "trayectoria",
        "trabajos",
        "empleos",
        "work experience",
        "experience",
        "employment",
        "work history",
    ),
    "education": ("educacion", "formacion", "estudios", "education", "academic"),
    "languages": ("idiomas", "lenguas", "languages"),
    "skills": ("habilidades", "competencias", "conocimientos", "skills", "herramientas"),
    "courses": ("cursos", "capacitacion", "certificacion", "courses", "certifications", "training"),
    "other": (
        "datos personales",
        "perfil",
        "resumen",
        "objetivo",
        "referencias",
        "profile",
        "summary",
        "objective",
        "references",
        "personal",
        "contacto",
        "contact",
    ),
}
#: Language names (folded) -> the name shown.
LANGUAGES: Final[dict[str, str]] = {
    "espanol": "español",
    "castellano": "español",
    "spanish": "español",
    "ingles": "inglés",
    "english": "inglés",
    "quechua": "quechua",
    "aimara": "aimara",
    "aymara": "aimara",
    "portugues": "portugués",
    "portuguese": "portugués",
    "frances": "francés",
    "french": "francés",
    "italiano": "italiano",
    "italian": "italiano",
    "aleman": "alemán",
    "german": "alemán",
    "chino": "chino",
    "mandarin": "chino",
    "japones": "japonés",
    "japanese": "japonés",
    "ashaninka": "asháninka",
    "shipibo": "shipibo",
    "awajun": "awajún",
}
_LEVEL = re.compile(
    r"\b(basico|basic|intermedio|intermediate|avanzado|advanced|nativo|native|materno|"
    r"lengua materna|fluido|fluent|elemental|bilingue|[abc][12])\b"
)
_LANGUAGE = re.compile(r"\b(" + "|".join(sorted(LANGUAGES, key=len, reverse=True)) + r")\b")


def _fold(text: str) -> str:
    return strip_accents(text).casefold()


def heading_of(line: str) -> str | None:
    """The section a heading line opens ("EXPERIENCIA LABORAL:" -> ``work``), or ``None``."""
    stripped = line.strip().strip(":•-*#").strip()
    if not stripped or len(stripped) > 40 or any(c.isdigit() for c in stripped):
        return None
    folded = _fold(stripped)
    for section, words in HEADINGS.items():
        if any(folded.startswith(w) for w in words):
            return section
    return None


@dataclass
class Sections:
    work: list[str] = field(default_factory=list)
    education: list[str] = field(default_factory=list)
    languages: list[tuple[str, str | None]] = field(default_factory=list)


def split_sections(text: str) -> Sections:
    """Work history, education and languages read from a CV's text."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        section = heading_of(line)
        if section is not None:
            current = section
            found.setdefault(section, [])
            continue
        entry = line.strip(" •-*\t")
        if current is not None and entry:
            found[current].append(entry[:MAX_ENTRY_CHARS])
    out = Sections(
        work=found.get("work", [])[:MAX_ENTRIES],
        education=found.get("education", [])[:MAX_ENTRIES],
    )
    language_lines = found.get("languages", []) or [
        line
        for line in text.splitlines()
        if len(line) <= 60  # "Inglés: intermedio"
    ]
    seen: set[str] = set()
    for line in language_lines:
        folded = _fold(line)
        names = _LANGUAGE.findall(folded)
        for name in names:
            shown = LANGUAGES[name]
            if shown in seen:
                continue
            seen.add(shown)
            level = _LEVEL.search(folded) if len(names) == 1 else None
            out.languages.append((shown, level.group(1) if level else None))
    return out
