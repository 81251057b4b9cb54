"""The served process's long-lived objects leave the cyclic collector's full walks (chamba.heap):
frozen once loaded, so a full collection no longer stalls a worker for a second.

The tests that collect and freeze run in a small Python process of their own: in the test
process they walked (and froze) the whole suite's heap, a minute and a half of collections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import chamba

#: Where the chamba this process imported lives: the script imports the same one.
SRC = Path(chamba.__file__).resolve().parents[1]

#: Shared by the scripts: a kept object, its generation, and a small synthetic heap (a table of
#: tracked objects standing for an index the process keeps).
_PRELUDE = """
import gc, json
from chamba import heap

class _Kept:
    '''A tracked object standing for an index or a table the process keeps.'''

def _in_oldest_generation(obj):
    return any(o is obj for o in gc.get_objects(generation=2))

table = [[_Kept() for _ in range(100)] for _ in range(100)]
"""


def _run(script: str) -> dict[str, Any]:
    """Run ``script`` (after the prelude) in a fresh Python; returns what it printed as JSON."""
    code = _PRELUDE + textwrap.dedent(script)
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_settle_heap_takes_what_lives_out_of_full_collections() -> None:
    seen = _run(
        """
        # GIVEN an object the process keeps, in the oldest generation after a collection
        kept = _Kept()
        gc.collect()
        before = _in_oldest_generation(kept)
        # WHEN the heap is settled
        frozen = heap.settle_heap()
        print(json.dumps({
            "before": before, "frozen": frozen, "freeze_count": gc.get_freeze_count(),
            "after": _in_oldest_generation(kept), "table_after": _in_oldest_generation(table),
            "settled": heap._settled,
        }))
        """
    )
    assert seen["before"]
    # THEN it is frozen: full collections no longer walk it (nor the table kept with it)
    assert seen["frozen"] > 0
    assert seen["freeze_count"] > 0
    assert not seen["after"]
    assert not seen["table_after"]
    assert seen["settled"]


def test_settle_again_freezes_only_in_a_process_that_settled_once() -> None:
    seen = _run(
        """
        # GIVEN a process that never settled its heap (tests, scripts, the CLI)
        settled_at_start = heap._settled
        before = gc.get_freeze_count()
        # THEN a rebuild's settle_again freezes nothing
        again_unsettled = heap.settle_again()
        count_unsettled = gc.get_freeze_count()
        # WHEN the process settled once (a served worker's warm-up), a later rebuild's objects
        heap.settle_heap()
        rebuilt = _Kept()
        gc.collect()
        rebuilt_old = _in_oldest_generation(rebuilt)
        # THEN settle_again freezes them too
        again_settled = heap.settle_again()
        print(json.dumps({
            "settled_at_start": settled_at_start, "before": before,
            "again_unsettled": again_unsettled, "count_unsettled": count_unsettled,
            "rebuilt_old": rebuilt_old, "again_settled": again_settled,
            "rebuilt_after": _in_oldest_generation(rebuilt),
        }))
        """
    )
    assert seen["settled_at_start"] is False
    assert seen["again_unsettled"] is False
    assert seen["count_unsettled"] == seen["before"]
    assert seen["rebuilt_old"]
    assert seen["again_settled"] is True
    assert not seen["rebuilt_after"]


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
