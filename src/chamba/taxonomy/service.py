"""Taxonomy logic: lookups, bilingual autocomplete search and CSV exports.

Services never commit; the caller owns the transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

from sqlalchemy import Table
from sqlalchemy.orm import Session

from chamba.taxonomy import repository
from chamba.taxonomy.errors import OccupationNotFound, SkillNotFound
from chamba.taxonomy.models import Occupation, Skill
from chamba.taxonomy.schemas import SearchHit
from chamba.text import normalize
from chamba.vocab import Requirement

Lang = Literal["es", "en"]

SKILL_EXPORT_COLUMNS = (
    "id",
    "label_es",
    "label_en",
    "sector",
    "type",
    "esco_uri",
    "synonyms_es",
    "synonyms_en",
)
OCCUPATION_EXPORT_COLUMNS = (
    "id",
    "label_es",
    "label_en",
    "isco_code",
    "esco_uri",
    "essential_skills",
    "optional_skills",
)
#: Separator of list cells (synonyms, skill ids) in CSV files.
LIST_SEP = "|"
#: First characters that make a spreadsheet treat a cell as a formula (plus the escape itself).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


# --- names and search text -----------------------------------------------------------------


def clean_synonyms(
    names: Iterable[str], exclude: Iterable[str] = (), norm: Callable[[str], str] = normalize
) -> list[str]:
    """Synonyms without blanks, ``|``, duplicates (by normalised form) or the excluded labels."""
    seen = {norm(e) for e in exclude}
    out = []
    for raw in names:
        for part in raw.split(LIST_SEP):
            name = " ".join(part.split())
            key = norm(name)
            if key and key not in seen:
                seen.add(key)
                out.append(name)
    return out


def search_text(
    label_es: str,
    label_en: str,
    synonyms: Iterable[str],
    norm: Callable[[str], str] = normalize,
) -> str:
    """The normalised names joined by ``|``: label_es, label_en, then the distinct synonyms."""
    first = [norm(label_es), norm(label_en)]
    seen = set(first)
    rest = []
    for name in synonyms:
        key = norm(name)
        if key and key not in seen:
            seen.add(key)
            rest.append(key)
    return repository.SEARCH_SEP.join(first + rest)


# --- lookups ---------------------------------------------------------------------------------


def get_skill(session: Session, skill_id: str) -> Skill:
    """The skill with this id; raises :class:`SkillNotFound`."""
    skill = repository.get_skill(session, skill_id)
    if skill is None:
        raise SkillNotFound(skill_id)
    return skill


def get_occupation(session: Session, occupation_id: str) -> Occupation:
    """The occupation with its skill relations loaded; raises :class:`OccupationNotFound`."""
    occupation = repository.get_occupation(session, occupation_id)
    if occupation is None:
        raise OccupationNotFound(occupation_id)
    return occupation


# --- search ----------------------------------------------------------------------------------


def _tier(query: str, tokens: Sequence[str], names: Sequence[str]) -> tuple[int, str]:
    """Rank of one row: 0 exact label, 1 label prefix, 2 synonym exact, 3 word prefix,
    4 substring, 5 tokens spread over several names. ``names[:2]`` are the labels."""
    labels = names[:2]
    for label in labels:
        if label == query:
            return 0, label
    for label in labels:
        if label.startswith(query):
            return 1, label
    for name in names[2:]:
        if name == query:
            return 2, name
    for name in names:
        words = name.split()
        if all(any(w.startswith(t) for w in words) for t in tokens):
            return 3, name
    for name in names:
        if query in name or all(t in name for t in tokens):
            return 4, name
    return 5, labels[0]


def _search(session: Session, table: Table, q: str, limit: int, lang: Lang) -> list[SearchHit]:
    query = normalize(q)
    if not query or limit <= 0:
        return []
    tokens = query.split()
    rows = repository.search_candidates(session, table, tokens, word_prefix=True)
    if len(rows) < limit:
        rows = repository.search_candidates(session, table, tokens, word_prefix=False)
    scored = []
    for row_id, label_es, label_en, text in rows:
        names = text.split(repository.SEARCH_SEP)
        tier, matched = _tier(query, tokens, names)
        label = label_en if lang == "en" else label_es
        own = names[1] if lang == "en" else names[0]
        scored.append(
            (
                (tier, matched != own, len(label), label.casefold(), row_id),
                row_id,
                label_es,
                label_en,
                matched,
            )
        )
    scored.sort(key=lambda item: item[0])
    return [
        SearchHit(
            id=row_id,
            label=label_en if lang == "en" else label_es,
            label_es=label_es,
            label_en=label_en,
            matched=matched,
            tier=key[0],
        )
        for key, row_id, label_es, label_en, matched in scored[:limit]
    ]


def search_skills(session: Session, q: str, limit: int = 20, lang: Lang = "es") -> list[SearchHit]:
    """Skills whose labels or synonyms (Spanish or English) match ``q``, best first.

    Accent-, case- and punctuation-insensitive. Order: exact label, label prefix, exact
    synonym, every word a word prefix, substring; ties go to a match in ``lang``, then the
    shorter label.

    Example:
        >>> search_skills(session, "atencion")[0].label  # doctest: +SKIP
        'Atención al cliente'
    """
    return _search(session, repository.SKILLS, q, limit, lang)


def search_occupations(
    session: Session, q: str, limit: int = 20, lang: Lang = "es"
) -> list[SearchHit]:
    """Occupations matching ``q``; same rules as :func:`search_skills`."""
    return _search(session, repository.OCCUPATIONS, q, limit, lang)


# --- CSV exports -----------------------------------------------------------------------------


def neutralise_cell(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (or that starts with ``'``).

    Example:
        >>> neutralise_cell("=HYPERLINK(1)")
        "'=HYPERLINK(1)"
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def restore_cell(value: str) -> str:
    """Inverse of :func:`neutralise_cell` (what a reader of an exported file applies)."""
    if len(value) >= 2 and value[0] == "'" and value[1] in "".join(_FORMULA_START):
        return value[1:]
    return value


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([neutralise_cell(cell or "") for cell in row])
            count += 1
    return count


def export_skills(session: Session, path: Path) -> int:
    """Write every skill to a UTF-8 CSV file; returns the number of rows.

    Columns: ``id,label_es,label_en,sector,type,esco_uri,synonyms_es,synonyms_en`` with
    ``|``-joined synonyms. Formula-like cells are neutralised (see :func:`neutralise_cell`).
    """
    rows = (
        (
            s.id,
            s.label_es,
            s.label_en,
            s.sector,
            str(s.type),
            s.esco_uri,
            LIST_SEP.join(s.synonyms_es or []),
            LIST_SEP.join(s.synonyms_en or []),
        )
        for s in repository.iter_skills(session)
    )
    return _write_csv(path, SKILL_EXPORT_COLUMNS, rows)


def export_occupations(session: Session, path: Path) -> int:
    """Write every occupation to a UTF-8 CSV file; returns the number of rows.

    Columns: ``id,label_es,label_en,isco_code,esco_uri,essential_skills,optional_skills`` with
    ``|``-joined, sorted skill ids.
    """

    def row(o: Occupation) -> tuple[str | None, ...]:
        essential = sorted(r.skill_id for r in o.skills if r.relation == Requirement.ESSENTIAL)
        optional = sorted(r.skill_id for r in o.skills if r.relation != Requirement.ESSENTIAL)
        return (
            o.id,
            o.label_es,
            o.label_en,
            o.isco_code,
            o.esco_uri,
            LIST_SEP.join(essential),
            LIST_SEP.join(optional),
        )

    return _write_csv(
        path, OCCUPATION_EXPORT_COLUMNS, (row(o) for o in repository.iter_occupations(session))
    )
