"""What features read, loaded once per request: skills, rarity, word statistics, vectors and
the job rows, from the shared :class:`~chamba.matching.feature_cache.FeatureCache` when one is
installed."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from chamba.courses.models import Course
from chamba.jobs.models import Job
from chamba.matching.embeddings import (
    MatchIndexes,
    course_texts,
    job_texts,
    person_texts,
    version_of,
)
from chamba.matching.feature_cache import FeatureCache, generation_for
from chamba.matching.features import posting_doc
from chamba.matching.job_table import CountedTerms, JobTable
from chamba.matching.lexical_terms import corpus_of, text_terms
from chamba.matching.people_rows.repository import load_people, self_descriptions
from chamba.matching.people_table import PeopleTable
from chamba.matching.repository import (
    JobFields,
    JobRow,
    JobSkillRow,
    application_counts,
    job_by_id,
    load_job_rows,
    load_job_skills,
    load_person_skills,
    newest_open_search_texts,
    open_job_count,
    open_skill_job_counts,
    posting_texts,
    skill_labels,
)
from chamba.matching.upkeep import PENDING_KEY
from chamba.people.models import Person
from chamba.search import Corpus, DocTerms

FloatArray = npt.NDArray[np.float64]


WORD_DF_SAMPLE: Final = 20_000
"""Word document frequencies (the ``lexical`` feature's idf) come from this many newest open
jobs: plenty for stable frequencies, bounded at any scale."""
WORD_DF_MAX_AGE_S: Final = 600.0
RARITY_POWER: Final = 0.5
"""Rarity enters skill weights as ``idf ** 0.5``: a rare skill counts more, but not so much that
one rare optional-looking skill outweighs the common core of a job."""
COUNT_ALL_FROM: Final = 100
"""A ranking missing at least this many application counts reads every job's at once (one
grouped query; ~0.1 s at 83,000 applications) and keeps them for every open job: the cache held
none yet (or dropped all: a change to every job's), and ~500 candidates' counts by id cost ~3 ms
a ranking at 100,000. Their re-read by age runs off the requests."""


def corpus_from(session: Session) -> Corpus:
    """The word statistics of the newest :data:`WORD_DF_SAMPLE` open jobs' text."""
    rows = newest_open_search_texts(session, WORD_DF_SAMPLE)
    return corpus_of(f"{title} {text}" for title, text in rows)


def read_application_counts(engine: Engine) -> dict[int, int]:
    """Every job's applications (not withdrawn) in a session of its own (a background
    re-read, :mod:`chamba.matching.application_counts`)."""
    with engine.connect() as connection:
        return application_counts(connection, None)


def read_corpus(engine: Engine) -> Corpus:
    """:func:`corpus_from` in a session of its own (a background refresh)."""
    with Session(engine) as session:
        return corpus_from(session)


@dataclass
class FeatureContext:
    """What feature computation reads, with per-call caches.

    Args:
        session: database session.
        indexes: vector indexes (``None``: semantic features are 0).
        now: the instant freshness and expiry are measured from (pass it for determinism).
        cache: job-side data kept between requests (default: the cache of ``indexes``, if
            any; see :mod:`chamba.matching.feature_cache`). Results are the same with or
            without it.

    Example:
        >>> ctx = FeatureContext(session, indexes, now=datetime(2025, 6, 30, tzinfo=UTC))
        >>> job_features(ctx, person, jobs).shape  # doctest: +SKIP
        (len(jobs), len(JOB_FEATURES))
    """

    session: Session
    indexes: MatchIndexes | None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _idf: dict[str, float] | None = None
    _idf_default: float = 1.0
    _corpus: Corpus | None = None
    job_skills: dict[int, list[JobSkillRow]] = field(default_factory=dict)
    person_skills: dict[int, set[str]] = field(default_factory=dict)
    #: Jobs a person dismissed, when this context already read them (the page cache's key).
    person_dismissed: dict[int, frozenset[int]] = field(default_factory=dict)
    #: A person's lexical terms counted in the filtered postings (the lexical candidates).
    counted_terms: dict[int, CountedTerms] = field(default_factory=dict)
    cache: FeatureCache | None = None
    job_versions: dict[int, JobRow] = field(default_factory=dict)  # rows read, by id
    _table: JobTable | None = None
    _people: PeopleTable | None = None

    def __post_init__(self) -> None:
        if self.cache is None and self.indexes is not None:
            self.cache = getattr(self.indexes, "cache", None)

    # ------------------------------------------------------------------ skills

    def shared_cache(self) -> FeatureCache | None:
        """The cache, unless this session holds uncommitted changes (it must see its own)."""
        session = self.session
        if self.cache is None or session.new or session.dirty or session.deleted:
            return None
        pending = session.info.get(PENDING_KEY)
        return None if pending else self.cache

    def job_table(self) -> JobTable | None:
        """Every open job's filter columns from the cache (stale rows re-read first); ``None``
        without a cache (then :func:`~chamba.matching.filters.filter_jobs` runs SQL)."""
        cache = self.shared_cache() if self._table is None else None  # one table a request
        if cache is not None:
            generation = generation_for(self.session, cache)
            self._table = cache.jobs.current(generation, partial(JobTable.read, self.session))
        return self._table

    def people_table(self) -> PeopleTable | None:
        """Every consenting person's filter columns and skills from the cache (stale rows
        re-read first); ``None`` without a cache (then the candidate filter runs SQL)."""
        cache = self.shared_cache() if self._people is None else None  # one table a request
        if cache is not None:
            generation = generation_for(self.session, cache)
            self._people = cache.people.current(generation, partial(PeopleTable.read, self.session))
        return self._people

    def table_rarity(self, table: JobTable) -> FloatArray:
        """:meth:`rarity` of every skill code over ``table``'s jobs (the open jobs), as the
        table's skill codes index it; kept with the table in the cache. (n_codes,)"""
        cache = self.cache
        found = cache.rarity_of(table) if cache is not None else None
        if found is None:
            df, n_open = table.skill_df()
            idf = np.array([math.log((n_open + 1) / (int(d) + 1)) + 1.0 for d in df.tolist()])
            found = idf**RARITY_POWER
            if cache is not None:
                cache.put_rarity_of(table, found)
        return found

    def job_rows(self, job_ids: Sequence[int]) -> list[JobRow]:
        """:class:`JobRow` of each job in ``job_ids`` that exists, in that order: from the cache
        for jobs read before and unchanged since, else one query per 5,000 ids. Typed as
        ``Job``: a ``JobRow`` reads like one for ranking."""
        found: dict[int, JobRow] = {}
        items = [int(i) for i in job_ids]
        cache = self.shared_cache()
        if cache is not None:  # rows of unchanged jobs from earlier requests
            generation = generation_for(self.session, cache)
            found.update(cache.job_rows(items))
        loaded = load_job_rows(self.session, [i for i in items if i not in found])
        if cache is not None and loaded:
            cache.put_job_rows(loaded, generation)
        found.update(loaded)
        self.job_versions.update(found)  # their versions are read when their skills are
        return [found[i] for i in items if i in found]

    def application_counts(self, job_ids: Sequence[int]) -> dict[int, int]:
        """Applications (not withdrawn) to each of ``job_ids``: from the cache when held, else
        one query for the rest (then kept, zeros included)."""
        cache = self.shared_cache()
        if cache is None:
            return application_counts(self.session, job_ids)
        generation = generation_for(self.session, cache)
        bind = self.session.get_bind()  # a session on one connection has no second reader
        reread = partial(read_application_counts, bind) if isinstance(bind, Engine) else None
        found = cache.application_counts(job_ids, reread)
        todo = [int(j) for j in job_ids if int(j) not in found]
        if todo and self._table is not None and len(todo) >= COUNT_ALL_FROM:
            # most of a ranking's counts are missing (none held yet): one query for
            # every job's, kept for every open job, instead of one per ranking of ~500 ids
            read = application_counts(self.session.connection(), None)  # nothing pending
            fresh = {j: read.get(j, 0) for j in (*self._table.ids.tolist(), *todo)}
            cache.put_application_counts(fresh, generation)
            found.update({j: fresh[j] for j in todo})
        elif todo:
            read = application_counts(self.session.connection(), todo)
            fresh = {j: read.get(j, 0) for j in todo}
            cache.put_application_counts(fresh, generation)
            found.update(fresh)
        return found

    def job_docs_by_id(self, job_ids: Sequence[int]) -> dict[int, DocTerms]:
        """The counted words (:func:`~chamba.matching.features.job_doc`) of the jobs ``job_ids``
        that exist, their text read in one query per 5,000 (a process with a cache reads them
        from its job table instead: :meth:`~chamba.matching.job_table.JobTable.lexical_scores`)."""
        return {i: posting_doc(t, d) for i, t, d in posting_texts(self.session, job_ids)}

    def _load_job_skills(self, job_ids: list[int]) -> dict[int, list[JobSkillRow]]:
        """Skills of ``job_ids``: from the cache for jobs whose loaded row has the cached
        version, from SQL (then cached) for the rest."""
        cache = self.shared_cache()
        if cache is None:
            return load_job_skills(self.session, job_ids)
        generation = generation_for(self.session, cache)
        identity = self.session.identity_map
        versions: dict[int, str] = {}
        for j in job_ids:
            if j in self.job_versions:
                versions[j] = version_of(self.job_versions[j].updated_at)
                continue
            row = identity.get(identity_key(Job, j))
            if row is not None:
                versions[j] = version_of(row.updated_at)
        out: dict[int, list[JobSkillRow]] = {
            j: list(rows) for j, rows in cache.job_skills(versions).items()
        }
        todo = [j for j in job_ids if j not in out]
        if todo:
            loaded = load_job_skills(self.session, todo)
            cache.put_job_skills(
                {j: (versions[j], tuple(loaded.get(j, ()))) for j in todo if j in versions},
                generation,
            )
            out.update(loaded)
        return out

    def _table_job_skills(self, job_ids: list[int]) -> dict[int, list[JobSkillRow]] | None:
        """Skills of ``job_ids`` from the request's job table when it holds every one."""
        table = self._table
        rows = table.rows_of(np.array(job_ids, dtype=np.int64)) if table is not None else None
        if table is None or rows is None:
            return None
        listed = table.skill_rows(rows)
        return {
            j: [JobSkillRow(*s) for s in skills] for j, skills in zip(job_ids, listed, strict=True)
        }

    def skills_of_jobs(self, job_ids: Sequence[int]) -> dict[int, list[JobSkillRow]]:
        missing = [int(j) for j in job_ids if int(j) not in self.job_skills]
        if missing:
            loaded = self._table_job_skills(missing) or self._load_job_skills(missing)
            for j in missing:
                self.job_skills[j] = loaded.get(j, [])
        return {int(j): self.job_skills[int(j)] for j in job_ids}

    def skills_of_people(self, person_ids: Sequence[int]) -> dict[int, set[str]]:
        """Skill ids each person holds: from the people table when this request read it (an
        employer's candidates: every consenting person's skills, current), else (and for
        people it lacks, such as applicants who did not consent) one query."""
        missing = [p for p in person_ids if int(p) not in self.person_skills]
        if missing and self._people is not None:
            self.person_skills.update(self._people.skill_sets(missing))
            missing = [p for p in missing if int(p) not in self.person_skills]
        if missing:
            loaded = load_person_skills(self.session, missing)
            for p in missing:
                self.person_skills[int(p)] = loaded.get(int(p), set())
        return {int(p): self.person_skills[int(p)] for p in person_ids}

    def own_terms(self, people: Sequence[Person]) -> dict[int, list[str] | None]:
        """The lexical terms of each person's own words (``None`` when they wrote nothing):
        from the cache for people seen before and unchanged since, else from the row when it
        holds the words, else from one query for the rest (their words decrypted only then)."""
        out: dict[int, list[str] | None] = {}
        cache = self.shared_cache()
        generation = generation_for(self.session, cache) if cache is not None else 0
        if cache is not None:
            out.update(
                (p, list(t) if t is not None else None)
                for p, t in cache.own_terms(p.id for p in people).items()
            )
        todo = [p for p in people if p.id not in out]
        unread = {p.id for p in todo if "self_description" in inspect(p).unloaded}
        texts = self_descriptions(self.session, sorted(unread)) if unread else {}
        fresh: dict[int, tuple[str, ...] | None] = {}
        for p in todo:
            text = (texts.get(p.id) if p.id in unread else p.self_description) or ""
            fresh[p.id] = tuple(text_terms(text)) if text.strip() else None
            out[p.id] = list(fresh[p.id] or ()) if fresh[p.id] is not None else None
        if cache is not None and fresh:
            cache.put_own_terms(fresh, generation)
        return out

    def skill_labels(self, skill_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{skill_id: (label_es, label_en)}`` of ``skill_ids``: from the cache for labels read
        in the last :data:`~chamba.matching.feature_cache.LABELS_MAX_AGE_S`, else one query."""
        wanted = set(skill_ids)
        cache = self.shared_cache()
        if cache is None:
            return skill_labels(self.session, wanted)
        found = cache.skill_labels(wanted)
        todo = wanted - found.keys()
        if todo:
            read = skill_labels(self.session, todo)
            cache.put_skill_labels(read)
            found.update(read)
        return found

    def corpus(self) -> Corpus:
        """Word statistics of the open jobs' text (the newest :data:`WORD_DF_SAMPLE`) for the
        ``lexical`` feature; shared through the cache and recomputed every
        :data:`WORD_DF_MAX_AGE_S` on a background thread (requests meanwhile read the table
        stored last: frequencies over thousands of postings drift slowly). Only the first
        reader of a process without a table (normally the warm-up) computes it in line; the
        readers arriving meanwhile wait for its table (:attr:`FeatureCache.words_flight`)."""
        if self._corpus is None:
            cache = self.shared_cache()
            corpus = cache.words(WORD_DF_MAX_AGE_S) if cache is not None else None
            if corpus is None and cache is not None:
                corpus = cache.stale_words()
                bind = self.session.get_bind()
                if corpus is not None and isinstance(bind, Engine):
                    cache.refresh_words_later(lambda: read_corpus(bind))
                elif corpus is not None:  # a session on one connection: no second reader
                    corpus = None
            turn = None
            if corpus is None and cache is not None:
                turn = cache.words_flight.lead()  # None: another reader computed it meanwhile
                corpus = cache.words(WORD_DF_MAX_AGE_S) if turn is None else None
            if corpus is None:
                try:
                    corpus = corpus_from(self.session)
                    if cache is not None:
                        cache.put_words(corpus)
                finally:
                    if cache is not None:
                        cache.words_flight.land(turn)
            self._corpus = corpus
        return self._corpus

    def rarity(self, skill_ids: Sequence[str]) -> FloatArray:
        """``idf ** RARITY_POWER`` of each skill over open jobs (cached for the context). (n,)"""
        if self._idf is None:
            self._idf, self._idf_default = self._rarity_table()
        idf = np.array([self._idf.get(s, self._idf_default) for s in skill_ids])
        out: FloatArray = idf**RARITY_POWER
        return out

    def _rarity_table(self) -> tuple[dict[str, float], float]:
        """``({skill_id: idf}, idf of an unseen skill)`` over the open jobs (cached)."""
        cache = self.shared_cache()
        if cache is not None:
            generation = generation_for(self.session, cache)
            table = cache.rarity()
            if table is None:
                table = self._read_rarity()
                cache.put_rarity(table, generation)
            return table
        return self._read_rarity()

    def _read_rarity(self) -> tuple[dict[str, float], float]:
        n_open = open_job_count(self.session)
        rows = open_skill_job_counts(self.session)
        idf = {sid: math.log((n_open + 1) / (df + 1)) + 1.0 for sid, df in rows}
        return idf, math.log(n_open + 1) + 1.0

    # ------------------------------------------------------------------ vectors

    def _vectors(
        self, kind: str, ids: Sequence[int], texts: Callable[[list[int]], list[str]]
    ) -> npt.NDArray[np.float32]:
        if self.indexes is None:
            return np.zeros((len(ids), 1), dtype=np.float32)
        index = getattr(self.indexes, kind)
        vectors = np.asarray(index.get([int(i) for i in ids]), dtype=np.float32)  # (n, dim)
        absent = np.flatnonzero(~np.any(vectors != 0, axis=1))
        if absent.size:  # not indexed yet (e.g. created after the last build): embed now
            todo = [int(ids[int(k)]) for k in absent]
            text = texts(todo)
            nonempty = [k for k, t in enumerate(text) if t.strip()]
            if nonempty:
                enc = self.indexes.encoder.encode([text[k] for k in nonempty]).astype(np.float32)
                vectors[absent[nonempty]] = enc
        return vectors

    def person_vectors(self, people: Sequence[Person]) -> npt.NDArray[np.float32]:
        """Text vectors of people from the index (embedded now when absent). (n, dim)"""
        return self._vectors(
            "people",
            [p.id for p in people],
            lambda ids: person_texts(self.session, load_people(self.session, ids, own_words=True)),
        )

    def job_vectors(self, jobs: Sequence[JobFields]) -> npt.NDArray[np.float32]:
        """Text vectors of jobs (embedded now when absent). (n, dim)"""
        by_id = {j.id: j for j in jobs}

        def orm(job: JobFields) -> Job:  # a JobRow lacks the description the text needs
            return job if isinstance(job, Job) else job_by_id(self.session, job.id)

        return self._vectors(
            "jobs",
            [j.id for j in jobs],
            lambda ids: job_texts(self.session, [orm(by_id[i]) for i in ids]),
        )

    def job_vectors_of(self, job_ids: Sequence[int]) -> npt.NDArray[np.float32]:
        """:meth:`job_vectors` of jobs given by id (a job not indexed yet is loaded to be
        embedded). (n, dim)"""
        return self._vectors(
            "jobs",
            [int(i) for i in job_ids],
            lambda ids: job_texts(self.session, [job_by_id(self.session, i) for i in ids]),
        )

    def course_vectors(self, courses: Sequence[Course]) -> npt.NDArray[np.float32]:
        """Text vectors of courses (embedded now when absent). (n, dim)"""
        by_id = {c.id: c for c in courses}
        return self._vectors(
            "courses",
            [c.id for c in courses],
            lambda ids: course_texts(self.session, [by_id[i] for i in ids]),
        )
