"""Every open job's filter and feature columns in numpy (expiry, hours, wage, place, remote,
schedule, education, freshness, occupation, skills with their requirement and importance), kept
in memory and refreshed from the jobs table, so the hard job filters and the job-side features
of a ranking run without SQL and without a Python loop over the candidates."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.matching.features import education_rank, slot_mask
from chamba.matching.filters import (
    Filtered,
    FloatArray,
    IdArray,
    JobFilter,
    coords,
    departments_within,
    keep_within_coords,
    place_coord,
)
from chamba.matching.lexical import FloatArray as _Scores
from chamba.matching.lexical_terms import posting_text, text_terms
from chamba.matching.repository import open_job_columns, open_job_skills
from chamba.search import tf_matrix_scores


class CodeRegistry:
    """Names -> small integers, assigned on first sight, append-only, per process (thread-safe).

    Example:
        >>> reg = CodeRegistry(first=1)
        >>> reg.code("a"), reg.code("b"), reg.code("a"), reg.get("c"), reg.size
        (1, 2, 1, None, 3)
    """

    def __init__(self, first: int = 0) -> None:
        self.first = first  # the first code given (codes below it are reserved)
        self._codes: dict[str, int] = {}
        self.names: list[str] = []  # name of each code given, from ``first`` on
        self._lock = threading.Lock()

    def code(self, name: str) -> int:
        """The code of ``name`` (assigned on first sight)."""
        code = self._codes.get(name)
        if code is None:
            with self._lock:
                code = self._codes.get(name)
                if code is None:
                    code = self.first + len(self.names)
                    self.names.append(name)
                    self._codes[name] = code
        return code

    def get(self, name: str) -> int | None:
        """The code of ``name`` if it has one (a name never seen has none)."""
        return self._codes.get(name)

    def known(self, names: Iterable[str]) -> list[int]:
        """The codes of those of ``names`` that have one, in their order."""
        codes = self._codes
        return [codes[n] for n in names if n in codes]

    @property
    def size(self) -> int:
        """One more than the largest code given (at least ``first``)."""
        return self.first + len(self.names)


_SKILLS: Final = CodeRegistry()
"""Skill id -> small integer, for the job table's skill arrays."""
_DEPTS: Final = CodeRegistry()
"""Department (a ubigeo's first two characters) -> small integer."""
_OCCUPATIONS: Final = CodeRegistry(first=1)
"""Occupation id -> small integer (> 0; 0 is "none")."""
_TERMS: Final = CodeRegistry()
"""Lexical term -> integer, for the job table's term arrays."""

skill_code: Final = _SKILLS.code
"""The process-wide integer code of a skill id (assigned on first sight)."""
dept_code: Final = _DEPTS.code
"""The process-wide integer code of a department prefix (assigned on first sight)."""
term_code: Final = _TERMS.code
"""The process-wide integer code of a lexical term (assigned on first sight)."""


def code_mask(codes: npt.NDArray[np.integer], size: int) -> npt.NDArray[np.bool_]:
    """A lookup array of ``size`` (more than any code of a table made so far, codes being
    append-only): True at ``codes``. ``mask[column]`` is ``np.isin(column, codes)`` without
    sorting the column."""
    mask = np.zeros(max(size, 1), dtype=bool)
    mask[codes[codes < mask.size]] = True
    return mask


def skill_names(codes: Iterable[int]) -> list[str]:
    """The skill ids of ``codes`` (each given by :data:`skill_code`)."""
    names = _SKILLS.names  # skill codes start at 0
    return [names[c] for c in codes]


def known_skill_codes(skill_ids: Collection[str]) -> npt.NDArray[np.int32]:
    """The codes of those of ``skill_ids`` that have one (a skill never seen has none)."""
    return np.array(_SKILLS.known(skill_ids), dtype=np.int32)


def occupation_code(occupation_id: str | None) -> int:
    """The process-wide integer code of an occupation id; 0 for none."""
    return _OCCUPATIONS.code(occupation_id) if occupation_id else 0


def known_occupation_codes(occupation_ids: Collection[str]) -> npt.NDArray[np.int64]:
    """The codes of those of ``occupation_ids`` that have one."""
    return np.array(_OCCUPATIONS.known(occupation_ids), dtype=np.int64)


