"""One shared test suite for every VectorIndex implementation, on synthetic data whose right
answer is known (exact cosine top-k computed with numpy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from chamba.matching.index import (
    ANN_KIND,
    IVF_TRAIN_AT,
    FaissHNSWIndex,
    FaissIVFIndex,
    FlatIndex,
    IndexMismatchError,
    load_index,
    make_index,
    saved_header,
)

DIM = 32
Factory = Callable[[str, int], FlatIndex | FaissIVFIndex | FaissHNSWIndex]

FACTORIES: dict[str, Factory] = {
    "flat": lambda model, dim: FlatIndex(model, dim, capacity=4),
    # exact_below=0 forces the graph path even on tiny data; high ef makes it exact here.
    "hnsw": lambda model, dim: FaissHNSWIndex(model, dim, m=16, ef_search=256, exact_below=0),
    "hnsw-exact-small": lambda model, dim: FaissHNSWIndex(model, dim),
    # train_at=1 trains the lists from the first vector on; nprobe >= nlist makes them exact.
    "ivf": lambda model, dim: FaissIVFIndex(
        model, dim, nlist=8, nprobe=8, train_at=1, exact_below=0
    ),
    "ivf-exact-small": lambda model, dim: FaissIVFIndex(model, dim),
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


def recall_at_10(
    index: FlatIndex | FaissHNSWIndex | FaissIVFIndex,
    x: np.ndarray,
    ids: np.ndarray,
    queries: np.ndarray,
    allowed: np.ndarray,
) -> tuple[float, float]:
    """Recall@10 of ``index`` against exact answers, unfiltered and restricted to ``allowed``."""
    hits = hits_filtered = 0
    for q in queries:
        hits += len(set(index.search(q, 10)[0].tolist()) & set(exact_top(x, ids, q, 10)))
        got = index.search(q, 10, allowed=allowed)[0].tolist()
        mask = np.isin(ids, allowed)
        hits_filtered += len(set(got) & set(exact_top(x[mask], ids[mask], q, 10)))
    total = 10 * len(queries)
    return hits / total, hits_filtered / total


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
    plain, filtered = recall_at_10(index, x, ids, queries, allowed=ids[::10])
    # THEN recall@10 is at least 0.95 on both
    assert plain >= 0.95
    assert filtered >= 0.95


def clustered_rows(n: int, seed: int, centres: int = 200) -> np.ndarray:
    """``(n, DIM)`` unit rows around ``centres`` random directions (like text embeddings)."""
    rng = np.random.default_rng(seed)
    c = unit_rows(centres, seed=99)  # (centres, DIM): shared by every call
    x = c[rng.integers(0, centres, n)] + 0.15 * rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_ivf_trains_when_crossing_the_threshold_and_stays_right() -> None:
    # GIVEN an IVF index that trains at 500 items, searching every list
    x, queries = unit_rows(600), unit_rows(20, seed=4)
    ids = np.arange(600) * 3
    index = FaissIVFIndex("m", DIM, train_at=500, nprobe=1 << 20, exact_below=100)
    # WHEN 300 items are added THEN it is still exact (no lists)
    index.upsert(ids[:300], x[:300])
    assert not index.trained
    assert index.lists == 0
    # WHEN 300 more cross the threshold
    index.upsert(ids[300:], x[300:])
    # THEN k-means ran with the lists chosen for 600 items and every vector moved in
    assert index.trained
    assert index.lists == index.nlist_for(600) > 1
    assert index.ntotal == len(index) == 600
    np.testing.assert_allclose(index.get(ids[:5].tolist()), x[:5], atol=1e-6)
    # AND answers are the exact ones, plain and filtered (small and large allowed sets)
    for q in queries:
        assert index.search(q, 10)[0].tolist() == exact_top(x, ids, q, 10)
        for step in (7, 2):  # 86 ids: every list; 300 ids: nprobe scaled by the share
            got = index.search(q, 10, allowed=ids[::step])[0].tolist()
            assert got == exact_top(x[::step], ids[::step], q, 10)


def test_ivf_nlist_follows_size() -> None:
    index = FaissIVFIndex("m", DIM)
    # about 4 * sqrt(n), a power of two, at least 39 items per list, at most max_nlist
    assert index.nlist_for(20_000) == 512
    assert index.nlist_for(100_000) == 1024
    assert index.nlist_for(1_000_000) == 2048
    assert index.nlist_for(100_000_000) == 2048
    assert FaissIVFIndex("m", DIM, max_nlist=8192).nlist_for(1_000_000) == 4096
    assert index.nlist_for(100) == 2
    assert FaissIVFIndex("m", DIM, nlist=64).nlist_for(10) == 10


def test_ivf_removal_is_real() -> None:
    # GIVEN a trained IVF index of 400 items
    x = unit_rows(400)
    index = FaissIVFIndex("m", DIM, nlist=8, nprobe=8, train_at=100)
    index.upsert(list(range(400)), x)
    assert index.trained
    # WHEN 100 are removed and 50 replaced
    index.remove(range(100))
    index.upsert(list(range(100, 150)), unit_rows(50, seed=8))
    # THEN FAISS holds exactly the live vectors (no tombstones) and the removed are gone
    assert index.ntotal == len(index) == 300
    assert index.ids().tolist() == list(range(100, 400))
    assert not index.get([5]).any()
    assert 5 not in index
    assert 150 in index
    np.testing.assert_allclose(index.get([120])[0], unit_rows(50, seed=8)[20], atol=1e-6)
    assert index.search(x[5], k=300)[0].size == 300


def test_ivf_trained_save_load_roundtrip_and_conversions(tmp_path: Path) -> None:
    # GIVEN a trained IVF index with its own settings and some removals
    x, q = clustered_rows(3000, seed=1), clustered_rows(1, seed=2)[0]
    index = FaissIVFIndex("m", DIM, nprobe=5, train_at=1000, exact_below=100)
    index.upsert(list(range(3000)), x)
    index.remove([0, 1])
    before = index.search(q, k=10)
    before_filtered = index.search(q, k=10, allowed=range(0, 3000, 2))
    # WHEN saved and loaded back (by its own class and through load_index)
    index.save(tmp_path / "i.npz")
    loaded = load_index(tmp_path / "i.npz", model_id="m", dim=DIM)
    # THEN lists, settings and answers are the same
    assert isinstance(loaded, FaissIVFIndex)
    assert loaded.trained
    assert (loaded.lists, loaded.nprobe, loaded.train_at, loaded.exact_below) == (
        index.lists,
        5,
        1000,
        100,
    )
    assert loaded.trained_size == index.trained_size
    assert len(loaded) == loaded.ntotal == 2998
    assert saved_header(tmp_path / "i.npz") == {
        "kind": "ivf",
        "model_id": "m",
        "dim": DIM,
        "count": 2998,
    }
    after = loaded.search(q, k=10)
    assert after[0].tolist() == before[0].tolist()
    np.testing.assert_allclose(after[1], before[1], atol=1e-5)
    assert loaded.search(q, 10, allowed=range(0, 3000, 2))[0].tolist() == (
        before_filtered[0].tolist()
    )
    # AND the file converts to the other kinds and back with every vector
    flat = load_index(tmp_path / "i.npz", kind="flat")
    assert isinstance(flat, FlatIndex)
    np.testing.assert_allclose(flat.get(list(range(2, 3000))), x[2:], atol=1e-6)
    hnsw = load_index(tmp_path / "i.npz", kind="hnsw")
    hnsw.save(tmp_path / "h.npz")
    again = load_index(tmp_path / "h.npz", kind="ivf")
    assert isinstance(again, FaissIVFIndex)
    np.testing.assert_allclose(again.get(list(range(2, 3000))), x[2:], atol=1e-6)


def test_ivf_recall_on_a_larger_clustered_set() -> None:
    # GIVEN 20,000 clustered vectors in an IVF index with default settings (it trains at
    # 20,000), filtered sets above 500 ids searched in the lists
    x, queries = clustered_rows(20_000, seed=21), clustered_rows(50, seed=22)
    ids = np.arange(20_000)
    index = FaissIVFIndex("m", DIM, exact_below=500)
    index.upsert(ids, x)
    assert index.trained
    # WHEN 50 queries ask for their top 10, unfiltered and with 10% allowed
    plain, filtered = recall_at_10(index, x, ids, queries, allowed=ids[::10])
    # THEN recall@10 is at least 0.95 on both
    assert plain >= 0.95
    assert filtered >= 0.95


def test_ivf_retrains_on_growth_and_churn() -> None:
    # GIVEN an IVF index trained at 200 items
    x = unit_rows(2000, seed=31)
    index = FaissIVFIndex("m", DIM, train_at=200, nprobe=1 << 20)
    index.upsert(list(range(200)), x[:200])
    assert (index.trained_size, index.lists) == (200, index.nlist_for(200))
    # WHEN it grows to 4x that size
    index.upsert(list(range(200, 799)), x[200:799])
    assert index.trained_size == 200
    index.upsert([799], x[799:800])
    # THEN it was retrained with the lists chosen for 800 items, answers still exact
    assert (index.trained_size, index.lists) == (800, index.nlist_for(800))
    assert index.lists > index.nlist_for(200)
    assert index.search(x[5], 10)[0].tolist() == exact_top(x[:800], np.arange(800), x[5], 10)
    # WHEN 3200 vectors are replaced in place (churn: the size stays 800)
    for _ in range(3):
        index.upsert(list(range(800)), x[1200:2000])
    assert index.added_since_training == 2400
    index.upsert(list(range(800)), x[1200:2000])
    # THEN it retrained again on the current vectors
    assert (index.trained_size, index.added_since_training) == (800, 0)
    assert index.search(x[1205], 1)[0].tolist() == [5]
    # AND a rebuild below train_at goes back to exact search
    index.remove(range(700))
    index.rebuild()
    assert not index.trained
    assert len(index) == 100
    assert index.search(x[1900], 1)[0].tolist() == [700]


def test_make_index_auto_picks_by_size(tmp_path: Path) -> None:
    assert make_index("m", 4, "auto", expected=10).kind == "flat"
    assert make_index("m", 4, "auto", expected=10_000_000).kind == ANN_KIND == "ivf"
    # The 100,000 demo's 66,850 open jobs and 100,000 people are searched approximately: an
    # exact search read every vector per query (30-50 ms there against 7 ms for IVF)
    assert make_index("m", 4, "auto", expected=66_850).kind == "ivf"
    assert make_index("m", 4, "auto", expected=20_000).kind == "flat"
    assert make_index("m", 4, "ivf").kind == "ivf"
    with pytest.raises(ValueError, match="unknown index kind"):
        make_index("m", 4, "annoy")  # type: ignore[arg-type]
    # AND load_index(kind="auto") picks by the saved count
    flat = FlatIndex("m", DIM)
    flat.upsert([1, 2], unit_rows(2))
    flat.save(tmp_path / "f.npz")
    assert load_index(tmp_path / "f.npz", kind="auto").kind == "flat"


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


def test_a_bulk_ivf_build_trains_once_halfway() -> None:
    # GIVEN an IVF index made for a bulk load of 100,000 items
    index = make_index("m", 4, "ivf", expected=100_000)
    # THEN it trains at 50,000 items, so loading all of them trains once (retrain at 4x)
    assert isinstance(index, FaissIVFIndex)
    assert index.train_at == 50_000
    assert make_index("m", 4, "ivf").train_at == IVF_TRAIN_AT
