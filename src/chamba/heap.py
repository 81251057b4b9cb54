"""The process's long-lived objects, kept out of the cyclic garbage collector's way.

A served process holds millions of objects that live as long as it does: the match indexes,
the job table, word statistics, the taxonomy and the skill lexicon. CPython's collector of
reference cycles walks every tracked object of its oldest generation on each full collection,
and a full collection comes whenever the objects that reached that generation since the last
one are a quarter of those it held then. On the 3,000 demo each full collection took 0.4-1.2 s
of a worker, holding the GIL: the request that allocated at that moment (and every request
waiting behind it) answered that much later - the slow tail of the match route (p99 418 ms at
one connection while p50 was 13 ms).

:func:`settle_heap` collects once and then moves every object alive now into the collector's
permanent generation (:func:`gc.freeze`), which full collections skip: they then walk only what
was created since. Objects frozen are still freed by reference counting when dropped; only
garbage that forms a reference cycle among frozen objects stays until the process ends, so it
is called after a process loads what it keeps (the warm-up), and after a background rebuild of
such a structure, never per request.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_settled = False


def settle_heap() -> int:
    """Collect the garbage there is, then freeze every object alive now (see the module).
    Returns how many objects are frozen in total."""
    global _settled
    with _lock:
        gc.collect()
        gc.freeze()
        _settled = True
        return gc.get_freeze_count()


def settle_again() -> bool:
    """:func:`settle_heap` after a rebuild of something kept, in a process that settled its heap
    once (a served one, at warm-up); elsewhere (tests, scripts, the CLI) nothing is frozen.
    Returns whether it settled."""
    if not _settled:
        return False
    settle_heap()
    return True
