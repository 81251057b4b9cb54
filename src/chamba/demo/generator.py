"""Deterministic generator of a realistic Peru: organisations, jobs, courses, people, histories.

``generate_demo(engine, size=N, seed=S)`` builds everything from the seed, writes it with bulk
inserts and saves the hidden ground truth (:mod:`chamba.demo.ground_truth`) beside the data.

Sizes (``size`` = number of people; each can be overridden):

===========  ==================================
people       ``size``
jobs         ``min(size, 100_000)``
courses      ``clip(size // 5, 20, 20_000)``
employers    ``clip(size // 20, 10, 20_000)``
providers    ``clip(size // 60, 5, 5_000)``
===========  ==================================

Interactions: about ``interactions_per_person`` (default 20) logged events per person, most
of them ``shown``. Everything is dated relative to :data:`REFERENCE_DATE`, never today, so the
same seed and size give the same rows (encrypted columns differ only in their ciphertext).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from chamba.demo import loader, texts
from chamba.demo.ground_truth import (
    CourseArrays,
    GroundTruth,
    JobArrays,
    PersonArrays,
    course_external_id,
    effective_cost,
    job_external_id,
    person_external_id,
    slot_mask,
)
from chamba.demo.regions import (
    AYMARA,
    QUECHUA,
    REMOTE_SHARE,
    SECTOR_DISTRICT_BIAS,
    SECTOR_INDEX,
    SECTORS,
    Geography,
    build_geography,
    isco_major,
    sector_multipliers,
    sector_of,
)
from chamba.search import search_fields
from chamba.vocab import TIME_SLOTS

log = logging.getLogger(__name__)

#: All dates are relative to this instant (noon in Lima), so output never depends on "today".
REFERENCE_DATE = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
#: The "now" of the run being generated: REFERENCE_DATE unless the caller anchors the demo to
#: another day (``chamba demo`` anchors it to today so that its jobs are open and fresh).
_REFERENCE: ContextVar[datetime] = ContextVar("demo_reference_date", default=REFERENCE_DATE)


def _reference() -> datetime:
    return _REFERENCE.get()


MINIMUM_WAGE = 1130  # Remuneración Mínima Vital, S/ per month (2025)
HISTORY_DAYS = 180
PEOPLE_CHUNK = 10_000  # fixed: random streams are per chunk, so it is part of the format
MAX_SKILLS = 10
JOB_SLATE, JOB_CANDIDATES = 5, 24
COURSE_SLATE, COURSE_CANDIDATES = 3, 12

ProgressFn = Callable[[str, int, int], None]
FArr = npt.NDArray[np.float64]
IArr = npt.NDArray[np.int64]
BArr = npt.NDArray[np.bool_]

EDU_LEVELS = ("none", "primary", "secondary", "technical", "university", "postgraduate")
# Education distribution by ISCO major group 1..9 (none..postgraduate).
EDU_BY_MAJOR = {
    1: (0, 0, 0.1, 0.1, 0.6, 0.2), 2: (0, 0, 0, 0.1, 0.75, 0.15),
    3: (0, 0, 0.15, 0.5, 0.35, 0), 4: (0, 0, 0.45, 0.35, 0.2, 0),
    5: (0, 0.1, 0.65, 0.2, 0.05, 0), 6: (0.08, 0.45, 0.4, 0.07, 0, 0),
    7: (0, 0.15, 0.55, 0.28, 0.02, 0), 8: (0, 0.1, 0.6, 0.28, 0.02, 0),
    9: (0.05, 0.35, 0.55, 0.05, 0, 0),
}  # fmt: skip
MEDIAN_WAGE_BY_MAJOR = {1: 5000, 2: 3500, 3: 2300, 4: 1600, 5: 1300, 6: 1250, 7: 1600, 8: 1800,
                        9: 1200}  # fmt: skip
SECTOR_WAGE = {"mining": 1.7, "ict": 1.3, "health": 1.1, "agro": 0.95, "care": 0.95}
CONTRACTS = ("full_time", "part_time", "temporary", "internship", "freelance", "daily")
CONTRACT_MIX = {
    "agro": (0.3, 0, 0.45, 0, 0, 0.25), "construction": (0.3, 0, 0.3, 0, 0, 0.4),
    "commerce": (0.5, 0.3, 0, 0, 0, 0.2), "ict": (0.6, 0, 0, 0.15, 0.25, 0),
    "office": (0.65, 0.2, 0, 0.15, 0, 0), "tourism": (0.45, 0.25, 0.2, 0, 0, 0.1),
    "mining": (0.8, 0, 0.2, 0, 0, 0), "fishing": (0.2, 0, 0.5, 0, 0, 0.3),
    "textile": (0.4, 0.25, 0, 0, 0, 0.35), "care": (0.35, 0.4, 0, 0, 0, 0.25),
    "education": (0.2, 0.5, 0, 0, 0.3, 0), "transport": (0.4, 0, 0, 0, 0.2, 0.4),
}  # fmt: skip
DEFAULT_CONTRACT_MIX = (0.55, 0.25, 0.1, 0, 0, 0.1)
# How common each ISCO major group is among workers (occupation sampling weight).
MAJOR_FREQUENCY = {1: 0.3, 2: 0.6, 3: 0.8, 4: 1.0, 5: 1.5, 6: 1.2, 7: 1.2, 8: 1.0, 9: 1.5}
FEMALE_SECTOR = {"textile": 2, "care": 2.5, "tourism": 1.3, "education": 1.5, "health": 1.4,
                 "commerce": 1.2, "mining": 0.2, "construction": 0.15, "transport": 0.2,
                 "security": 0.4, "fishing": 0.3}  # fmt: skip
PROVIDER_KINDS = ("cetpro", "institute", "ngo", "online_school")
PROVIDER_MIX = (0.4, 0.25, 0.15, 0.2)


def _slot_patterns() -> dict[str, list[str]]:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {
        "day": [f"{d}_{p}" for d in days for p in ("morning", "afternoon")],
        "morning": [f"{d}_morning" for d in days] + [f"{d}_afternoon" for d in days],
        "afternoon": [f"{d}_afternoon" for d in days] + [f"{d}_evening" for d in days],
        "evening": [f"{d}_evening" for d in days] + [f"{d}_afternoon" for d in days],
        "weekend": ["sat_morning", "sat_afternoon", "sun_morning", "sun_afternoon",
                    "sat_evening", "sun_evening", "fri_evening", "fri_afternoon"],
        "night": [f"{d}_night" for d in days] + [f"{d}_evening" for d in days],
    }  # fmt: skip


SLOT_PATTERNS = _slot_patterns()
PATTERN_NAMES = tuple(SLOT_PATTERNS)


def slots_for(pattern: str, hours: int) -> list[str]:
    """The first ``ceil(hours / 4)`` slots of a weekly pattern, in calendar order."""
    chosen = SLOT_PATTERNS[pattern][: max(1, -(-hours // 4))]
    return sorted(chosen, key=TIME_SLOTS.index)


@dataclass(frozen=True)
class DemoConfig:
    """How much to generate; see the module docstring for the default ratios."""

    size: int = 3000
    seed: int = 7
    n_jobs: int = 3000
    n_courses: int = 600
    n_employers: int = 150
    n_providers: int = 50
    interactions_per_person: float = 20.0
    latent_dim: int = 8

    @classmethod
    def for_size(
        cls,
        size: int,
        seed: int,
        *,
        n_jobs: int | None = None,
        n_courses: int | None = None,
        n_employers: int | None = None,
        n_providers: int | None = None,
        interactions_per_person: float = 20.0,
    ) -> DemoConfig:
        if size < 1:
            raise ValueError("size must be at least 1 person")
        return cls(
            size=size,
            seed=seed,
            n_jobs=n_jobs if n_jobs is not None else min(size, 100_000),
            n_courses=n_courses if n_courses is not None else int(np.clip(size // 5, 20, 20_000)),
            n_employers=n_employers
            if n_employers is not None
            else int(np.clip(size // 20, 10, 20_000)),
            n_providers=n_providers
            if n_providers is not None
            else int(np.clip(size // 60, 5, 5_000)),
            interactions_per_person=interactions_per_person,
        )


@dataclass
class DemoReport:
    """What a demo run wrote, where the ground truth is, and how long it took."""

    size: int
    seed: int
    counts: dict[str, int]
    out_dir: Path
    ground_truth_json: Path
    ground_truth_npz: Path
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """A few lines for people: what was loaded and where the ground truth lies."""
        parts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in self.counts.items())
        return (
            f"Demo (size {self.size:,}, seed {self.seed}) loaded in {self.seconds:.1f} s: "
            f"{parts}.\n"
            f"Hidden ground truth: {self.ground_truth_json} and {self.ground_truth_npz.name}"
        )


def _rng(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


def _at(days: FArr) -> list[datetime]:
    """Offsets in days from _reference() -> aware datetimes rounded to the second."""
    secs = np.round(np.asarray(days, dtype=np.float64) * 86400.0).astype(np.int64)
    base = np.datetime64(_reference().replace(tzinfo=None), "s")
    return [d.replace(tzinfo=UTC) for d in (base + secs).astype("datetime64[s]").tolist()]


def _choice_rows(u: FArr, probs: FArr) -> IArr:
    """Row-wise categorical draw: ``probs`` (n, k) rows need not be normalised."""
    cum = np.cumsum(probs, axis=1)
    out: IArr = (
        (u[:, None] * cum[:, -1:] >= cum).sum(1).clip(0, probs.shape[1] - 1).astype(np.int64)
    )
    return out


def _csr(keys: IArr, n_keys: int) -> tuple[IArr, IArr]:
    """Group item indices by key: (order, starts) with starts of length n_keys + 1."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    starts = np.searchsorted(keys[order], np.arange(n_keys + 1)).astype(np.int64)
    return order, starts


