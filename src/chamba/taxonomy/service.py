"""Taxonomy logic: lookups, bilingual autocomplete search and CSV exports.

Services never commit; the caller owns the transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process
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


def skills_by_id(session: Session, ids: Sequence[str]) -> dict[str, Skill]:
    """The skills with these ids (unknown ids absent)."""
    return repository.skills_by_id(session, ids)


def occupations_by_id(session: Session, ids: Sequence[str]) -> dict[str, Occupation]:
    """The occupations with these ids (unknown ids absent)."""
    return repository.occupations_by_id(session, ids)


def occupation_skill_ids(occupation: Occupation) -> tuple[list[str], list[str]]:
    """``(essential, optional)`` skill ids of an occupation from :func:`get_occupation`,
    each sorted."""
    relations = sorted((r.skill_id, r.relation) for r in occupation.skills)
    essential = [s for s, r in relations if r == Requirement.ESSENTIAL]
    return essential, [s for s, r in relations if r == Requirement.OPTIONAL]


# --- search ----------------------------------------------------------------------------------

Similar = Callable[[str, int], list[tuple[str, float]]]
"""``similar(text, k) -> [(id, cosine)]``: concepts whose names mean what ``text`` says."""
#: Below this many good lexical hits, typo and meaning matches are merged in.
HYBRID_BELOW = 3
#: rapidfuzz ratio (0..100) a name needs to count as the query misspelt (same first letter).
FUZZY_CUTOFF = 85
#: Score of a weak lexical hit (a substring, or words spread over several names).
WEAK_LEXICAL_SCORE = 0.75
#: Added to a cosine: a name that means the query outranks a weak substring hit at 0.6.
SEMANTIC_BONUS = 0.15


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


def _lexical(session: Session, table: Table, q: str, limit: int, lang: Lang) -> list[SearchHit]:
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


def _fuzzy(session: Session, table: Table, query: str, limit: int) -> list[tuple[str, float, str]]:
    """``(id, score 0..1, name)`` of the rows with a name closest to ``query`` (typos)."""
    if len(query) < 4:
        return []
    names: list[str] = []
    owners: list[str] = []
    for row_id, text in repository.all_search_texts(session, table):
        for name in text.split(repository.SEARCH_SEP):
            if name and name[0] == query[0]:  # typos rarely touch the first letter
                names.append(name)
                owners.append(row_id)
    found = process.extract(
        query, names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 4
    )
    best: dict[str, tuple[float, str]] = {}
    for name, score, i in found:
        owner = owners[i]
        if owner not in best or score / 100 > best[owner][0]:
            best[owner] = (score / 100, name)
    return [(k, v[0], v[1]) for k, v in best.items()]


def _search(
    session: Session, table: Table, q: str, limit: int, lang: Lang, similar: Similar | None
) -> list[SearchHit]:
    """Lexical hits first; when fewer than :data:`HYBRID_BELOW` match well (exact, prefix,
    synonym or every word a word prefix), close spellings (typos) and, with ``similar``,
    names that mean the same (paraphrases, the other language) join them, best first."""
    hits = _lexical(session, table, q, limit, lang)
    strong = [h for h in hits if h.tier <= 3]
    query = normalize(q)
    if len(strong) >= min(limit, HYBRID_BELOW) or not query or limit <= 0:
        return hits
    scored: dict[str, tuple[float, int, str]] = {}  # id -> (score, tier, matched)

    def offer(row_id: str, score: float, tier: int, matched: str) -> None:
        old = scored.get(row_id)
        if old is None or score > old[0]:
            scored[row_id] = (score, tier, matched)

    for h in hits[len(strong) :]:
        offer(h.id, WEAK_LEXICAL_SCORE, h.tier, h.matched)
    for row_id, score, name in _fuzzy(session, table, query, limit):
        offer(row_id, score, 6, name)
    if similar is not None:
        for row_id, cosine in similar(q, limit):
            offer(row_id, cosine + SEMANTIC_BONUS, 7, "")
    chosen = [k for k in sorted(scored, key=lambda k: (-scored[k][0], k)) if k not in
              {h.id for h in strong}][: max(0, limit - len(strong))]  # fmt: skip
    labels = repository.labels_of(session, table, chosen)
    out = list(strong)
    for row_id in chosen:
        if row_id not in labels:
            continue
        label_es, label_en = labels[row_id]
        _, tier, matched = scored[row_id]
        label = label_en if lang == "en" else label_es
        out.append(
            SearchHit(
                id=row_id, label=label, label_es=label_es, label_en=label_en,
                matched=matched or normalize(label), tier=tier,
            )
        )  # fmt: skip
    return out


def search_skills(
    session: Session, q: str, limit: int = 20, lang: Lang = "es", *, similar: Similar | None = None
) -> list[SearchHit]:
    """Skills whose labels or synonyms (Spanish or English) match ``q``, best first.

    Accent-, case- and punctuation-insensitive. Order: exact label, label prefix, exact
    synonym, every word a word prefix, substring; ties go to a match in ``lang``, then the
    shorter label. When few names match that way, the closest spellings (tier 6, typos) and,
    with ``similar(q, k) -> [(id, cosine)]``, the names closest in meaning (tier 7:
    paraphrases, :func:`chamba.nlp.service.similar_skills`) are merged in by score.

    Example:
        >>> search_skills(session, "atencion")[0].label  # doctest: +SKIP
        'Atención al cliente'
    """
    return _search(session, repository.SKILLS, q, limit, lang, similar)


def search_occupations(
    session: Session, q: str, limit: int = 20, lang: Lang = "es", *, similar: Similar | None = None
) -> list[SearchHit]:
    """Occupations matching ``q``; same rules as :func:`search_skills`."""
    return _search(session, repository.OCCUPATIONS, q, limit, lang, similar)


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
