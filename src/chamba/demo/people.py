"""The demo's people, one chunk at a time: who they are, where, what they can do and say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chamba.demo import loader, texts
from chamba.demo.common import (
    EDU_BY_MAJOR,
    EDU_LEVELS,
    FEMALE_SECTOR,
    HISTORY_DAYS,
    MAX_SKILLS,
    PATTERN_NAMES,
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
    GroundTruth,
    PersonArrays,
    person_external_id,
    slot_mask,
)
from chamba.demo.organisations import DemoTaxonomy, sector_table
from chamba.demo.regions import (
    AYMARA,
    QUECHUA,
    SECTORS,
    Geography,
)

# =============================================================================== people


@dataclass
class PeopleChunk:
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


def make_people_chunk(
    cfg: DemoConfig,
    geo: Geography,
    tax: DemoTaxonomy,
    chunk: int,
    start: int,
    n: int,
    first_id: int,
    gt: GroundTruth,
) -> PeopleChunk:
    rng = stream_rng(cfg.seed, 5, chunk)
    cat = tax.cat
    n_sk_total = len(cat.skill_ids)
    district = rng.choice(len(geo.codes), size=n, p=geo.weight)
    dept = geo.dept[district]
    urban = geo.urban[district]
    dept_codes = [geo.departments[k] for k in dept]
    g_u = rng.random(n)
    gender = np.where(g_u < 0.505, 0, np.where(g_u < 0.995, 1, 2))  # female, male, other
    age = (18 + 47 * rng.beta(1.6, 3.0, n)).astype(np.int64)
    table = sector_table(geo, tax)[dept]
    fem = np.array([FEMALE_SECTOR.get(s, 1.0) for s in SECTORS])
    male = 1.0 / np.sqrt(fem)
    table = table * np.where(gender[:, None] == 0, fem, np.where(gender[:, None] == 1, male, 1.0))
    sector = choice_rows(rng.random(n), table)
    occ = tax.sample_occupations(sector, rng.random(n))
    major = tax.major[occ]
    edu_p = np.array([EDU_BY_MAJOR[m] for m in major])
    edu = choice_rows(rng.random(n), edu_p)
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
    expected = round_to(tax.wage[occ] * rng.uniform(0.8, 1.25, n) * np.minimum(1, hours / 40), 50)
    expected = np.maximum(expected, 300)
    max_km = np.where(urban, rng.choice([10, 15, 20, 30], n), rng.choice([20, 30, 40, 60], n))
    consent = rng.random(n) < 0.7
    created = -np.where(
        rng.random(n) < 0.8, HISTORY_DAYS + 365 * rng.random(n), HISTORY_DAYS * rng.random(n)
    )
    created_at = dates_at(created)
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
                "birth_year": reference_now().year - int(age[i]),
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
    return PeopleChunk(
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
    occ_l = skill_phrase(cat.occupation_labels, cat.occupation_synonyms, occ, u[1])
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
        phrase = skill_phrase(cat.skill_labels, cat.skill_synonyms, s, u[5 + k])
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
