"""The job- and course-side data that every match request reads, kept in memory between requests.

A ranking reads the same job-side data again and again although it only changes when a job or a
course changes: each candidate job's skills (essential or optional, importance), the rarity of
every skill over the open jobs (a ``GROUP BY`` over all job skills) and, for explanations, the
open courses that teach each missing skill. :class:`FeatureCache` holds them per process:

* **job skills** per job id, stored with the job's version (its ``updated_at``): an entry is used
  only while the ORM row the request loaded has the same version, so a changed job is re-read
  even before any hook runs;
* **job rows** per job id (:class:`~chamba.matching.repository.JobRow`: what ranking and its
  explanations read of a candidate), dropped when the job changes, like its row of the job table;
* **the job table** (:class:`~chamba.matching.job_table.JobTable`): the columns of every open job
  that the hard filters and the features read, its posting's counted words included (what the
  ``lexical`` feature and the lexical candidates read), so a request filters and scores in numpy
  instead of fetching and counting thousands of texts; the rows of changed jobs are re-read (one
  query by id) before the next use;
* **the people table** (:class:`~chamba.matching.people_table.PeopleTable`): every person who
  consented to be seen (place, travel radius, hours, wage ask, reach, skills; nothing
  encrypted), so an employer's candidate filter and skill-overlap candidates run in numpy
  instead of SQL over every person; the rows of changed people (consent, profile, skills,
  erasure) are re-read (one query by id) before the next use;
* **own words' terms** per person id (the lexical query of a person who wrote something, so
  candidates are ranked without decrypting their words on every request), dropped when the
  person changes;
* **application counts** per job id (the ``congestion`` feature), dropped when an application
  to the job is made, moved or withdrawn: by the commit hooks in this process, by the
  ``application.*`` events in every process (:mod:`chamba.matching.consumers`); every minute
  all of them are read again, off the requests (:mod:`chamba.matching.application_counts`);
* **rarity** (the ``idf`` table of :meth:`~chamba.matching.context.FeatureContext.rarity`): one
  table, dropped whenever any job changes;
* **skill labels** per skill id (explanations, and the lexical query of a person who wrote
  nothing) and **providers' names** per organisation id (the explanations' course options),
  dropped every :data:`LABELS_MAX_AGE_S`;
* **course rows** per skill id (what :func:`~chamba.matching.course_options.load_options` reads
  before it applies a person's constraints), dropped whenever any course changes.

**Invalidation** rides on the hooks that keep the vector indexes in sync: every id that
:class:`~chamba.matching.store.IndexStore` re-embeds or removes (on a commit, through
:mod:`chamba.matching.upkeep`; on a reconcile after a bulk load or an import made by another
process) is invalidated here too, so each worker process's cache follows the database exactly as
its indexes do (changed people mark their rows of the people table stale the same way).
Only indexes owned by an ``IndexStore`` carry a cache; indexes built ad hoc
(:func:`~chamba.matching.embeddings.build_indexes`, tests) have none and every request reads SQL.

**Races.** A request that read the database before a change was committed must not store what it
read after the change's invalidation. Every invalidation bumps :attr:`FeatureCache.generation`;
a reader captures the generation when its transaction begins (the upkeep hooks stamp it into
``session.info``, see :func:`stamp_session`) and stores only while it is unchanged.

Thread-safe; values are immutable once stored (tuples, read-only mappings).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final, Generic, Protocol, Self, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.heap import settle_again
from chamba.matching.application_counts import ApplicationCounts
from chamba.matching.page_cache import PageCache
from chamba.matching.single_flight import SingleFlight

if TYPE_CHECKING:  # these modules import this one (or its importers): names for annotations only
    from chamba.matching.course_options import SkillCourses
    from chamba.matching.job_table import JobTable
    from chamba.matching.people_table import PeopleTable
    from chamba.matching.repository import JobRow, JobSkillRow
    from chamba.search import Corpus

log = logging.getLogger(__name__)

GENERATION_KEY: Final = "chamba.matching.feature_cache.generation"
LABELS_MAX_AGE_S: Final = 60.0
"""Skill labels and providers' names read are kept this long at most: a label edited in the
taxonomy (a provider renamed) shows in explanations (and, for a person who wrote nothing, in
the lexical query) within a minute."""
MAX_LABELS: Final = 100_000
MAX_JOBS: Final = 200_000
"""Most jobs whose skills are held (about 0.5 KB each); beyond it the oldest half is dropped."""

RarityTable = tuple[dict[str, float], float]
"""``({skill_id: idf}, idf of an unseen skill)`` over the open jobs."""
FloatArray = npt.NDArray[np.float64]


class Versioned(Protocol):
    """An ORM row with an ``id`` and an ``updated_at`` (what :func:`versions_of` reads)."""

    @property
    def id(self) -> int: ...

    @property
    def updated_at(self) -> datetime | None: ...


class Patchable(Protocol):
    """A table of rows by id (:class:`~chamba.matching.job_table.JobTable`,
    :class:`~chamba.matching.people_table.PeopleTable`)."""

    def __len__(self) -> int: ...

    def patched(self, changed: Iterable[int], fresh: Self) -> Self: ...


T = TypeVar("T", bound=Patchable)


def reread_all(table: Patchable, stale: int) -> bool:
    """Whether ``stale`` changed rows are better met by reading the whole table again."""
    return stale > max(1000, len(table) // 5)


class TableSlot(Generic[T]):
    """One table of the cache with the ids of its rows gone stale, re-read before use.

    Shares its cache's lock: the cache marks rows stale under the lock it bumps the generation
    with."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.table: T | None = None
        self.stale: dict[int, int] = {}  # id -> generation of its latest invalidation
        self.floor = 0  # a whole table read before this generation is not stored (see mark_stale)
        self.whole = SingleFlight(lock)  # one whole read at a time; the others wait for it

    def get(self) -> tuple[T | None, dict[int, int]]:
        """The table (``None`` when it must be read) and its stale ids (a copy, ``{id:
        generation of the invalidation}``) to re-read before use."""
        with self._lock:
            return self.table, dict(self.stale)

    def put(
        self, base: T | None, table: T, generation: int, refreshed: Iterable[int] | None
    ) -> bool:
        """Store ``table``, made from ``base`` (the table :meth:`get` returned) by re-reading
        ``refreshed`` ids (``None``: every row) at ``generation``.

        Nothing is stored when another reader replaced ``base`` meanwhile. Ids invalidated
        after ``generation`` stay stale (the read may predate their change). Returns whether
        it stored.
        """
        with self._lock:
            if self.table is not base or (base is None and generation < self.floor):
                return False
            self.table = table
            wanted = None if refreshed is None else set(refreshed)
            for row_id, when in list(self.stale.items()):
                if when <= generation and (wanted is None or row_id in wanted):
                    del self.stale[row_id]
            return True

    def current(self, generation: int, read: Callable[[Sequence[int] | None], T]) -> T:
        """The table with its stale rows re-read (``read(ids)``; ``read(None)``: every row)
        and stored, as a reader at ``generation``.

        A table to be read whole is read by one reader of the process at a time
        (:class:`~chamba.matching.single_flight.SingleFlight`): the others wait for it, then
        use the table it stored (re-reading what went stale since, as any reader does); a
        waiter whose leader failed, stored nothing or took too long reads it itself."""
        base, stale = self.get()
        if base is None or reread_all(base, len(stale)):
            turn = self.whole.lead()
            if turn is None:  # another reader read it whole meanwhile: its table, if stored
                base, stale = self.get()
            if turn is not None or base is None or reread_all(base, len(stale)):
                try:
                    table = read(None)
                    self.put(base, table, generation, None)
                finally:
                    self.whole.land(turn)
                return table
        if stale:
            table = base.patched(stale, read(sorted(stale)))
            self.put(base, table, generation, stale)
        else:
            table = base
        return table

    def mark_stale(self, ids: Iterable[int], generation: int) -> None:
        """Rows ``ids`` changed at ``generation`` (the caller holds the lock).

        Recorded while no table is held too: a whole read under way (or one whose transaction
        began before this change) may predate it, and it must be re-read once that table is
        stored. Beyond :data:`MAX_JOBS` such ids, they are forgotten and a whole table read
        before ``generation`` is not stored at all."""
        for row_id in ids:
            self.stale[row_id] = generation
        if self.table is None and len(self.stale) > MAX_JOBS:
            self.stale = {}
            self.floor = generation

    def clear(self) -> None:
        """Drop the table (the caller holds the lock)."""
        self.table = None
        self.stale = {}


