"""BM25 of one query against many postings, one query term at a time.

:func:`chamba.search.lexical_scores` scores any number of (query, document) pairs in a Python
loop over pairs and terms, and, asked for idf over the documents, counts the document
frequency of every word of every document. A ranking scores one person's words against its
candidates (hundreds) or, for its lexical candidates, against every filtered job (thousands):
:func:`one_query_scores` gives the same numbers (the same operations in the same order) with one
pass over the documents per query term, and counts document frequencies of the query's terms
only, the only ones a score reads. Its BM25 from the counted frequencies is
:func:`chamba.search.tf_scores`, the one job search uses too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from chamba.search import DocTerms
from chamba.search import tf_scores as tf_scores

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
