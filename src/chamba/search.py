"""Stored, normalised search text of public postings (jobs and courses).

Free-text search matches the :func:`~chamba.text.normalize`-d words of a query against two
columns normalised the same way, in Python, whenever a posting is written: ``search_title``
(the title) and ``search_text`` (title and description). Nothing is folded in SQL at query
time, so a search is a plain ``search_text LIKE '%word%'`` that PostgreSQL can answer from a
trigram index (migration ``0007``) and SQLite from an FTS5 ``trigram`` table (migration
``0020``, :func:`chamba.jobs.repository.text_contains`), or in one light pass where SQLite
lacks FTS5 or the tokenizer.

ORM writes fill the columns through mapper events (:class:`SearchText`); bulk writes that go
around the ORM (``insert(...)`` with row dicts, ``COPY``) must add :func:`search_fields` to each
row themselves, as the demo generator does. Job and course texts are public postings, never
personal data, so storing them normalised leaks nothing.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Connection,
    Text,
    event,
    inspect,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from chamba.text import normalize

LEXICAL_K1: Final = 1.2
LEXICAL_B: Final = 0.75
LEXICAL_MIN_DOCS: Final = 20
"""Below this many documents scored together, every word weighs the same (idf 1)."""
STOPWORDS: Final = frozenset(
    """
    de del la las el los lo al en y e o u a un una unos unas con para por que se me mi mis su sus
    le les nos como mas muy ya sin sobre entre nivel
    the of and or in on at to for with an by from as my our your its into
    """.split()
)
"""Words that say nothing about a job or a person (folded, as :func:`normalize` leaves them)."""
WORDS_CACHE_SIZE: Final = 50_000
"""Short texts (single tokens, queries) whose :func:`words` each process remembers."""
DOC_CACHE_SIZE: Final = 20_000
"""Documents (a posting's text) whose :func:`doc_terms` each process remembers: every match
request reads the terms of hundreds of postings, and folding their text again each time was
most of a request's cost. About 5 KB each, so at most ~100 MB per process."""


def search_fields(title: str | None, description: str | None) -> dict[str, str]:
    """The stored search columns of a posting with this title and description.

    Example:
        >>> fields = search_fields("Técnico Electricista", "Lima, turno mañana.")
        >>> fields["search_title"], fields["search_text"]
        ('tecnico electricista', 'tecnico electricista lima turno manana')
    """
    title = title or ""
    return {
        "search_title": normalize(title),
        "search_text": normalize(f"{title} {description or ''}"),
    }


class SearchText:
    """Mixin of a mapped class with ``title`` and ``description``: the stored search columns.

    They are filled before every insert and refreshed before an update that changes the title
    or the description (flush time); ``''`` is only the server default of rows written before
    the columns existed, which migration ``0007`` backfills.
    """

    search_title: Mapped[str] = mapped_column(Text, server_default="")
    search_text: Mapped[str] = mapped_column(Text, server_default="")


def _fill(target: Any) -> None:
    for key, value in search_fields(target.title, target.description).items():
        setattr(target, key, value)


@event.listens_for(SearchText, "before_insert", propagate=True)
def _on_insert(_mapper: Any, _connection: Any, target: Any) -> None:
    _fill(target)


@event.listens_for(SearchText, "before_update", propagate=True)
def _on_update(_mapper: Any, _connection: Any, target: Any) -> None:
    attrs = inspect(target).attrs
    if attrs.title.history.has_changes() or attrs.description.history.has_changes():
        _fill(target)


# ------------------------------------------------------------- SQLite's substring index

TEXT_INDEX_SUFFIX: Final = "_fts"
"""``<table>_fts``: the FTS5 table (``trigram`` tokenizer, external content ``<table>``) that
indexes a table's ``search_text`` on SQLite, kept in sync by triggers (migration ``0020``)."""
MIN_INDEXED_CHARS: Final = 3
"""Shorter fragments hold no trigram: they are matched by ``LIKE`` over every row."""


def trigram_supported(connection: Connection) -> bool:
    """Whether this SQLite has FTS5 and its ``trigram`` tokenizer (SQLite >= 3.34, FTS5
    compiled in): a throw-away temporary table is created and dropped to find out."""
    if connection.dialect.name != "sqlite":
        return False
    try:
        with connection.begin_nested():  # a SAVEPOINT: a refusal leaves the caller's work
            connection.exec_driver_sql(
                "CREATE VIRTUAL TABLE temp.chamba_trigram_probe USING fts5(x, tokenize='trigram')"
            )
            connection.exec_driver_sql("DROP TABLE temp.chamba_trigram_probe")
    except DBAPIError:
        return False
    return True


# ---------------------------------------------------------------------- lexical relevance


def words(text: str | None) -> list[str]:
    """Folded words of ``text`` without stop words, one-letter words and numbers.

    Example:
        >>> words("Manejo del SIAF, nivel 2")
        ['manejo', 'siaf']
    """
    text = text or ""
    if len(text) > 200:  # a document: folded once, not remembered here (see doc_terms)
        return list(_fold(text))
    return list(_short_words(text))


def _fold(text: str) -> tuple[str, ...]:
    return tuple(
        sys.intern(w)
        for w in normalize(text).split()
        if len(w) > 1 and w not in STOPWORDS and not w.isdigit()
    )


_short_words = lru_cache(maxsize=WORDS_CACHE_SIZE)(_fold)


def stem(word: str) -> str:
    """A folded word without its plural and gender ending: ``cajeras`` -> ``cajer``.

    Example:
        >>> [stem(w) for w in ("cajera", "cajeros", "contables", "profesional", "mes")]
        ['cajer', 'cajer', 'contabl', 'profesional', 'mes']
    """
    if len(word) > 4 and word.endswith("es") and word[-3] in "lrndzj":
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 4 and word[-1] in "ao":
        word = word[:-1]
    return word


def terms(text: str | None) -> list[str]:
    """Terms of ``text`` for lexical matching: each word as written (folded), then each
    word's ``~stem``, so that "cajera" also matches "cajeros" while the same word counts twice.

    Example:
        >>> terms("Cajera con SIAF")
        ['cajera', 'siaf', '~cajer', '~siaf']
    """
    found = words(text)
    return found + [f"~{stem(w)}" for w in found]


@dataclass(frozen=True, slots=True)
class DocTerms:
    """A document's term frequencies and its length in terms (what BM25 reads of it)."""

    counts: Mapping[str, int]
    length: int


@lru_cache(maxsize=DOC_CACHE_SIZE)
def doc_terms(text: str) -> DocTerms:
    """The :func:`terms` of ``text`` counted, remembered per process by the text itself (so a
    changed posting is simply a new text; nothing needs invalidating). Read-only.

    Example:
        >>> doc_terms("Cajera, cajera con SIAF").counts["cajera"]
        2
    """
    found = terms(text)
    tf: dict[str, int] = {}
    for w in found:
        w = sys.intern(w)
        tf[w] = tf.get(w, 0) + 1
    return DocTerms(tf, len(found))


def idf_of(df: Mapping[str, int], n_docs: int) -> Callable[[str], float]:
    """BM25's idf from document frequencies: ``log(1 + (N - df + 0.5) / (df + 0.5))``."""

    def idf(word: str) -> float:
        d = df.get(word, 0)
        return math.log(1.0 + (n_docs - d + 0.5) / (d + 0.5))

    return idf


@dataclass(frozen=True)
class Corpus:
    """What BM25 needs to know of a whole collection: term document frequencies, its size and
    its average document length."""

    df: Mapping[str, int]
    n_docs: int
    avgdl: float

    @classmethod
    def of(cls, docs: Iterable[Sequence[str]]) -> Corpus:
        df: dict[str, int] = defaultdict(int)
        n = total = 0
        for doc in docs:
            n += 1
            total += len(doc)
            for w in set(doc):
                df[w] += 1
        return cls(dict(df), n, total / n if n and total else 1.0)

    def idf(self) -> Callable[[str], float]:
        return idf_of(self.df, self.n_docs)


def _corpus_of_counts(counts: Sequence[Mapping[str, int]], sizes: Sequence[int]) -> Corpus:
    """:meth:`Corpus.of` the documents whose term counts are ``counts``."""
    df: dict[str, int] = defaultdict(int)
    for tf in counts:
        for w in tf:
            df[w] += 1
    n, total = len(counts), sum(sizes)
    return Corpus(dict(df), n, total / n if n and total else 1.0)


def lexical_scores(
    queries: Sequence[Sequence[str]],
    docs: Sequence[Sequence[str] | DocTerms],
    qi: npt.NDArray[np.int64],
    di: npt.NDArray[np.int64],
    *,
    idf: Callable[[str], float] | None = None,
    idf_from_docs: bool = True,
    avgdl: float | None = None,
) -> npt.NDArray[np.float64]:
    """BM25 of query ``qi[k]`` in document ``di[k]`` for each pair, scaled to 0..1.

    Args:
        queries: the terms of each query (:func:`terms`).
        docs: the terms of each document, or their counts (:func:`doc_terms`).
        qi, di: ``(pairs,)`` indexes into ``queries`` and ``docs``.
        idf: the weight of a term (e.g. :func:`idf_of` over a whole corpus); default: idf
            over ``docs`` when ``idf_from_docs`` and there are at least
            :data:`LEXICAL_MIN_DOCS` of them, else 1 for every term.
        avgdl: the average document length (default: over ``docs``).

    Returns:
        ``(pairs,)`` float64: ``sum idf(t) sat(t, d) / sum idf(t)`` over the query's distinct
        terms ``t``, where ``sat = tf / (tf + k1 (1 - b + b |d| / avgdl))`` is BM25's saturated,
        length-normalised term frequency (below 1); 0 for an empty query.
    """
    counts: list[Mapping[str, int]] = []
    sizes: list[int] = []
    for doc in docs:
        if isinstance(doc, DocTerms):
            counts.append(doc.counts)
            sizes.append(doc.length)
            continue
        tf: dict[str, int] = defaultdict(int)
        for w in doc:
            tf[w] += 1
        counts.append(tf)
        sizes.append(len(doc))
    lengths = np.array(sizes, dtype=np.float64)
    if avgdl is None or avgdl <= 0:
        avgdl = float(lengths.mean()) if lengths.size and lengths.mean() > 0 else 1.0
    if idf is None:
        if idf_from_docs and len(docs) >= LEXICAL_MIN_DOCS:
            idf = _corpus_of_counts(counts, sizes).idf()
        else:

            def idf(word: str) -> float:
                return 1.0

    # each distinct word's weight once (an employer's ~250 candidates' queries share most words)
    known = {w: idf(w) for w in {w for q in queries for w in q}}
    weights = [{w: known[w] for w in dict.fromkeys(q)} for q in queries]
    totals = [sum(w.values()) for w in weights]
    norm = LEXICAL_K1 * (1.0 - LEXICAL_B + LEXICAL_B * lengths / avgdl)  # (n_docs,)
    out = np.zeros(qi.size, dtype=np.float64)
    for k, (q, d) in enumerate(zip(qi.tolist(), di.tolist(), strict=True)):
        if totals[q] <= 0:
            continue
        tf, denom = counts[d], norm[d]
        score = 0.0
        for word, weight in weights[q].items():
            f = tf.get(word)
            if f:
                score += weight * f / (f + denom)
        out[k] = score / totals[q]
    return out


def query_counts(folded: str, query: Sequence[str]) -> tuple[int, list[int]]:
    """``(doc_terms(folded).length, [doc_terms(folded).counts.get(t, 0) for t in query])``
    without counting every term of the text: the words are counted in C, and a query's
    ``~stem`` is counted over the few words that can have that stem (the stem plus an ending
    :func:`stem` removes), each checked with :func:`stem`.

    Args:
        folded: a text, best one that :func:`~chamba.text.normalize` already folded (the
            stored ``search_title``/``search_text``, or several joined by spaces): folded
            again here only when it holds anything but ``a-z``, ``0-9`` and spaces (folding
            such a text again changes nothing).
        query: the terms to count (:func:`terms`).

    Example:
        >>> query_counts("cajera y cajeros con siaf 2", ["cajera", "~cajer", "chofer"])
        (6, [1, 2, 0])
    """
    if not folded.isascii() or _UNFOLDED.search(folded):
        folded = normalize(folded)
    counter = Counter(folded.split())
    kept = sum(
        n for w, n in counter.items() if len(w) > 1 and w not in STOPWORDS and not w.isdigit()
    )
    out = []
    for term in query:
        if term.startswith("~"):
            base = term[1:]
            out.append(sum(
                counter[w] for w in {base + e for e in _STEM_ENDINGS}
                if w in counter and _kept(w) and stem(w) == base
            ))  # fmt: skip
        else:
            out.append(counter[term] if _kept(term) else 0)
    return 2 * kept, out


_UNFOLDED: Final = re.compile(r"[^a-z0-9 ]")
"""A character that :func:`~chamba.text.normalize` may change (ASCII folded text has none)."""
_STEM_ENDINGS: Final = ("", "s", "es", "a", "as", "aes", "o", "os", "oes")
"""Every ending :func:`stem` can remove: ``stem(w) == s`` only for ``w`` = ``s`` + one of them."""


def _kept(word: str) -> bool:
    """Whether :func:`words` keeps this folded word."""
    return len(word) > 1 and word not in STOPWORDS and not word.isdigit()


def tf_scores(
    words: Sequence[str],
    lengths: npt.NDArray[np.float64],
    tf: Mapping[str, npt.NDArray[np.float64]],
    *,
    idf: Callable[[str], float] | None = None,
    avgdl: float | None = None,
) -> npt.NDArray[np.float64]:
    """:func:`lexical_scores` of one query against ``n`` documents (the same numbers: the same
    operations in the same order), given each document's length and each distinct query
    term's frequency in every document (however they were counted).

    Args:
        words: the query's distinct terms, in order.
        lengths: ``(n,)`` each document's length in terms.
        tf: ``{word: (n,) float64}`` the term's count in each document, for each of ``words``.
        idf: a term's weight; default: idf over the documents when there are at least
            :data:`LEXICAL_MIN_DOCS` of them, else 1.
        avgdl: the average document length (default: over the documents).

    Returns:
        ``(n,)`` float64 in 0..1.
    """
    n = lengths.size
    counts = np.array([tf[w] for w in words], dtype=np.float64).reshape(len(words), n)
    return tf_matrix_scores(words, lengths, counts, idf=idf, avgdl=avgdl)


def tf_matrix_scores(
    words: Sequence[str],
    lengths: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
    *,
    idf: Callable[[str], float] | None = None,
    avgdl: float | None = None,
) -> npt.NDArray[np.float64]:
    """:func:`tf_scores` with the term frequencies as one matrix: ``counts[k]`` is
    ``words[k]``'s count in each document, ``(len(words), n)``. Each term's share is computed
    for every document at once and added term after term, in the query's order (a document
    without the term adds 0.0, which changes no float): the same numbers."""
    n = lengths.size
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    if avgdl is None or avgdl <= 0:
        avgdl = float(lengths.mean()) if lengths.mean() > 0 else 1.0
    present = np.count_nonzero(counts, axis=1) if words else np.zeros(0, dtype=np.intp)
    if idf is None:
        if n >= LEXICAL_MIN_DOCS:
            idf = idf_of(dict(zip(words, present.tolist(), strict=True)), n)
        else:

            def idf(word: str) -> float:
                return 1.0

    weights = [idf(w) for w in words]
    total = sum(weights)
    if total <= 0:
        return out
    norm = LEXICAL_K1 * (1.0 - LEXICAL_B + LEXICAL_B * lengths / avgdl)  # (n,)
    used = np.flatnonzero(present > 0)  # terms found in some document (others add nothing)
    if used.size:
        f = counts[used]  # (terms, n)
        share = np.array(weights)[used, None] * f / (f + norm[None, :])  # 0 where f is 0
        for row in share:
            out += row
    result: npt.NDArray[np.float64] = out / total
    return result