def _draw_from_groups(
    rng: np.random.Generator, order: IArr, starts: IArr, groups: IArr, k: int
) -> IArr:
    """``k`` random members (with replacement) of each row's group; -1 where a group is empty."""
    lo, hi = starts[groups], starts[groups + 1]
    size = hi - lo
    pos = lo[:, None] + (rng.random((len(groups), k)) * size[:, None]).astype(np.int64)
    out = np.where(size[:, None] > 0, order[np.minimum(pos, len(order) - 1)], -1)
    return out if len(order) else np.full((len(groups), k), -1, dtype=np.int64)


def _sigmoid(x: FArr) -> FArr:
    return 1.0 / (1.0 + np.exp(-x))


def _round_to(x: FArr, step: int) -> FArr:
    return np.round(x / step) * step


def _phrase(labels: list[str], synonyms: list[list[str]], i: int, u: float) -> str:
    options = [labels[i].lower(), *[s for s in synonyms[i] if s]]
    return texts.pick(options, u)


# =============================================================================== the world


@dataclass
class _Taxonomy:
    cat: loader.Catalogue
    sector: IArr  # (n_occ,)
    major: IArr  # (n_occ,)
    ess: IArr  # (n_occ, KE) padded -1
    opt: IArr  # (n_occ, KO)
    transversal: IArr  # skill rows of transversal skills
    by_sector: list[IArr]  # occupation rows per sector
    sector_weight: list[FArr]  # sampling weight of those occupations
    present: BArr  # (n_sectors,) sectors with at least one occupation
    wage: FArr  # (n_occ,) median monthly wage

    @classmethod
    def build(cls, cat: loader.Catalogue) -> _Taxonomy:
        sector = np.array([SECTOR_INDEX[sector_of(i)] for i in cat.occupation_isco], np.int64)
        major = np.array([isco_major(i) for i in cat.occupation_isco], np.int64)

        def pad(lists: list[list[int]]) -> IArr:
            width = max((len(x) for x in lists), default=0) or 1
            out = np.full((len(lists), width), -1, dtype=np.int64)
            for k, v in enumerate(lists):
                out[k, : len(v)] = v
            return out

        by_sector = [np.flatnonzero(sector == s) for s in range(len(SECTORS))]
        weights = [np.array([MAJOR_FREQUENCY[m] for m in major[o]]) for o in by_sector]
        wage = np.array(
            [
                MEDIAN_WAGE_BY_MAJOR[m] * SECTOR_WAGE.get(SECTORS[s], 1.0)
                for m, s in zip(major, sector, strict=True)
            ]
        )
        transversal = np.array(
            [i for i, t in enumerate(cat.skill_types) if t == "transversal"], dtype=np.int64
        )
        return cls(
            cat=cat,
            sector=sector,
            major=major,
            ess=pad(cat.essential),
            opt=pad(cat.optional),
            transversal=transversal,
            by_sector=by_sector,
            sector_weight=weights,
            present=np.array([len(o) > 0 for o in by_sector]),
            wage=wage,
        )

    def sample_occupations(self, sectors: IArr, u: FArr) -> IArr:
        out = np.zeros(len(sectors), dtype=np.int64)
        for s in np.unique(sectors):
            mask = sectors == s
            occs, w = self.by_sector[s], self.sector_weight[s]
            cum = np.cumsum(w) / w.sum()
            out[mask] = occs[np.minimum(np.searchsorted(cum, u[mask], side="right"), len(occs) - 1)]
        return out


@dataclass
class _Orgs:
    rows: list[dict[str, Any]]
    ids: IArr
    district: IArr
    sector: IArr  # employers: sector row; providers: PROVIDER_KINDS row
    names: list[str]


@dataclass
class _Jobs:
    rows: list[dict[str, Any]]
    skill_rows: list[dict[str, Any]]
    ids: IArr
    arrays: JobArrays
    district: IArr
    dept: IArr
    occ: IArr
    posted: FArr  # days relative to _reference() (negative = past)
    expires: FArr
    showable: BArr
    n_skills: IArr
    province: IArr


@dataclass
class _Courses:
    rows: list[dict[str, Any]]
    skill_rows: list[dict[str, Any]]
    ids: IArr
    arrays: CourseArrays
    dept: IArr
    occ: IArr
    weeks: FArr
    titles: list[str]
    levels: list[str]


def _sector_table(geo: Geography, tax: _Taxonomy) -> FArr:
    """(n_departments, n_sectors) sector weights, zero for sectors without occupations."""
    table = np.array([sector_multipliers(code) for code in geo.departments])
    return table * tax.present


def _employers(cfg: DemoConfig, geo: Geography, tax: _Taxonomy, first_id: int) -> _Orgs:
    rng = _rng(cfg.seed, 1)
    n = cfg.n_employers
    dept_w = np.bincount(geo.dept, weights=geo.weight, minlength=len(geo.departments)) ** 1.15
    dept = rng.choice(len(dept_w), size=n, p=dept_w / dept_w.sum())
    table = _sector_table(geo, tax)
    sector = _choice_rows(rng.random(n), table[dept])
    district = np.zeros(n, dtype=np.int64)
    u = rng.random((n, 8)).tolist()
    for k in np.unique(dept):
        members = np.flatnonzero(geo.dept == k)
        w = geo.weight[members]
        mask = dept == k
        district[mask] = rng.choice(members, size=int(mask.sum()), p=w / w.sum())
    rows, names = [], []
    for i in range(n):
        s = SECTORS[sector[i]]
        bias = SECTOR_DISTRICT_BIAS.get((s, geo.departments[dept[i]]))
        if bias and u[i][0] < bias[1]:
            district[i] = geo.row(bias[0])
        prefix = texts.pick(texts.SECTOR_PREFIXES[s], u[i][1])
        word = texts.pick(
            texts.COMPANY_WORDS
            if u[i][2] < 0.5
            else texts.SPANISH_SURNAMES + texts.ANDEAN_SURNAMES,
            u[i][3],
        )
        name = f"{prefix} {word} {texts.pick(texts.LEGAL_FORMS, u[i][4])}"
        names.append(name)
        informal = u[i][5] < 0.3  # persona natural con negocio: RUC 10
        place = geo.names[district[i]]
        rows.append(
            {
                "id": first_id + i,
                "kind": "employer",
                "name": name,
                "ruc": texts.ruc(1_000_003 * (i + 1) + cfg.seed, "10" if informal else "20"),
                "sector": s,
                "ubigeo": geo.codes[district[i]],
                "website": None if u[i][6] < 0.6 else f"https://www.{texts.slug(word)}{i}.pe",
                "description": f"Empresa de {texts.SECTOR_LABELS[s]} en {place}.",
                "contact_email": f"rrhh@{texts.slug(word)}{i}.pe" if u[i][7] < 0.7 else None,
                "external_id": f"demo-employer-{i:05d}",
                "source": loader.SOURCE,
                "created_at": _reference() - timedelta(days=400 + i % 365),
            }
        )
    ids = first_id + np.arange(n, dtype=np.int64)
    return _Orgs(rows, ids, district, sector.astype(np.int64), names)


def _providers(cfg: DemoConfig, geo: Geography, first_id: int) -> _Orgs:
    rng = _rng(cfg.seed, 2)
    n = cfg.n_providers
    kind = rng.choice(len(PROVIDER_KINDS), size=n, p=PROVIDER_MIX)
    district = rng.choice(len(geo.codes), size=n, p=geo.weight)
    online = kind == PROVIDER_KINDS.index("online_school")
    lima = [i for i, c in enumerate(geo.codes) if c.startswith("1501")]
    lima_w = geo.weight[lima] / geo.weight[lima].sum()
    district[online] = rng.choice(lima, size=int(online.sum()), p=lima_w)
    u = rng.random((n, 4)).tolist()
    rows, names = [], []
    for i in range(n):
        k = PROVIDER_KINDS[kind[i]]
        template = texts.pick(texts.PROVIDER_KINDS[k], u[i][0])
        name = template.format(
            word=texts.pick(texts.COMPANY_WORDS, u[i][1]),
            saint=texts.pick(texts.SAINTS, u[i][2]),
            dept=geo.department_names[geo.dept[district[i]]],
        )
        names.append(name)
        rows.append(
            {
                "id": first_id + i,
                "kind": "provider",
                "name": name,
                "ruc": texts.ruc(7_000_019 * (i + 1) + cfg.seed),
                "sector": k,
                "ubigeo": geo.codes[district[i]],
                "website": f"https://{texts.slug(name)[:40]}.edu.pe" if u[i][3] < 0.7 else None,
                "description": f"{name}: formación para el trabajo en {geo.names[district[i]]}.",
                "contact_email": f"informes@{texts.slug(name)[:40]}.edu.pe",
                "external_id": f"demo-provider-{i:05d}",
                "source": loader.SOURCE,
                "created_at": _reference() - timedelta(days=500 + i % 365),
            }
        )
    return _Orgs(
        rows, first_id + np.arange(n, dtype=np.int64), district, kind.astype(np.int64), names
    )


