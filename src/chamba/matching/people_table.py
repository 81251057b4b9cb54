"""Every person who consented to be seen, as numpy columns (place, travel radius, weekly hours,
wage ask, reach for remote work, skills), kept in memory and patched from the people table, so
an employer's candidate ranking filters the people and ranks them by skill overlap without SQL
over all people (the mirror of :mod:`chamba.matching.job_table`).

Nothing encrypted is kept here: names, contact data and a person's own words stay in the
database and are decrypted only for the people a page shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.jobs.models import Job
from chamba.matching.filters import (
    DEFAULT_MAX_DISTANCE_KM,
    Filtered,
    FloatArray,
    IdArray,
    coords,
    haversine,
    place_coord,
)
from chamba.matching.job_table import known_skill_codes, skill_code, skill_names
from chamba.matching.people_rows.repository import (
    applicant_places,
    visible_people_columns,
    visible_people_skills,
)
from chamba.matching.repository import load_person_skills
from chamba.people.models import Device

_ROWS: Final = ("ids", "lat", "lon", "max_km", "hours", "has_wage", "wage_cents", "reach")
"""The columns with one value per person (``n_skills`` apart)."""
_NO_WAGE: Final = np.iinfo(np.int64).min


def _cents(value: Decimal | float | None) -> int | None:
    """A PEN amount in whole cents (amounts are stored with two decimals)."""
    return None if value is None else int((Decimal(str(value)) * 100).to_integral_value())


@dataclass(frozen=True)
class PeopleTable:
    """The columns of every consenting person that the candidate filter and the skill-overlap
    candidates read, as arrays ordered by id.

    :meth:`filter` applies the rules of
    :func:`~chamba.matching.repository.people_visible_for_job` and
    :func:`~chamba.matching.filters.filter_people_for_job` in numpy, with the same result; a
    :class:`~chamba.matching.feature_cache.FeatureCache` keeps one per process and re-reads the
    rows of the people that changed (:meth:`patched`).
    """

    ids: IdArray  # (n,) ascending
    lat: FloatArray  # (n,) NaN when the place is unknown
    lon: FloatArray  # (n,)
    max_km: FloatArray  # (n,) the person's travel radius; NaN when none
    hours: FloatArray  # (n,) weekly hours available; NaN when unknown
    has_wage: npt.NDArray[np.bool_]  # (n,) an expected wage is stated
    wage_cents: npt.NDArray[np.int64]  # (n,) the expected wage in cents (_NO_WAGE when none)
    reach: npt.NDArray[np.bool_]  # (n,) internet and a device (remote work possible)
    n_skills: npt.NDArray[np.int64]  # (n,) how many skills each person holds
    skills: npt.NDArray[np.int32]  # (sum n_skills,) their codes (skill_code), person after person

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def read(cls, session: Session, ids: Sequence[int] | None = None) -> PeopleTable:
        """Every consenting person (or the consenting ones among ``ids``): two queries (per
        5,000 ids)."""
        rows = visible_people_columns(session, ids)
        by_person: dict[int, list[int]] = {int(r.id): [] for r in rows}
        for person_id, skill_id in visible_people_skills(session, ids):
            held = by_person.get(person_id)
            if held is not None:
                held.append(skill_code(skill_id))
        lat, lon = coords([r.ubigeo for r in rows])
        wages = [_cents(r.expected_wage) for r in rows]
        listed = [sorted(set(by_person[int(r.id)])) for r in rows]
        return cls(
            ids=np.array([r.id for r in rows], dtype=np.int64),
            lat=lat,
            lon=lon,
            max_km=np.array(
                [float(r.max_distance_km) if r.max_distance_km is not None else np.nan
                 for r in rows],
                dtype=np.float64,
            ),  # fmt: skip
            hours=np.array(
                [float(r.availability_hours) if r.availability_hours is not None else np.nan
                 for r in rows],
                dtype=np.float64,
            ),  # fmt: skip
            has_wage=np.array([w is not None for w in wages], dtype=bool),
            wage_cents=np.array([_NO_WAGE if w is None else w for w in wages], dtype=np.int64),
            reach=np.array(
                [r.has_internet is True and r.device is not None and r.device != Device.NONE
                 for r in rows],
                dtype=bool,
            ),  # fmt: skip
            n_skills=np.array([len(s) for s in listed], dtype=np.int64),
            skills=np.array([c for s in listed for c in s], dtype=np.int32),
        )

    def patched(self, changed: Iterable[int], fresh: PeopleTable) -> PeopleTable:
        """This table without the rows of ``changed`` ids, plus the rows of ``fresh``."""
        keep = ~np.isin(self.ids, np.fromiter(changed, dtype=np.int64))
        ids = np.concatenate([self.ids[keep], fresh.ids])
        order = np.argsort(ids, kind="stable")
        columns: dict[str, np.ndarray] = {
            n: np.concatenate([getattr(self, n)[keep], getattr(fresh, n)])[order] for n in _ROWS
        }
        mine, theirs = self.n_skills, fresh.n_skills
        lengths = np.concatenate([mine[keep], theirs])[order]
        first = np.concatenate(
            [(np.cumsum(mine) - mine)[keep], np.cumsum(theirs) - theirs + self.skills.size]
        )[order]
        offsets = np.cumsum(lengths) - lengths
        take = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
        take += np.repeat(first, lengths)
        columns["n_skills"] = lengths
        columns["skills"] = np.concatenate([self.skills, fresh.skills])[take]
        return PeopleTable(**columns)

    def rows_of(self, person_ids: IdArray) -> tuple[npt.NDArray[np.intp], IdArray]:
        """``(rows, absent)``: the row positions of those of ``person_ids`` in the table, and
        the ids that are not."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.intp), person_ids
        pos = np.minimum(np.searchsorted(self.ids, person_ids), len(self) - 1)
        found = self.ids[pos] == person_ids
        return pos[found].astype(np.intp), person_ids[~found]

    def skill_sets(self, person_ids: Sequence[int]) -> dict[int, set[str]]:
        """``{person id: skill ids held}`` of those of ``person_ids`` the table holds (what
        :func:`~chamba.matching.repository.load_person_skills` reads for them; a person
        without skills maps to an empty set); the others are left out."""
        asked = np.array(sorted({int(p) for p in person_ids}), dtype=np.int64)
        rows, _ = self.rows_of(asked)
        starts = np.cumsum(self.n_skills) - self.n_skills
        out: dict[int, set[str]] = {}
        skills = self.skills
        for pid, start, n in zip(
            self.ids[rows].tolist(), starts[rows].tolist(), self.n_skills[rows].tolist(),
            strict=True,
        ):  # fmt: skip
            out[pid] = set(skill_names(skills[start : start + n].tolist()))
        return out

    def filter(
        self, session: Session, job: Job, *, wage_share: float,
        max_distance_km: float | None = None,
    ) -> Filtered:  # fmt: skip
        """:func:`~chamba.matching.filters.filter_people_for_job` from the table: the consenting
        people who fit ``job`` plus every applicant (read by one query on the job's
        applications), by id, with their distance to the job."""
        fits = np.ones(len(self), dtype=bool)
        if job.remote:
            fits &= self.reach
        if job.hours_per_week is not None:
            fits &= np.isnan(self.hours) | (self.hours >= float(job.hours_per_week))
        top = _cents(job.wage_max if job.wage_max is not None else job.wage_min)
        if top is not None:
            num, den = Decimal(str(wage_share)).as_integer_ratio()
            fits &= ~self.has_wage | (self.wage_cents * num <= top * den)
        applied = applicant_places(session, job.id)
        a_ids = np.array([r.id for r in applied], dtype=np.int64)
        a_lat, a_lon = coords([r.ubigeo for r in applied])
        a_km = np.array(
            [r.max_distance_km if r.max_distance_km is not None else np.nan for r in applied],
            dtype=np.float64,
        )
        t_ids = self.ids[fits]
        extra = ~np.isin(a_ids, t_ids)  # applicants the table leaves out
        ids = np.concatenate([t_ids, a_ids[extra]])
        lat = np.concatenate([self.lat[fits], a_lat[extra]])
        lon = np.concatenate([self.lon[fits], a_lon[extra]])
        own_km = np.concatenate([self.max_km[fits], a_km[extra]])
        order = np.argsort(ids, kind="stable")
        ids, lat, lon, own_km = ids[order], lat[order], lon[order], own_km[order]
        if ids.size == 0:
            return Filtered.empty()
        if job.remote:
            return Filtered(ids, np.zeros(len(ids)))
        if job.ubigeo:
            lat0, lon0 = place_coord(job.ubigeo)
            dist = haversine(np.full_like(lat, lat0), np.full_like(lon, lon0), lat, lon)
        else:
            dist = np.full(len(ids), np.nan)
        if max_distance_km is not None:
            radius = np.full(len(ids), float(max_distance_km))
        else:
            radius = np.where(np.isnan(own_km), DEFAULT_MAX_DISTANCE_KM, own_km)
        applicant = np.isin(ids, a_ids)
        keep = applicant | np.isnan(dist) | (dist <= radius + 1e-9)
        return Filtered(ids[keep], dist[keep])

    def overlap_totals(
        self, session: Session, weights: Mapping[str, float], allowed: IdArray
    ) -> tuple[IdArray, FloatArray]:
        """``(ids, totals)``: the people of ``allowed`` holding any skill of ``weights`` and the
        sum of those skills' weights (what
        :func:`~chamba.matching.retrieval.overlap_top` sums in SQL); people of ``allowed`` the
        table does not hold (applicants who did not consent) are read by id."""
        if not weights or allowed.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        rows, absent = self.rows_of(np.asarray(allowed, dtype=np.int64))
        codes = known_skill_codes(list(weights))
        by_code = np.zeros(int(codes.max()) + 1 if codes.size else 1)
        is_wanted = np.zeros(by_code.size, dtype=bool)
        for skill_id, weight in weights.items():
            found = known_skill_codes([skill_id])
            if found.size:
                by_code[found[0]], is_wanted[found[0]] = weight, True
        starts = np.cumsum(self.n_skills) - self.n_skills
        lens = self.n_skills[rows]
        offsets = np.cumsum(lens) - lens
        at = np.arange(int(lens.sum())) - np.repeat(offsets - starts[rows], lens)
        owner = np.repeat(np.arange(rows.size), lens)
        held = self.skills[at]
        inside = held < by_code.size
        hit = np.zeros(held.size, dtype=bool)
        hit[inside] = is_wanted[held[inside]]
        totals = np.bincount(owner[hit], weights=by_code[held[hit]], minlength=rows.size).astype(
            np.float64
        )
        matched = np.bincount(owner[hit], minlength=rows.size) > 0
        ids, score = self.ids[rows][matched], totals[matched]
        if absent.size:
            skills = load_person_skills(session, absent.tolist())
            extra = [
                (pid, sum(weights[s] for s in sorted(held_ids) if s in weights))
                for pid, held_ids in skills.items() if any(s in weights for s in held_ids)
            ]  # fmt: skip
            ids = np.concatenate([ids, np.array([e[0] for e in extra], dtype=np.int64)])
            score = np.concatenate([score, np.array([e[1] for e in extra], dtype=np.float64)])
        return ids, score
