"""Request dependencies of matching: the process-wide match indexes.

The :class:`~chamba.matching.store.IndexStore` of the app's data directory lives on
``app.state.index_store``. Its indexes are loaded from disk and reconciled with the database
once per process, lazily, by the first request that needs them (``IndexesDep``); at that moment
:func:`~chamba.matching.upkeep.install_upkeep` is hung on the app's session factory, so every
job, course and profile change committed by a request updates the indexes right after commit.
On shutdown :func:`close_match_indexes` saves what changed.

Tests override :func:`get_match_indexes` and :func:`chamba.nlp.deps.get_text_encoder` (e.g. with
indexes built from the test session by :func:`~chamba.matching.embeddings.build_indexes` and a
fast encoder).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Annotated

import numpy as np
from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chamba.deps import SessionDep
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.store import IndexStore, get_index_store
from chamba.matching.upkeep import IndexUpkeep, install_upkeep

log = logging.getLogger(__name__)
_LOAD_LOCK = threading.Lock()


def index_store_of(app: FastAPI) -> IndexStore:
    """The app's index store (created on first use; nothing is loaded yet)."""
    store: IndexStore | None = getattr(app.state, "index_store", None)
    if store is None:
        with _LOAD_LOCK:
            store = getattr(app.state, "index_store", None)
            if store is None:
                store = get_index_store(app.state.settings)
                app.state.index_store = store
    return store


def load_match_indexes(app: FastAPI, session: Session) -> MatchIndexes:
    """The app's match indexes: loaded and reconciled on first use, then kept up to date."""
    store = index_store_of(app)
    indexes = store.indexes
    if indexes is not None and getattr(app.state, "index_upkeep", None) is not None:
        return indexes
    with _LOAD_LOCK:
        if store.indexes is None:
            indexes = store.load_or_build(session)
            # Read every open job's filter columns and skills, word statistics and skill
            # rarity now (the warm-up thread does this at start), not in the first visitor's
            # request: ~1 min at 300,000 jobs; the words alone ~5 s at 100,000. So are the people
            # who consented to be seen (~2 s at 100,000).
            ctx = FeatureContext(session, indexes)
            table = ctx.job_table()
            ctx.people_table()  # every consenting person (the employers' candidate filter)
            ctx.corpus()
            ctx.rarity(())
            if table is not None:  # every open job's applications (~0.1 s at 100,000)
                ctx.application_counts(table.ids.tolist())
        else:
            indexes = store.indexes
        settings = getattr(app.state, "settings", None)
        if settings is not None:  # ranked pages per person (chamba.matching.page_cache)
            store.cache.pages.configure(
                settings.match_page_cache_size, settings.match_page_cache_seconds
            )
        if getattr(app.state, "index_upkeep", None) is None:
            factory = getattr(app.state, "session_factory", None)
            if factory is not None:
                app.state.index_upkeep = install_upkeep(factory, store)
            else:  # pragma: no cover - create_app always sets a session factory
                log.warning("no session factory on the app: match indexes will not follow commits")
                app.state.index_upkeep = False
    return indexes


async def get_match_indexes(request: Request, session: SessionDep) -> MatchIndexes:
    """Request dependency: the live match indexes (see :func:`load_match_indexes`); once they
    are loaded, a look-up on the event loop, else their load on a thread of the pool."""
    app = request.app
    store: IndexStore | None = getattr(app.state, "index_store", None)
    indexes = store.indexes if store is not None else None
    if indexes is not None and getattr(app.state, "index_upkeep", None) is not None:
        return indexes
    return await run_in_threadpool(load_match_indexes, app, session)


def close_match_indexes(app: FastAPI) -> None:
    """Remove the upkeep listeners and save the indexes when they changed (app shutdown)."""
    upkeep: IndexUpkeep | None = getattr(app.state, "index_upkeep", None) or None
    if upkeep is not None:
        upkeep.uninstall()
        app.state.index_upkeep = None
    store: IndexStore | None = getattr(app.state, "index_store", None)
    if store is not None and store.indexes is not None:
        store.close()


Similarity = Callable[[str, Sequence[int]], np.ndarray]


def search_similarity_of(app: FastAPI) -> Similarity | None:
    """Semantic relevance for public search: ``similarity(text, job_ids) -> (n,) cosines``
    against the live job vectors, or ``None`` while the match indexes are not loaded (a
    public search never triggers their load; it then ranks by words alone). The app serves it
    to :data:`chamba.jobs.deps.SearchSimilarityDep` through ``app.state.search_similarity``."""
    store: IndexStore | None = getattr(app.state, "index_store", None)
    indexes = store.indexes if store is not None else None
    if indexes is None:
        return None

    def similarity(text: str, job_ids: Sequence[int]) -> np.ndarray:
        query = indexes.encoder.encode([text])[0].astype(np.float32)  # (dim,)
        vectors = np.asarray(indexes.jobs.get([int(i) for i in job_ids]), dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != query.shape[0]:
            return np.zeros(len(job_ids))
        scores: np.ndarray = vectors @ query  # (n,) 0 for jobs not indexed yet
        return scores

    return similarity


IndexesDep = Annotated[MatchIndexes, Depends(get_match_indexes)]
