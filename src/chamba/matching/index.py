"""Vector indexes: the retrieval interface, an exact in-process index and an ANN index.

An index maps integer ids (job, person or course ids) to L2-normalised vectors and answers
top-k cosine (inner product) queries, optionally restricted to a set of allowed ids (the hard
filters). Two implementations pass one shared test suite:

* :class:`FlatIndex` — exact, numpy; the default up to a few hundred thousand items.
* :class:`FaissHNSWIndex` — approximate (FAISS HNSW graph), for large indexes.

Both persist to one ``.npz`` file with their model id and dimension; :func:`load_index` refuses a
file written for another model (:class:`IndexMismatchError`) so callers re-embed instead of mixing
vector spaces.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]
IndexKind = Literal["flat", "hnsw", "auto"]

#: ``make_index(kind="auto")`` switches from exact to ANN at this many items.
ANN_THRESHOLD = 250_000
#: Ids below this are mapped to rows by a dense numpy array (vectorised filters); larger ids
#: fall back to a dict. Database ids are dense, so in practice every id is below it.
DENSE_ID_LIMIT = 1 << 25
FORMAT_VERSION = 1


class IndexMismatchError(ValueError):
    """A saved index was written for another model (or dimension): re-embed instead."""


class VectorIndex(Protocol):
    """What every index offers. Vectors are float32, L2-normalised, shape (n, dim)."""

    model_id: str
    dim: int

    def __len__(self) -> int: ...

    def upsert(self, ids: Sequence[int] | IdArray, vectors: FloatArray) -> None:
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


def _empty() -> tuple[IdArray, FloatArray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def _checked_ids(ids: Iterable[int]) -> IdArray:
    """Ids to store: non-negative (-1 marks a free row)."""
    arr = _as_id_array(ids)
    if arr.size and int(arr.min()) < 0:
        raise ValueError("index ids must be non-negative")
    return arr


def _as_id_array(ids: Iterable[int]) -> IdArray:
    if isinstance(ids, np.ndarray):
        return ids.astype(np.int64, copy=False).reshape(-1)
    if not isinstance(ids, Sequence | set | frozenset):
        ids = list(ids)
    return np.fromiter((int(i) for i in ids), dtype=np.int64, count=len(ids))


def _top_k(scores: FloatArray, ids: IdArray, k: int) -> tuple[IdArray, FloatArray]:
    """The ``k`` best (score desc, id asc) of parallel arrays ``scores``/``ids`` (n,)."""
    k = min(k, scores.size)
    if k <= 0:
        return _empty()
    if k < scores.size:
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(scores.size)
    order = part[np.lexsort((ids[part], -scores[part]))]
    return ids[order].copy(), scores[order].astype(np.float32, copy=False)


class _RowMap:
    """id → row, vectorised: a dense numpy lookup for small ids and a dict for the rest."""

    def __init__(self) -> None:
        self.dense = np.full(0, -1, dtype=np.int64)  # id -> row, -1 absent
        self.sparse: dict[int, int] = {}
        self.count = 0

    def get(self, item_id: int) -> int | None:
        if 0 <= item_id < self.dense.size:
            row = int(self.dense[item_id])
            return None if row < 0 else row
        if item_id < DENSE_ID_LIMIT and item_id >= 0:
            return None
        return self.sparse.get(item_id)

    def set(self, item_id: int, row: int) -> None:
        if 0 <= item_id < DENSE_ID_LIMIT:
            if item_id >= self.dense.size:
                grown = np.full(max(item_id + 1, 2 * self.dense.size, 1024), -1, dtype=np.int64)
                grown[: self.dense.size] = self.dense
                self.dense = grown
            if self.dense[item_id] < 0:
                self.count += 1
            self.dense[item_id] = row
        else:
            if item_id not in self.sparse:
                self.count += 1
            self.sparse[item_id] = row

    def pop(self, item_id: int) -> int | None:
        row = self.get(item_id)
        if row is None:
            return None
        if 0 <= item_id < DENSE_ID_LIMIT:
            self.dense[item_id] = -1
        else:
            del self.sparse[item_id]
        self.count -= 1
        return row

    def rows(self, ids: IdArray) -> npt.NDArray[np.int64]:
        """Rows of ``ids`` (n,), -1 for unknown ids."""
        out = np.full(ids.size, -1, dtype=np.int64)
        inside = (ids >= 0) & (ids < self.dense.size)
        out[inside] = self.dense[ids[inside]]
        if self.sparse:
            for n in np.flatnonzero(~inside):
                out[n] = self.sparse.get(int(ids[n]), -1)
        return out

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]


def _unique_rows(row_map: _RowMap, ids: IdArray, size: int) -> npt.NDArray[np.int64]:
    """Distinct rows of the known ``ids``, ascending (sorted rows also gather faster)."""
    rows = row_map.rows(ids)
    mask = np.zeros(size, dtype=bool)  # (size,)
    mask[rows[rows >= 0]] = True
    return np.flatnonzero(mask)


def _atomic_savez(path: Path, arrays: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_header(data: Any, path: Path, model_id: str | None, dim: int | None) -> tuple[str, int]:
    saved_model = str(data["model_id"])
    saved_dim = int(data["dim"])
    if model_id is not None and saved_model != model_id:
        raise IndexMismatchError(
            f"{path} holds vectors of model {saved_model!r}, not {model_id!r}: re-embed"
        )
    if dim is not None and saved_dim != dim:
        raise IndexMismatchError(f"{path} holds {saved_dim}-d vectors, not {dim}-d: re-embed")
    return saved_model, saved_dim


class FlatIndex:
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
            out = np.zeros((id_arr.size, self.dim), dtype=np.float32)  # (n, dim)
            found = rows >= 0
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

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (an ``.npz``), atomically (temp file + rename)."""
        ids, vectors = self.items()
        _atomic_savez(
            Path(path),
            {
                "format": np.int64(FORMAT_VERSION),
                "kind": np.str_(self.kind),
                "model_id": np.str_(self.model_id),
                "dim": np.int64(self.dim),
                "ids": ids,
                "vectors": vectors,
            },
        )

    @classmethod
    def load(
        cls, path: str | Path, model_id: str | None = None, dim: int | None = None
    ) -> FlatIndex:
        """Read an index written by :meth:`save` (any kind's file works: vectors are kept).

        Raises:
            IndexMismatchError: the file was written for another ``model_id`` or ``dim``.
            FileNotFoundError: no such file.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            saved_model, saved_dim = _read_header(data, path, model_id, dim)
            if "graph" in data:
                ids, vectors = FaissHNSWIndex.load(path).items()
            else:
                ids, vectors = data["ids"], data["vectors"]
        index = cls(saved_model, saved_dim, capacity=max(1024, ids.size))
        index.upsert(ids, vectors)
        return index


class FaissHNSWIndex:
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
        import faiss

        from chamba.nlp.encoder import available_cores

        faiss.omp_set_num_threads(threads or available_cores())
        self._faiss = faiss
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
        flat = self._faiss.rev_swig_ptr(storage.get_xb(), n * self.dim)  # type: ignore[attr-defined]
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

    def save(self, path: str | Path) -> None:
        """Write the graph and the id map to ``path`` (``.npz``), atomically."""
        with self._lock:
            if self._dead:
                self.rebuild()
            graph = self._faiss.serialize_index(self._index)  # (bytes,) uint8
            ids = self._ids[: self.rows].copy()
        _atomic_savez(
            Path(path),
            {
                "format": np.int64(FORMAT_VERSION),
                "kind": np.str_(self.kind),
                "model_id": np.str_(self.model_id),
                "dim": np.int64(self.dim),
                "m": np.int64(self.m),
                "ef_construction": np.int64(self.ef_construction),
                "ef_search": np.int64(self.ef_search),
                "ids": ids,
                "graph": graph,
            },
        )

    @classmethod
    def load(
        cls, path: str | Path, model_id: str | None = None, dim: int | None = None
    ) -> FaissHNSWIndex:
        """Read an index written by :meth:`save` (a flat file is indexed into a new graph).

        Raises:
            IndexMismatchError: the file was written for another ``model_id`` or ``dim``.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            saved_model, saved_dim = _read_header(data, path, model_id, dim)
            if "graph" not in data:
                index = cls(saved_model, saved_dim)
                index.upsert(data["ids"], data["vectors"])
                return index
            index = cls(
                saved_model,
                saved_dim,
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


AnyIndex = FlatIndex | FaissHNSWIndex


def make_index(model_id: str, dim: int, kind: IndexKind = "flat", expected: int = 0) -> AnyIndex:
    """A new empty index of ``kind`` (``auto``: HNSW from :data:`ANN_THRESHOLD` items on).

    Example:
        >>> make_index("toy", 4, "auto", expected=10).kind
        'flat'
    """
    if kind == "auto":
        kind = "hnsw" if expected >= ANN_THRESHOLD else "flat"
    if kind == "hnsw":
        return FaissHNSWIndex(model_id, dim)
    if kind == "flat":
        return FlatIndex(model_id, dim, capacity=max(1024, expected))
    raise ValueError(f"unknown index kind {kind!r}: use 'flat', 'hnsw' or 'auto'")


def saved_header(path: str | Path) -> dict[str, Any]:
    """``{"kind", "model_id", "dim", "count"}`` of a saved index, without loading vectors."""
    with np.load(Path(path), allow_pickle=False) as data:
        return {
            "kind": str(data["kind"]),
            "model_id": str(data["model_id"]),
            "dim": int(data["dim"]),
            "count": int((data["ids"] >= 0).sum()),
        }


def load_index(
    path: str | Path,
    model_id: str | None = None,
    dim: int | None = None,
    kind: IndexKind | None = None,
) -> AnyIndex:
    """Load a saved index as ``kind`` (None: as saved; ``auto``: by size).

    Raises:
        IndexMismatchError: the file holds another model's (or dimension's) vectors.
        FileNotFoundError: no such file.

    Example:
        >>> load_index(tmp_path / "jobs.npz", model_id=encoder.model_id)  # doctest: +SKIP
    """
    header = saved_header(path)
    if kind is None:
        kind = header["kind"]
    elif kind == "auto":
        kind = "hnsw" if header["count"] >= ANN_THRESHOLD else "flat"
    if kind == "hnsw":
        return FaissHNSWIndex.load(path, model_id, dim)
    return FlatIndex.load(path, model_id, dim)
