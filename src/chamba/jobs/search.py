"""Job search: a query read as typed (words, places), matched lexically, corrected,
optionally blended with semantic similarity and distance, and paged. Read only."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import Session

from chamba.db import utcnow
from chamba.geo.errors import AmbiguousPlace, UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.jobs import repository
from chamba.jobs.errors import InvalidJob
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.schemas import JobPage, JobSearch
from chamba.jobs.service import present
from chamba.search import (
    LEXICAL_MIN_DOCS,
    STOPWORDS,
    idf_of,
    query_counts,
    terms,
    tf_scores,
)
from chamba.search import stem as term_stem
from chamba.taxonomy import service as taxonomy_service
from chamba.text import normalize

Similarity = Callable[[str, Sequence[int]], npt.NDArray[np.float64]]
"""``similarity(text, job_ids) -> (n,) cosines`` of a query with postings (semantic search)."""

#: Words of a search query that are used (the rest is ignored).
MAX_QUERY_WORDS = 8
DEFAULT_NEAR_KM = 25.0
#: At most this many matching postings are ranked by relevance (the most recent ones).
MAX_RANKED = 5000
#: Of those, at most this many (the first by a cheap score that reads no posting's text, see
#: :func:`_ranked`) are ranked by full relevance; the rest follow in the cheap score's order.
FULLY_RANKED = 500
#: Titles whose terms each process remembers.
TITLE_CACHE_SIZE = 50_000
#: Weight of the query's cosine with a posting next to its BM25 relevance (0..1).
SEMANTIC_WEIGHT = 0.5
#: Weight of the (idf-weighted) share of the query's words that a posting's title names, next
#: to its BM25 relevance (0..1): twice the semantic weight, so that a posting titled with the
#: trade ranks before postings that only mention it, unless it is much less similar in meaning.
TITLE_WEIGHT = 1.0


@dataclass
class ParsedQuery:
    """A search query read as a person types it: words to find and places named.

    ``words`` are the folded words to find in a posting (stop words dropped); ``places`` the
    ubigeo codes of the places named in the query (``"cajera en arequipa"`` -> ``["04"]``) and
    ``place_words`` the words that named them: a job in that place, or that says the place's
    name, matches them.
    """

    words: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    place_words: list[str] = field(default_factory=list)


def _outermost(codes: set[str]) -> list[str]:
    return sorted(c for c in codes if not any(o != c and c.startswith(o) for o in codes))


def parse_query(q: str | None) -> ParsedQuery:
    """Split ``q`` into words to find and places it names (longest place names first).

    Example:
        >>> parse_query("Abogado en Lima")
        ParsedQuery(words=['abogado'], places=['15'], place_words=['lima'])
    """
    words = normalize(q or "").split()[:MAX_QUERY_WORDS]
    gazetteer = get_gazetteer()
    used = [False] * len(words)
    codes: set[str] = set()
    place_words: list[str] = []
    for size in (5, 4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            if any(used[start : start + size]) or span[-1] in STOPWORDS:
                continue
            if size == 1 and (len(span[0]) < 3 or span[0].isdigit() or span[0] in STOPWORDS):
                continue
            found = gazetteer.find(" ".join(span))
            if found:  # the largest places of that name ("la libertad": the department)
                widest = min(len(p.code) for p in found)
                codes.update(p.code for p in found if len(p.code) == widest)
                place_words.append(" ".join(span))
                used[start : start + size] = [True] * size
    rest = [w for w, u in zip(words, used, strict=True) if not u and w not in STOPWORDS]
    return ParsedQuery(words=rest, places=_outermost(codes), place_words=place_words)


def resolve_region(value: str | None, field_name: str = "region") -> str | None:
    """An ubigeo code from a code or a place name (``"lima"``, ``"Cusco"``, ``"150101"``).

    Raises:
        InvalidJob: an unknown code, or a name that names no Peruvian place (with suggestions).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    gazetteer = get_gazetteer()
    try:
        return gazetteer.resolve(text).code
    except AmbiguousPlace as exc:
        return _outermost({p.code for p in exc.candidates})[0]
    except (UnknownUbigeo, ValueError):
        hints = ", ".join(p.label for p in gazetteer.search(text, limit=3))
        hint = f"; did you mean {hints}?" if hints else ""
        raise InvalidJob(
            field_name,
            f"{text!r} is not a Peruvian department, province, district or ubigeo{hint}",
        ) from None