def posting_term_codes(text: str) -> tuple[list[int], list[int], int]:
    """``(codes, counts, length)`` of a posting text's lexical terms: each distinct term's code
    in order of first occurrence, how often it occurs, and how many terms the text has (what
    :func:`~chamba.matching.lexical_terms.posting_terms` counts)."""
    found = text_terms(text)
    tf: dict[str, int] = {}
    for term in found:
        tf[term] = tf.get(term, 0) + 1
    return [term_code(t) for t in tf], list(tf.values()), len(found)


_NO_EXPIRY: Final = np.iinfo(np.int64).max
NO_POSTED: Final = np.iinfo(np.int64).min
"""``posted`` of a job without a posting time (its freshness counts 30 days, as for rows)."""
_NO_POSTED: Final = NO_POSTED
_ROWS: Final = (
    "ids", "expires", "hours", "top_wage", "remote", "dept", "placed", "lat", "lon", "wage",
    "slots", "n_slots", "edu", "posted", "openings", "occupation", "doc_len",
)  # fmt: skip
"""The columns with one value per job (the counts of :data:`_RAGGED_GROUPS` apart)."""
_RAGGED: Final = ("skills", "essential", "importance")
"""The columns with one value per (job, skill), job after job."""
_RAGGED_GROUPS: Final = {"n_skills": _RAGGED, "n_terms": ("terms", "term_counts")}
"""Each per-job count column and the columns it lays out, job after job."""


def _top_wage(lo: Decimal | None, hi: Decimal | None) -> float:
    """``coalesce(wage_max, wage_min)``: what the wage floor is compared with."""
    top = hi if hi is not None else lo
    return float(top) if top is not None else np.nan


