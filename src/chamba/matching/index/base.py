"""What every vector index shares: the interface, id helpers, the id → row map and persistence.

:class:`SavedIndex` holds the one ``save``/``load`` every kind uses: a header (format version,
kind, model id, dimension) followed by the kind's own arrays, written atomically to one
``.npz``; a file written for another model or dimension is refused (:class:`IndexMismatchError`)
and a file of another kind is read through its own class and indexed anew.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, Self

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]
IndexKind = Literal["flat", "ivf", "hnsw", "auto"]

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
        self.clear()

    def clear(self) -> None:
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


def load_faiss(threads: int | None) -> Any:
    """The ``faiss`` module (imported on first use: the exact index does without it), set to
    ``threads`` OpenMP threads (default: the cores this process may use)."""
    import faiss

    from chamba.nlp.encoder import available_cores

    faiss.omp_set_num_threads(threads or available_cores())
    return faiss


def _saved_items(path: Path) -> tuple[IdArray, FloatArray]:
    """Every (id, vector) of a saved index of any kind: ((n,), (n, dim))."""
    with np.load(path, allow_pickle=False) as data:
        if "graph" not in data and "ivf" not in data:
            return data["ids"], data["vectors"]
        reader = SavedIndex.kinds["hnsw" if "graph" in data else "ivf"]
    return reader.load(path).items()


class SavedIndex:
    """Persistence shared by every index kind (one ``.npz`` file: header + the kind's arrays).

    A subclass names its ``kind`` and implements :meth:`_arrays` (what to save),
    :meth:`_restore` (rebuild from its own file, or None for a file it cannot restore) and
    :meth:`_fresh` (a new empty index to upsert another kind's vectors into).
    """

    kind: ClassVar[str]
    #: Every concrete kind by name (filled as the subclasses are defined).
    kinds: ClassVar[dict[str, type[SavedIndex]]] = {}
    model_id: str
    dim: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        SavedIndex.kinds[cls.kind] = cls

    def items(self) -> tuple[IdArray, FloatArray]:
        """Every (id, vector), ids ascending: ((n,), (n, dim))."""
        raise NotImplementedError

    def upsert(self, ids: Sequence[int] | IdArray, vectors: FloatArray) -> None:
        """Add or replace the vectors of ``ids``. vectors: (len(ids), dim)."""
        raise NotImplementedError

    def _arrays(self) -> dict[str, Any]:
        """The kind's arrays to save after the header (taken under the index's lock)."""
        raise NotImplementedError

    @classmethod
    def _restore(cls, data: Any, model_id: str, dim: int) -> Self | None:
        """The index saved in ``data`` (an open ``.npz``), or None when it is not this kind's."""
        return None

    @classmethod
    def _fresh(cls, model_id: str, dim: int, size: int) -> Self:
        """A new empty index for ``size`` vectors of another kind's file."""
        raise NotImplementedError

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (an ``.npz``), atomically (temp file + rename)."""
        arrays = self._arrays()
        _atomic_savez(Path(path), {**_header_arrays(self.kind, self.model_id, self.dim), **arrays})

    @classmethod
    def load(cls, path: str | Path, model_id: str | None = None, dim: int | None = None) -> Self:
        """Read an index written by :meth:`save` (another kind's file is indexed anew).

        Raises:
            IndexMismatchError: the file was written for another ``model_id`` or ``dim``.
            FileNotFoundError: no such file.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            saved_model, saved_dim = _read_header(data, path, model_id, dim)
            index = cls._restore(data, saved_model, saved_dim)
        if index is None:
            ids, vectors = _saved_items(path)
            index = cls._fresh(saved_model, saved_dim, ids.size)
            index.upsert(ids, vectors)
        return index