def _jobs(
    cfg: DemoConfig, geo: Geography, tax: _Taxonomy, emp: _Orgs, first_id: int
) -> tuple[_Jobs, npt.NDArray[np.float32]]:
    """Jobs and their latent vectors (ground truth)."""
    rng = _rng(cfg.seed, 3)
    n, cat = cfg.n_jobs, tax.cat
    # A few big employers post many jobs (Zipf-like).
    emp_w = 1.0 / (1.0 + rng.permutation(len(emp.ids))) ** 0.8
    employer = rng.choice(len(emp.ids), size=n, p=emp_w / emp_w.sum())
    sector = emp.sector[employer]
    # a third of postings are support roles (drivers, admin, sales...) of any local sector
    support = rng.random(n) < 0.35
    local = _choice_rows(rng.random(n), _sector_table(geo, tax)[geo.dept[emp.district[employer]]])
    sector = np.where(support, local, sector)
    occ = tax.sample_occupations(sector, rng.random(n))
    district = emp.district[employer].copy()
    move = rng.random(n) < 0.25  # another district of the same department
    for k in np.unique(geo.dept[district[move]]):
        members = np.flatnonzero(geo.dept == k)
        mask = move & (geo.dept[district] == k)
        w = geo.weight[members]
        district[mask] = rng.choice(members, size=int(mask.sum()), p=w / w.sum())
    occ_sector = [SECTORS[s] for s in tax.sector[occ]]
    remote = rng.random(n) < np.array([REMOTE_SHARE.get(s, 0.0) for s in occ_sector])
    mix = np.array([CONTRACT_MIX.get(s, DEFAULT_CONTRACT_MIX) for s in occ_sector])
    contract = _choice_rows(rng.random(n), mix)
    major = tax.major[occ]
    sigma = np.where(major <= 3, 0.3, 0.15)
    base = tax.wage[occ] * np.exp(sigma * rng.standard_normal(n))
    at_minimum = np.isin(major, (5, 6, 9)) & (rng.random(n) < 0.4)
    base = np.where(at_minimum, MINIMUM_WAGE, np.maximum(base, MINIMUM_WAGE))
    base = np.where(base >= 2000, _round_to(base, 50), _round_to(base, 10))
    base = np.maximum(base, MINIMUM_WAGE)
    hours = np.select(
        [contract == 1, contract == 3, contract == 4],
        [rng.choice([16, 20, 24, 30], n), rng.choice([30, 40], n), rng.choice([10, 20, 30, 40], n)],
        np.where(rng.random(n) < 0.7, 48, rng.choice([40, 45], n)),
    ).astype(np.int64)
    monthly = np.select(
        [contract == 1, contract == 3, contract == 4, contract == 5],
        [
            _round_to(base * hours / 48, 10),
            np.maximum(MINIMUM_WAGE, base * 0.9) * hours / 48,
            _round_to(base * hours / 40 * 1.1, 50),
            0.0,
        ],
        base,
    )
    daily_rate = _round_to(base / 26 * rng.uniform(0.8, 1.1, n), 5)
    monthly = np.where(contract == 5, daily_rate * 26, _round_to(monthly, 10))
    ranged = rng.random(n) < 0.55
    wage_max = np.where(ranged, _round_to(monthly * rng.uniform(1.05, 1.35, n), 10), monthly)
    pattern = np.where(
        np.isin(sector, (SECTOR_INDEX["security"], SECTOR_INDEX["mining"])) & (rng.random(n) < 0.3),
        PATTERN_NAMES.index("night"),
        np.where(hours >= 40, 0, rng.choice([1, 2, 3, 4], n)),
    )
    edu_u = rng.random(n)
    edu_req = np.select(
        [major <= 2, major == 3, major == 4, np.isin(major, (5, 7, 8))],
        [np.where(edu_u < 0.7, 4, 3), np.full(n, 3), np.full(n, 2), np.where(edu_u < 0.6, 2, -1)],
        np.where(edu_u < 0.3, 1, -1),
    )
    campaign = np.isin(sector, (SECTOR_INDEX["agro"], SECTOR_INDEX["fishing"])) & (contract == 2)
    openings = np.where(campaign, rng.integers(5, 51, n), np.where(rng.random(n) < 0.15, 2, 1))
    age = 200.0 * rng.random(n) ** 1.6
    duration = rng.choice([60, 90, 120, 180], size=n, p=[0.2, 0.3, 0.3, 0.2])
    posted, expires = -age, -age + duration
    draft = rng.random(n) < 0.02
    status = np.where(
        draft,
        "draft",
        np.where(expires > 0, "open", np.where(rng.random(n) < 0.4, "filled", "closed")),
    )
    latent_occ = _rng(cfg.seed, 9).standard_normal((len(cat.occupation_ids), cfg.latent_dim))
    latent = 0.8 * latent_occ[occ] + 0.6 * rng.standard_normal((n, cfg.latent_dim))
    # Skills: up to 8 essential (importance 0.6-1.0) and 4 optional (0.2-0.6).
    ess, opt = tax.ess[occ][:, :8], tax.opt[occ][:, :4]
    keep_opt = (opt >= 0) & (rng.random(opt.shape) < 0.6)
    opt = np.where(keep_opt, opt, -1)
    skill_idx = np.concatenate([ess, opt], axis=1)
    skill_ess = np.concatenate([ess >= 0, np.zeros_like(opt, dtype=bool)], axis=1)
    skill_w = np.round(
        np.where(
            skill_ess,
            rng.uniform(0.6, 1.0, skill_idx.shape),
            rng.uniform(0.2, 0.6, skill_idx.shape),
        ),
        2,
    ) * (skill_idx >= 0).astype(np.float64)
    posted_at, expires_at = _at(posted), _at(expires)
    u = rng.random((n, 8)).tolist()
    rows: list[dict[str, Any]] = []
    skill_rows: list[dict[str, Any]] = []
    ids = first_id + np.arange(n, dtype=np.int64)
    for i in range(n):
        o, d = int(occ[i]), int(district[i])
        label = cat.occupation_labels[o]
        occ_l = _phrase(cat.occupation_labels, cat.occupation_synonyms, o, u[i][0])
        place = geo.names[d]
        c = CONTRACTS[contract[i]]
        title = texts.pick(texts.TITLE_TEMPLATES, u[i][1]).format(
            occ=label, occ_l=label[:1].lower() + label[1:], place=place,
            contract=texts.CONTRACT_WORDS[c],
        )  # fmt: skip
        if remote[i]:
            title += " (remoto)"
        ess_labels = [cat.skill_labels[s].lower() for s in ess[i] if s >= 0][:4]
        opt_labels = [cat.skill_labels[s].lower() for s in opt[i] if s >= 0][:2]
        pay = (
            f"S/ {daily_rate[i]:.0f} diarios"
            if c == "daily"
            else f"S/ {monthly[i]:,.0f}"
            + (f" a S/ {wage_max[i]:,.0f}" if wage_max[i] > monthly[i] else "")
            + " mensuales"
        )
        parts = [
            texts.pick(texts.DESC_OPENERS, u[i][2]).format(
                sector=texts.SECTOR_LABELS[occ_sector[i]],
                place=place,
                occ_l=occ_l,
                company=emp.names[employer[i]],
            ),  # fmt: skip
            f"Requisitos: experiencia en {', '.join(ess_labels)}." if ess_labels else "",
            f"Deseable: {', '.join(opt_labels)}." if opt_labels else "",
            "Trabajo 100% remoto, necesitas computadora e internet estable." if remote[i] else "",
            f"Horario: {hours[i]} horas semanales.",
            f"Ofrecemos: {texts.pick(texts.OFFERS[c], u[i][3])}. Pago: {pay}.",
        ]
        description = " ".join(p for p in parts if p)
        schedule = slots_for(PATTERN_NAMES[pattern[i]], int(hours[i]))
        edu = EDU_LEVELS[edu_req[i]] if edu_req[i] >= 0 else None
        rows.append(
            {
                "id": int(ids[i]),
                "organisation_id": int(emp.ids[employer[i]]),
                "title": title[:300],
                "description": description,
                **search_fields(title[:300], description),
                "occupation_id": cat.occupation_ids[o],
                "ubigeo": geo.codes[d],
                "remote": bool(remote[i]),
                "hours_per_week": int(hours[i]),
                "schedule": schedule,
                "wage_min": int(monthly[i]),
                "wage_max": int(wage_max[i]),
                "currency": "PEN",
                "contract_type": c,
                "education_required": edu,
                "openings": int(openings[i]),
                "status": str(status[i]),
                "posted_at": posted_at[i],
                "expires_at": expires_at[i],
                "external_id": job_external_id(i),
                "source": loader.SOURCE,
                "created_at": posted_at[i],
                "updated_at": posted_at[i],
            }
        )
        for k in range(skill_idx.shape[1]):
            s = int(skill_idx[i, k])
            if s >= 0:
                skill_rows.append(
                    {
                        "job_id": int(ids[i]),
                        "skill_id": cat.skill_ids[s],
                        "requirement": "essential" if skill_ess[i, k] else "optional",
                        "importance": float(skill_w[i, k]),
                    }
                )
    arrays = JobArrays(
        index=np.arange(n, dtype=np.int64),
        lat=geo.lat[district],
        lon=geo.lon[district],
        remote=remote,
        wage=(monthly + wage_max) / 2.0,
        slots=np.array([slot_mask(r["schedule"]) for r in rows], dtype=np.int64),
        hours=hours.astype(np.float64),
        edu_rank=edu_req.astype(np.int64),
        occ=occ,
        skill_idx=skill_idx,
        skill_w=np.asarray(skill_w, dtype=np.float64),
        skill_ess=skill_ess,
    )
    jobs = _Jobs(
        rows=rows,
        skill_rows=skill_rows,
        ids=ids,
        arrays=arrays,
        district=district,
        dept=geo.dept[district],
        occ=occ,
        posted=posted,
        expires=expires,
        showable=~draft,
        n_skills=(skill_idx >= 0).sum(1),
        province=geo.province[district],
    )
    return jobs, latent.astype(np.float32)


