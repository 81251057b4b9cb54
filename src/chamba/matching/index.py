"""Vector indexes: the retrieval interface and the exact in-process implementation.

An index maps integer ids (job, person or course ids) to L2-normalised vectors and answers
top-k cosine queries, optionally restricted to a set of allowed ids (the hard filters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


class VectorIndex(Protocol):
    """What every index offers. Vectors are float32, L2-normalised, shape (n, dim)."""

    model_id: str
    dim: int

    def __len__(self) -> int: ...

    def upsert(self, ids: Sequence[int], vectors: FloatArray) -> None:
        """Add or replace the vectors of ``ids``. vectors: (len(ids), dim)."""

    def remove(self, ids: Iterable[int]) -> None:
        """Forget ``ids`` (unknown ids are ignored)."""

    def search(
        self, query: FloatArray, k: int, allowed: Iterable[int] | None = None
    ) -> tuple[IdArray, FloatArray]:
        """Top-``k`` ids by cosine similarity to ``query`` (dim,), best first.

        ``allowed`` restricts the answer to those ids (None: all). Returns (ids, scores).
        """
        ...

    def get(self, ids: Sequence[int]) -> FloatArray:
        """Stored vectors of ``ids`` (rows of zeros for unknown ids). Returns (len(ids), dim)."""
        ...


class FlatIndex:
    """Exact cosine search with numpy: a dense matrix plus an id → row map.

    Example:
        >>> idx = FlatIndex("toy", 2)
        >>> idx.upsert([7, 9], np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> idx.search(np.array([0.9, 0.1], dtype=np.float32), k=1)[0].tolist()
        [7]
    """

    def __init__(self, model_id: str, dim: int, capacity: int = 1024) -> None:
        self.model_id = model_id
        self.dim = dim
        self._vectors = np.zeros((capacity, dim), dtype=np.float32)  # (capacity, dim)
        self._ids = np.full(capacity, -1, dtype=np.int64)  # row -> id, -1 free
        self._row: dict[int, int] = {}
        self._size = 0  # rows in use (including freed rows until compaction)
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row)

    def ids(self) -> IdArray:
        return np.fromiter(self._row.keys(), dtype=np.int64, count=len(self._row))

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

    def upsert(self, ids: Sequence[int], vectors: FloatArray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        new = [i for i in ids if int(i) not in self._row]
        self._grow(self._size + max(0, len(new) - len(self._free)))
        for item_id, vector in zip(ids, vectors, strict=True):
            key = int(item_id)
            row = self._row.get(key)
            if row is None:
                if self._free:
                    row = self._free.pop()
                else:
                    row = self._size
                    self._size += 1
                self._row[key] = row
                self._ids[row] = key
            self._vectors[row] = vector

    def remove(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            row = self._row.pop(int(item_id), None)
            if row is not None:
                self._ids[row] = -1
                self._vectors[row] = 0.0
                self._free.append(row)

    def get(self, ids: Sequence[int]) -> FloatArray:
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for n, item_id in enumerate(ids):
            row = self._row.get(int(item_id))
            if row is not None:
                out[n] = self._vectors[row]
        return out

    def search(
        self, query: FloatArray, k: int, allowed: Iterable[int] | None = None
    ) -> tuple[IdArray, FloatArray]:
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        if allowed is None:
            rows = np.flatnonzero(self._ids[: self._size] >= 0)
        else:
            rows = np.fromiter(
                (r for r in (self._row.get(int(i)) for i in allowed) if r is not None),
                dtype=np.int64,
            )
        if rows.size == 0 or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self._vectors[rows] @ query  # (rows,)
        k = min(k, rows.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((self._ids[rows[top]], -scores[top]))]
        return self._ids[rows[top]].copy(), scores[top].astype(np.float32)
