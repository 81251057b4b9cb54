"""The demo's job postings and courses, with their skills and hidden latent vectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from chamba.demo import loader, texts
from chamba.demo.common import (
    CONTRACT_MIX,
    CONTRACTS,
    DEFAULT_CONTRACT_MIX,
    EDU_LEVELS,
    MINIMUM_WAGE,
    PATTERN_NAMES,
    BArr,
    DemoConfig,
    FArr,
    IArr,
    choice_rows,
    dates_at,
    reference_now,
    round_to,
    skill_phrase,
    slots_for,
    stream_rng,
)
from chamba.demo.ground_truth import (
    CourseArrays,
    JobArrays,
    course_external_id,
    effective_cost,
    job_external_id,
    slot_mask,
)
from chamba.demo.organisations import DemoTaxonomy, OrgSet, sector_table
from chamba.demo.regions import (
    REMOTE_SHARE,
    SECTOR_INDEX,
    SECTORS,
    Geography,
)
from chamba.search import search_fields


@dataclass
class JobSet:
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
class CourseSet:
    rows: list[dict[str, Any]]
    skill_rows: list[dict[str, Any]]
    ids: IArr
    arrays: CourseArrays
    dept: IArr
    occ: IArr
    weeks: FArr
    titles: list[str]
    levels: list[str]


def make_jobs(
    cfg: DemoConfig, geo: Geography, tax: DemoTaxonomy, emp: OrgSet, first_id: int
) -> tuple[JobSet, npt.NDArray[np.float32]]:
    """Jobs and their latent vectors (ground truth)."""
    rng = stream_rng(cfg.seed, 3)
    n, cat = cfg.n_jobs, tax.cat
    # A few big employers post many jobs (Zipf-like).
    emp_w = 1.0 / (1.0 + rng.permutation(len(emp.ids))) ** 0.8
    employer = rng.choice(len(emp.ids), size=n, p=emp_w / emp_w.sum())
    sector = emp.sector[employer]
    # a third of postings are support roles (drivers, admin, sales...) of any local sector
    support = rng.random(n) < 0.35
    local = choice_rows(rng.random(n), sector_table(geo, tax)[geo.dept[emp.district[employer]]])
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
    contract = choice_rows(rng.random(n), mix)
    major = tax.major[occ]
    sigma = np.where(major <= 3, 0.3, 0.15)
    base = tax.wage[occ] * np.exp(sigma * rng.standard_normal(n))
    at_minimum = np.isin(major, (5, 6, 9)) & (rng.random(n) < 0.4)
    base = np.where(at_minimum, MINIMUM_WAGE, np.maximum(base, MINIMUM_WAGE))
    base = np.where(base >= 2000, round_to(base, 50), round_to(base, 10))
    base = np.maximum(base, MINIMUM_WAGE)
    hours = np.select(
        [contract == 1, contract == 3, contract == 4],
        [rng.choice([16, 20, 24, 30], n), rng.choice([30, 40], n), rng.choice([10, 20, 30, 40], n)],
        np.where(rng.random(n) < 0.7, 48, rng.choice([40, 45], n)),
    ).astype(np.int64)
    monthly = np.select(
        [contract == 1, contract == 3, contract == 4, contract == 5],
        [
            round_to(base * hours / 48, 10),
            np.maximum(MINIMUM_WAGE, base * 0.9) * hours / 48,
            round_to(base * hours / 40 * 1.1, 50),
            0.0,
        ],
        base,
    )
    daily_rate = round_to(base / 26 * rng.uniform(0.8, 1.1, n), 5)
    monthly = np.where(contract == 5, daily_rate * 26, round_to(monthly, 10))
    ranged = rng.random(n) < 0.55
    wage_max = np.where(ranged, round_to(monthly * rng.uniform(1.05, 1.35, n), 10), monthly)
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
    latent_occ = stream_rng(cfg.seed, 9).standard_normal((len(cat.occupation_ids), cfg.latent_dim))
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
    posted_at, expires_at = dates_at(posted), dates_at(expires)
    u = rng.random((n, 8)).tolist()
    rows: list[dict[str, Any]] = []
    skill_rows: list[dict[str, Any]] = []
    ids = first_id + np.arange(n, dtype=np.int64)
    for i in range(n):
        o, d = int(occ[i]), int(district[i])
        label = cat.occupation_labels[o]
        occ_l = skill_phrase(cat.occupation_labels, cat.occupation_synonyms, o, u[i][0])
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
    jobs = JobSet(
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


def make_courses(
    cfg: DemoConfig, geo: Geography, tax: DemoTaxonomy, prov: OrgSet, first_id: int
) -> tuple[CourseSet, npt.NDArray[np.float32]]:
    rng = stream_rng(cfg.seed, 4)
    n, cat = cfg.n_courses, tax.cat
    provider = rng.integers(0, len(prov.ids), n)
    kind = prov.sector[provider]
    district = prov.district[provider]
    dept = geo.dept[district]
    table = sector_table(geo, tax)[dept]
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
    sector = choice_rows(rng.random(n), table)
    occ = tax.sample_occupations(sector, rng.random(n))
    mod_p = np.array([[0.85, 0, 0.15], [0.55, 0.1, 0.35], [0.5, 0.2, 0.3], [0, 1, 0]])
    modality = choice_rows(rng.random(n), mod_p[kind])
    free_p = np.array([0.45, 0.1, 0.85, 0.3])[kind]
    is_free = rng.random(n) < free_p
    lo, hi = np.array([50, 300, 50, 50])[kind], np.array([400, 1500, 300, 600])[kind]
    cost = np.where(is_free, 0, round_to(lo + (hi - lo) * rng.random(n) ** 1.5, 10))
    scholarship = ~is_free & (rng.random(n) < np.array([0.05, 0.2, 0.3, 0.05])[kind])
    h_lo, h_hi = np.array([80, 60, 20, 20])[kind], np.array([400, 400, 120, 80])[kind]
    hours = round_to(h_lo + (h_hi - h_lo) * rng.random(n), 10).astype(np.int64)
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
    latent_occ = stream_rng(cfg.seed, 9).standard_normal((len(cat.occupation_ids), cfg.latent_dim))
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
                    (reference_now() + timedelta(days=int(d))).date().isoformat()
                    for d in starts[i, : n_starts[i]]
                ],
                "certificate": bool(certificate[i]),
                "seats": None if seats[i] < 0 else int(seats[i]),
                "education_required": EDU_LEVELS[edu_req[i]] if edu_req[i] >= 0 else None,
                "status": str(status[i]),
                "external_id": course_external_id(i),
                "source": loader.SOURCE,
                "created_at": reference_now() - timedelta(days=200 + i % 200),
                "updated_at": reference_now() - timedelta(days=200 + i % 200),
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
    courses = CourseSet(
        rows, skill_rows, ids, arrays, dept, occ, weeks.astype(np.float64), titles, levels
    )
    return courses, latent.astype(np.float32)
