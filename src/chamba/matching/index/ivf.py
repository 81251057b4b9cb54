"""An approximate index on FAISS inverted lists (exact below its training size; real deletes)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from chamba.matching.index.base import (
    FloatArray,
    IdArray,
    SavedIndex,
    _as_id_array,
    _checked_ids,
    _empty,
    _RowMap,
    _top_k,
    load_faiss,
)
from chamba.matching.index.flat import FlatIndex

#: Items at which a :class:`FaissIVFIndex` trains its lists (exact search below).
IVF_TRAIN_AT = 20_000


class FaissIVFIndex(SavedIndex):
    """Approximate cosine search on FAISS inverted lists (``IndexIVFFlat``, inner product).

    Our ids are the FAISS ids (``add_with_ids``) and a hashtable direct map lets :meth:`get`
    reconstruct vectors and :meth:`remove` delete them for real (no tombstones, no rebuild).

    Life cycle: below ``train_at`` items the vectors live in an exact :class:`FlatIndex` and
    searches are exact. When an upsert reaches ``train_at`` items, spherical k-means (10
    iterations) is trained on a random sample of at most ``64 * nlist`` of them and every vector
    moves into the lists. ``nlist`` (unless fixed) follows the size at training time: the power
    of two nearest ``4 * sqrt(n)``, at most ``max_nlist`` and at most ``n / 39`` (FAISS's
    minimum points per centroid): 512 at 20,000 items, 1,024 at 100,000, 2,048 from about
    200,000 (k-means and the assignment of every vector cost ``n * nlist * dim``: 4,096 lists
    would double a 1,000,000-item build for no gain at this size). When the index has grown to
    ``retrain_growth`` times its trained size (or as many vectors were added since training:
    churn), it is retrained from its own vectors, in the upsert that crossed the line (about
    80 s at 1,000,000 items on 2 cores, holding the lock).

    A search visits the ``nprobe`` lists nearest the query (recall vs latency). ``allowed``
    filters run inside the lists with an id selector and ``nprobe / sqrt(share)`` lists (at
    most ``4 * nprobe``) for a filter passing a share of the items; small allowed sets (at most
    ``exact_below`` items) visit every list, which is exact. A search that finds fewer than
    ``k`` answers where more exist is repeated over every list.

    Thread-safe: every call holds the index's lock.

    Args:
        model_id: id of the encoder that made the vectors.
        dim: vector length.
        nprobe: lists visited per query. 128 gives recall@10 ~0.98 on realistic 512-d text
            embeddings at 100,000 (1,024 lists) and 1,000,000 items (2,048 lists) in
            benchmarks/bench_retrieval.py, ~10 ms a query at 1,000,000 on one core.
        nlist: a fixed number of lists (None: from the size at training time, see above).
        train_at: items at which k-means is trained (exact search below).
        max_nlist: the most lists ``nlist=None`` picks.
        retrain_growth: retrain when the size (or the vectors added since training) reaches
            this multiple of the trained size.
        exact_below: allowed sets up to this size are scored exactly.
        threads: FAISS OpenMP threads (default: the cores this process may use).

    Example:
        >>> idx = FaissIVFIndex("toy", 2)
        >>> idx.upsert([7, 9], np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> idx.search(np.array([0.9, 0.1], dtype=np.float32), k=1)[0].tolist()
        [7]
    """

    kind = "ivf"
    #: Parameters saved with the index (``nlist`` 0: chosen by size).
    PARAMS = ("nprobe", "nlist", "train_at", "max_nlist", "exact_below")

    def __init__(
        self,
        model_id: str,
        dim: int,
        *,
        nprobe: int = 128,
        nlist: int | None = None,
        train_at: int = IVF_TRAIN_AT,
        max_nlist: int = 2048,
        retrain_growth: float = 4.0,
        exact_below: int = 20_000,
        threads: int | None = None,
    ) -> None:
        self._faiss = load_faiss(threads)
        self.model_id = model_id
        self.dim = dim
        self.nprobe = nprobe
        self.nlist = nlist
        self.train_at = max(1, train_at)
        self.max_nlist = max_nlist
        self.retrain_growth = retrain_growth
        self.exact_below = exact_below
        self._lock = threading.RLock()
        self._map = _RowMap()  # id -> 0 for every id in the lists (presence only)
        self._exact: FlatIndex | None = FlatIndex(model_id, dim)
        self._index: Any = None
        self.trained_size = 0
        self._added = 0  # vectors added since training

    # -- state ---------------------------------------------------------------------------

    @property
    def trained(self) -> bool:
        """Whether the vectors are in trained inverted lists (False: exact below ``train_at``)."""
        return self._index is not None

    @property
    def lists(self) -> int:
        """Inverted lists in use (0 before training)."""
        return int(self._index.nlist) if self._index is not None else 0

    @property
    def added_since_training(self) -> int:
        """Vectors added (new or replaced) since the lists were trained."""
        return self._added

    @property
    def ntotal(self) -> int:
        """Vectors FAISS holds (equals ``len`` once trained: deletes are real)."""
        return int(self._index.ntotal) if self._index is not None else 0

    def __len__(self) -> int:
        return len(self._exact) if self._exact is not None else self._map.count

    def __contains__(self, item_id: object) -> bool:
        if self._exact is not None:
            return item_id in self._exact
        return isinstance(item_id, int | np.integer) and self._map.get(int(item_id)) is not None

    def ids(self) -> IdArray:
        """Every stored id (ascending)."""
        with self._lock:
            if self._exact is not None:
                return self._exact.ids()
            dense = np.flatnonzero(self._map.dense >= 0).astype(np.int64)
            if not self._map.sparse:
                return dense
            sparse = np.fromiter(self._map.sparse, dtype=np.int64, count=len(self._map.sparse))
            return np.sort(np.concatenate([dense, sparse]))

    def nlist_for(self, n: int) -> int:
        """Lists for ``n`` training items (see the class docstring)."""
        if self.nlist is not None:
            return max(1, min(self.nlist, n))
        target = 4.0 * np.sqrt(max(n, 1))
        nlist = 1 << max(0, round(float(np.log2(target))))
        while nlist > 1 and (nlist > self.max_nlist or nlist * 39 > n):
            nlist //= 2
        return nlist

    # -- training ------------------------------------------------------------------------

    def _train(self, ids: IdArray, vectors: FloatArray) -> None:
        """Train new lists on ``vectors`` (n, dim) and move them all in."""
        faiss = self._faiss
        n = ids.size
        nlist = self.nlist_for(n)
        index = faiss.index_factory(
            self.dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT
        )  # owns its quantizer; spherical k-means for inner product
        index.cp.min_points_per_centroid = 1  # a fixed nlist on little data: no warning
        sample = vectors
        if n > 64 * nlist:
            rows = np.random.default_rng(n).choice(n, size=64 * nlist, replace=False)
            sample = vectors[np.sort(rows)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        for start in range(0, n, 100_000):
            index.add_with_ids(
                np.ascontiguousarray(vectors[start : start + 100_000], dtype=np.float32),
                np.ascontiguousarray(ids[start : start + 100_000], dtype=np.int64),
            )
        self._index = index
        self._map.clear()
        for item_id in ids.tolist():
            self._map.set(item_id, 0)
        self._exact = None
        self.trained_size = n
        self._added = 0

    def rebuild(self) -> None:
        """Retrain from the stored vectors (exact again if fewer than ``train_at`` remain)."""
        with self._lock:
            ids, vectors = self.items()
            self._index = None  # free the old lists before the new ones are filled
            self._map.clear()
            if ids.size >= self.train_at:
                self._train(ids, vectors)
            else:
                self._exact = FlatIndex(self.model_id, self.dim, capacity=max(1024, ids.size))
                self._exact.upsert(ids, vectors)
                self.trained_size = self._added = 0

    # -- updates -------------------------------------------------------------------------

    def _delete(self, ids: IdArray) -> None:
        """Remove known ``ids`` from the lists (the caller checked they are there)."""
        if ids.size:
            ids = np.ascontiguousarray(ids, dtype=np.int64)
            self._index.remove_ids(self._faiss.IDSelectorArray(ids.size, self._faiss.swig_ptr(ids)))
            for item_id in ids.tolist():
                self._map.pop(item_id)

    def upsert(self, ids: Sequence[int] | IdArray, vectors: FloatArray) -> None:
        id_arr = _checked_ids(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(id_arr.size, self.dim)
        if id_arr.size == 0:
            return
        # Duplicates inside one call: keep the last vector of each id.
        _, last = np.unique(id_arr[::-1], return_index=True)
        if last.size < id_arr.size:
            keep = np.sort(id_arr.size - 1 - last)
            id_arr, vectors = id_arr[keep], vectors[keep]
        with self._lock:
            if self._exact is not None:
                if len(self._exact) == 0 and id_arr.size >= self.train_at:
                    self._train(id_arr, vectors)  # a bulk load: no exact copy first
                    return
                self._exact.upsert(id_arr, vectors)
                if len(self._exact) >= self.train_at:
                    self._train(*self._exact.items())
                return
            known = self._map.rows(id_arr) >= 0
            self._delete(id_arr[known])
            self._index.add_with_ids(vectors, id_arr)
            for item_id in id_arr.tolist():
                self._map.set(item_id, 0)
            self._added += int(id_arr.size)
            limit = self.retrain_growth * self.trained_size
            if len(self) >= limit or self._added >= limit:
                self.rebuild()

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            if self._exact is not None:
                self._exact.remove(ids)
                return
            id_arr = np.unique(_as_id_array(ids))
            self._delete(id_arr[self._map.rows(id_arr) >= 0])

    # -- reads ---------------------------------------------------------------------------

    def _reconstruct(self, ids: IdArray) -> FloatArray:
        """Vectors of known ``ids`` (n, dim)."""
        if ids.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        out: FloatArray = self._index.reconstruct_batch(np.ascontiguousarray(ids, np.int64))
        return out

    def get(self, ids: Sequence[int]) -> FloatArray:
        id_arr = _as_id_array(ids)
        with self._lock:
            if self._exact is not None:
                return self._exact.get(ids)
            out = np.zeros((id_arr.size, self.dim), dtype=np.float32)  # (n, dim)
            found = self._map.rows(id_arr) >= 0
            out[found] = self._reconstruct(id_arr[found])
        return out

    def items(self) -> tuple[IdArray, FloatArray]:
        """Every (id, vector), ids ascending: ((n,), (n, dim))."""
        with self._lock:
            if self._exact is not None:
                return self._exact.items()
            ids = self.ids()
            return ids, self._reconstruct(ids)

    def _allowed(self, allowed: Iterable[int]) -> tuple[IdArray, Any, Any]:
        """Known allowed ids (ascending), a FAISS selector over them and its backing array."""
        faiss = self._faiss
        arr = _as_id_array(allowed)
        dense = self._map.dense
        inside = (arr >= 0) & (arr < dense.size)
        mask = np.zeros(dense.size, dtype=bool)  # (id range,) allowed and stored
        mask[arr[inside]] = True
        mask &= dense >= 0
        ok = np.flatnonzero(mask).astype(np.int64)
        if self._map.sparse and not inside.all():
            extra = [i for i in np.unique(arr[~inside]).tolist() if i in self._map.sparse]
            if extra:
                ok = np.concatenate([ok, np.asarray(extra, dtype=np.int64)])
                backing: Any = ok
                return ok, faiss.IDSelectorBatch(ok.size, faiss.swig_ptr(ok)), backing
        bits = np.packbits(mask, bitorder="little")
        return ok, faiss.IDSelectorBitmap(mask.size, faiss.swig_ptr(bits)), bits

    def _list_search(
        self, query: FloatArray, k: int, nprobe: int, selector: Any = None
    ) -> tuple[IdArray, FloatArray]:
        params = self._faiss.SearchParametersIVF()
        params.nprobe = max(1, min(nprobe, self.lists))
        if selector is not None:
            params.sel = selector
        scores, labels = self._index.search(query.reshape(1, self.dim), k, params=params)
        labels, scores = labels[0], scores[0]
        ok = labels >= 0
        return _top_k(scores[ok].astype(np.float32), labels[ok], k)

    def search(
        self, query: FloatArray, k: int, allowed: Iterable[int] | None = None
    ) -> tuple[IdArray, FloatArray]:
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(self.dim)  # (dim,)
        with self._lock:
            if self._exact is not None:
                return self._exact.search(query, k, allowed)
            live = len(self)
            if k <= 0 or live == 0:
                return _empty()
            if allowed is None:
                k = min(k, live)
                got = self._list_search(query, k, self.nprobe)
                if got[0].size < k and self.nprobe < self.lists:
                    got = self._list_search(query, k, self.lists)
                return got
            ids, selector, backing = self._allowed(allowed)
            if ids.size == 0:
                return _empty()
            k = min(k, ids.size)
            if ids.size <= self.exact_below:
                # Every list: exact. Scanning skips the others' codes, which is faster than
                # reconstructing the allowed vectors one by one from the hashtable.
                nprobe = self.lists
            else:
                # The filtered top k sits deeper in the ranking: more lists for small shares.
                share = ids.size / live
                nprobe = int(np.ceil(self.nprobe * min(1.0 / np.sqrt(share), 4.0)))
            got = self._list_search(query, k, nprobe, selector)
            if got[0].size < k and nprobe < self.lists:
                got = self._list_search(query, k, self.lists, selector)
            del backing  # the selector reads this array during the searches above
            return got

    # -- persistence (SavedIndex.save/load) ------------------------------------------------

    def _arrays(self) -> dict[str, Any]:
        """The parameters, the ids and the lists (or, before training, the vectors)."""
        with self._lock:
            arrays: dict[str, Any] = {
                "nprobe": np.int64(self.nprobe),
                "nlist": np.int64(self.nlist or 0),
                "train_at": np.int64(self.train_at),
                "max_nlist": np.int64(self.max_nlist),
                "exact_below": np.int64(self.exact_below),
                "retrain_growth": np.float64(self.retrain_growth),
                "trained_size": np.int64(self.trained_size),
                "added": np.int64(self._added),
            }
            if self._exact is not None:
                arrays["ids"], arrays["vectors"] = self._exact.items()
            else:
                arrays["ids"] = self.ids()
                arrays["ivf"] = self._faiss.serialize_index(self._index)  # (bytes,) uint8
            return arrays

    @classmethod
    def _restore(cls, data: Any, model_id: str, dim: int) -> FaissIVFIndex | None:
        if str(data["kind"]) != cls.kind:
            return None
        params: dict[str, Any] = {name: int(data[name]) for name in cls.PARAMS}
        params["nlist"] = params["nlist"] or None
        params["retrain_growth"] = float(data["retrain_growth"])
        index = cls(model_id, dim, **params)
        if "ivf" not in data:
            index.upsert(data["ids"], data["vectors"])
            return index
        index._index = index._faiss.deserialize_index(data["ivf"])
        index._exact = None
        for item_id in data["ids"].tolist():
            index._map.set(item_id, 0)
        index.trained_size, index._added = int(data["trained_size"]), int(data["added"])
        return index

    @classmethod
    def _fresh(cls, model_id: str, dim: int, size: int) -> FaissIVFIndex:
        return cls(model_id, dim)