class FeatureCache:
    """Job skills, skill rarity and course rows shared by the requests of one process.

    Example:
        >>> cache = FeatureCache()
        >>> cache.put_job_skills({7: ("2025-06-01T00:00:00+00:00", ())}, cache.generation)
        >>> cache.job_skills({7: "2025-06-01T00:00:00+00:00"})
        {7: ()}
        >>> cache.invalidate_jobs([7])
        >>> cache.job_skills({7: "2025-06-01T00:00:00+00:00"})
        {}
    """

    def __init__(self, max_jobs: int = MAX_JOBS) -> None:
        self.max_jobs = max_jobs
        self.generation = 0
        self._lock = threading.Lock()
        self._jobs: dict[int, tuple[str, tuple[JobSkillRow, ...]]] = {}
        self._rows: dict[int, JobRow] = {}
        self.apps = ApplicationCounts(self._lock, max_jobs)  # job id -> applications
        self._rarity: RarityTable | None = None
        self._words: tuple[float, Corpus] | None = None  # (monotonic time stored, table)
        self._words_refresh: threading.Thread | None = None  # the background refresh, if any
        self.words_flight = SingleFlight(self._lock)  # one first read of the words at a time
        self._labels: dict[str, tuple[str, str]] = {}  # skill id -> (label_es, label_en)
        self._providers: dict[int, str] = {}  # organisation id -> name (with the labels)
        self._labels_since = time.monotonic()
        self._courses: dict[str, SkillCourses] = {}
        self.jobs: TableSlot[JobTable] = TableSlot(self._lock)  # every open job's columns
        self._table_rarity: tuple[JobTable, FloatArray] | None = None  # (table, its rarity)
        self.people: TableSlot[PeopleTable] = TableSlot(self._lock)  # every consenting person
        self._own_terms: dict[int, tuple[str, ...] | None] = {}  # person id -> own words' terms
        self.hits = 0
        self.misses = 0
        self.pages = PageCache()
        """Ranked pages per person (:mod:`chamba.matching.page_cache`; off until configured):
        every invalidation here drops the pages it may change."""

    # -- reading ---------------------------------------------------------------------------

    def job_skills(self, versions: Mapping[int, str]) -> dict[int, tuple[JobSkillRow, ...]]:
        """The cached skill rows of the jobs in ``versions`` whose stored version matches."""
        out: dict[int, tuple[JobSkillRow, ...]] = {}
        jobs = self._jobs
        for job_id, version in versions.items():
            entry = jobs.get(job_id)
            if entry is not None and entry[0] == version:
                out[job_id] = entry[1]
        self.hits += len(out)
        self.misses += len(versions) - len(out)
        return out

    def job_rows(self, job_ids: Iterable[int]) -> dict[int, JobRow]:
        """The cached :class:`~chamba.matching.repository.JobRow` of each of ``job_ids`` held."""
        rows = self._rows
        return {j: row for j in job_ids if (row := rows.get(j)) is not None}

    def application_counts(
        self, job_ids: Iterable[int], reread: Callable[[], Mapping[int, int]] | None = None
    ) -> dict[int, int]:
        """The cached application counts of those of ``job_ids`` held. Past their age
        (:data:`~chamba.matching.application_counts.APPLICATIONS_MAX_AGE_S`) every count is
        read again by ``reread()`` on a background thread, these meanwhile answered (without
        ``reread``: all are dropped)."""
        if self.apps.due():
            if reread is not None:
                self.apps.refresh_later(reread, self._open_job_ids)
            else:
                with self._lock:
                    self.apps.drop()
        return self.apps.get(job_ids)

    def _open_job_ids(self) -> list[int]:
        table = self.jobs.table
        return table.ids.tolist() if table is not None else []

    def rarity(self) -> RarityTable | None:
        """The cached rarity table (``None`` when it must be computed)."""
        return self._rarity

    def job_table(self) -> tuple[JobTable | None, dict[int, int]]:
        """The cached job table and its stale ids (:meth:`TableSlot.get`)."""
        return self.jobs.get()

    def people_table(self) -> tuple[PeopleTable | None, dict[int, int]]:
        """The cached people table and its stale ids (:meth:`TableSlot.get`)."""
        return self.people.get()

    def own_terms(self, person_ids: Iterable[int]) -> dict[int, tuple[str, ...] | None]:
        """The cached lexical terms of the own words of those of ``person_ids`` held (``None``:
        the person wrote nothing)."""
        held = self._own_terms
        return {p: held[p] for p in person_ids if p in held}

    def put_own_terms(
        self, terms: Mapping[int, tuple[str, ...] | None], generation: int
    ) -> None:
        """Store ``{person_id: terms}`` read at ``generation``."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._own_terms) + len(terms) > 2 * self.max_jobs:
                self._own_terms = {}
            self._own_terms.update(terms)

    def rarity_of(self, table: JobTable) -> FloatArray | None:
        """The rarity array stored for ``table`` (``None`` when none was, or for another)."""
        entry = self._table_rarity
        return entry[1] if entry is not None and entry[0] is table else None

    def put_rarity_of(self, table: JobTable, rarity: FloatArray) -> None:
        """Keep ``rarity``, computed from ``table`` alone (so it never goes stale with it)."""
        with self._lock:
            self._table_rarity = (table, rarity)

    def words(self, max_age_s: float) -> Corpus | None:
        """The word document-frequency table stored less than ``max_age_s`` ago, else None.

        Job changes do not drop it: frequencies over thousands of postings drift slowly, so it
        is refreshed by age, off the requests (see
        :meth:`~chamba.matching.context.FeatureContext.corpus`).
        """
        entry = self._words
        if entry is None or time.monotonic() - entry[0] > max_age_s:
            return None
        return entry[1]

    def stale_words(self) -> Corpus | None:
        """The word table stored last, however old (``None`` when none was stored)."""
        entry = self._words
        return entry[1] if entry is not None else None

    def put_words(self, table: Corpus) -> None:
        with self._lock:
            self._words = (time.monotonic(), table)
        self.pages.clear()  # the lexical feature of every page may change

    def refresh_words_later(self, read: Callable[[], Corpus]) -> threading.Thread | None:
        """Recompute the word table with ``read()`` on a background thread, so that no request
        waits for it (requests meanwhile use the table stored last); ``None`` when a refresh
        is already running. A failed refresh is logged; the next request past the age tries
        again."""
        with self._lock:
            if self._words_refresh is not None and self._words_refresh.is_alive():
                return None

            def refresh() -> None:
                try:
                    self.put_words(read())
                except Exception:
                    log.warning("could not refresh the word statistics", exc_info=True)
                    return
                settle_again()  # served: the new table out of full collections' walks (chamba.heap)

            thread = threading.Thread(target=refresh, name="chamba-word-stats", daemon=True)
            self._words_refresh = thread
        thread.start()
        return thread

    def skill_labels(self, skill_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The cached ``(label_es, label_en)`` of those of ``skill_ids`` held (all are dropped
        every :data:`LABELS_MAX_AGE_S`)."""
        self._age_labels()
        labels = self._labels
        return {s: found for s in skill_ids if (found := labels.get(s)) is not None}

    def _age_labels(self) -> None:
        if time.monotonic() - self._labels_since > LABELS_MAX_AGE_S:
            with self._lock:
                self._labels = {}
                self._providers = {}
                self._labels_since = time.monotonic()

    def provider_names(self, ids: Iterable[int]) -> dict[int, str]:
        """The cached names of those organisations of ``ids`` held (dropped with the labels)."""
        self._age_labels()
        names = self._providers
        return {i: found for i in ids if (found := names.get(i)) is not None}

    def put_provider_names(self, names: Mapping[int, str]) -> None:
        with self._lock:
            if len(self._providers) + len(names) > MAX_LABELS:
                self._providers = {}
            self._providers.update(names)

    def put_skill_labels(self, labels: Mapping[str, tuple[str, str]]) -> None:
        with self._lock:
            if len(self._labels) + len(labels) > MAX_LABELS:
                self._labels = {}
            self._labels.update(labels)

    def course_rows(self, skill_ids: Iterable[str]) -> dict[str, SkillCourses]:
        """Cached course rows of each skill among ``skill_ids`` (skills not cached are absent)."""
        courses = self._courses
        return {s: courses[s] for s in skill_ids if s in courses}

    # -- storing (only while nothing was invalidated since ``generation``) -----------------

    def put_job_skills(
        self, entries: Mapping[int, tuple[str, tuple[JobSkillRow, ...]]], generation: int
    ) -> None:
        """Store ``{job_id: (version, rows)}`` read at ``generation``."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._jobs) + len(entries) > self.max_jobs:
                keep = list(self._jobs.items())[len(self._jobs) // 2 :]
                self._jobs = dict(keep)
            self._jobs.update(entries)

    def put_job_rows(self, rows: Mapping[int, JobRow], generation: int) -> None:
        """Store ``{job_id: JobRow}`` read at ``generation``."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._rows) + len(rows) > self.max_jobs:
                self._rows = dict(list(self._rows.items())[len(self._rows) // 2 :])
            self._rows.update(rows)

    def put_application_counts(self, counts: Mapping[int, int], generation: int) -> None:
        """Store ``{job_id: applications}`` (zeros included) read at ``generation``."""
        with self._lock:
            if generation != self.generation:
                return
            self.apps.store(counts)

    def put_rarity(self, table: RarityTable, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._rarity = table

    def put_course_rows(self, rows: Mapping[str, SkillCourses], generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._courses.update(rows)

    # -- invalidation ----------------------------------------------------------------------

    def invalidate_jobs(self, job_ids: Iterable[int]) -> None:
        """Jobs changed (or left): drop their skills and the rarity table; their rows of the
        job table are re-read before its next use."""
        ids = [int(job_id) for job_id in job_ids]
        with self._lock:
            self.generation += 1
            for job_id in ids:
                self._jobs.pop(job_id, None)
                self._rows.pop(job_id, None)
            self.jobs.mark_stale(ids, self.generation)
            self._rarity = None
        self.pages.clear()

    def invalidate_people(self, person_ids: Iterable[int]) -> None:
        """People changed (consent, place, hours, wage, skills) or left: their rows of the
        people table are re-read before its next use."""
        ids = [int(person_id) for person_id in person_ids]
        with self._lock:
            self.generation += 1
            for person_id in ids:
                self._own_terms.pop(person_id, None)
            self.people.mark_stale(ids, self.generation)
        self.pages.drop_people(ids)

    def invalidate_applications(self, job_ids: Iterable[int] | None) -> None:
        """Applications to these jobs (``None``: to any job) were made, moved or withdrawn."""
        with self._lock:
            self.generation += 1
            self.apps.forget(job_ids)
        self.pages.clear()  # congestion

    def invalidate_courses(self) -> None:
        """A course changed: drop every course row."""
        with self._lock:
            self.generation += 1
            self._courses = {}
        self.pages.clear()  # explanations offer courses

    def clear(self) -> None:
        """Drop everything."""
        with self._lock:
            self.generation += 1
            self._jobs = {}
            self._rows = {}
            self.apps.forget(None)
            self._rarity = None
            self._words = None
            self._labels = {}
            self._providers = {}
            self._courses = {}
            self.jobs.clear()
            self._table_rarity = None
            self.people.clear()
            self._own_terms = {}
        self.pages.clear()

    def __len__(self) -> int:
        return len(self._jobs)


def stamp_session(session: Session, cache: FeatureCache | None) -> None:
    """Remember ``cache``'s generation in ``session.info`` when its transaction begins."""
    if cache is not None:
        session.info.setdefault(GENERATION_KEY, {})[id(cache)] = cache.generation


def generation_for(session: Session, cache: FeatureCache) -> int:
    """The generation a reader in ``session`` may store at (see the module docstring).

    The stamp of the session's transaction when present; else the current generation (the
    caller then reads right after this call, so a later invalidation is still noticed).
    """
    stamped = session.info.get(GENERATION_KEY, {}).get(id(cache))
    return int(stamped) if stamped is not None else cache.generation


def versions_of(rows: Sequence[Versioned]) -> dict[int, str]:
    """``{id: version}`` of ORM rows with ``id`` and ``updated_at``."""
    from chamba.matching.embeddings import version_of

    return {int(r.id): version_of(r.updated_at) for r in rows}
