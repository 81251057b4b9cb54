"""An approximate index on a FAISS HNSW graph (tombstones on delete, rebuilt when many)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from chamba.matching.index.base import (
    FloatArray,
    IdArray,
    SavedIndex,
    _as_id_array,
    _checked_ids,
    _empty,
    _RowMap,
    _top_k,
    _unique_rows,
    load_faiss,
)


class FaissHNSWIndex(SavedIndex):
    """Approximate cosine search on a FAISS HNSW graph (``IndexHNSWFlat``, inner product).

    HNSW cannot delete: a removed or replaced id leaves a tombstone row that searches skip
    (an ``IDSelectorBitmap`` over live rows); the graph is rebuilt from the live vectors when
    tombstones exceed ``rebuild_ratio`` of the rows. ``allowed`` filters run inside the graph
    search with a bitmap selector and a wider beam; small allowed sets (below
    ``exact_below`` rows) are scored exactly from the stored vectors instead.

    Args:
        model_id: id of the encoder that made the vectors.
        dim: vector length.
        m: graph degree (``M``); 32 is a good default for 512-d text vectors.
        ef_construction: beam width while inserting.
        ef_search: beam width while searching (recall vs latency).
        threads: FAISS OpenMP threads (default: the cores this process may use).

    Example:
        >>> idx = FaissHNSWIndex("toy", 2)
        >>> idx.upsert([7, 9], np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> idx.search(np.array([0.9, 0.1], dtype=np.float32), k=1)[0].tolist()
        [7]
    """

    kind = "hnsw"

    def __init__(
        self,
        model_id: str,
        dim: int,
        *,
        m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 96,
        threads: int | None = None,
        rebuild_ratio: float = 0.25,
        exact_below: int = 20_000,
    ) -> None:
        self._faiss = load_faiss(threads)
        self.model_id = model_id
        self.dim = dim
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.rebuild_ratio = rebuild_ratio
        self.exact_below = exact_below
        self._lock = threading.RLock()
        self._map = _RowMap()
        self._reset()

    def _reset(self) -> None:
        faiss = self._faiss
        self._index = faiss.IndexHNSWFlat(self.dim, self.m, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = self.ef_construction
        self._index.hnsw.efSearch = self.ef_search
        self._ids = np.full(1024, -1, dtype=np.int64)  # row (faiss label) -> id, -1 dead
        self._map.clear()
        self._dead = 0
        self._live_bitmap: npt.NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return self._map.count

    @property
    def rows(self) -> int:
        """Rows in the graph, tombstones included."""
        return int(self._index.ntotal)

    def ids(self) -> IdArray:
        with self._lock:
            live = self._ids[: self.rows]
            return np.sort(live[live >= 0])

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, int | np.integer) and self._map.get(int(item_id)) is not None

    def _stored(self) -> FloatArray:
        """Zero-copy view of the graph's vectors (rows, dim); valid until the next add."""
        n = self.rows
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        storage = self._faiss.downcast_index(self._index.storage)
        flat = self._faiss.rev_swig_ptr(storage.get_xb(), n * self.dim)  # faiss (SWIG) has no types
        return np.asarray(flat).reshape(n, self.dim)

    def _kill(self, rows: npt.NDArray[np.int64]) -> None:
        if rows.size:
            self._ids[rows] = -1
            self._dead += int(rows.size)
            self._live_bitmap = None

    def upsert(self, ids: Sequence[int] | IdArray, vectors: FloatArray) -> None:
        id_arr = _checked_ids(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(id_arr.size, self.dim)
        if id_arr.size == 0:
            return
        # Duplicates inside one call: keep the last vector of each id.
        _, last = np.unique(id_arr[::-1], return_index=True)
        keep = np.sort(id_arr.size - 1 - last)
        id_arr, vectors = id_arr[keep], vectors[keep]
        with self._lock:
            old = self._map.rows(id_arr)
            self._kill(old[old >= 0])
            start = self.rows
            needed = start + id_arr.size
            if needed > self._ids.size:
                grown = np.full(max(needed, 2 * self._ids.size), -1, dtype=np.int64)
                grown[: self._ids.size] = self._ids
                self._ids = grown
            self._index.add(vectors)  # (n, dim)
            new_rows = np.arange(start, needed, dtype=np.int64)
            self._ids[new_rows] = id_arr
            for item_id, row in zip(id_arr.tolist(), new_rows.tolist(), strict=True):
                self._map.set(item_id, row)
            self._live_bitmap = None
            self._maybe_rebuild()

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            rows = [self._map.pop(i) for i in _as_id_array(ids).tolist()]
            self._kill(np.asarray([r for r in rows if r is not None], dtype=np.int64))
            self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        if self._dead and self._dead > self.rebuild_ratio * max(self.rows, 1):
            self.rebuild()

    def rebuild(self) -> None:
        """Rebuild the graph from the live vectors (drops every tombstone)."""
        with self._lock:
            ids, vectors = self.items()
            self._reset()
            if ids.size:
                self.upsert(ids, vectors)

    def get(self, ids: Sequence[int]) -> FloatArray:
        id_arr = _as_id_array(ids)
        with self._lock:
            rows = self._map.rows(id_arr)
            out = np.zeros((id_arr.size, self.dim), dtype=np.float32)  # (n, dim)
            found = rows >= 0
            if found.any():
                out[found] = self._stored()[rows[found]]
        return out

    def items(self) -> tuple[IdArray, FloatArray]:
        """Every live (id, vector), ids ascending: ((n,), (n, dim))."""
        with self._lock:
            live = np.flatnonzero(self._ids[: self.rows] >= 0)
            order = live[np.argsort(self._ids[live])]
            return self._ids[order].copy(), self._stored()[order].copy()

    def _selector(self, mask_rows: npt.NDArray[np.int64] | None) -> tuple[Any, Any]:
        """A bitmap selector over ``mask_rows`` (None: every live row) and its backing bytes."""
        n = self.rows
        if mask_rows is None:
            if self._live_bitmap is None:
                self._live_bitmap = np.packbits(self._ids[:n] >= 0, bitorder="little")
            bits = self._live_bitmap
        else:
            mask = np.zeros(n, dtype=bool)
            mask[mask_rows] = True
            bits = np.packbits(mask, bitorder="little")
        selector = self._faiss.IDSelectorBitmap(n, self._faiss.swig_ptr(bits))
        return selector, bits

    def _graph_search(
        self, query: FloatArray, k: int, rows: npt.NDArray[np.int64] | None, ef: int
    ) -> tuple[IdArray, FloatArray]:
        faiss = self._faiss
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(ef, k)
        bits = None
        if rows is not None or self._dead:
            params.sel, bits = self._selector(rows)
        scores, labels = self._index.search(query.reshape(1, self.dim), k, params=params)
        del bits  # the selector reads these bytes during the search above
        labels, scores = labels[0], scores[0]
        ok = labels >= 0
        labels, scores = labels[ok], scores[ok]
        return _top_k(scores.astype(np.float32), self._ids[labels], k)

    def search(
        self, query: FloatArray, k: int, allowed: Iterable[int] | None = None
    ) -> tuple[IdArray, FloatArray]:
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(self.dim)  # (dim,)
        with self._lock:
            live = len(self)
            if k <= 0 or live == 0:
                return _empty()
            if allowed is None:
                k = min(k, live)
                if live <= self.exact_below:
                    rows = np.flatnonzero(self._ids[: self.rows] >= 0)
                    return _top_k(self._stored()[rows] @ query, self._ids[rows], k)
                return self._graph_search(query, k, None, self.ef_search)
            rows = _unique_rows(self._map, _as_id_array(allowed), self.rows)  # (m,)
            if rows.size == 0:
                return _empty()
            k = min(k, rows.size)
            if rows.size <= self.exact_below:
                scores = self._stored()[rows] @ query  # (m,)
                return _top_k(scores, self._ids[rows], k)
            # A filter passing a share s of rows needs a beam about 1/s wider for the same recall.
            share = rows.size / max(live, 1)
            ef = int(min(self.ef_search / max(share, 1e-3), 16 * self.ef_search))
            return self._graph_search(query, k, rows, ef)

    # -- persistence (SavedIndex.save/load) ------------------------------------------------

    def _arrays(self) -> dict[str, Any]:
        """The graph (tombstones dropped first) and the row → id map."""
        with self._lock:
            if self._dead:
                self.rebuild()
            return {
                "m": np.int64(self.m),
                "ef_construction": np.int64(self.ef_construction),
                "ef_search": np.int64(self.ef_search),
                "ids": self._ids[: self.rows].copy(),
                "graph": self._faiss.serialize_index(self._index),  # (bytes,) uint8
            }

    @classmethod
    def _restore(cls, data: Any, model_id: str, dim: int) -> FaissHNSWIndex | None:
        if "graph" not in data:
            return None
        index = cls(
            model_id,
            dim,
            m=int(data["m"]),
            ef_construction=int(data["ef_construction"]),
            ef_search=int(data["ef_search"]),
        )
        graph, ids = data["graph"], data["ids"]
        index._index = index._faiss.deserialize_index(graph)
        index._index.hnsw.efSearch = index.ef_search
        index._ids = np.concatenate([ids, np.full(max(1024, ids.size // 2), -1, np.int64)])
        for row, item_id in enumerate(ids.tolist()):
            if item_id >= 0:
                index._map.set(item_id, row)
        index._dead = int((ids < 0).sum())
        return index

    @classmethod
    def _fresh(cls, model_id: str, dim: int, size: int) -> FaissHNSWIndex:
        return cls(model_id, dim)
