"""BM25 of one query against many postings, one query term at a time.

:func:`chamba.search.lexical_scores` scores any number of (query, document) pairs in a Python
loop over pairs and terms, and, asked for idf over the documents, counts the document
frequency of every word of every document. A ranking scores one person's words against its
candidates (hundreds) or, for its lexical candidates, against every filtered job (thousands):
:func:`one_query_scores` gives the same numbers (the same operations in the same order) with one
pass over the documents per query term, and counts document frequencies of the query's terms
only, the only ones a score reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from chamba.search import LEXICAL_B, LEXICAL_K1, LEXICAL_MIN_DOCS, DocTerms, idf_of

FloatArray = npt.NDArray[np.float64]


def one_query_scores(
    query: Sequence[str],
    docs: Sequence[DocTerms],
    *,
    idf: Callable[[str], float] | None = None,
    avgdl: float | None = None,
) -> FloatArray:
    """``lexical_scores([query], docs, zeros, arange(len(docs)), idf=idf, avgdl=avgdl)``.

    Args:
        query: the query's terms (:func:`chamba.search.terms`).
        docs: the documents' counted terms (:func:`chamba.search.doc_terms`).
        idf: a term's weight; default: idf over ``docs`` when there are at least
            :data:`~chamba.search.LEXICAL_MIN_DOCS` of them, else 1.
        avgdl: the average document length (default: over ``docs``).

    Returns:
        ``(len(docs),)`` float64 in 0..1.

    Example:
        >>> from chamba.search import doc_terms, terms
        >>> one_query_scores(terms("cajera"), [doc_terms("cajera con SIAF"), doc_terms("chofer")])
        array([0.4, 0. ])
    """
    lengths = np.array([d.length for d in docs], dtype=np.float64)  # (n,)
    words = list(dict.fromkeys(query))
    tf = _term_counts(words, docs)
    return tf_scores(words, lengths, tf, idf=idf, avgdl=avgdl)


def tf_scores(
    words: Sequence[str],
    lengths: FloatArray,
    tf: Mapping[str, FloatArray],
    *,
    idf: Callable[[str], float] | None = None,
    avgdl: float | None = None,
) -> FloatArray:
    """:func:`one_query_scores` given each document's length and each distinct query term's
    frequency in every document (however they were counted).

    Args:
        words: the query's distinct terms, in order.
        lengths: ``(n,)`` each document's length in terms.
        tf: ``{word: (n,) float64}`` the term's count in each document, for each of ``words``.
        idf, avgdl: as :func:`one_query_scores`.

    Returns:
        ``(n,)`` float64 in 0..1.
    """
    n = lengths.size
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    if avgdl is None or avgdl <= 0:
        avgdl = float(lengths.mean()) if lengths.mean() > 0 else 1.0
    if idf is None:
        if n >= LEXICAL_MIN_DOCS:
            idf = idf_of({w: int(np.count_nonzero(tf[w])) for w in words}, n)
        else:

            def idf(word: str) -> float:
                return 1.0

    weights = {w: idf(w) for w in words}
    total = sum(weights.values())
    if total <= 0:
        return out
    norm = LEXICAL_K1 * (1.0 - LEXICAL_B + LEXICAL_B * lengths / avgdl)  # (n,)
    for word, weight in weights.items():
        f = tf[word]
        hit = f > 0
        if hit.any():
            out[hit] += weight * f[hit] / (f[hit] + norm[hit])
    result: FloatArray = out / total
    return result


def _term_counts(words: Sequence[str], docs: Sequence[DocTerms]) -> dict[str, FloatArray]:
    """``{word: (len(docs),) counts of word in each doc}``: each document's terms met with the
    query's in one set intersection (in C, over the smaller of the two), so a document costs
    one step however many query terms there are, not one look-up per term."""
    column = {w: k for k, w in enumerate(words)}
    wanted = column.keys()
    at_doc: list[int] = []
    at_word: list[int] = []
    values: list[int] = []
    for i, doc in enumerate(docs):
        counts = doc.counts
        for w in counts.keys() & wanted:
            at_doc.append(i)
            at_word.append(column[w])
            values.append(counts[w])
    matrix = np.zeros((len(words), len(docs)), dtype=np.float64)  # (terms, docs)
    matrix[at_word, at_doc] = values
    return {w: matrix[k] for k, w in enumerate(words)}
