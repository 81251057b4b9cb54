"""Ranked pages of jobs per person, kept per process: the same person asking again while nothing
the page depends on changed gets the page ranked last time instead of a new ranking.

:func:`~chamba.matching.service.jobs_for_person` (the API's ``/me/matches/jobs``, the web's
``/para-ti``, the counselor's and the report's views) looks a page up here before it ranks. A page
is reused only when every input of its ranking is the same:

* **the person**, read from the database by the request itself (so a change made through another
  worker or another program counts at once): every column of the profile that ranking, filters,
  hints and explanations read, and its ``updated_at``; the person's skills (id, confirmed,
  level); the jobs they dismissed ("not for me"); their applications (job, status);
* **the request**: page, page size, radius, remote, wage floor, expired jobs, language, and the
  instant ``now`` when the caller gives one (then rankings are for that instant);
* **the serving ranker's version** (a promotion or rollback, in this process or another, is
  noticed by the ranker's own check of its pointer file, made before each look-up here);
* **the job side** (jobs, their skills, application counts, courses, word statistics): every
  invalidation of the process's :class:`~chamba.matching.feature_cache.FeatureCache` (commit
  hooks in this process, the outbox follower or Kafka for changes made elsewhere, within
  seconds) drops every page; a change to one person (``invalidate_people``) drops that
  person's pages;
* **time**: a page is kept at most ``ttl_s`` seconds (``CHAMBA_MATCH_PAGE_CACHE_SECONDS``, at
  most 60): jobs that expire, freshness and course start dates show within that bound, a
  label edited in the taxonomy within it plus the feature cache's minute for labels.

A ranking that started before an invalidation is not stored (the feature cache's generation
at the start of the request's transaction must still be current). A page is kept as its JSON
(about 30 KB for 10 explained jobs, plus 8 bytes per candidate's score; the objects it is read
back into take five times as much) with what is logged of it as shown: the API answers a hit
with the kept bytes as they are (the same bytes as the ranking's answer), and a view that needs
the page reads it back into a new object (:class:`ServedPage`). What a request
records (impressions, metrics, the ranker's score histogram) is recorded on a hit as on a miss.

One ranking per page at a time: when several requests of one process miss the same key at
once (a page just expired or was dropped while its person keeps asking), the first ranks it and
the others wait for its page (at most :data:`WAIT_S`) instead of each ranking it again.

Bounded: at most ``max_pages`` pages (least recently used dropped first); ``0`` disables.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from chamba.activity.models import SubjectType
from chamba.matching.people_rows.repository import person_match_state
from chamba.matching.schemas import MatchPage
from chamba.matching.shown import PageShown

if TYPE_CHECKING:
    from chamba.matching.context import FeatureContext
    from chamba.matching.scoring import Scorer
    from chamba.people.models import Person

MAX_TTL_S: Final = 60.0
"""The longest a page may be kept, whatever the setting says."""
DEFAULT_TTL_S: Final = 30.0
WAIT_S: Final = 10.0
"""How long a request waits for the page another request of the process is ranking for the
same key before it ranks the page itself."""

PageKey = tuple[Hashable, ...]
"""``(person_id, person state, request, ranker version)``; the person id first."""


class ServedPage:
    """A page of jobs as served: the page, its JSON (the bytes the API answers) and what is
    logged of it as shown. A page kept by the cache is served as its kept JSON: it is read
    back into a :class:`MatchPage` only when :attr:`page` is asked for (the web and the other
    views), never for the API's answer; a new ranking's JSON is written once, when asked.

    Args:
        page: the page, when it was ranked now.
        data: its JSON, when it was kept (then ``shown`` too).
        shown: what is logged of it.
        scores: the scores its ranking gave every candidate.
    """

    __slots__ = ("_data", "_page", "hit", "scores", "shown")

    def __init__(
        self,
        *,
        scores: npt.NDArray[np.float64],
        page: MatchPage | None = None,
        data: bytes | None = None,
        shown: PageShown | None = None,
    ) -> None:
        if page is None and (data is None or shown is None):
            raise ValueError("a served page needs the page, or its JSON and what it shows")
        self._page = page
        self._data = data
        self.scores = scores
        if shown is None:
            assert page is not None
            shown = PageShown.of(page, SubjectType.JOB)
        self.shown = shown
        self.hit = page is None  # kept by the cache, not ranked now

    @property
    def page(self) -> MatchPage:
        """The page (a new object for every served page: callers may change theirs)."""
        if self._page is None:
            assert self._data is not None
            self._page = MatchPage.model_validate_json(self._data)
        return self._page

    @property
    def data(self) -> bytes:
        """The page's JSON, as FastAPI answers a :class:`MatchPage` (the same serializer)."""
        if self._data is None:
            self._data = page_json(self.page)
        return self._data


