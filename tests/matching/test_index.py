"""One shared test suite for every VectorIndex implementation, on synthetic data whose right
answer is known (exact cosine top-k computed with numpy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from chamba.matching.index import (
    FaissHNSWIndex,
    FlatIndex,
    IndexMismatchError,
    load_index,
    make_index,
    saved_header,
)

DIM = 32
Factory = Callable[[str, int], FlatIndex | FaissHNSWIndex]

FACTORIES: dict[str, Factory] = {
    "flat": lambda model, dim: FlatIndex(model, dim, capacity=4),
    # exact_below=0 forces the graph path even on tiny data; high ef makes it exact here.
    "hnsw": lambda model, dim: FaissHNSWIndex(model, dim, m=16, ef_search=256, exact_below=0),
    "hnsw-exact-small": lambda model, dim: FaissHNSWIndex(model, dim),
}


@pytest.fixture(params=list(FACTORIES))
def make(request: pytest.FixtureRequest) -> Factory:
    return FACTORIES[request.param]


def unit_rows(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)  # (n, dim)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = vectors @ query  # (n,)
    order = np.lexsort((ids, -scores))[:k]
    return ids[order].tolist()


def test_top1_of_a_stored_vector_is_itself(make: Factory) -> None:
    # GIVEN 300 random unit vectors under sparse ids
    x = unit_rows(300)
    ids = np.arange(300) * 7 + 5
    index = make("m", DIM)
    index.upsert(ids.tolist(), x)
    # WHEN each of the first 50 is queried
    # THEN its own id comes first with score ~1
    for n in range(50):
        got, scores = index.search(x[n], k=1)
        assert got.tolist() == [ids[n]]
        assert scores[0] == pytest.approx(1.0, abs=1e-5)


def test_results_match_exact_answer_best_first(make: Factory) -> None:
    # GIVEN vectors and a query that is not stored
    x, q = unit_rows(400), unit_rows(1, seed=1)[0]
    ids = np.arange(400)
    index = make("m", DIM)
    index.upsert(ids, x)
    # WHEN the top 10 are asked for
    got, scores = index.search(q, k=10)
    # THEN they are the exact top 10, scores descending
    assert got.tolist() == exact_top(x, ids, q, 10)
    assert np.all(np.diff(scores) <= 1e-7)
    assert got.dtype == np.int64
    assert scores.dtype == np.float32


def test_upsert_replaces_a_vector(make: Factory) -> None:
    # GIVEN id 3 stored with one vector
    x = unit_rows(20)
    index = make("m", DIM)
    index.upsert(list(range(20)), x)
    # WHEN id 3 is upserted with a new direction
    new = unit_rows(1, seed=9)[0]
    index.upsert([3], new[None, :])
    # THEN the count is unchanged, get() returns the new vector and search finds it there
    assert len(index) == 20
    np.testing.assert_allclose(index.get([3])[0], new, atol=1e-6)
    assert index.search(new, k=1)[0].tolist() == [3]
    assert index.search(x[3], k=1)[0].tolist() != [3]


def test_remove_forgets(make: Factory) -> None:
    # GIVEN 50 stored vectors
    x = unit_rows(50)
    index = make("m", DIM)
    index.upsert(list(range(50)), x)
    # WHEN two are removed (and an unknown id is ignored)
    index.remove([4, 7, 999])
    # THEN they are never returned and get() gives zeros
    assert len(index) == 48
    got, _ = index.search(x[4], k=50)
    assert 4 not in got.tolist()
    assert 7 not in got.tolist()
    assert len(got) == 48
    assert not index.get([4]).any()
    # AND a removed id can come back
    index.upsert([4], x[4][None, :])
    assert index.search(x[4], k=1)[0].tolist() == [4]


def test_allowed_restricts(make: Factory) -> None:
    # GIVEN 200 vectors
    x = unit_rows(200)
    ids = np.arange(200)
    index = make("m", DIM)
    index.upsert(ids, x)
    allowed = np.arange(0, 200, 10)
    # WHEN the query is restricted to every tenth id (as a list, a set or a numpy array)
    for form in (allowed.tolist(), set(allowed.tolist()), allowed, iter(allowed.tolist())):
        got, _ = index.search(x[5], k=5, allowed=form)
        # THEN only allowed ids come back, in the exact order
        assert got.tolist() == exact_top(x[allowed], allowed, x[5], 5)
    # AND unknown or empty allowed sets give nothing
    assert index.search(x[5], k=5, allowed=[10_000])[0].size == 0
    assert index.search(x[5], k=5, allowed=[])[0].size == 0


def test_k_larger_than_n_and_empty_index(make: Factory) -> None:
    # GIVEN an empty index
    index = make("m", DIM)
    q = unit_rows(1)[0]
    # THEN search returns empty arrays
    got, scores = index.search(q, k=5)
    assert got.size == 0
    assert scores.size == 0
    # WHEN 3 vectors are added and 10 asked for
    index.upsert([1, 2, 3], unit_rows(3))
    got, scores = index.search(q, k=10)
    # THEN all 3 come back, k <= 0 gives nothing
    assert sorted(got.tolist()) == [1, 2, 3]
    assert index.search(q, k=0)[0].size == 0
    assert index.search(q, k=10, allowed=[2, 3])[0].size == 2


def test_duplicate_ids_in_one_upsert_keep_last(make: Factory) -> None:
    # GIVEN one upsert with id 1 twice
    x = unit_rows(3)
    index = make("m", DIM)
    index.upsert([1, 2, 1], x)
    # THEN there are two ids and id 1 holds the last vector
    assert len(index) == 2
    np.testing.assert_allclose(index.get([1])[0], x[2], atol=1e-6)


def test_save_load_roundtrip(make: Factory, tmp_path: Path) -> None:
    # GIVEN an index with some removals
    x, q = unit_rows(300), unit_rows(1, seed=3)[0]
    index = make("model-a", DIM)
    index.upsert(list(range(300)), x)
    index.remove([0, 1, 2])
    before = index.search(q, k=10)
    # WHEN saved and loaded back
    index.save(tmp_path / "jobs.npz")
    loaded = load_index(tmp_path / "jobs.npz", model_id="model-a", dim=DIM)
    # THEN the same answers, ids and kind come back
    assert loaded.kind == index.kind
    assert len(loaded) == 297
    after = loaded.search(q, k=10)
    assert after[0].tolist() == before[0].tolist()
    np.testing.assert_allclose(after[1], before[1], atol=1e-5)
    assert saved_header(tmp_path / "jobs.npz")["count"] == 297
    # AND loading for another model or dimension is refused with a clear error
    with pytest.raises(IndexMismatchError, match="re-embed"):
        load_index(tmp_path / "jobs.npz", model_id="model-b")
    with pytest.raises(IndexMismatchError, match="re-embed"):
        load_index(tmp_path / "jobs.npz", model_id="model-a", dim=DIM + 1)


def test_load_converts_between_kinds(tmp_path: Path) -> None:
    # GIVEN a saved flat index
    x = unit_rows(100)
    flat = FlatIndex("m", DIM)
    flat.upsert(list(range(100)), x)
    flat.save(tmp_path / "f.npz")
    # WHEN it is loaded as HNSW, saved, and loaded back as flat
    hnsw = load_index(tmp_path / "f.npz", kind="hnsw")
    hnsw.save(tmp_path / "h.npz")
    back = load_index(tmp_path / "h.npz", kind="flat")
    # THEN every vector survives
    assert isinstance(hnsw, FaissHNSWIndex)
    assert isinstance(back, FlatIndex)
    np.testing.assert_allclose(back.get(list(range(100))), x, atol=1e-6)


def test_hnsw_tombstones_are_rebuilt_away() -> None:
    # GIVEN an HNSW index where most rows are replaced
    x = unit_rows(200)
    index = FaissHNSWIndex("m", DIM, exact_below=0, ef_search=256)
    index.upsert(list(range(200)), x)
    index.upsert(list(range(100)), unit_rows(100, seed=5))
    # THEN the graph was rebuilt (few tombstones) and answers stay right
    assert index.rows < 300
    assert index.search(x[150], k=1)[0].tolist() == [150]


def test_hnsw_recall_on_a_larger_set() -> None:
    # GIVEN 5000 vectors in an HNSW graph searched through the graph (not exactly)
    x, queries = unit_rows(5000, seed=11), unit_rows(50, seed=12)
    ids = np.arange(5000)
    index = FaissHNSWIndex("m", DIM, exact_below=0)
    index.upsert(ids, x)
    # WHEN 50 queries ask for their top 10, unfiltered and with 10% allowed
    allowed = ids[::10]
    hits = hits_filtered = 0
    for q in queries:
        hits += len(set(index.search(q, 10)[0].tolist()) & set(exact_top(x, ids, q, 10)))
        got = index.search(q, 10, allowed=allowed)[0].tolist()
        hits_filtered += len(set(got) & set(exact_top(x[allowed], allowed, q, 10)))
    # THEN recall@10 is at least 0.95 on both
    assert hits / 500 >= 0.95
    assert hits_filtered / 500 >= 0.95


def test_make_index_auto_picks_by_size() -> None:
    assert make_index("m", 4, "auto", expected=10).kind == "flat"
    assert make_index("m", 4, "auto", expected=10_000_000).kind == "hnsw"
    with pytest.raises(ValueError, match="unknown index kind"):
        make_index("m", 4, "ivf")  # type: ignore[arg-type]


def test_huge_ids_work_and_negative_ids_are_refused(make: Factory) -> None:
    # GIVEN ids outside the dense lookup range
    x = unit_rows(3)
    index = make("m", DIM)
    index.upsert([2**40, 5, 3], x)
    # THEN they behave like any other id
    assert index.search(x[0], 1, allowed=[2**40, 3])[0].tolist() == [2**40]
    assert index.search(x[1], 1)[0].tolist() == [5]
    index.remove([2**40])
    assert sorted(index.ids().tolist()) == [3, 5]
    # AND negative ids (-1 marks free rows) are refused
    with pytest.raises(ValueError, match="non-negative"):
        index.upsert([-5], x[:1])