def _stem(word: str) -> str:
    """The part of a word a search matches: ``cajera`` finds ``cajero`` and ``cajeras``."""
    for ending in ("es", "as", "os", "a", "o", "s"):
        if len(word) - len(ending) >= 4 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _search_conditions(
    session: Session, query: JobSearch, parsed: ParsedQuery, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status == JobStatus.OPEN:
        conditions.append(repository.open_at(now))
    else:
        conditions.append(Job.status == query.status)
    employers = repository.employer_names(session) if parsed.words else []
    indexed = bool(parsed.words or parsed.places) and repository.has_text_index(session)
    for word in parsed.words:
        stem = _stem(word)
        found = [repository.text_contains(stem, indexed=indexed)]
        ids = [org_id for org_id, name in employers if stem in name]
        if ids:
            found.append(Job.organisation_id.in_(ids))
        conditions.append(or_(*found))
    if parsed.places:
        conditions.append(
            or_(
                *(Job.ubigeo.startswith(code) for code in parsed.places),
                *(repository.text_contains(w, indexed=indexed) for w in parsed.place_words),
            )
        )
    if query.region:
        conditions.append(Job.ubigeo.startswith(query.region))
    if query.remote is not None:
        conditions.append(Job.remote.is_(query.remote))
    if query.hours_max is not None:
        conditions.append(or_(Job.hours_per_week.is_(None), Job.hours_per_week <= query.hours_max))
    if query.wage_min is not None:
        best = func.coalesce(Job.wage_max, Job.wage_min)
        conditions.append(or_(best.is_(None), best >= query.wage_min))
    if query.occupations is not None:
        conditions.append(Job.occupation_id.in_(query.occupations))
    return conditions


def resolve_occupation(
    session: Session, value: str | None, field_name: str = "occupation"
) -> list[str] | None:
    """The occupation ids a search's ``occupation`` means: a catalogue/ESCO occupation id as
    is, else the occupations whose name (label or synonym, either language) best matches it
    (the ``GET /api/v1/occupations`` search: all those of the best tier).

    Raises:
        InvalidJob: no occupation has that id or a name like it.
    """
    text = (value or "").strip()
    if not text:
        return None
    if repository.occupation_exists(session, text):
        return [text]
    hits = taxonomy_service.search_occupations(session, text, limit=10)
    if not hits:
        raise InvalidJob(
            field_name,
            f"no occupation is called {text!r}; find ids with GET /api/v1/occupations?q=...",
        )
    best = min(h.tier for h in hits)
    return [h.id for h in hits if h.tier == best]


def _corrected(session: Session, words: Sequence[str]) -> list[str]:
    """Each word, or the closest word of the open postings' titles when no title holds it."""
    vocabulary = repository.title_words(session)
    out = []
    for word in words:
        stem = _stem(word)
        if len(word) < 4 or any(stem in v for v in vocabulary):
            out.append(word)
            continue
        best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
        out.append(str(best[0]) if best else word)
    return out


@lru_cache(maxsize=TITLE_CACHE_SIZE)
def _title_terms(search_title: str | None) -> frozenset[str]:
    """The terms of a stored, already folded ``search_title`` (words and ``~stems``),
    remembered per process by the title itself (titles repeat; nothing needs invalidating)."""
    found = [
        w for w in (search_title or "").split()
        if len(w) > 1 and w not in STOPWORDS and not w.isdigit()
    ]  # fmt: skip
    return frozenset({*found, *(f"~{term_stem(w)}" for w in found)})


def _title_shares(
    titles: Sequence[str | None], trade: Sequence[str], weight: Callable[[str], float]
) -> npt.NDArray[np.float64]:
    """``(n,)`` the share of the query's ``trade`` terms that each title names, each term
    weighing ``weight(term)``; 0 everywhere when they weigh nothing."""
    weights = {t: weight(t) for t in trade}
    total = sum(weights.values())
    if total <= 0:
        return np.zeros(len(titles), dtype=np.float64)
    in_title = np.array(
        [sum(w for t, w in weights.items() if t in title) for title in
         (_title_terms(t) for t in titles)],
        dtype=np.float64,
    )  # fmt: skip
    shares: npt.NDArray[np.float64] = in_title / total
    return shares


def _relevance(
    ids: Sequence[int],
    titles: Sequence[str | None],
    texts: Sequence[str],
    parsed: ParsedQuery,
    cosine: npt.NDArray[np.float64] | None,
) -> npt.NDArray[np.float64]:
    """``(n,)`` relevance of each posting (``ids[k]`` titled ``titles[k]`` with the folded
    ``texts[k]``, its ``search_title`` and ``search_text`` joined) to the query:

    * BM25 of the query's words and place words over the title and the description (title
      words counting twice), 0..1, idf and average length over these postings;
    * plus :data:`TITLE_WEIGHT` times the share of the query's words (not its place words)
      that the title names, each weighted by its idf over the postings: a posting titled with
      the trade comes before one whose description only repeats it, however often;
    * plus :data:`SEMANTIC_WEIGHT` times the query's ``cosine`` with the posting, when given.

    Only the query's terms are counted in each text (:func:`~chamba.search.query_counts`);
    the numbers are those of BM25 over every term (:func:`~chamba.search.tf_scores`).
    """
    query = list(dict.fromkeys(terms(" ".join(parsed.words + parsed.place_words))))
    trade = list(dict.fromkeys(terms(" ".join(parsed.words))))
    n = len(ids)
    lengths = np.zeros(n, dtype=np.float64)
    counts = np.zeros((len(query), n), dtype=np.float64)  # (terms, postings)
    for k, text in enumerate(texts):
        lengths[k], found = query_counts(text, query)
        counts[:, k] = found
    tf = {t: counts[j] for j, t in enumerate(query)}
    df = {t: int(np.count_nonzero(tf[t])) for t in query}
    idf = idf_of(df, n) if n >= LEXICAL_MIN_DOCS else (lambda _t: 1.0)
    scores = tf_scores(query, lengths, tf, idf=idf)
    scores = scores + TITLE_WEIGHT * _title_shares(titles, trade, idf)
    if cosine is not None:
        scores = scores + SEMANTIC_WEIGHT * np.clip(cosine, 0.0, 1.0)
    return scores


def _cosines(
    similarity: Similarity | None, text: str, ids: Sequence[int]
) -> npt.NDArray[np.float64] | None:
    if similarity is None or not ids or not text.strip():
        return None
    return np.asarray(similarity(text, list(ids)), dtype=np.float64)


def _ranked(
    session: Session,
    rows: Sequence[Any],
    parsed: ParsedQuery,
    similarity: Similarity | None,
    text: str,
) -> list[int]:
    """The ids of ``rows`` (``(id, search_title, posted_at)``, newest first) most relevant
    first: the :data:`FULLY_RANKED` first by a cheap score, ranked by :func:`_relevance`
    among themselves, then the others in the cheap score's order.

    The cheap score needs no posting's text: the share of the query's words the title names
    (every word weighing the same) times :data:`TITLE_WEIGHT`, plus the query's cosine with the
    posting times :data:`SEMANTIC_WEIGHT`; ties newest first. When no more than
    :data:`FULLY_RANKED` postings match, every one is fully ranked: the order is exactly that
    of :func:`_relevance` over all of them.
    """
    ids = [int(r.id) for r in rows]
    posted = [-_ts(r.posted_at) for r in rows]
    cosine = _cosines(similarity, text, ids)
    if len(rows) > FULLY_RANKED:
        cheap = _cheap_scores(rows, parsed, cosine)
        order = sorted(range(len(rows)), key=lambda k: (-cheap[k], posted[k], -ids[k]))
        first, rest = order[:FULLY_RANKED], order[FULLY_RANKED:]
    else:
        first, rest = list(range(len(rows))), []
    first, scores = _fully_ranked(session, rows, ids, first, parsed, cosine)
    score = dict(zip(first, np.round(scores, 9).tolist(), strict=True))
    first.sort(key=lambda k: (-score[k], posted[k], -ids[k]))
    return [ids[k] for k in first + rest]


def _fully_ranked(
    session: Session,
    rows: Sequence[Any],
    ids: list[int],
    first: list[int],
    parsed: ParsedQuery,
    cosine: npt.NDArray[np.float64] | None,
) -> tuple[list[int], npt.NDArray[np.float64]]:
    """``(kept, scores)``: :func:`_relevance` of the rows at positions ``first``, read with their
    texts; ``kept`` is ``first`` less any posting deleted since ``rows`` were read."""
    texts = repository.search_texts(session, [ids[k] for k in first])
    kept = [k for k in first if ids[k] in texts]
    scores = _relevance(
        [ids[k] for k in kept],
        [rows[k].search_title for k in kept],
        [texts[ids[k]] for k in kept],
        parsed,
        None if cosine is None else cosine[kept],
    )
    return kept, scores


def _one(_term: str) -> float:
    return 1.0


def _cheap_scores(
    rows: Sequence[Any], parsed: ParsedQuery, cosine: npt.NDArray[np.float64] | None
) -> npt.NDArray[np.float64]:
    """``(n,)`` the first stage's score of ``rows`` (see :func:`_ranked`), rounded to 9 places."""
    trade = list(dict.fromkeys(terms(" ".join(parsed.words))))
    cheap = TITLE_WEIGHT * _title_shares([r.search_title for r in rows], trade, _one)
    if cosine is not None:
        cheap = cheap + SEMANTIC_WEIGHT * np.clip(cosine, 0.0, 1.0)
    rounded: npt.NDArray[np.float64] = np.round(cheap, 9)
    return rounded


def _near_relevance(
    session: Session,
    rows: Sequence[Any],
    parsed: ParsedQuery,
    similarity: Similarity | None,
    text: str,
    origin: str,
    km: float,
) -> dict[int, float]:
    """``{id: relevance}`` of ``rows`` (``(id, search_title, ubigeo, remote, posted_at)``) for
    :func:`_near`, where it only orders postings at the same distance: :func:`_relevance` of
    every row when there are no more than :data:`FULLY_RANKED` (exactly as without a first
    stage), else of the :data:`FULLY_RANKED` first in :func:`_near`'s order by the cheap score
    (:func:`_cheap_scores`), the others keeping their cheap score less 10, so that at one
    distance they follow every fully ranked posting, in the cheap score's order."""
    ids = [int(r.id) for r in rows]
    cosine = _cosines(similarity, text, ids)
    relevance: dict[int, float] = {}
    first = list(range(len(rows)))
    if len(rows) > FULLY_RANKED:
        cheap = _cheap_scores(rows, parsed, cosine)
        relevance = {i: float(c) - 10.0 for i, c in zip(ids, cheap.tolist(), strict=True)}
        chosen = {i for i, _ in _near(rows, relevance, origin, km)[:FULLY_RANKED]}
        first = [k for k in first if ids[k] in chosen]
    first, scores = _fully_ranked(session, rows, ids, first, parsed, cosine)
    relevance.update((ids[k], float(v)) for k, v in zip(first, scores.tolist(), strict=True))
    return relevance


def _near(
    rows: Sequence[Any], relevance: Mapping[int, float], origin: str, km: float
) -> list[tuple[int, float | None]]:
    """Jobs among ``rows`` within ``km`` of ``origin`` (remote jobs too, at no distance),
    nearest first, then most relevant, then newest."""
    gazetteer = get_gazetteer()
    kept: list[tuple[tuple[float, float, float, int], int, float | None]] = []
    for row in rows:
        distance: float | None = None
        if not row.remote:
            if not row.ubigeo:
                continue  # an on-site job of unknown place cannot be said to be near
            try:
                distance = gazetteer.distance_km(origin, row.ubigeo)
            except (UnknownUbigeo, ValueError):
                continue
            if distance > km + 1e-9:
                continue
        key = (
            distance if distance is not None else math.inf,
            -relevance.get(int(row.id), 0.0),
            -_ts(row.posted_at),
            -row.id,
        )
        kept.append((key, row.id, None if distance is None else round(distance, 1)))
    kept.sort(key=lambda item: item[0])
    return [(job_id, distance) for _, job_id, distance in kept]


def _ts(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def search_jobs(
    session: Session,
    query: JobSearch,
    *,
    now: datetime | None = None,
    similarity: Similarity | None = None,
) -> JobPage:
    """Public job search, as a person types it: words, places, filters, relevance first.

    ``q`` is read by :func:`parse_query`: place names in it (``"abogado lima"``, ``"cajera en
    arequipa"``) keep jobs in that place (or that name it); every other word must appear in the
    title, the description or the employer's name, accent- and case-insensitive, with gender
    and plural endings ignored (``cajera`` finds ``cajero``). When nothing matches, a word
    that no open posting's title holds is replaced by the closest title word (typos:
    ``"avogado"`` -> ``abogado``). Results are ordered by relevance (BM25 of the query's words,
    title words counting twice, plus the share of the query's words the title names, so that
    postings titled with the trade come first, plus the query's cosine with the posting when
    ``similarity`` is given; see :func:`_relevance`), then newer first: of the newest
    :data:`MAX_RANKED` matches, the first :data:`FULLY_RANKED` by a score that reads no
    posting's text (see :func:`_ranked`); ``total`` counts every match. With ``near`` (an
    ubigeo) the results are the on-site jobs within ``distance_km`` (default 25 km) and remote
    jobs, nearest first (remote last), each with its ``distance_km``. Jobs that state no hours
    or no wage pass those filters. Drafts
    are never listed.

    Args:
        session: database session (read only).
        query: the validated query; ``region`` and ``near`` are ubigeo codes
            (:func:`resolve_region` turns names into codes).
        now: the instant "open" is measured at (default now).
        similarity: ``similarity(text, job_ids) -> cosines`` (the API passes one backed by
            the matching indexes; ``None``: lexical relevance only).
    """
    now = now or utcnow()
    parsed = parse_query(query.q)
    conditions = _search_conditions(session, query, parsed, now)
    if parsed.words and not repository.any_match(session, conditions):
        corrected = _corrected(session, parsed.words)
        if corrected != parsed.words:
            parsed = ParsedQuery(corrected, parsed.places, parsed.place_words)
            conditions = _search_conditions(session, query, parsed, now)
    offset = (query.page - 1) * query.per_page
    if query.near:
        km = query.distance_km if query.distance_km is not None else DEFAULT_NEAR_KM
        places = get_gazetteer().within_km(query.near, km, level=None)
        depts = sorted({p.department_code for p in places} | {query.near[:2]})
        where = [*conditions, or_(Job.remote.is_(True), func.substr(Job.ubigeo, 1, 2).in_(depts))]
        rows = repository.matching_rows(session, where)
        relevance: dict[int, float] = {}
        if parsed.words:
            relevance = _near_relevance(
                session, rows, parsed, similarity, query.q or "", query.near, km
            )
        ranked = _near(rows, relevance, query.near, km)
        total = len(ranked)
        chosen = ranked[offset : offset + query.per_page]
        jobs = repository.by_ids(session, [i for i, _ in chosen])
        items = present(session, jobs, distances=dict(chosen))
    elif parsed.words:
        rows, total = repository.ranking_rows(session, conditions, limit=MAX_RANKED)
        order = _ranked(session, rows, parsed, similarity, query.q or "")
        page_ids = order[offset : offset + query.per_page]
        items = present(session, repository.by_ids(session, page_ids))
    else:  # no words: newest first, paged in SQL
        jobs, total = repository.page_of(
            session, conditions, [Job.posted_at.desc(), Job.id.desc()],
            offset=offset, limit=query.per_page,
        )  # fmt: skip
        items = present(session, jobs)
    return JobPage(items=items, total=total, page=query.page, per_page=query.per_page)
