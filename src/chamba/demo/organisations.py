"""The demo's catalogue view, employers and training providers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from chamba.demo import loader, texts
from chamba.demo.common import (
    MAJOR_FREQUENCY,
    MEDIAN_WAGE_BY_MAJOR,
    PROVIDER_KINDS,
    PROVIDER_MIX,
    SECTOR_WAGE,
    BArr,
    DemoConfig,
    FArr,
    IArr,
    choice_rows,
    reference_now,
    stream_rng,
)
from chamba.demo.regions import (
    SECTOR_DISTRICT_BIAS,
    SECTOR_INDEX,
    SECTORS,
    Geography,
    isco_major,
    sector_multipliers,
    sector_of,
)

# =============================================================================== the world


@dataclass
class DemoTaxonomy:
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
    def build(cls, cat: loader.Catalogue) -> DemoTaxonomy:
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
class OrgSet:
    rows: list[dict[str, Any]]
    ids: IArr
    district: IArr
    sector: IArr  # employers: sector row; providers: PROVIDER_KINDS row
    names: list[str]


def sector_table(geo: Geography, tax: DemoTaxonomy) -> FArr:
    """(n_departments, n_sectors) sector weights, zero for sectors without occupations."""
    table = np.array([sector_multipliers(code) for code in geo.departments])
    return table * tax.present


def make_employers(cfg: DemoConfig, geo: Geography, tax: DemoTaxonomy, first_id: int) -> OrgSet:
    rng = stream_rng(cfg.seed, 1)
    n = cfg.n_employers
    dept_w = np.bincount(geo.dept, weights=geo.weight, minlength=len(geo.departments)) ** 1.15
    dept = rng.choice(len(dept_w), size=n, p=dept_w / dept_w.sum())
    table = sector_table(geo, tax)
    sector = choice_rows(rng.random(n), table[dept])
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
                "created_at": reference_now() - timedelta(days=400 + i % 365),
            }
        )
    ids = first_id + np.arange(n, dtype=np.int64)
    return OrgSet(rows, ids, district, sector.astype(np.int64), names)


def make_providers(cfg: DemoConfig, geo: Geography, first_id: int) -> OrgSet:
    rng = stream_rng(cfg.seed, 2)
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
                "created_at": reference_now() - timedelta(days=500 + i % 365),
            }
        )
    return OrgSet(
        rows, first_id + np.arange(n, dtype=np.int64), district, kind.astype(np.int64), names
    )