def _courses(
    cfg: DemoConfig, geo: Geography, tax: _Taxonomy, prov: _Orgs, first_id: int
) -> tuple[_Courses, npt.NDArray[np.float32]]:
    rng = _rng(cfg.seed, 4)
    n, cat = cfg.n_courses, tax.cat
    provider = rng.integers(0, len(prov.ids), n)
    kind = prov.sector[provider]
    district = prov.district[provider]
    dept = geo.dept[district]
    table = _sector_table(geo, tax)[dept]
    online_school = kind == 3
    digital = np.zeros(len(SECTORS))
    for name, weight in (
        ("ict", 5),
        ("office", 3),
        ("education", 1),
        ("commerce", 1),
        ("tourism", 0.5),
    ):
        digital[SECTOR_INDEX[name]] = weight
    table = np.where(online_school[:, None], digital * tax.present, table)
    sector = _choice_rows(rng.random(n), table)
    occ = tax.sample_occupations(sector, rng.random(n))
    mod_p = np.array([[0.85, 0, 0.15], [0.55, 0.1, 0.35], [0.5, 0.2, 0.3], [0, 1, 0]])
    modality = _choice_rows(rng.random(n), mod_p[kind])
    free_p = np.array([0.45, 0.1, 0.85, 0.3])[kind]
    is_free = rng.random(n) < free_p
    lo, hi = np.array([50, 300, 50, 50])[kind], np.array([400, 1500, 300, 600])[kind]
    cost = np.where(is_free, 0, _round_to(lo + (hi - lo) * rng.random(n) ** 1.5, 10))
    scholarship = ~is_free & (rng.random(n) < np.array([0.05, 0.2, 0.3, 0.05])[kind])
    h_lo, h_hi = np.array([80, 60, 20, 20])[kind], np.array([400, 400, 120, 80])[kind]
    hours = _round_to(h_lo + (h_hi - h_lo) * rng.random(n), 10).astype(np.int64)
    per_week = rng.uniform(4, 15, n)
    weeks = np.maximum(1, np.round(hours / per_week)).astype(np.int64)
    certificate = rng.random(n) < np.array([0.95, 1.0, 0.7, 0.8])[kind]
    seats = np.where(kind == 3, -1, rng.integers(15, 41, n))
    edu_req = np.where((kind == 1) & (rng.random(n) < 0.6), 2, -1)
    status = np.where(rng.random(n) < 0.92, "open", "closed")
    n_sk = rng.integers(2, 7, n)
    pool = np.concatenate([tax.ess[occ], tax.opt[occ]], axis=1)
    # shuffle within the essential-first pool slightly: take the first n_sk valid entries
    valid = pool >= 0
    rank = np.cumsum(valid, axis=1)
    chosen = valid & (rank <= n_sk[:, None])
    skill_idx = np.where(chosen, pool, -1)
    latent_occ = _rng(cfg.seed, 9).standard_normal((len(cat.occupation_ids), cfg.latent_dim))
    latent = 0.8 * latent_occ[occ] + 0.6 * rng.standard_normal((n, cfg.latent_dim))
    starts = np.sort(rng.integers(-30, 121, (n, 3)), axis=1)
    n_starts = rng.integers(1, 4, n)
    u = rng.random((n, 6)).tolist()
    rows: list[dict[str, Any]] = []
    skill_rows: list[dict[str, Any]] = []
    titles, levels = [], []
    ids = first_id + np.arange(n, dtype=np.int64)
    for i in range(n):
        sk = [int(s) for s in skill_idx[i] if s >= 0]
        if not sk:
            sk = [int(tax.ess[occ[i], 0])]
        first = cat.skill_labels[sk[0]]
        second = cat.skill_labels[sk[1]].lower() if len(sk) > 1 else first.lower()
        choices = texts.COURSE_TITLES if len(sk) <= 2 else texts.BROAD_COURSE_TITLES
        occ_label = cat.occupation_labels[occ[i]]
        title = texts.pick(choices, u[i][0]).format(
            skill=first.lower(), skill2=second, occ=occ_label, occ_l=occ_label.lower(),
            n=1 + int(u[i][1] * 3),
        )  # fmt: skip
        title = title[:1].upper() + title[1:]
        titles.append(title)
        level = "basic" if u[i][2] < 0.6 else "intermediate"
        levels.append(level)
        mod = ("in_person", "online", "hybrid")[modality[i]]
        where = "virtual" if mod == "online" else f"en {geo.names[district[i]]}"
        price = "gratuito" if is_free[i] else f"S/ {cost[i]:,.0f}"
        desc = (
            f"{title} ({mod.replace('_', ' ')}, {where}). Aprenderás "
            f"{', '.join(cat.skill_labels[s].lower() for s in sk)}. "
            f"{hours[i]} horas en {weeks[i]} semanas. Costo: {price}"
            + (", con becas disponibles" if scholarship[i] else "")
            + (". Incluye certificado." if certificate[i] else ".")
        )
        hours_pw = int(np.clip(round(hours[i] / weeks[i]), 2, 40))
        rows.append(
            {
                "id": int(ids[i]),
                "provider_id": int(prov.ids[provider[i]]),
                "title": title[:300],
                "description": desc,
                **search_fields(title[:300], desc),
                "modality": mod,
                "ubigeo": geo.codes[district[i]],
                "hours": int(hours[i]),
                "weeks": int(weeks[i]),
                "cost": int(cost[i]),
                "currency": "PEN",
                "is_free": bool(is_free[i]),
                "scholarship": bool(scholarship[i]),
                "schedule": slots_for(PATTERN_NAMES[1 + int(u[i][3] * 4)], hours_pw),
                "start_dates": [
                    (_reference() + timedelta(days=int(d))).date().isoformat()
                    for d in starts[i, : n_starts[i]]
                ],
                "certificate": bool(certificate[i]),
                "seats": None if seats[i] < 0 else int(seats[i]),
                "education_required": EDU_LEVELS[edu_req[i]] if edu_req[i] >= 0 else None,
                "status": str(status[i]),
                "external_id": course_external_id(i),
                "source": loader.SOURCE,
                "created_at": _reference() - timedelta(days=200 + i % 200),
                "updated_at": _reference() - timedelta(days=200 + i % 200),
            }
        )
        for s in sk:
            skill_rows.append(
                {"course_id": int(ids[i]), "skill_id": cat.skill_ids[s], "level": level}
            )
        skill_idx[i] = -1
        skill_idx[i, : len(sk)] = sk
    arrays = CourseArrays(
        index=np.arange(n, dtype=np.int64),
        lat=geo.lat[district],
        lon=geo.lon[district],
        modality=modality.astype(np.int64),
        cost=np.array(
            [
                effective_cost(float(c), bool(f), bool(s))
                for c, f, s in zip(cost, is_free, scholarship, strict=True)
            ]
        ),
        is_free=is_free,
        weekly_hours=hours / np.maximum(weeks, 1),
        edu_rank=edu_req.astype(np.int64),
        skill_idx=skill_idx,
    )
    courses = _Courses(
        rows, skill_rows, ids, arrays, dept, occ, weeks.astype(np.float64), titles, levels
    )
    return courses, latent.astype(np.float32)


# =============================================================================== people


@dataclass
class _People:
    rows: list[dict[str, Any]]
    skill_rows: list[dict[str, Any]]
    arrays: PersonArrays
    ids: IArr
    dept: IArr
    province: IArr
    occ: IArr
    created: FArr  # days relative to _reference()
    n_skills: IArr
    activity: FArr
    skill_lists: list[list[int]]


