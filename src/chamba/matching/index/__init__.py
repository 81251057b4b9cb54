"""Vector indexes: the retrieval interface, an exact in-process index and two ANN indexes.

An index maps integer ids (job, person or course ids) to L2-normalised vectors and answers
top-k cosine (inner product) queries, optionally restricted to a set of allowed ids (the hard
filters). Three implementations pass one shared test suite:

* :class:`FlatIndex` — exact, numpy; the default up to a few hundred thousand items.
* :class:`FaissIVFIndex` — approximate (FAISS inverted lists); what ``auto`` picks for large
  indexes: it trains in seconds to a minute, deletes for real and needs no tombstones.
* :class:`FaissHNSWIndex` — approximate (FAISS HNSW graph); fast queries but a slow build
  (minutes per 100,000 vectors on 2 cores) and tombstones on delete.

All persist to one ``.npz`` file with their model id and dimension; :func:`load_index` refuses a
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
IndexKind = Literal["flat", "ivf", "hnsw", "auto"]

#: ``make_index(kind="auto")`` switches from exact to ANN at this many items...
ANN_THRESHOLD = 250_000
#: ... and this is the ANN kind it switches to. benchmarks/bench_retrieval.py, 1,000,000
#: realistic vectors on 2 cores: IVF builds in ~80 s (HNSW ~130 s; ~15 min on uniform random
#: data), meets recall@10 >= 0.95 and p99 < 30 ms plain and filtered (HNSW's filtered p99 was
#: ~60 ms at the beam its recall needs) and deletes for real, which suits live upkeep.
ANN_KIND: Literal["ivf", "hnsw"] = "ivf"
#: Ids below this are mapped to rows by a dense numpy array (vectorised filters); larger ids
#: fall back to a dict. Database ids are dense, so in practice every id is below it.
DENSE_ID_LIMIT = 1 << 25
#: Items at which a :class:`FaissIVFIndex` trains its lists (exact search below).
IVF_TRAIN_AT = 20_000
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


def _header_arrays(kind: str, model_id: str, dim: int) -> dict[str, Any]:
    """What every saved index starts with: format version, kind, model id and dimension."""
    return {
        "format": np.int64(FORMAT_VERSION),
        "kind": np.str_(kind),
        "model_id": np.str_(model_id),
        "dim": np.int64(dim),
    }


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
                **_header_arrays(self.kind, self.model_id, self.dim),
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
        ids, vectors = _saved_items(path)
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
                **_header_arrays(self.kind, self.model_id, self.dim),
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
        """Read an index written by :meth:`save` (another kind's file is indexed into a new graph).

        Raises:
            IndexMismatchError: the file was written for another ``model_id`` or ``dim``.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            saved_model, saved_dim = _read_header(data, path, model_id, dim)
            if "graph" not in data:
                index = cls(saved_model, saved_dim)
                index.upsert(*_saved_items(path))
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


def _saved_items(path: Path) -> tuple[IdArray, FloatArray]:
    """Every (id, vector) of a saved index of any kind: ((n,), (n, dim))."""
    with np.load(path, allow_pickle=False) as data:
        if "graph" not in data and "ivf" not in data:
            return data["ids"], data["vectors"]
        reader: type[FaissHNSWIndex] | type[FaissIVFIndex]
        reader = FaissHNSWIndex if "graph" in data else FaissIVFIndex
    return reader.load(path).items()


class FaissIVFIndex:
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
        import faiss

        from chamba.nlp.encoder import available_cores

        faiss.omp_set_num_threads(threads or available_cores())
        self._faiss = faiss
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

    # -- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the lists (or, before training, the vectors) and the ids to ``path``."""
        with self._lock:
            arrays: dict[str, Any] = {
                **_header_arrays(self.kind, self.model_id, self.dim),
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
        _atomic_savez(Path(path), arrays)

    @classmethod
    def load(
        cls, path: str | Path, model_id: str | None = None, dim: int | None = None
    ) -> FaissIVFIndex:
        """Read an index written by :meth:`save` (another kind's file is indexed anew).

        Raises:
            IndexMismatchError: the file was written for another ``model_id`` or ``dim``.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            saved_model, saved_dim = _read_header(data, path, model_id, dim)
            if str(data["kind"]) != cls.kind:
                index = cls(saved_model, saved_dim)
                index.upsert(*_saved_items(path))
                return index
            params: dict[str, Any] = {name: int(data[name]) for name in cls.PARAMS}
            params["nlist"] = params["nlist"] or None
            params["retrain_growth"] = float(data["retrain_growth"])
            index = cls(saved_model, saved_dim, **params)
            if "ivf" not in data:
                index.upsert(data["ids"], data["vectors"])
                return index
            blob, ids = data["ivf"], data["ids"]
            trained_size, added = int(data["trained_size"]), int(data["added"])
        index._index = index._faiss.deserialize_index(blob)
        index._exact = None
        for item_id in ids.tolist():
            index._map.set(item_id, 0)
        index.trained_size, index._added = trained_size, added
        return index


AnyIndex = FlatIndex | FaissIVFIndex | FaissHNSWIndex


def make_index(model_id: str, dim: int, kind: IndexKind = "flat", expected: int = 0) -> AnyIndex:
    """A new empty index of ``kind`` (``auto``: :data:`ANN_KIND` from :data:`ANN_THRESHOLD`
    items on, exact below).

    Example:
        >>> make_index("toy", 4, "auto", expected=10).kind
        'flat'
    """
    if kind == "auto":
        kind = ANN_KIND if expected >= ANN_THRESHOLD else "flat"
    if kind == "ivf":
        # A bulk build of ``expected`` items trains once, halfway (the lists then fit the data,
        # and the retrain at 4x the trained size is 2x away) instead of at 20k, 80k, 320k...
        return FaissIVFIndex(model_id, dim, train_at=max(IVF_TRAIN_AT, expected // 2))
    if kind == "hnsw":
        return FaissHNSWIndex(model_id, dim)
    if kind == "flat":
        return FlatIndex(model_id, dim, capacity=max(1024, expected))
    raise ValueError(f"unknown index kind {kind!r}: use 'flat', 'ivf', 'hnsw' or 'auto'")


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
        kind = ANN_KIND if header["count"] >= ANN_THRESHOLD else "flat"
    if kind == "ivf":
        return FaissIVFIndex.load(path, model_id, dim)
    if kind == "hnsw":
        return FaissHNSWIndex.load(path, model_id, dim)
    return FlatIndex.load(path, model_id, dim)