def _mid_wage(lo: Decimal | None, hi: Decimal | None) -> float:
    """The midpoint of the wage range, as :func:`~chamba.matching.features` computes it."""
    if lo is None and hi is None:
        return np.nan
    lo_f = float(lo if lo is not None else hi or 0)
    hi_f = float(hi if hi is not None else lo or 0)
    return (lo_f + hi_f) / 2


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Whole microseconds since the epoch (exact, unlike a float timestamp)."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class JobTable:
    """The columns of every open job that :class:`JobFilter` and the job-side features read,
    as arrays ordered by id.

    :func:`filter_jobs` given a table applies the same rules in numpy that it otherwise sends
    to SQL, with the same result; :func:`~chamba.matching.features.table_job_features` reads
    the same values :func:`~chamba.matching.features.job_features` reads from rows. A
    :class:`~chamba.matching.feature_cache.FeatureCache` keeps one per process and patches the
    rows of the jobs that changed (:meth:`patched`).
    """

    ids: IdArray  # (n,) ascending
    expires: npt.NDArray[np.int64]  # (n,) µs since the epoch; _NO_EXPIRY when none
    hours: FloatArray  # (n,) NaN when unknown
    top_wage: FloatArray  # (n,) wage_max, else wage_min; NaN when neither
    remote: npt.NDArray[np.int8]  # (n,) 1 remote, 0 on site, -1 unknown (never passes)
    dept: npt.NDArray[np.int32]  # (n,) dept_code of the ubigeo's first two characters ("" if none)
    placed: npt.NDArray[np.bool_]  # (n,) the ubigeo is not NULL
    lat: FloatArray  # (n,)
    lon: FloatArray  # (n,)
    wage: FloatArray  # (n,) midpoint of the wage range (one end when only one); NaN when none
    slots: npt.NDArray[np.int64]  # (n,) weekly time slots as a mask (features.slot_mask)
    n_slots: FloatArray  # (n,) how many slots the mask holds
    edu: npt.NDArray[np.int64]  # (n,) education rank required; -1 none
    posted: npt.NDArray[np.int64]  # (n,) µs since the epoch; _NO_POSTED when unknown
    openings: npt.NDArray[np.int64]  # (n,) at least 1
    occupation: npt.NDArray[np.int64]  # (n,) occupation_code; 0 none
    n_skills: npt.NDArray[np.int64]  # (n,) how many skills each job lists
    skills: npt.NDArray[np.int32]  # (sum n_skills,) their codes (skill_code), job after job
    essential: npt.NDArray[np.bool_]  # (sum n_skills,) the skill is essential
    importance: FloatArray  # (sum n_skills,) its importance (0 or more; 1 when unknown)
    doc_len: npt.NDArray[np.int64]  # (n,) how many lexical terms the posting's text has
    n_terms: npt.NDArray[np.int64]  # (n,) how many distinct terms it has
    terms: npt.NDArray[np.int32]  # (sum n_terms,) their codes (term_code), job after job
    term_counts: npt.NDArray[np.int32]  # (sum n_terms,) how often each occurs in the text

    def __len__(self) -> int:
        return int(self.ids.size)

    def rows_of(self, job_ids: IdArray) -> npt.NDArray[np.intp] | None:
        """Row positions of ``job_ids`` (each must be in the table), else ``None``."""
        pos = np.searchsorted(self.ids, job_ids)
        pos = np.minimum(pos, max(len(self) - 1, 0))
        if len(self) == 0 or not np.array_equal(self.ids[pos], job_ids):
            return None
        return pos.astype(np.intp)

    def skill_rows(self, rows: npt.NDArray[np.intp]) -> list[list[tuple[str, bool, float]]]:
        """``(skill_id, essential, importance)`` of each job's skills at ``rows``, in the order
        :func:`~chamba.matching.repository.load_job_skills` gives them."""
        starts = self.skill_starts()
        names = _SKILLS.names  # skill codes start at 0
        out = []
        for r in rows.tolist():
            at = slice(int(starts[r]), int(starts[r] + self.n_skills[r]))
            out.append(
                [
                    (names[c], e, i)
                    for c, e, i in zip(
                        self.skills[at].tolist(), self.essential[at].tolist(),
                        self.importance[at].tolist(), strict=True,
                    )
                ]
            )  # fmt: skip
        return out

    def skill_starts(self) -> npt.NDArray[np.int64]:
        """Where each job's skills start in :attr:`skills` (computed once per table). (n,)"""
        return self._starts("n_skills")

    def _starts(self, lengths: str) -> npt.NDArray[np.int64]:
        """``cumsum - lengths`` of the column ``lengths``, kept on the (frozen) table: a
        ranking asks for it several times, each a pass over every open job."""
        key = f"_starts_{lengths}"
        found: npt.NDArray[np.int64] | None = self.__dict__.get(key)
        if found is None:
            counts = getattr(self, lengths)
            found = np.cumsum(counts) - counts
            found.flags.writeable = False
            object.__setattr__(self, key, found)
        return found

    def skill_df(self) -> tuple[npt.NDArray[np.int64], int]:
        """``(df, n)``: over the jobs of the table, how many list each skill code, and ``n``."""
        return np.bincount(self.skills, minlength=_SKILLS.size), len(self)

    def overlap_top(self, held: Collection[str], allowed: IdArray, k: int) -> list[int]:
        """Top-``k`` of ``allowed`` by how many of ``held`` skills each job lists (ties by id):
        what :func:`chamba.matching.retrieval.overlap_top` computes in SQL with weight 1."""
        if not held or allowed.size == 0 or self.skills.size == 0:
            return []
        ascending = allowed.size < 2 or bool(np.all(allowed[1:] > allowed[:-1]))
        rows = self.rows_of(allowed) if ascending else None  # (m,) the allowed jobs' skills
        if rows is None:  # unsorted, or an id outside the table: membership the slow way
            rows = np.flatnonzero(np.isin(self.ids, allowed))
        at, owner = self._slices(rows, self.skill_starts(), self.n_skills)
        hit = code_mask(known_skill_codes(held), _SKILLS.size)[self.skills[at]]
        counts = np.bincount(owner[hit], minlength=rows.size).astype(np.float64)  # (m,)
        keep = counts > 0
        ids, score = self.ids[rows][keep], counts[keep]
        order = np.lexsort((ids, -score))
        top: list[int] = ids[order[:k]].tolist()
        return top

    @staticmethod
    def _slices(
        rows: npt.NDArray[np.intp], starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
        """``(at, owner)``: the positions of the ragged entries of ``rows``, row after row, and
        the index into ``rows`` each belongs to."""
        lens = lengths[rows]
        offsets = np.cumsum(lens) - lens
        at = np.arange(int(lens.sum())) - np.repeat(offsets - starts[rows], lens)
        return at, np.repeat(np.arange(rows.size), lens)

    def term_starts(self) -> npt.NDArray[np.int64]:
        """Where each job's terms start in :attr:`terms` (computed once per table). (n,)"""
        return self._starts("n_terms")

    def lexical_scores(
        self,
        query: Sequence[str],
        rows: npt.NDArray[np.intp],
        *,
        idf: Callable[[str], float] | None = None,
        avgdl: float | None = None,
        counted: CountedTerms | None = None,
    ) -> _Scores:
        """:func:`~chamba.matching.lexical.one_query_scores` of ``query`` against the postings at
        ``rows`` (the same numbers), read from the table's term arrays: no text is read or
        counted, and only the rows' slices are scanned (none when ``counted``, the counts of
        a wider query over more rows of this table, holds them). (len(rows),)"""
        words = list(dict.fromkeys(query))
        lengths = self.doc_len[rows].astype(np.float64)  # (n,)
        counts = counted.take(words, rows) if counted is not None else None
        if counts is None:
            counts = self.count_terms(words, rows)
        return tf_matrix_scores(words, lengths, counts, idf=idf, avgdl=avgdl)

    def count_terms(self, words: Sequence[str], rows: npt.NDArray[np.intp]) -> FloatArray:
        """Each of ``words``' (distinct) count in each posting at ``rows``. (len(words), n)"""
        n = rows.size
        codes = {c: k for k, w in enumerate(words) if (c := _TERMS.get(w)) is not None}
        counts = np.zeros((len(words), n), dtype=np.float64)  # (terms, n) each term's count
        if codes and n:
            wanted = np.array(sorted(codes), dtype=np.int32)
            term_of = np.array([codes[int(c)] for c in wanted], dtype=np.intp)  # code -> term
            at, owner = self._slices(rows, self.term_starts(), self.n_terms)
            found = self.terms[at]  # every term of the rows, row after row
            hit = code_mask(wanted, _TERMS.size)[found]
            owner, hit_codes, hit_counts = owner[hit], found[hit], self.term_counts[at[hit]]
            counts[term_of[np.searchsorted(wanted, hit_codes)], owner] = hit_counts
        return counts

    @classmethod
    def read(cls, session: Session, ids: Sequence[int] | None = None) -> JobTable:
        """Every open job (or the open ones among ``ids``): two queries (per 5,000 ids)."""
        rows = open_job_columns(session, ids)
        skills = open_job_skills(session, ids)
        places = [r.ubigeo for r in rows]
        lat, lon = coords(places)
        by_job: dict[int, list[tuple[str, bool, float]]] = {int(r.id): [] for r in rows}
        for job_id, skill_id, essential, importance in skills:
            if job_id in by_job:
                imp = float(importance) if importance is not None else 1.0
                by_job[job_id].append((skill_id, bool(essential), max(imp, 0.0)))
        listed = []
        for r in rows:  # as load_job_skills orders them: essential first, then by importance
            listed.extend(sorted(by_job[int(r.id)], key=lambda s: (not s[1], -s[2], s[0])))
        slots = [slot_mask(r.schedule) for r in rows]
        counted = [posting_term_codes(posting_text(r.title, r.description)) for r in rows]
        return cls(
            ids=np.array([r.id for r in rows], dtype=np.int64),
            expires=np.array(
                [micros(r.expires_at) if r.expires_at is not None else _NO_EXPIRY for r in rows],
                dtype=np.int64,
            ),
            hours=np.array(
                [float(r.hours_per_week) if r.hours_per_week is not None else np.nan for r in rows]
            ),
            top_wage=np.array([_top_wage(r.wage_min, r.wage_max) for r in rows]),
            remote=np.array([-1 if r.remote is None else int(bool(r.remote)) for r in rows], "i1"),
            dept=np.array(
                [dept_code(p[:2] if p is not None else "") for p in places], dtype=np.int32
            ),
            placed=np.array([p is not None for p in places], dtype=bool),
            lat=lat,
            lon=lon,
            wage=np.array([_mid_wage(r.wage_min, r.wage_max) for r in rows]),
            slots=np.array(slots, dtype=np.int64),
            n_slots=np.array([m.bit_count() for m in slots], dtype=np.float64),
            edu=np.array([education_rank(r.education_required) for r in rows], dtype=np.int64),
            posted=np.array(
                [micros(r.posted_at) if r.posted_at is not None else _NO_POSTED for r in rows],
                dtype=np.int64,
            ),
            openings=np.array([max(1, r.openings or 1) for r in rows], dtype=np.int64),
            occupation=np.array([occupation_code(r.occupation_id) for r in rows], dtype=np.int64),
            n_skills=np.array([len(by_job[int(r.id)]) for r in rows], dtype=np.int64),
            skills=np.array([skill_code(t[0]) for t in listed], dtype=np.int32),
            essential=np.array([t[1] for t in listed], dtype=bool),
            importance=np.array([t[2] for t in listed], dtype=np.float64),
            doc_len=np.array([c[2] for c in counted], dtype=np.int64),
            n_terms=np.array([len(c[0]) for c in counted], dtype=np.int64),
            terms=np.array([t for c in counted for t in c[0]], dtype=np.int32),
            term_counts=np.array([t for c in counted for t in c[1]], dtype=np.int32),
        )

    def patched(self, changed: Iterable[int], fresh: JobTable) -> JobTable:
        """This table without the rows of ``changed`` ids, plus the rows of ``fresh``."""
        keep = ~np.isin(self.ids, np.fromiter(changed, dtype=np.int64))
        ids = np.concatenate([self.ids[keep], fresh.ids])
        order = np.argsort(ids, kind="stable")
        columns = {
            n: np.concatenate([getattr(self, n)[keep], getattr(fresh, n)])[order] for n in _ROWS
        }
        for count, names in _RAGGED_GROUPS.items():
            # each job's slice of these columns, kept or fresh, re-laid in the new id order
            mine, theirs = getattr(self, count), getattr(fresh, count)
            first_of = getattr(self, names[0]).size
            lengths = np.concatenate([mine[keep], theirs])[order]
            first = np.concatenate([
                (np.cumsum(mine) - mine)[keep], np.cumsum(theirs) - theirs + first_of,
            ])[order]  # fmt: skip
            total = int(lengths.sum())
            offsets = np.cumsum(lengths) - lengths
            take = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(first, lengths)
            columns[count] = lengths
            for n in names:
                columns[n] = np.concatenate([getattr(self, n), getattr(fresh, n)])[take]
        return JobTable(**columns)

    def filter(
        self, flt: JobFilter, *, dismissed: Collection[int] = (),
        among: Collection[int] | None = None,
    ) -> Filtered:  # fmt: skip
        """The rows that pass ``flt``: the rules of
        :func:`~chamba.matching.repository.filtered_job_places`, then the exact radius.

        ``dismissed`` are the ids the person dismissed
        (:func:`~chamba.matching.repository.dismissed_job_ids`); ``among``, as for
        :func:`filter_jobs`.
        """
        keep = np.ones(len(self), dtype=bool)
        if dismissed:
            keep &= ~np.isin(self.ids, np.array(sorted(dismissed), dtype=np.int64))
        if among is not None:
            keep &= np.isin(self.ids, np.fromiter(among, dtype=np.int64))
        if not flt.include_expired:
            keep &= self.expires > micros(flt.now)
        if flt.max_hours is not None:
            keep &= np.isnan(self.hours) | (self.hours <= flt.max_hours)
        if flt.wage_floor is not None:
            keep &= np.isnan(self.top_wage) | (self.top_wage >= float(flt.wage_floor))
        allow_remote = flt.remote is not False and flt.remote_ready
        allow_onsite = flt.remote is not True
        remote = self.remote == 1
        passes = remote & allow_remote
        if allow_onsite:
            on_site = self.remote == 0
            origin, km = flt.origin, flt.radius
            if origin is not None and km is not None and not math.isnan(place_coord(origin)[0]):
                depts = departments_within(origin, round(float(km), 3))
                wanted = np.array(_DEPTS.known(depts), dtype=np.int64)
                near = code_mask(wanted, _DEPTS.size)
                on_site &= ~self.placed | near[self.dept]
            passes |= on_site
        keep &= passes
        return keep_within_coords(
            self.ids[keep], self.lat[keep], self.lon[keep], remote[keep], flt.origin, flt.radius
        )


@dataclass(frozen=True)
class CountedTerms:
    """A query's term counts in some postings of one job table (:meth:`JobTable.count_terms`),
    kept by a request that scores a narrower query or fewer of those postings again: the
    lexical candidates count the person's terms in every filtered posting, the candidates'
    ``lexical`` feature reads its columns of them instead of counting again."""

    words: tuple[str, ...]  # distinct, in the query's order
    rows: npt.NDArray[np.intp]  # (n,) ascending row positions
    counts: FloatArray  # (len(words), n)

    def take(self, words: Sequence[str], rows: npt.NDArray[np.intp]) -> FloatArray | None:
        """The counts of ``words`` (the first of :attr:`words`, in order) at ``rows`` (each one
        of :attr:`rows`); ``None`` when they are not held."""
        if tuple(words) != self.words[: len(words)] or self.rows.size == 0:
            return None
        pos = np.minimum(np.searchsorted(self.rows, rows), self.rows.size - 1)
        if not np.array_equal(self.rows[pos], rows):
            return None
        taken: FloatArray = self.counts[: len(words)][:, pos]
        return taken
