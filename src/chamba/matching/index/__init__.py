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

from pathlib import Path
from typing import Any, Literal

import numpy as np

from chamba.matching.index.base import (
    FloatArray,
    IdArray,
    IndexKind,
    IndexMismatchError,
    VectorIndex,
)
from chamba.matching.index.flat import FlatIndex
from chamba.matching.index.hnsw import FaissHNSWIndex
from chamba.matching.index.ivf import IVF_TRAIN_AT, FaissIVFIndex

__all__ = [
    "ANN_KIND",
    "ANN_THRESHOLD",
    "IVF_TRAIN_AT",
    "AnyIndex",
    "FaissHNSWIndex",
    "FaissIVFIndex",
    "FlatIndex",
    "FloatArray",
    "IdArray",
    "IndexKind",
    "IndexMismatchError",
    "VectorIndex",
    "load_index",
    "make_index",
    "saved_header",
]

#: ``make_index(kind="auto")`` switches from exact to ANN at this many items... An exact
#: search reads every vector (512 floats: 2 KiB an item) for every query: at 66,850 jobs (the
#: 100,000 demo) 30 ms a query alone and 50 ms filtered to a third of them, on 2 busy cores,
#: against 7 ms for IVF with recall@300 0.999 (stand-in vectors; ~0.98 recall@10 on real text
#: embeddings at 100,000 in benchmarks/bench_retrieval.py). Below this, a query reads at most
#: ~100 MiB and the exact search stays in the low milliseconds on an idle core.
ANN_THRESHOLD = 50_000
#: ... and this is the ANN kind it switches to. benchmarks/bench_retrieval.py, 1,000,000
#: realistic vectors on 2 cores: IVF builds in ~80 s (HNSW ~130 s; ~15 min on uniform random
#: data), meets recall@10 >= 0.95 and p99 < 30 ms plain and filtered (HNSW's filtered p99 was
#: ~60 ms at the beam its recall needs) and deletes for real, which suits live upkeep.
ANN_KIND: Literal["ivf", "hnsw"] = "ivf"

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
