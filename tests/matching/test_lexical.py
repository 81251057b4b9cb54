"""One query's BM25, one term at a time, gives exactly the numbers of lexical_scores."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chamba.matching.lexical import one_query_scores
from chamba.search import Corpus, doc_terms, lexical_scores, terms

WORDS = "soldador soldadura cajera cajeros ventas menu cocina taller lima madera muebles".split()


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))


@pytest.mark.parametrize("n_docs", [0, 1, 5, 19, 20, 60])
@pytest.mark.parametrize("corpus_idf", [False, True])
def test_one_query_scores_equal_lexical_scores(n_docs: int, corpus_idf: bool) -> None:
    rng = random.Random(n_docs)
    docs = [doc_terms(_text(rng)) for _ in range(n_docs)]
    corpus = Corpus.of(terms(_text(rng)) for _ in range(30))
    for _ in range(20):
        query = terms(_text(rng))
        idf = corpus.idf() if corpus_idf else None
        avgdl = corpus.avgdl if corpus_idf else None
        expected = lexical_scores(
            [query], docs, np.zeros(n_docs, np.int64), np.arange(n_docs), idf=idf, avgdl=avgdl
        )
        got = one_query_scores(query, docs, idf=idf, avgdl=avgdl)
        np.testing.assert_array_equal(got, expected)


def test_many_queries_weigh_each_distinct_word_once() -> None:
    # GIVEN many queries (an employer's candidates) sharing words, and one document
    rng = random.Random(7)
    queries = [terms(_text(rng)) for _ in range(50)]
    doc = doc_terms(" ".join(WORDS))
    corpus = Corpus.of(terms(_text(rng)) for _ in range(30))
    weigh = corpus.idf()
    asked: list[str] = []

    def idf(word: str) -> float:
        asked.append(word)
        return weigh(word)

    pi = np.arange(len(queries), dtype=np.int64)
    # WHEN they are scored against it
    got = lexical_scores(queries, [doc], pi, np.zeros_like(pi), idf=idf, avgdl=corpus.avgdl)
    # THEN each distinct word was weighed once, and every score is one query's alone
    assert sorted(asked) == sorted({w for q in queries for w in q})
    for k, query in enumerate(queries):
        np.testing.assert_array_equal(
            got[k : k + 1], one_query_scores(query, [doc], idf=weigh, avgdl=corpus.avgdl)
        )
