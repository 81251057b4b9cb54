"""Lexical terms of postings: counted once per process per text, scored as if counted anew."""

from __future__ import annotations

import numpy as np

from chamba.search import doc_terms, lexical_scores, terms, words

DOCS = [
    f"Cajera {n} con experiencia en caja y SIAF; atención al cliente en tienda de Lima"
    if n % 3
    else f"Ayudante de cocina {n}: preparar insumos, limpieza, cocina criolla en Arequipa"
    for n in range(30)
]


def test_counted_documents_score_exactly_like_their_terms() -> None:
    # GIVEN queries and enough documents for idf to come from the documents themselves
    queries = [terms("cajeras con SIAF"), terms("cocina")]
    qi = np.array([0] * len(DOCS) + [1] * len(DOCS), dtype=np.int64)
    di = np.array(list(range(len(DOCS))) * 2, dtype=np.int64)
    # WHEN the documents are given as term lists and as remembered counts
    plain = lexical_scores(queries, [terms(d) for d in DOCS], qi, di)
    counted = lexical_scores(queries, [doc_terms(d) for d in DOCS], qi, di)
    # THEN the scores are the same (idf and average length over the documents included)
    np.testing.assert_array_equal(plain, counted)
    assert plain.max() > 0


def test_a_text_is_counted_once_per_process() -> None:
    text = "Soldador con experiencia en soldadura MIG y TIG " * 10
    # WHEN the same posting text is read by two requests
    first, second = doc_terms(text), doc_terms(str(text))
    # THEN the second reads the first's counts, which match the terms of the text
    assert first is second
    assert first.length == len(terms(text))
    assert first.counts["soldador"] == 10


def test_words_of_long_and_short_texts_are_fresh_lists() -> None:
    short, long = "Manejo del SIAF", "Manejo del SIAF y de la caja registradora " * 10
    assert words(short) == ["manejo", "siaf"]
    mine = words(short)
    mine.append("changed")  # a caller may change its list
    assert words(short) == ["manejo", "siaf"]
    assert words(long)[:2] == ["manejo", "siaf"]