def _people_chunk(
    cfg: DemoConfig,
    geo: Geography,
    tax: _Taxonomy,
    chunk: int,
    start: int,
    n: int,
    first_id: int,
    gt: GroundTruth,
) -> _People:
    rng = _rng(cfg.seed, 5, chunk)
    cat = tax.cat
    n_sk_total = len(cat.skill_ids)
    district = rng.choice(len(geo.codes), size=n, p=geo.weight)
    dept = geo.dept[district]
    urban = geo.urban[district]
    dept_codes = [geo.departments[k] for k in dept]
    g_u = rng.random(n)
    gender = np.where(g_u < 0.505, 0, np.where(g_u < 0.995, 1, 2))  # female, male, other
    age = (18 + 47 * rng.beta(1.6, 3.0, n)).astype(np.int64)
    table = _sector_table(geo, tax)[dept]
    fem = np.array([FEMALE_SECTOR.get(s, 1.0) for s in SECTORS])
    male = 1.0 / np.sqrt(fem)
    table = table * np.where(gender[:, None] == 0, fem, np.where(gender[:, None] == 1, male, 1.0))
    sector = _choice_rows(rng.random(n), table)
    occ = tax.sample_occupations(sector, rng.random(n))
    major = tax.major[occ]
    edu_p = np.array([EDU_BY_MAJOR[m] for m in major])
    edu = _choice_rows(rng.random(n), edu_p)
    edu = np.where(~urban & (rng.random(n) < 0.3), np.maximum(edu - 1, 0), edu)
    years = np.minimum(np.maximum(age - 16, 0), np.round(rng.gamma(2.0, 3.0, n) * 2) / 2).astype(
        np.float64
    )
    # target occupation (hidden): mostly the current one, some aim higher
    aim = rng.random(n) < 0.3
    all_w = tax.wage / tax.wage.sum()
    target = np.where(aim, rng.choice(len(all_w), size=n, p=all_w), occ)
    # skills
    p_ess = np.minimum(0.95, 0.45 + 0.1 * np.minimum(years, 5))
    ess, opt = tax.ess[occ], tax.opt[occ]
    sel_e = (ess >= 0) & (rng.random(ess.shape) < p_ess[:, None])
    sel_o = (opt >= 0) & (rng.random(opt.shape) < 0.3)
    second = rng.integers(0, len(cat.occupation_ids), n)
    sec = tax.ess[second][:, :3]
    sel_s = (sec >= 0) & (rng.random(n) < 0.25)[:, None]
    if len(tax.transversal):
        trans = tax.transversal[rng.integers(0, len(tax.transversal), (n, 2))]
        sel_t = rng.random((n, 2)) < np.array([0.5, 0.2])
    else:
        trans = np.full((n, 2), -1, dtype=np.int64)
        sel_t = np.zeros((n, 2), dtype=bool)
    cand = np.concatenate(
        [np.where(sel_e, ess, -1), np.where(sel_o, opt, -1), np.where(sel_s, sec, -1),
         np.where(sel_t, trans, -1), ess[:, :2]], axis=1
    )  # fmt: skip
    u = rng.random((n, 40)).tolist()
    taste = (0.7 / np.sqrt(cfg.latent_dim)) * rng.standard_normal((n, cfg.latent_dim))
    gt.person_taste[start : start + n] = taste.astype(np.float32)
    gt.person_target[start : start + n] = target
    has = np.zeros((n, n_sk_total), dtype=bool)
    skill_lists: list[list[int]] = []
    n_fallback = cand.shape[1] - 2
    for i in range(n):
        seen: list[int] = []
        row = cand[i]
        for s in row[:n_fallback].tolist():
            if s >= 0 and s not in seen:
                seen.append(s)
        for s in row[n_fallback:].tolist():
            if len(seen) >= 2:
                break
            if s >= 0 and s not in seen:
                seen.append(s)
        seen = seen[:MAX_SKILLS]
        skill_lists.append(seen)
        has[i, seen] = True
    n_skills = has.sum(1)
    # availability
    kind_u = rng.random(n)
    hours = np.where(
        kind_u < 0.55,
        rng.choice([48, 48, 45, 40], n),
        np.where(kind_u < 0.85, rng.choice([20, 24, 30], n), rng.choice([8, 12, 16], n)),
    ).astype(np.int64)
    pattern = np.where(
        hours >= 40, np.where(rng.random(n) < 0.93, 0, 5), rng.integers(1, 5, n)
    ).astype(np.int64)
    internet = rng.random(n) < np.where(urban, 0.85, 0.45)
    dev_u = rng.random(n)
    device = np.where(
        urban,
        np.where(dev_u < 0.3, "computer", np.where(dev_u < 0.95, "phone", "none")),
        np.where(dev_u < 0.08, "computer", np.where(dev_u < 0.68, "phone", "none")),
    )
    expected = _round_to(tax.wage[occ] * rng.uniform(0.8, 1.25, n) * np.minimum(1, hours / 40), 50)
    expected = np.maximum(expected, 300)
    max_km = np.where(urban, rng.choice([10, 15, 20, 30], n), rng.choice([20, 30, 40, 60], n))
    consent = rng.random(n) < 0.7
    created = -np.where(
        rng.random(n) < 0.8, HISTORY_DAYS + 365 * rng.random(n), HISTORY_DAYS * rng.random(n)
    )
    created_at = _at(created)
    activity = np.where(rng.random(n) < 0.25, 0.0, rng.gamma(1.5, 1 / 1.5, n))
    levels = np.clip(
        np.round(years[:, None] / 4 + 0.6 * rng.standard_normal((n, MAX_SKILLS))), 0, 2
    )
    level_names = ("basic", "intermediate", "advanced")
    ids = first_id + np.arange(n, dtype=np.int64)
    rows: list[dict[str, Any]] = []
    skill_rows: list[dict[str, Any]] = []
    for i in range(n):
        ui = u[i]
        dc = dept_codes[i]
        andean = min(0.85, 0.2 + 1.2 * QUECHUA.get(dc, 0.03) + AYMARA.get(dc, 0.0))
        first_names = texts.FEMALE_NAMES if gender[i] == 0 else texts.MALE_NAMES
        first = texts.pick(first_names, ui[0])
        if ui[1] < 0.2:
            first = f"{first} {texts.pick(first_names, ui[2])}"

        s1, s2 = _surname(andean, ui[3], ui[4]), _surname(andean, ui[5], ui[6])
        full_name = f"{first} {s1} {s2}"
        langs = ["es"]
        if ui[7] < QUECHUA.get(dc, 0.03):
            langs.append("qu")
        if ui[8] < AYMARA.get(dc, 0.0):
            langs.append("ay")
        if ui[9] < (0.35, 0.12, 0.03)[min(2, max(0, 4 - int(edu[i])))] * (edu[i] >= 2):
            langs.append("en")
        place = geo.names[district[i]]
        occ_i = int(occ[i])
        sk = skill_lists[i]
        description = None
        mentioned: dict[int, str] = {}
        if ui[10] < 0.88:
            description, mentioned = _self_description(
                ui[11:30], first.split()[0], place, years[i], cat, occ_i, sk, int(hours[i]),
                bool(internet[i] and device[i] != "none"),
            )  # fmt: skip
        index = start + i
        email = None
        if ui[30] < 0.55:
            domain = texts.pick(("gmail.com", "hotmail.com", "outlook.com", "yahoo.es"), ui[31])
            email = f"{texts.slug(first.split()[0])}.{texts.slug(s1)}{index % 997}@{domain}"
        phone = f"+51 9{(index * 7919 + cfg.seed) % 100_000_000:08d}" if ui[32] < 0.9 else None
        dni = None
        if ui[33] < 0.5:
            dni = f"{10_000_000 + (index * 48_271 + cfg.seed * 7) % 89_999_999:08d}"
        slots = slots_for(PATTERN_NAMES[pattern[i]], int(hours[i]))
        rows.append(
            {
                "id": int(ids[i]),
                "user_id": None,
                "full_name": full_name,
                "email": email,
                "phone": phone,
                "national_id": dni,
                "national_id_index": None if dni is None else _blind(dni),
                "gender": ("female", "male", "other")[gender[i]],
                "birth_year": _reference().year - int(age[i]),
                "ubigeo": geo.codes[district[i]],
                "languages": langs,
                "education_level": EDU_LEVELS[edu[i]],
                "years_experience": float(years[i]),
                "self_description": description,
                "interests": [cat.occupation_ids[int(target[i])]] if ui[34] < 0.4 else [],
                "availability_hours": int(hours[i]),
                "availability_slots": slots,
                "has_internet": bool(internet[i]),
                "device": str(device[i]),
                "expected_wage": int(expected[i]),
                "max_distance_km": float(max_km[i]),
                "consent_visible": bool(consent[i]),
                "consent_at": created_at[i] if consent[i] else None,
                "external_id": person_external_id(index),
                "source": loader.SOURCE,
                "created_at": created_at[i],
                "updated_at": created_at[i],
            }
        )
        for k, s in enumerate(sk):
            extracted = s in mentioned and ui[35 + k % 5] < 0.5
            skill_rows.append(
                {
                    "person_id": int(ids[i]),
                    "skill_id": cat.skill_ids[s],
                    "level": level_names[int(levels[i, k])],
                    "source": "extracted" if extracted else "declared",
                    "confidence": round(0.7 + 0.25 * ui[35 + k % 5], 3) if extracted else None,
                    "evidence": mentioned[s] if extracted else None,
                    "course_id": None,
                    "confirmed": not extracted,
                    "created_at": created_at[i],
                }
            )
    slot_bits = np.array([slot_mask(r["availability_slots"]) for r in rows], dtype=np.int64)
    arrays = PersonArrays(
        index=start + np.arange(n, dtype=np.int64),
        lat=geo.lat[district],
        lon=geo.lon[district],
        expected_wage=expected.astype(np.float64),
        avail_hours=hours.astype(np.float64),
        slots=slot_bits,
        remote_ready=internet & (device != "none"),
        edu_rank=edu.astype(np.int64),
        target_occ=target.astype(np.int64),
        skills=has,
    )
    return _People(
        rows, skill_rows, arrays, ids, dept, geo.province[district], occ, created, n_skills,
        activity, skill_lists,
    )  # fmt: skip


def _surname(andean: float, a: float, b: float) -> str:
    if a < andean:
        return texts.pick(texts.ANDEAN_SURNAMES, b)
    if a > 0.985:
        return texts.pick(texts.OTHER_SURNAMES, b)
    return texts.pick(texts.SPANISH_SURNAMES, b)


def _blind(value: str) -> str:
    from chamba.db import blind_index

    return blind_index(value)


