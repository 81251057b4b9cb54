"""Every open job's filter columns in numpy (expiry, hours, wage, place, remote, skills), kept
in memory and refreshed from the jobs table, so the hard job filters run without SQL."""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chamba.jobs.models import Job, JobSkill, JobStatus
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

_SKILL_CODES: dict[str, int] = {}
"""Skill id -> small integer, for the job table's skill arrays (append-only, per process)."""
_SKILL_CODES_LOCK = threading.Lock()


def skill_code(skill_id: str) -> int:
    """The process-wide integer code of ``skill_id`` (assigned on first sight)."""
    code = _SKILL_CODES.get(skill_id)
    if code is None:
        with _SKILL_CODES_LOCK:
            code = _SKILL_CODES.setdefault(skill_id, len(_SKILL_CODES))
    return code


_NO_EXPIRY: Final = np.iinfo(np.int64).max
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    """Whole microseconds since the epoch (exact, unlike a float timestamp)."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class JobTable:
    """The columns of every open job that :class:`JobFilter` reads, as arrays ordered by id.

    :func:`filter_jobs` given a table applies the same rules in numpy that it otherwise sends
    to SQL, with the same result. A :class:`~chamba.matching.feature_cache.FeatureCache` keeps
    one per process and patches the rows of the jobs that changed (:meth:`patched`).
    """

    ids: IdArray  # (n,) ascending
    expires: npt.NDArray[np.int64]  # (n,) µs since the epoch; _NO_EXPIRY when none
    hours: FloatArray  # (n,) NaN when unknown
    top_wage: FloatArray  # (n,) wage_max, else wage_min; NaN when neither
    remote: npt.NDArray[np.int8]  # (n,) 1 remote, 0 on site, -1 unknown (never passes)
    dept: npt.NDArray[np.str_]  # (n,) "<U2": the ubigeo's first two characters ("" if none)
    placed: npt.NDArray[np.bool_]  # (n,) the ubigeo is not NULL
    lat: FloatArray  # (n,)
    lon: FloatArray  # (n,)
    n_skills: npt.NDArray[np.int64]  # (n,) how many skills each job lists
    skills: npt.NDArray[np.int32]  # (sum n_skills,) their codes (skill_code), job after job

    def __len__(self) -> int:
        return int(self.ids.size)

    def overlap_top(self, held: Collection[str], allowed: IdArray, k: int) -> list[int]:
        """Top-``k`` of ``allowed`` by how many of ``held`` skills each job lists (ties by id):
        what :func:`chamba.matching.retrieval.overlap_top` computes in SQL with weight 1."""
        if not held or allowed.size == 0 or self.skills.size == 0:
            return []
        codes = [_SKILL_CODES[s] for s in held if s in _SKILL_CODES]
        hit = np.isin(self.skills, np.array(codes, dtype=np.int32))  # (sum n_skills,)
        owner = np.repeat(np.arange(len(self)), self.n_skills)
        counts = np.bincount(owner[hit], minlength=len(self)).astype(np.float64)  # (n,)
        keep = (counts > 0) & np.isin(self.ids, allowed)
        ids, score = self.ids[keep], counts[keep]
        order = np.lexsort((ids, -score))
        top: list[int] = ids[order[:k]].tolist()
        return top

    @classmethod
    def read(cls, session: Session, ids: Sequence[int] | None = None) -> JobTable:
        """Every open job (or the open ones among ``ids``): one query (per 5,000 ids)."""
        cols = (
            Job.id, Job.expires_at, Job.hours_per_week, func.coalesce(Job.wage_max, Job.wage_min),
            Job.remote, Job.ubigeo,
        )  # fmt: skip
        base = select(*cols).where(Job.status == JobStatus.OPEN)
        if ids is None:
            rows = list(session.execute(base.order_by(Job.id)))
        else:
            wanted = sorted({int(i) for i in ids})
            rows = []
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                rows.extend(session.execute(base.where(Job.id.in_(chunk)).order_by(Job.id)))
        places = [r[5] for r in rows]
        lat, lon = coords(places)
        by_job: dict[int, list[str]] = {int(r[0]): [] for r in rows}
        link = select(JobSkill.job_id, JobSkill.skill_id).join(Job, Job.id == JobSkill.job_id)
        link = link.where(Job.status == JobStatus.OPEN)
        if ids is None:
            pairs = list(session.execute(link))
        else:
            pairs = []
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                pairs.extend(session.execute(link.where(JobSkill.job_id.in_(chunk))))
        for job_id, skill_id in pairs:
            if job_id in by_job:
                by_job[job_id].append(skill_id)
        flat = [skill_code(sid) for r in rows for sid in sorted(by_job[int(r[0])])]
        return cls(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            expires=np.array(
                [_micros(r[1]) if r[1] is not None else _NO_EXPIRY for r in rows], dtype=np.int64
            ),
            hours=np.array([float(r[2]) if r[2] is not None else np.nan for r in rows]),
            top_wage=np.array([float(r[3]) if r[3] is not None else np.nan for r in rows]),
            remote=np.array([-1 if r[4] is None else int(bool(r[4])) for r in rows], np.int8),
            dept=np.array([p[:2] if p is not None else "" for p in places], dtype="<U2"),
            placed=np.array([p is not None for p in places], dtype=bool),
            lat=lat,
            lon=lon,
            n_skills=np.array([len(by_job[int(r[0])]) for r in rows], dtype=np.int64),
            skills=np.array(flat, dtype=np.int32),
        )

    def patched(self, changed: Iterable[int], fresh: JobTable) -> JobTable:
        """This table without the rows of ``changed`` ids, plus the rows of ``fresh``."""
        keep = ~np.isin(self.ids, np.fromiter(changed, dtype=np.int64))
        ids = np.concatenate([self.ids[keep], fresh.ids])
        order = np.argsort(ids, kind="stable")
        # skills: each job's slice, kept or fresh, re-laid in the new id order
        n_skills = np.concatenate([self.n_skills[keep], fresh.n_skills])
        starts = np.concatenate([
            (np.cumsum(self.n_skills) - self.n_skills)[keep],
            np.cumsum(fresh.n_skills) - fresh.n_skills + self.skills.size,
        ])  # fmt: skip
        pool = np.concatenate([self.skills, fresh.skills])
        lengths, first = n_skills[order], starts[order]
        total = int(lengths.sum())
        offsets = np.cumsum(lengths) - lengths
        take = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(first, lengths)
        skills = pool[take]
        names = (
            "ids", "expires", "hours", "top_wage", "remote", "dept", "placed", "lat", "lon",
        )  # fmt: skip
        columns = {
            n: np.concatenate([getattr(self, n)[keep], getattr(fresh, n)])[order] for n in names
        }
        return JobTable(**columns, n_skills=n_skills[order], skills=skills)

    def filter(
        self, flt: JobFilter, *, dismissed: Collection[int] = (),
        among: Collection[int] | None = None,
    ) -> Filtered:  # fmt: skip
        """The rows that pass ``flt``: :meth:`JobFilter.where`, then the exact radius.

        ``dismissed`` are the ids the person dismissed (:func:`_dismissed`); ``among``, as for
        :func:`filter_jobs`.
        """
        keep = np.ones(len(self), dtype=bool)
        if dismissed:
            keep &= ~np.isin(self.ids, np.array(sorted(dismissed), dtype=np.int64))
        if among is not None:
            keep &= np.isin(self.ids, np.fromiter(among, dtype=np.int64))
        if not flt.include_expired:
            keep &= self.expires > _micros(flt.now)
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
                on_site &= ~self.placed | np.isin(self.dept, np.array(sorted(depts), dtype="<U2"))
            passes |= on_site
        keep &= passes
        return keep_within_coords(
            self.ids[keep], self.lat[keep], self.lon[keep], remote[keep], flt.origin, flt.radius
        )
