"""The exact index: a dense numpy matrix searched by one matrix-vector product."""

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
    _unique_rows,
)


class FlatIndex(SavedIndex):
    """Exact cosine search with numpy: a dense matrix plus a vectorised id → row map.

    Thread-safe: every call holds the index's lock.

    Args:
        model_id: id of the encoder that made the vectors (saved with them).
        dim: vector length.
        capacity: initial rows (grows by doubling).

    Example:
        >>> idx = FlatIndex("toy", 2)
        >>> idx.upsert([7, 9], np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> idx.search(np.array([0.9, 0.1], dtype=np.float32), k=1)[0].tolist()
        [7]
    """

    kind = "flat"

    def __init__(self, model_id: str, dim: int, capacity: int = 1024) -> None:
        self.model_id = model_id
        self.dim = dim
        self._vectors = np.zeros((capacity, dim), dtype=np.float32)  # (capacity, dim)
        self._ids = np.full(capacity, -1, dtype=np.int64)  # row -> id, -1 free
        self._map = _RowMap()
        self._size = 0  # rows in use (including freed rows until reused)
        self._free: list[int] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return self._map.count

    def ids(self) -> IdArray:
        """Every stored id (ascending)."""
        with self._lock:
            live = self._ids[: self._size]
            return np.sort(live[live >= 0])

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, int | np.integer) and self._map.get(int(item_id)) is not None

    def _grow(self, needed: int) -> None:
        capacity = self._vectors.shape[0]
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)
        vectors = np.zeros((new_capacity, self.dim), dtype=np.float32)
        vectors[:capacity] = self._vectors
        ids = np.full(new_capacity, -1, dtype=np.int64)
        ids[:capacity] = self._ids
        self._vectors, self._ids = vectors, ids

    def upsert(self, ids: Sequence[int] | IdArray, vectors: FloatArray) -> None:
        id_arr = _checked_ids(ids)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(id_arr.size, self.dim)
        with self._lock:
            rows = self._map.rows(id_arr)  # (n,) -1 for new ids
            # Duplicates inside one call: the last vector wins, like a dict update.
            new_ids = np.unique(id_arr[rows < 0])
            reuse = min(len(self._free), new_ids.size)
            fresh = new_ids.size - reuse
            self._grow(self._size + fresh)
            new_rows = np.empty(new_ids.size, dtype=np.int64)
            for n in range(reuse):
                new_rows[n] = self._free.pop()
            new_rows[reuse:] = np.arange(self._size, self._size + fresh)
            self._size += fresh
            for item_id, row in zip(new_ids.tolist(), new_rows.tolist(), strict=True):
                self._map.set(item_id, row)
            self._ids[new_rows] = new_ids
            rows = self._map.rows(id_arr)
            self._vectors[rows] = vectors

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            for item_id in _as_id_array(ids).tolist():
                row = self._map.pop(item_id)
                if row is not None:
                    self._ids[row] = -1
                    self._vectors[row] = 0.0
                    self._free.append(row)

    def get(self, ids: Sequence[int]) -> FloatArray:
        id_arr = _as_id_array(ids)
        with self._lock:
            rows = self._map.rows(id_arr)
            found = rows >= 0
            if found.all():  # every id indexed (a ranking's candidates): one gather
                every: FloatArray = self._vectors[rows]  # (n, dim), a copy
                return every
            out = np.zeros((id_arr.size, self.dim), dtype=np.float32)  # (n, dim)
            out[found] = self._vectors[rows[found]]
        return out

    def search(
        self, query: FloatArray, k: int, allowed: Iterable[int] | None = None
    ) -> tuple[IdArray, FloatArray]:
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)  # (dim,)
        if k <= 0:
            return _empty()
        with self._lock:
            if allowed is None:
                if len(self) == 0:
                    return _empty()
                scores = self._vectors[: self._size] @ query  # (size,)
                ids = self._ids[: self._size]
                if self._free:
                    scores[np.asarray(self._free, dtype=np.int64)] = -np.inf
                    k = min(k, len(self))
                return _top_k(scores, ids, k)
            rows = _unique_rows(self._map, _as_id_array(allowed), self._size)  # (m,) ascending
            if rows.size == 0:
                return _empty()
            if rows.size * 2 > self._size:
                scores = (self._vectors[: self._size] @ query)[rows]  # (m,)
            else:
                scores = self._vectors[rows] @ query  # (m,)
            return _top_k(scores, self._ids[rows], k)

    def items(self) -> tuple[IdArray, FloatArray]:
        """Every (id, vector), ids ascending: ((n,), (n, dim))."""
        with self._lock:
            live = np.flatnonzero(self._ids[: self._size] >= 0)
            order = live[np.argsort(self._ids[live])]
            return self._ids[order].copy(), self._vectors[order].copy()

    # -- persistence (SavedIndex.save/load) ------------------------------------------------

    def _arrays(self) -> dict[str, Any]:
        ids, vectors = self.items()
        return {"ids": ids, "vectors": vectors}

    @classmethod
    def _fresh(cls, model_id: str, dim: int, size: int) -> FlatIndex:
        # Every kind's file is read as its vectors (``_restore`` stays None): they are kept.
        return cls(model_id, dim, capacity=max(1024, size))
