"""The served process's long-lived objects leave the cyclic collector's full walks (chamba.heap):
frozen once loaded, so a full collection no longer stalls a worker for a second."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from chamba import heap


@pytest.fixture
def thawed() -> Iterator[None]:
    """Whatever a test freezes is unfrozen after it; the module's flag is restored."""
    settled = heap._settled
    yield
    gc.unfreeze()
    heap._settled = settled


class _Kept:
    """A tracked object standing for an index or a table the process keeps."""


def _in_oldest_generation(obj: Any) -> bool:
    return any(o is obj for o in gc.get_objects(generation=2))


@pytest.mark.usefixtures("thawed")
def test_settle_heap_takes_what_lives_out_of_full_collections() -> None:
    # GIVEN an object the process keeps, in the oldest generation after a collection
    kept = _Kept()
    gc.collect()
    assert _in_oldest_generation(kept)
    # WHEN the heap is settled
    frozen = heap.settle_heap()
    # THEN it is frozen: full collections no longer walk it
    assert frozen > 0
    assert gc.get_freeze_count() > 0
    assert not _in_oldest_generation(kept)
    assert heap._settled


@pytest.mark.usefixtures("thawed")
def test_settle_again_freezes_only_in_a_process_that_settled_once() -> None:
    # GIVEN a process that never settled its heap (tests, scripts, the CLI)
    heap._settled = False
    before = gc.get_freeze_count()
    # THEN a rebuild's settle_again freezes nothing
    assert heap.settle_again() is False
    assert gc.get_freeze_count() == before
    # WHEN the process settled once (a served worker's warm-up), a later rebuild's objects
    heap.settle_heap()
    rebuilt = _Kept()
    gc.collect()
    assert _in_oldest_generation(rebuilt)
    # THEN settle_again freezes them too
    assert heap.settle_again() is True
    assert not _in_oldest_generation(rebuilt)


def test_the_warm_up_settles_the_heap_after_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from chamba.api import app as app_module
    from chamba.db import make_engine
    from chamba.matching import deps as match_deps
    from chamba.nlp import service as nlp_service

    calls: list[str] = []
    monkeypatch.setattr(nlp_service, "get_extractor", lambda s: calls.append("extractor"))
    monkeypatch.setattr(match_deps, "load_match_indexes", lambda a, s: calls.append("indexes"))
    monkeypatch.setattr(app_module, "settle_heap", lambda: calls.append("settle"))
    app = SimpleNamespace(state=SimpleNamespace(engine=make_engine("sqlite://")))
    # WHEN a served process warms up
    app_module.warm_up(app)  # type: ignore[arg-type]
    # THEN it settles its heap once everything it keeps is loaded
    assert calls == ["extractor", "indexes", "settle"]


def test_a_word_statistics_refresh_settles_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from chamba.matching import feature_cache
    from chamba.search import Corpus

    calls: list[str] = []

    def settle_again() -> bool:
        calls.append("again")
        return True

    monkeypatch.setattr(feature_cache, "settle_again", settle_again)
    cache = feature_cache.FeatureCache()
    corpus = Corpus({}, 0, 1.0)
    # WHEN the word table is rebuilt in the background
    thread = cache.refresh_words_later(lambda: corpus)
    assert thread is not None
    thread.join(timeout=30)
    # THEN the new table is stored, then settled
    assert cache.stale_words() is corpus
    assert calls == ["again"]