def page_json(page: MatchPage) -> bytes:
    """``page`` as JSON: what the cache keeps and the API answers, hit or miss."""
    return page.model_dump_json().encode()


@dataclass(frozen=True)
class _Entry:
    """What is kept of a page: its JSON (about 30 KB for 10 explained jobs, a fifth of the
    objects it is read back into), the candidates' scores and what is logged of it."""

    data: bytes
    scores: npt.NDArray[np.float64]
    stored_at: float
    shown: PageShown


class PageCache:
    """Ranked pages per person, least recently used dropped first. Thread-safe.

    Args:
        max_pages: most pages held (``0``: nothing is kept).
        ttl_s: seconds a page is kept at most (capped at :data:`MAX_TTL_S`).
        clock: monotonic clock (tests).

    Example:
        >>> pages = PageCache(max_pages=2)
        >>> pages.get((1, "state")) is None
        True
    """

    def __init__(
        self,
        max_pages: int = 0,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_pages = max(0, int(max_pages))
        self.ttl_s = min(float(ttl_s), MAX_TTL_S)
        self.clock = clock
        self._pages: OrderedDict[PageKey, _Entry] = OrderedDict()
        self._ranking: dict[PageKey, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_pages > 0

    def configure(self, max_pages: int, ttl_s: float) -> None:
        """Set the size cap and the age limit (the app's settings); drops what no longer fits."""
        with self._lock:
            self.max_pages = max(0, int(max_pages))
            self.ttl_s = min(float(ttl_s), MAX_TTL_S)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def get(self, key: PageKey) -> ServedPage | None:
        """The page stored under ``key`` and younger than ``ttl_s``, else ``None`` (a miss).
        The page is served as its kept JSON (see :class:`ServedPage`)."""
        with self._lock:
            found = self._pages.get(key)
            if found is not None and self.clock() - found.stored_at > self.ttl_s:
                del self._pages[key]
                found = None
            if found is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
        return ServedPage(scores=found.scores, data=found.data, shown=found.shown)

    def lead(self, key: PageKey) -> threading.Event | None:
        """After a miss: ``None`` when this request is to rank the page of ``key`` (it must call
        :meth:`landed` when done, stored or not), else the event another request of the process
        that is ranking it now sets when it is done (then :meth:`get_after_wait`)."""
        with self._lock:
            ranking = self._ranking.get(key)
            if ranking is None:
                self._ranking[key] = threading.Event()
            return ranking

    def landed(self, key: PageKey) -> None:
        """The ranking of ``key`` that :meth:`lead` gave this request is over (its page stored,
        or not): the requests waiting for it look again."""
        with self._lock:
            ranking = self._ranking.pop(key, None)
        if ranking is not None:
            ranking.set()

    def get_after_wait(self, key: PageKey, ranking: threading.Event) -> ServedPage | None:
        """The page another request ranked for ``key`` while this one waited (at most
        :data:`WAIT_S`), else ``None`` (the page was not stored, or took too long: rank it).
        A page found turns this request's miss into a hit."""
        ranking.wait(WAIT_S)
        with self._lock:
            found = self._pages.get(key)
            if found is None or self.clock() - found.stored_at > self.ttl_s:
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            self.misses -= 1
        return ServedPage(scores=found.scores, data=found.data, shown=found.shown)

    def put(self, key: PageKey, served: ServedPage, *, fresh: bool) -> None:
        """Keep ``served`` under ``key`` unless ``fresh`` is false (something it read was
        invalidated while it was ranked)."""
        if not fresh or self.max_pages <= 0:
            return
        if not all(math.isfinite(score) for _, _, score in served.shown.items):
            return  # JSON cannot carry it (the page would not read back the same)
        entry = _Entry(served.data, np.asarray(served.scores), self.clock(), served.shown)
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def drop_people(self, person_ids: Iterable[int]) -> None:
        """Forget the pages of these people (their profile, skills or vectors changed)."""
        gone = {int(p) for p in person_ids}
        if not gone:
            return
        with self._lock:
            for key in [k for k in self._pages if k[0] in gone]:
                del self._pages[key]

    def clear(self) -> None:
        """Forget every page (a job, an application count or a course changed)."""
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def profile_state(person: Person) -> tuple[Hashable, ...]:
    """Every column of ``person`` that ranking, its filters, hints and explanations read (the
    own words through ``updated_at``, which every ORM change moves), as a hashable tuple."""
    return (
        person.updated_at.isoformat() if person.updated_at is not None else None,
        person.user_id,
        person.ubigeo,
        person.max_distance_km,
        str(person.expected_wage) if person.expected_wage is not None else None,
        person.availability_hours,
        tuple(person.availability_slots or ()),
        person.has_internet,
        str(person.device),
        str(person.education_level) if person.education_level is not None else None,
        person.years_experience,
        tuple(person.languages or ()),
        tuple(person.interests or ()),
    )


def served_version(scorer: Scorer) -> str:
    """The version ``scorer`` serves now: a hot-reloading ranker first checks its pointer file
    (as its ``score`` does at most every few seconds), so a promotion or rollback is seen by
    look-ups that never score."""
    check = getattr(scorer, "maybe_reload", None)
    if callable(check):
        check()
    return str(scorer.version)


def replay_scores(scorer: Scorer, scores: npt.NDArray[np.float64]) -> None:
    """Give the scores of a reused ranking to the ranker's score statistics, as its ``score``
    does for a new one (the ``chamba_model_score`` histogram counts per request either way)."""
    observe = getattr(scorer, "observe_served", None)
    if callable(observe) and scores.size:
        observe(scores)


def page_lookup(
    ctx: FeatureContext, person: Person, scorer: Scorer, request: tuple[Hashable, ...]
) -> tuple[PageCache, PageKey | None, Callable[[], bool]]:
    """The process's ranked pages, the key of this request's page (``None``: not cached: no
    cache, disabled, or a session that holds changes of its own) and whether a page ranked now
    may still be stored. The person's skills and dismissals read for the key serve the ranking
    too (the same transaction: the ranking reads them no second time).

    Args:
        ctx: the request's feature context.
        person: the seeker.
        scorer: the serving scorer.
        request: every argument of the request that changes the page (decimals as given).
    """
    from chamba.matching.feature_cache import generation_for  # that module imports this one

    cache = ctx.shared_cache()
    if cache is None or not cache.pages.enabled:
        return PageCache(), None, lambda: False
    started = generation_for(ctx.session, cache)
    skills, dismissed, applied = person_match_state(ctx.session, person.id)
    ctx.person_skills[person.id] = {s for s, _, _ in skills}
    ctx.person_dismissed[person.id] = frozenset(dismissed)
    state = (profile_state(person), skills, dismissed, applied)
    asked = tuple(_plain(v) for v in request)
    key = (person.id, state, asked, served_version(scorer))
    return cache.pages, key, lambda: cache.generation == started


def _plain(value: Hashable) -> Hashable:
    """A decimal or float as its normalised text (``1700``, ``1700.0`` and ``Decimal("1700")``
    are one key), anything else as it is."""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return str(Decimal(str(value)).normalize())
    return value