def _self_description(
    u: list[float],
    first: str,
    place: str,
    years: float,
    cat: loader.Catalogue,
    occ: int,
    skills: list[int],
    hours: int,
    remote_ready: bool,
) -> tuple[str, dict[int, str]]:
    """A self-description in colloquial Spanish; returns it and the skill phrases it uses."""
    opener = texts.pick(texts.SELF_OPENERS, u[0]).format(first=first, place=place)
    occ_l = _phrase(cat.occupation_labels, cat.occupation_synonyms, occ, u[1])
    if years >= 0.5:
        exp = texts.pick(texts.EXPERIENCE_PHRASES, u[2]).format(
            years=texts.years_text(years), occ_l=occ_l, place=place
        )
    else:
        exp = texts.pick(texts.NO_EXPERIENCE, u[2])
    n_mention = min(len(skills), 1 + int(u[3] * 3))
    start = int(u[4] * len(skills))
    mentioned: dict[int, str] = {}
    pieces = []
    for k in range(n_mention):
        s = skills[(start + k) % len(skills)]
        phrase = _phrase(cat.skill_labels, cat.skill_synonyms, s, u[5 + k])
        mentioned[s] = phrase
        pieces.append(texts.pick(texts.SKILL_PHRASES, u[8 + k]).format(skill=phrase))
    wish_kind = "full" if hours >= 40 else "part"
    if remote_ready and u[11] < 0.25:
        wish_kind = "remote"
    elif u[11] > 0.85:
        wish_kind = "any"
    wish = texts.pick(texts.WISHES[wish_kind], u[12])
    extra = texts.pick(texts.EXTRAS, u[13]) if u[14] < 0.3 else ""
    head = texts.add_typos(f"{opener}{exp}", (u[15], u[16], u[17], u[18]))
    tail = texts.add_typos(", ".join(p for p in (wish, extra) if p), (u[15], u[16], 1.0, u[18]))
    sep = ". " if u[14] < 0.5 else ", "
    text = f"{head}{sep}{', '.join(pieces)}{sep}{tail}"
    return text[:1].upper() + text[1:] if u[18] >= 0.3 else text, mentioned


# =============================================================================== simulation


JOB_REASONS = (
    ("distance", "queda muy lejos"),
    ("wage", "el sueldo es bajo"),
    ("hours", "el horario no me acomoda"),
    ("skill_essential", "no tengo la experiencia que piden"),
    ("remote", "no tengo internet ni equipo para trabajo remoto"),
    ("education", "piden estudios que no tengo"),
    ("latent", "no me interesa este tipo de trabajo"),
)
COURSE_REASONS = (
    ("cost", "es muy caro"),
    ("access", "no puedo llegar o no tengo internet"),
    ("overload", "no tengo tiempo"),
    ("skill_gap", "no me sirve para lo que busco"),
    ("education", "piden estudios que no tengo"),
    ("latent", "no me interesa"),
)
#: Interaction columns the generator already writes in the driver's form (valid by construction).
NATIVE_INTERACTION_COLUMNS = ("subject_type", "kind", "model_version", "context", "occurred_at")
KIND_ORDER = {k: i for i, k in enumerate(
    ("shown", "opened", "saved", "dismissed", "applied", "enrolled", "interviewed", "hired",
     "completed")
)}  # fmt: skip


@dataclass
class _Events:
    person: list[IArr] = field(default_factory=list)  # chunk row
    subject_type: list[npt.NDArray[np.str_]] = field(default_factory=list)
    subject: list[IArr] = field(default_factory=list)  # db id
    kind: list[npt.NDArray[np.str_]] = field(default_factory=list)
    reason: list[npt.NDArray[np.object_]] = field(default_factory=list)
    position: list[IArr] = field(default_factory=list)
    score: list[FArr] = field(default_factory=list)
    time: list[FArr] = field(default_factory=list)
    session: list[IArr] = field(default_factory=list)

    def add(
        self,
        mask: BArr,
        person: IArr,
        subject_type: str,
        subject: IArr,
        kind: str,
        time: FArr,
        position: IArr,
        score: FArr,
        session: IArr,
        reason: npt.NDArray[np.object_] | None = None,
    ) -> None:
        m = int(mask.sum())
        self.person.append(person[mask])
        self.subject_type.append(np.full(m, subject_type))
        self.subject.append(subject[mask])
        self.kind.append(np.full(m, kind))
        self.reason.append(reason[mask] if reason is not None else np.full(m, None, dtype=object))
        self.position.append(position[mask])
        self.score.append(score[mask])
        self.time.append(time[mask])
        self.session.append(session[mask])


def _sessions(rng: np.random.Generator, ppl: _People, rate: FArr) -> tuple[IArr, FArr]:
    """Sessions per person (Poisson around activity x rate), timed inside the history window."""
    counts = np.minimum(rng.poisson(ppl.activity * rate), 12)
    person = np.repeat(np.arange(len(counts)), counts)
    start = np.maximum(ppl.created[person], -HISTORY_DAYS)
    t = start + (0.0 - start) * rng.random(len(person)) ** 0.7  # more activity lately
    t = np.minimum(t, -1e-3)
    return person.astype(np.int64), t


