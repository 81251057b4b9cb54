"""The persisted match indexes: saved per model, reloaded on start, reconciled with the database.

Layout under ``<data_dir>/index/<model>/``::

    jobs.npz  people.npz  courses.npz   one saved index each (ids + vectors, IVF lists or HNSW)
    manifest.json                        {"model_id", "dim", "kinds": {kind: {"versions": ...}}}

A row's *version* is its ``updated_at`` (ISO 8601). On start :meth:`IndexStore.load_or_build`
loads what is on disk for the encoder's model and reconciles it with the database: rows that are
new or whose version changed are embedded, rows that left (deleted, closed, filled) are dropped.
When nothing changed this costs one ``SELECT id, updated_at`` per table. A different model finds
no files under its own folder and re-embeds everything; the :class:`~chamba.nlp.encoder.
EmbeddingCache` (``<data_dir>/embeddings``) makes re-embedding unchanged texts free.

Bulk loads that bypass the ORM (the demo generator, ESCO or CSV imports) are not seen by the
commit hooks of :mod:`chamba.matching.upkeep`; call :meth:`IndexStore.reconcile` after them (or
restart). A change to a job's, person's or course's *skills only*, written with Core statements
that leave the parent's ``updated_at`` alone, is not visible to reconcile: refresh those ids with
:meth:`IndexStore.refresh`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chamba.config import Settings, get_settings
from chamba.matching.embeddings import (
    BATCH,
    KINDS,
    Kind,
    MatchIndexes,
    embed_into,
    indexed_versions,
    load_texts,
)
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.index import (
    AnyIndex,
    IndexKind,
    IndexMismatchError,
    VectorIndex,
    load_index,
    make_index,
)
from chamba.matching.index.base import SavedIndex
from chamba.nlp.encoder import CachedEncoder, EmbeddingCache, TextEncoder, get_encoder

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def model_folder(model_id: str) -> str:
    """A file-system-safe folder name for ``model_id`` (slug plus a short hash: no collisions).

    Example:
        >>> model_folder("st:/models/all-MiniLM-L6-v2")
        'st_models_all-MiniLM-L6-v2-39c6f8ff'
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("._")[:80] or "model"
    digest = hashlib.sha1(model_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"{slug}-{digest}"


@dataclass
class SyncReport:
    """What one reconcile or refresh changed, per kind: ids embedded and ids removed."""

    embedded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(self.embedded.values()) or any(self.removed.values())


class IndexStore:
    """Owns the process's :class:`MatchIndexes`: load, reconcile, incremental refresh, save.

    Every public method holds the store's lock, so commit hooks on several threads and a
    reconcile never interleave. Searches go straight to the indexes (each has its own lock).

    Args:
        data_dir: the data directory (``Settings.data_dir``); files go under ``index/``.
        encoder: the text encoder; its ``model_id`` scopes the saved files.
        index_kind: ``"flat"`` (exact), ``"ivf"`` or ``"hnsw"`` (ANN) or ``"auto"`` (IVF
            from :data:`~chamba.matching.index.ANN_THRESHOLD` items, exact below).
        cache: read vectors through an ``EmbeddingCache`` in ``data_dir/embeddings``.

    Example:
        >>> store = IndexStore(settings.data_dir, get_encoder())  # doctest: +SKIP
        >>> with session_scope(engine) as session:  # doctest: +SKIP
        ...     indexes = store.load_or_build(session)
        >>> store.save()  # doctest: +SKIP
    """

    def __init__(
        self,
        data_dir: str | Path,
        encoder: TextEncoder,
        *,
        index_kind: IndexKind = "auto",
        cache: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.encoder = encoder
        self.model_id = encoder.model_id
        self.index_kind: IndexKind = index_kind
        self.root = self.data_dir / "index" / model_folder(self.model_id)
        self.lock = threading.RLock()
        self._cache: EmbeddingCache | None = None
        self._embedder: TextEncoder = encoder
        if cache and not isinstance(encoder, CachedEncoder):
            self._cache = EmbeddingCache(self.data_dir / "embeddings")
            self._embedder = CachedEncoder(encoder, self._cache)
        self._indexes: MatchIndexes | None = None
        self.cache = FeatureCache()
        """Job-side data kept between requests; invalidated with every id re-embedded or
        removed here (see :mod:`chamba.matching.feature_cache`)."""
        self._versions: dict[Kind, dict[int, str]] = {k: {} for k in KINDS}
        self._stale: set[Kind] = set()
        self.dirty = False

    # -- reading -------------------------------------------------------------------------

    @property
    def indexes(self) -> MatchIndexes | None:
        """The live indexes (None until :meth:`load_or_build`)."""
        return self._indexes

    def versions(self, kind: Kind) -> dict[int, str]:
        """A copy of ``{id: version}`` of what the ``kind`` index holds."""
        with self.lock:
            return dict(self._versions[kind])

    # -- start-up ------------------------------------------------------------------------

    def _empty(self, expected: int = 0) -> AnyIndex:
        return make_index(self.model_id, self.encoder.dim, self.index_kind, expected)

    def _read_manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable index manifest %s: %s", path, exc)
            return None
        if manifest.get("model_id") != self.model_id or manifest.get("dim") != self.encoder.dim:
            log.info("index manifest %s is for another model: re-embedding", path)
            return None
        return manifest

    def load(self) -> bool:
        """Load the saved indexes for this model (no database access).

        Returns:
            True when a manifest for this model was found (each kind whose file is missing or
            unreadable starts empty and is filled by the next reconcile).
        """
        with self.lock:
            manifest = self._read_manifest()
            built: dict[Kind, VectorIndex] = {}
            converted = False  # an index loaded as another kind than saved (e.g. grown past
            # ANN_THRESHOLD): saved again on close, so the next start reads it as it is now
            for kind in KINDS:
                index: AnyIndex | None = None
                versions: dict[int, str] = {}
                if manifest is not None:
                    try:
                        index = load_index(
                            self.root / f"{kind}.npz",
                            self.model_id,
                            self.encoder.dim,
                            kind=self.index_kind,
                        )
                    except FileNotFoundError:
                        index = None
                    except (IndexMismatchError, OSError, KeyError, ValueError) as exc:
                        log.warning("ignoring saved %s index: %s", kind, exc)
                        index = None
                    except zipfile.BadZipFile as exc:
                        log.warning("ignoring corrupt %s index: %s", kind, exc)
                        index = None
                if index is not None and manifest is not None:
                    entry = manifest.get("kinds", {}).get(kind, {})
                    converted |= entry.get("index", index.kind) != index.kind
                    saved = entry.get("versions", {})
                    # Ids without a saved version get "" and are re-embedded by reconcile.
                    versions = {i: saved.get(str(i), "") for i in index.ids().tolist()}
                built[kind] = index if index is not None else self._empty()
                self._versions[kind] = versions
            self.cache.clear()
            self._indexes = MatchIndexes(
                encoder=self.encoder,
                jobs=built["jobs"],
                people=built["people"],
                courses=built["courses"],
                cache=self.cache,
            )
            self.dirty = converted
            return manifest is not None

    def load_or_build(self, session: Session) -> MatchIndexes:
        """The indexes, loaded from disk (first call) and reconciled with the database.

        Args:
            session: reads ids, versions and (for changed rows) texts; nothing is written.

        Returns:
            The live :class:`MatchIndexes` (the same object on later calls; it is updated in
            place by upkeep and reconcile).
        """
        with self.lock:
            if self._indexes is None:
                started = time.perf_counter()
                found = self.load()
                log.info(
                    "index %s: %s in %.2fs",
                    self.model_id,
                    "loaded" if found else "nothing saved",
                    time.perf_counter() - started,
                )
            report = self.reconcile(session)
            if report.changed:
                log.info(
                    "index reconcile: embedded %s, removed %s in %.2fs",
                    report.embedded,
                    report.removed,
                    report.seconds,
                )
            assert self._indexes is not None
            return self._indexes

    # -- keeping in sync -----------------------------------------------------------------

    def reconcile(self, session: Session, kinds: Iterable[Kind] = KINDS) -> SyncReport:
        """Bring the indexes of ``kinds`` in line with the database.

        Embeds rows that are missing or whose ``updated_at`` changed and drops ids no longer
        present (or no longer open, for jobs and courses). Call it after bulk loads that bypass
        the ORM. Loads the saved indexes first when nothing is loaded yet.
        """
        started = time.perf_counter()
        report = SyncReport()
        with self.lock:
            if self._indexes is None:
                self.load()
            assert self._indexes is not None
            for kind in dict.fromkeys(kinds):
                current = indexed_versions(session, kind)
                have = self._versions[kind]
                gone = [i for i in have if i not in current]
                stale = sorted(i for i, v in current.items() if have.get(i) != v)
                if not have and len(self._indexes.of(kind)) == 0 and stale:
                    setattr(self._indexes, kind, self._empty(expected=len(stale)))
                self._remove(kind, gone, report)
                self._embed(session, kind, stale, report)
                self._stale.discard(kind)
        report.seconds = time.perf_counter() - started
        return report

    def refresh(self, session: Session, changes: Mapping[Kind, Iterable[int]]) -> SyncReport:
        """Re-read the rows in ``changes`` and upsert or remove each one (incremental upkeep).

        Args:
            session: a session that sees the committed rows.
            changes: ids per kind that may have changed; rows that are gone or no longer open
                are removed, the rest re-embedded.
        """
        started = time.perf_counter()
        report = SyncReport()
        with self.lock:
            if self._indexes is None:
                return report  # nothing loaded yet: the first load_or_build reconciles
            for kind, ids in changes.items():
                self._embed(session, kind, sorted({int(i) for i in ids}), report)
            if self._stale:
                stale, self._stale = set(self._stale), set()
                report_stale = self.reconcile(session, sorted(stale))
                for kind in KINDS:
                    report.embedded[kind] += report_stale.embedded[kind]
                    report.removed[kind] += report_stale.removed[kind]
        report.seconds = time.perf_counter() - started
        return report

    def mark_stale(self, kinds: Iterable[Kind]) -> None:
        """Reconcile ``kinds`` on the next :meth:`refresh` (e.g. after a bulk statement)."""
        with self.lock:
            self._stale.update(kinds)

    def _invalidate(self, kind: Kind, ids: list[int]) -> None:
        if kind == "jobs":
            self.cache.invalidate_jobs(ids)
        elif kind == "courses":
            self.cache.invalidate_courses()
        else:
            self.cache.invalidate_people(ids)

    def _remove(self, kind: Kind, ids: list[int], report: SyncReport) -> None:
        if not ids or self._indexes is None:
            return
        self._invalidate(kind, ids)
        self._indexes.of(kind).remove(ids)
        versions = self._versions[kind]
        for i in ids:
            versions.pop(i, None)
        report.removed[kind] += len(ids)
        self.dirty = True

    def _embed(self, session: Session, kind: Kind, ids: list[int], report: SyncReport) -> None:
        """Embed the indexable rows among ``ids``; remove the ones that are not (any more)."""
        if not ids or self._indexes is None:
            return
        self._invalidate(kind, ids)
        index = self._indexes.of(kind)
        versions = self._versions[kind]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            found, texts, found_versions = load_texts(session, kind, chunk)
            embed_into(index, self._embedder, found, texts)
            versions.update(zip(found, found_versions, strict=True))
            report.embedded[kind] += len(found)
            kept = set(found)
            self._remove(kind, [i for i in chunk if i not in kept and i in versions], report)
        self.dirty = True

    # -- saving --------------------------------------------------------------------------

    def save(self) -> None:
        """Write every index and then the manifest, each atomically (temp file + rename).

        The manifest goes last, so a crash mid-save leaves saved versions that are never newer
        than the saved vectors; the next reconcile re-embeds whatever differs.
        """
        with self.lock:
            if self._indexes is None:
                return
            self.root.mkdir(parents=True, exist_ok=True)
            kinds: dict[str, Any] = {}
            for kind in KINDS:
                index = self._indexes.of(kind)
                assert isinstance(index, SavedIndex)  # the store builds and loads only saved kinds
                index.save(self.root / f"{kind}.npz")
                kinds[kind] = {
                    "index": getattr(index, "kind", type(index).__name__),
                    "count": len(index),
                    "versions": {str(i): v for i, v in self._versions[kind].items()},
                }
            manifest = {
                "format": FORMAT_VERSION,
                "model_id": self.model_id,
                "dim": self.encoder.dim,
                "saved_at": time.time(),
                "kinds": kinds,
            }
            path = self.root / MANIFEST
            tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
            with tmp.open("w", encoding="utf-8") as handle:
                json.dump(manifest, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            self.dirty = False

    def save_if_dirty(self) -> bool:
        """Save when something changed since the last save or load. Returns whether it saved."""
        with self.lock:
            if not self.dirty:
                return False
            self.save()
            return True

    def close(self) -> None:
        """Save pending changes and close the embedding cache."""
        with self.lock:
            self.save_if_dirty()
            if self._cache is not None:
                self._cache.close()
                self._cache = None
                self._embedder = self.encoder


@lru_cache(maxsize=4)
def _store_for(data_dir: str, encoder_spec: str | None) -> IndexStore:
    return IndexStore(Path(data_dir), get_encoder(encoder_spec))


def get_index_store(
    settings: Settings | None = None, encoder_spec: str | None = None
) -> IndexStore:
    """The process-wide :class:`IndexStore` for the data directory and encoder (built lazily).

    The encoder is ``encoder_spec`` or else the ``CHAMBA_ENCODER`` setting. Nothing is loaded
    until :meth:`IndexStore.load_or_build` is called.

    Example:
        >>> store = get_index_store()  # doctest: +SKIP
    """
    settings = settings or get_settings()
    return _store_for(str(Path(settings.data_dir).resolve()), encoder_spec or settings.encoder)


def clear_index_stores() -> None:
    """Forget the process-wide stores (tests; after changing settings)."""
    _store_for.cache_clear()