def _slate(scores: FArr, k: int) -> tuple[IArr, BArr]:
    """Top-``k`` columns per row by score; invalid entries are ``-inf``."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(scores, order, axis=1)
    return order, np.isfinite(top)


def _dedupe_rows(cand: IArr) -> BArr:
    """True for the first occurrence of each value in every row (and value >= 0)."""
    order = np.argsort(cand, axis=1, kind="stable")
    s = np.take_along_axis(cand, order, axis=1)
    first_sorted = np.ones_like(s, dtype=bool)
    first_sorted[:, 1:] = s[:, 1:] != s[:, :-1]
    first = np.zeros_like(first_sorted)
    np.put_along_axis(first, order, first_sorted, axis=1)
    return first & (cand >= 0)


def _simulate(
    cfg: DemoConfig,
    chunk: int,
    ppl: _People,
    jobs: _Jobs,
    job_pools: dict[str, tuple[IArr, IArr]],
    courses: _Courses,
    course_pools: dict[str, tuple[IArr, IArr]],
    gt: GroundTruth,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Interactions (as columns), applications and certified skills for one chunk."""
    rng = _rng(cfg.seed, 6, chunk)
    n = len(ppl.ids)
    ev = _Events()
    pa = ppl.arrays
    # Measured: ~5 logged events per job session, ~3 per course session (0.3 course sessions each).
    job_rate = cfg.interactions_per_person / (5.0 + 0.3 * 3.0)

    # ------------------------------------------------------------------ courses first
    cp, ct = _sessions(rng, ppl, np.full(n, 0.3 * job_rate))
    ns = len(cp)
    c_dept = _draw_from_groups(rng, *course_pools["dept"], ppl.dept[cp], 5)
    c_online = _draw_from_groups(rng, *course_pools["online"], np.zeros(ns, np.int64), 4)
    c_occ = _draw_from_groups(rng, *course_pools["occ"], ppl.occ[cp], 3)
    cand = np.concatenate([c_dept, c_online, c_occ], axis=1)
    valid = _dedupe_rows(cand)
    safe = np.maximum(cand, 0)
    policy = (
        1.0 * (courses.occ[safe] == ppl.occ[cp][:, None])
        + 0.5 * (courses.dept[safe] == ppl.dept[cp][:, None])
        + 0.3 * courses.arrays.is_free[safe]
        + rng.gumbel(0, 0.5, cand.shape)
    )
    policy = np.where(valid, policy, -np.inf)
    cols, ok = _slate(policy, COURSE_SLATE)
    c_items = np.take_along_axis(cand, cols, axis=1)
    c_score = np.take_along_axis(policy, cols, axis=1)
    sess_row = np.repeat(np.arange(ns), COURSE_SLATE).reshape(ns, COURSE_SLATE)
    pos = np.tile(np.arange(1, COURSE_SLATE + 1), (ns, 1))
    flat = ok.ravel()
    pi = cp[sess_row.ravel()[flat]]
    ci = c_items.ravel()[flat]
    cpos = pos.ravel()[flat]
    cscore = np.round(c_score.ravel()[flat], 4)
    csess = sess_row.ravel()[flat]
    t0 = ct[csess]
    terms = gt.course_terms(pa, courses.arrays, pi, ci)
    util = sum(terms.values()) + rng.normal(0, gt.course_weights.noise_sd, len(pi))
    examine = rng.random(len(pi)) < 1.0 / cpos**0.8
    opened = examine & (rng.random(len(pi)) < _sigmoid(util + 0.3))
    enrolled = opened & (rng.random(len(pi)) < _sigmoid(1.5 * (util - 1.2)))
    # one enrolment per (person, course)
    key = pi * (len(courses.ids) + 1) + ci
    first_enrol = np.zeros(len(pi), dtype=bool)
    idx = np.flatnonzero(enrolled)
    if len(idx):
        _, first = np.unique(key[idx], return_index=True)
        first_enrol[idx[first]] = True
    enrolled &= first_enrol
    t_done = t0 + courses.weeks[ci] * 7 + 14 * rng.random(len(pi))
    done = enrolled & (t_done <= 0) & (rng.random(len(pi)) < 0.85 * _sigmoid(util + 0.5))
    # at most one completion per person (the earliest)
    completion_time = np.full(n, np.inf)
    completion_course = np.full(n, -1, dtype=np.int64)
    for k in np.flatnonzero(done)[np.argsort(t_done[done], kind="stable")]:
        if completion_course[pi[k]] < 0:
            completion_course[pi[k]] = ci[k]
            completion_time[pi[k]] = t_done[k]
    done &= completion_course[pi] == ci
    dismissed = examine & ~opened & (rng.random(len(pi)) < 0.35 * _sigmoid(-util - 0.5))
    c_reason = _reasons(terms, COURSE_REASONS, {"skill_gap": gt.course_weights.skill_gap})
    subj = courses.ids[ci]
    everyone = np.ones(len(pi), dtype=bool)
    sess_id = csess  # session numbers are unique within the chunk
    ev.add(everyone, pi, "course", subj, "shown", t0, cpos, cscore, sess_id)
    ev.add(opened, pi, "course", subj, "opened", t0 + rng.uniform(0.5, 3, len(pi)) / 1440, cpos,
           cscore, sess_id)  # fmt: skip
    ev.add(dismissed, pi, "course", subj, "dismissed", t0 + rng.uniform(0.2, 2, len(pi)) / 1440,
           cpos, cscore, sess_id, c_reason)  # fmt: skip
    t_enrol = t0 + rng.uniform(3, 30, len(pi)) / 1440
    ev.add(enrolled, pi, "course", subj, "enrolled", t_enrol, cpos, cscore, sess_id)
    ev.add(done, pi, "course", subj, "completed", t_done, cpos, cscore, sess_id)

    # certified skills
    cert_rows: list[dict[str, Any]] = []
    has_final = pa.skills.copy()
    for p in np.flatnonzero(completion_course >= 0):
        c = int(completion_course[p])
        when = _at(np.array([completion_time[p]]))[0]
        for s in courses.arrays.skill_idx[c]:
            if s < 0 or has_final[p, s]:
                continue
            has_final[p, s] = True
            cert_rows.append(
                {
                    "person_id": int(ppl.ids[p]),
                    "skill_id": gt.skills[s],
                    "level": courses.levels[c],
                    "source": "certified",
                    "confidence": 1.0,
                    "evidence": f"Curso completado: {courses.titles[c]}",
                    "course_id": int(courses.ids[c]),
                    "confirmed": True,
                    "created_at": when,
                }
            )

    # ------------------------------------------------------------------ jobs
    jp, jt = _sessions(rng, ppl, np.full(n, job_rate))
    ns = len(jp)
    ready = pa.remote_ready[jp]
    j_dept = _draw_from_groups(rng, *job_pools["dept"], ppl.dept[jp], 12)
    j_occ = _draw_from_groups(rng, *job_pools["occ"], ppl.occ[jp], 6)
    j_rem = _draw_from_groups(rng, *job_pools["remote"], np.zeros(ns, np.int64), 6)
    j_rem = np.where(ready[:, None] | (rng.random(j_rem.shape) < 0.2), j_rem, -1)
    cand = np.concatenate([j_dept, j_occ, j_rem], axis=1)
    safe = np.maximum(cand, 0)
    active = (
        (jobs.posted[safe] <= jt[:, None])
        & (jobs.expires[safe] >= jt[:, None])
        & jobs.showable[safe]
    )
    valid = _dedupe_rows(cand) & active
    # logging policy: skill overlap (Jaccard) + same province + occupation match + noise
    idx = jobs.arrays.skill_idx[safe]  # (ns, C, K)
    held = pa.skills[jp[:, None, None], np.maximum(idx, 0)] & (idx >= 0)
    inter = held.sum(2)
    union = jobs.n_skills[safe] + ppl.n_skills[jp][:, None] - inter
    jacc = inter / np.maximum(union, 1)
    same_prov = ppl.province[jp][:, None] == jobs.province[safe]
    policy = 2.0 * jacc + 0.5 * same_prov + 0.3 * (jobs.occ[safe] == ppl.occ[jp][:, None])
    policy = np.where(valid, policy + rng.gumbel(0, 0.4, cand.shape), -np.inf)
    cols, ok = _slate(policy, JOB_SLATE)
    items = np.take_along_axis(cand, cols, axis=1)
    score = np.take_along_axis(policy, cols, axis=1)
    sess_row = np.repeat(np.arange(ns), JOB_SLATE).reshape(ns, JOB_SLATE)
    pos = np.tile(np.arange(1, JOB_SLATE + 1), (ns, 1))
    flat = ok.ravel()
    pi = jp[sess_row.ravel()[flat]]
    ji = items.ravel()[flat]
    jpos = pos.ravel()[flat]
    jscore = np.round(score.ravel()[flat], 4)
    jsess = sess_row.ravel()[flat] + 10_000_000  # distinct from course sessions
    t0 = jt[sess_row.ravel()[flat]]
    terms = gt.job_terms(pa, jobs.arrays, pi, ji)
    after = t0 >= completion_time[pi]
    if after.any():  # skills certified before this exposure count
        pf = PersonArrays(**{**pa.__dict__, "skills": has_final})
        late = gt.job_terms(pf, jobs.arrays, pi[after], ji[after])
        for name in terms:
            terms[name] = terms[name].copy()
            terms[name][after] = late[name]
    util = sum(terms.values()) + rng.normal(0, gt.job_weights.noise_sd, len(pi))
    m = len(pi)
    examine = rng.random(m) < 1.0 / jpos**0.8
    opened = examine & (rng.random(m) < _sigmoid(util + 0.3))
    applied = opened & (rng.random(m) < _sigmoid(1.5 * (util - 2.0)))
    key = pi * (len(jobs.ids) + 1) + ji
    first_apply = np.zeros(m, dtype=bool)
    idx1 = np.flatnonzero(applied)
    if len(idx1):
        order = idx1[np.lexsort((t0[idx1], key[idx1]))]
        _, first = np.unique(key[order], return_index=True)
        first_apply[order[first]] = True
    applied &= first_apply
    saved = opened & ~applied & (rng.random(m) < 0.2 * _sigmoid(util))
    dismissed = examine & ~opened & (rng.random(m) < 0.35 * _sigmoid(-util - 0.5))
    reason = _reasons(terms, JOB_REASONS, {"skill_essential": gt.job_weights.skill_essential})
    # employer side: interviews and hires depend on skills and education, not on taste
    fit = terms["skill_essential"] / gt.job_weights.skill_essential
    edu_ok = terms["education"] == 0
    t_apply = t0 + rng.uniform(2, 20, m) / 1440
    t_decide = t_apply + rng.uniform(2, 12, m)
    interview = applied & (rng.random(m) < _sigmoid(-2.0 + 2.5 * fit + 0.5 * edu_ok))
    interview_done = interview & (t_decide <= 0)
    t_hire = t_decide + rng.uniform(2, 14, m)
    hired = interview_done & (rng.random(m) < _sigmoid(-1.5 + 1.5 * fit + rng.normal(0, 0.5, m)))
    hired_done = hired & (t_hire <= 0)
    subj = jobs.ids[ji]
    everyone = np.ones(m, dtype=bool)
    ev.add(everyone, pi, "job", subj, "shown", t0, jpos, jscore, jsess)
    ev.add(opened, pi, "job", subj, "opened", t0 + rng.uniform(0.5, 3, m) / 1440, jpos, jscore,
           jsess)  # fmt: skip
    ev.add(saved, pi, "job", subj, "saved", t0 + rng.uniform(3, 6, m) / 1440, jpos, jscore, jsess)
    ev.add(dismissed, pi, "job", subj, "dismissed", t0 + rng.uniform(0.2, 2, m) / 1440, jpos,
           jscore, jsess, reason)  # fmt: skip
    ev.add(applied, pi, "job", subj, "applied", t_apply, jpos, jscore, jsess)
    ev.add(interview_done, pi, "job", subj, "interviewed", t_decide, jpos, jscore, jsess)
    ev.add(hired_done, pi, "job", subj, "hired", t_hire, jpos, jscore, jsess)

    # applications with statuses consistent with the events
    a = np.flatnonzero(applied)
    status = np.full(len(a), "submitted", dtype=object)
    updated = t_apply[a].copy()
    u = rng.random(len(a))
    decided = t_decide[a] <= 0
    status[~decided & (-t_apply[a] > 2)] = "reviewing"
    rejected_early = decided & ~interview[a]
    status[rejected_early] = np.where(u[rejected_early] < 0.1, "withdrawn", "rejected")
    updated[rejected_early] = t_decide[a][rejected_early]
    iv = interview_done[a]
    status[iv] = "interview"
    updated[iv] = t_decide[a][iv]
    lost = iv & ~hired[a] & (t_hire[a] <= 0)
    status[lost] = "rejected"
    updated[lost] = t_hire[a][lost]
    status[hired_done[a]] = "hired"
    updated[hired_done[a]] = t_hire[a][hired_done[a]]
    created_at, updated_at = _at(t_apply[a]), _at(updated)
    app_rows = [
        {
            "job_id": int(subj[k]),
            "person_id": int(ppl.ids[pi[k]]),
            "status": str(status[r]),
            "message": None,
            "created_at": created_at[r],
            "updated_at": updated_at[r],
        }
        for r, k in enumerate(a.tolist())
    ]
    return _interaction_columns(cfg, ppl, ev), app_rows, cert_rows


def _reasons(
    terms: dict[str, FArr], reasons: tuple[tuple[str, str], ...], shortfall: dict[str, float]
) -> npt.NDArray[np.object_]:
    """The dismissal reason: the term that hurts the item most under the hidden model."""
    stack = np.stack(
        [terms[name] - shortfall.get(name, 0.0) for name, _ in reasons], axis=1
    )  # (pairs, reasons)
    texts_ = np.array([text for _, text in reasons], dtype=object)
    return texts_[np.argmin(stack, axis=1)]  # type: ignore[no-any-return]


def _person_key(seed: int, index: int) -> str:
    return hashlib.blake2b(f"chamba-demo:{seed}:{index}".encode(), digest_size=16).hexdigest()


def _interaction_columns(cfg: DemoConfig, ppl: _People, ev: _Events) -> dict[str, list[Any]]:
    """Events sorted by person, time and funnel order, as column lists for the loader.

    ``occurred_at`` holds epoch seconds (converted by the loader) and ``context`` JSON text.
    """
    if not ev.person:
        return {}
    person = np.concatenate(ev.person)
    kind = np.concatenate(ev.kind)
    times = np.concatenate(ev.time)
    kind_rank = np.array([KIND_ORDER[k] for k in kind.tolist()])
    order = np.lexsort((kind_rank, times, person))
    person = person[order]
    index = ppl.arrays.index[person].tolist()
    session = np.concatenate(ev.session)[order].tolist()
    keys = {i: _person_key(cfg.seed, i) for i in set(index)}
    secs = np.round(np.asarray(times[order]) * 86400.0).astype(np.int64) + int(
        _reference().timestamp()
    )
    n = len(person)
    return {
        "person_id": ppl.ids[person].tolist(),
        "person_key": [keys[i] for i in index],
        "subject_type": np.concatenate(ev.subject_type)[order].tolist(),
        "subject_id": np.concatenate(ev.subject)[order].tolist(),
        "kind": kind[order].tolist(),
        "reason": np.concatenate(ev.reason)[order].tolist(),
        "position": np.concatenate(ev.position)[order].tolist(),
        "score": np.concatenate(ev.score)[order].tolist(),
        "model_version": [loader.MODEL_VERSION] * n,
        "context": [
            f'{{"session": "{i}-{s}", "source": "demo"}}'
            for i, s in zip(index, session, strict=True)
        ],
        "occurred_at": secs.tolist(),
    }


# =============================================================================== orchestration


def generate_demo(
    engine: Engine,
    *,
    size: int = 3000,
    seed: int = 7,
    out_dir: Path | None = None,
    progress: ProgressFn | None = None,
    reset: bool = False,
    n_jobs: int | None = None,
    n_courses: int | None = None,
    n_employers: int | None = None,
    n_providers: int | None = None,
    interactions_per_person: float = 20.0,
    reference_date: datetime | None = None,
) -> DemoReport:
    """Generate the demo Peru for ``size`` people, load it and save the ground truth.

    Args:
        engine: a migrated database.
        size: number of people; jobs, courses and organisations follow the ratios in the
            module docstring unless given explicitly.
        seed: same seed and size give the same rows and the same ground-truth files.
        out_dir: where ``ground_truth.json`` / ``.npz`` go (default ``<data_dir>/demo``).
        progress: called as ``progress(stage, done, total)``.
        reset: delete earlier demo rows first; without it a database that already holds demo
            rows is refused with :class:`~chamba.demo.loader.DemoAlreadyLoaded`.
        reference_date: the day the demo is "now" (aware UTC); default :data:`REFERENCE_DATE`,
            which keeps runs reproducible across days. Dates are relative to it.

    Returns:
        A :class:`DemoReport` with row counts and timings.
    """
    if reference_date is not None and reference_date.tzinfo is None:
        raise ValueError("reference_date must be timezone-aware")
    token = _REFERENCE.set(reference_date or REFERENCE_DATE)
    try:
        return _generate_demo(
            engine, size=size, seed=seed, out_dir=out_dir, progress=progress, reset=reset,
            n_jobs=n_jobs, n_courses=n_courses, n_employers=n_employers, n_providers=n_providers,
            interactions_per_person=interactions_per_person,
        )  # fmt: skip
    finally:
        _REFERENCE.reset(token)


def _generate_demo(
    engine: Engine,
    *,
    size: int,
    seed: int,
    out_dir: Path | None,
    progress: ProgressFn | None,
    reset: bool,
    n_jobs: int | None,
    n_courses: int | None,
    n_employers: int | None,
    n_providers: int | None,
    interactions_per_person: float,
) -> DemoReport:
    from chamba.config import get_settings

    started = time.perf_counter()
    timings: dict[str, float] = {}
    cfg = DemoConfig.for_size(
        size, seed, n_jobs=n_jobs, n_courses=n_courses, n_employers=n_employers,
        n_providers=n_providers, interactions_per_person=interactions_per_person,
    )  # fmt: skip
    out = out_dir if out_dir is not None else get_settings().data_dir / "demo"
    say = progress or (lambda stage, done, total: None)

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - since
        return now

    loader.ensure_catalogue(engine)
    with engine.begin() as conn:
        if loader.demo_row_count(conn):
            if not reset:
                raise loader.DemoAlreadyLoaded(
                    "The database already holds demo data; run again with reset to replace it"
                )
            say("reset", 0, 1)
            loader.delete_demo_rows(conn)
        cat = loader.read_catalogue(conn)
        first = {name: loader.next_id(conn, t) for name, t in loader.TABLES.items()
                 if name in ("organisations", "jobs", "courses", "people")}  # fmt: skip
    t = lap("prepare", started)
    geo = build_geography()
    tax = _Taxonomy.build(cat)
    emp = _employers(cfg, geo, tax, first["organisations"])
    prov = _providers(cfg, geo, first["organisations"] + cfg.n_employers)
    jobs, job_latent = _jobs(cfg, geo, tax, emp, first["jobs"])
    courses, course_latent = _courses(cfg, geo, tax, prov, first["courses"])
    gt = GroundTruth(
        seed=cfg.seed,
        size=cfg.size,
        parameters={
            "reference_date": _reference().isoformat(),
            "history_days": HISTORY_DAYS,
            "n_people": cfg.size,
            "n_jobs": cfg.n_jobs,
            "n_courses": cfg.n_courses,
            "n_employers": cfg.n_employers,
            "n_providers": cfg.n_providers,
            "interactions_per_person": cfg.interactions_per_person,
            "latent_dim": cfg.latent_dim,
            "people_chunk": PEOPLE_CHUNK,
            "position_bias": "P(examine | position k) = 1 / k ** 0.8",
            "outcomes": {
                "job": "open ~ sigmoid(u + 0.3); apply | open ~ sigmoid(1.5 (u - 2)); "
                "interview | apply ~ sigmoid(-2 + 2.5 coverage + 0.5 edu_ok); "
                "hire | interview ~ sigmoid(-1.5 + 1.5 coverage + N(0, 0.5))",
                "course": "open ~ sigmoid(u + 0.3); enrol | open ~ sigmoid(1.5 (u - 1.2)); "
                "complete | enrol ~ 0.85 sigmoid(u + 0.5), at most one per person",
            },
            "logging_policy": "job slate = top 5 by 2 jaccard(skills) + 0.5 same province + "
            "0.3 same occupation + Gumbel(0.4) among 24 candidates active at session time",
        },
        skills=cat.skill_ids,
        occupations=cat.occupation_ids,
        occupation_essential=cat.essential,
        person_taste=np.zeros((cfg.size, cfg.latent_dim), dtype=np.float32),
        person_target=np.zeros(cfg.size, dtype=np.int64),
        job_latent=job_latent,
        course_latent=course_latent,
    )
    t = lap("generate", t)
    counts: dict[str, int] = dict.fromkeys(loader.TABLES, 0)
    tables = loader.TABLES
    job_pools = {
        "dept": _csr(np.where(jobs.arrays.remote, len(geo.departments), jobs.dept),
                     len(geo.departments) + 1),
        "occ": _csr(jobs.occ, len(cat.occupation_ids)),
        "remote": _csr(np.where(jobs.arrays.remote, 0, 1), 2),
    }  # fmt: skip
    online = courses.arrays.modality != 0
    course_pools = {
        "dept": _csr(np.where(courses.arrays.modality == 1, len(geo.departments), courses.dept),
                     len(geo.departments) + 1),
        "online": _csr(np.where(online, 0, 1), 2),
        "occ": _csr(courses.occ, len(cat.occupation_ids)),
    }  # fmt: skip
    with engine.connect() as conn:  # one connection, one commit per stage / chunk of people
        loader.tune_for_bulk_load(conn, True)
        try:
            for name, rows in (
                ("organisations", emp.rows + prov.rows),
                ("jobs", jobs.rows),
                ("job_skills", jobs.skill_rows),
                ("courses", courses.rows),
                ("course_skills", courses.skill_rows),
            ):
                counts[name] += loader.insert_rows(conn, tables[name], rows)
            conn.commit()
            t = lap("load", t)
            say("organisations, jobs and courses", 1, 1)
            for chunk, start in enumerate(range(0, cfg.size, PEOPLE_CHUNK)):
                n = min(PEOPLE_CHUNK, cfg.size - start)
                ppl = _people_chunk(cfg, geo, tax, chunk, start, n, first["people"] + start, gt)
                inter, apps, certs = _simulate(
                    cfg, chunk, ppl, jobs, job_pools, courses, course_pools, gt
                )
                t = lap("generate", t)
                counts["people"] += loader.insert_rows(conn, tables["people"], ppl.rows)
                counts["person_skills"] += loader.insert_rows(
                    conn, tables["person_skills"], ppl.skill_rows + certs
                )
                if inter:
                    inter["occurred_at"] = loader.native_times(conn, inter["occurred_at"])
                    counts["interactions"] += loader.insert_columns(
                        conn, tables["interactions"], inter, native=NATIVE_INTERACTION_COLUMNS
                    )
                counts["applications"] += loader.insert_rows(conn, tables["applications"], apps)
                conn.commit()
                t = lap("load", t)
                say("people", start + n, cfg.size)
            loader.fix_sequences(
                conn, [tables[n] for n in ("organisations", "jobs", "courses", "people")]
            )
            conn.commit()
        finally:
            loader.tune_for_bulk_load(conn, False)
    json_path, npz_path = gt.save(out)
    lap("save", t)
    seconds = time.perf_counter() - started
    log.info("demo: %s rows in %.1f s", sum(counts.values()), seconds)
    return DemoReport(
        size=cfg.size,
        seed=cfg.seed,
        counts=counts,
        out_dir=out,
        ground_truth_json=json_path,
        ground_truth_npz=npz_path,
        seconds=seconds,
        timings=timings,
    )
