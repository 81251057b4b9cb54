"""Labour-market demand per region × skill, against the supply of people who hold the skill.

Decisions (documented because pathways, course recommendations and the insights views rely on
them):

- Only **open, non-expired** jobs count (``status = open`` and ``expires_at`` unset or after
  ``as_of``, default now).
- A job counts for a skill when it lists the skill, essential or optional (``open_jobs``);
  ``essential_jobs`` counts those that require it.
- **Remote jobs** are counted once, nationally, under the pseudo-region ``"REMOTE"``, never in the
  department of their employer (a remote job is open to every region; counting it in all of them
  would inflate national totals 25-fold). Its supply is the remote-ready people (internet and a
  device) with the skill, nationwide.
- ``median_wage``: median over the jobs of the midpoint of ``wage_min``/``wage_max`` (the one
  known bound when only one is), PEN per month; ``None`` when no job states a wage.
- **Supply** is a snapshot of closed months: the people who held the skill when the month of
  ``as_of`` began (two readings within a month are the same; no day's new skills show).
- **Privacy** (design §7): a supply count from 1 to ``min_group - 1`` is suppressed (``None``,
  ``supply_suppressed``); a zero is shown (it describes nobody). A province's (or district's)
  supply is also hidden where its department's supply minus its siblings' would give a hidden
  one away (``insights.common.protect``), whichever level or region filter asked for it, and a
  district where its province is hidden as a part of its department. Job
  counts are about postings, not people, and are shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Final, Literal

import numpy as np
from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.insights import repository as repo
from chamba.insights.cache import DEMAND_CACHE_KEY
from chamba.insights.common import protect, suppress
from chamba.insights.schemas import REMOTE_REGION, DemandRow
from chamba.insights.windows import month_index, month_start

RegionLevel = Literal["department", "province"]

_LENGTH: Final[dict[str, int]] = {"department": 2, "province": 4}
_CACHE_KEY: Final = "chamba.insights.demand_index"

__all__ = ["REMOTE_REGION", "DemandRow", "demand_index", "skill_demand"]


def _region_name(code: str) -> str:
    if code == REMOTE_REGION:
        return "Remoto / Remote"
    try:
        return get_gazetteer().get(code).name
    except UnknownUbigeo:
        return code


def _check(region: str | None, level: str, min_group: int) -> int:
    if level not in _LENGTH:
        raise InvalidInput(f"level must be 'department' or 'province', got {level!r}")
    if min_group < 1:
        raise InvalidInput(f"min_group must be at least 1, got {min_group}")
    if (
        region is not None
        and region != REMOTE_REGION
        and not (region.isdigit() and len(region) in (2, 4, 6))
    ):
        raise InvalidInput(
            f"region must be a 2, 4 or 6 digit ubigeo prefix or {REMOTE_REGION!r}, got {region!r}"
        )
    return _LENGTH[level]


def skill_demand(
    session: Session,
    *,
    region: str | None = None,
    level: RegionLevel = "department",
    skill_ids: Collection[str] | None = None,
    min_group: int = 5,
    as_of: datetime | None = None,
) -> list[DemandRow]:
    """Demand and supply of skills per region (department or province).

    Args:
        session: database session.
        region: only this ubigeo prefix (e.g. ``"11"`` Ica, ``"1101"``) or ``"REMOTE"``;
            ``None``: every region plus the REMOTE pseudo-region.
        level: group by ``"department"`` (2 ubigeo digits) or ``"province"`` (4 digits).
        skill_ids: only these skills (``None``: all skills that jobs ask for).
        min_group: smallest supply count shown (design §7).
        as_of: jobs expiring before this moment are ignored (default now, UTC).

    Returns:
        One row per (region, skill) with at least one open job, plus supply-only rows when the
        supply is at least ``min_group``; sorted by region code, then openings (most first),
        then skill id. ``remote_jobs`` repeats the skill's national remote job count on each row.

    Raises:
        InvalidInput: on a malformed region, level or ``min_group``.

    Example:
        >>> rows = skill_demand(session, region="11")  # doctest: +SKIP
        >>> rows[0].region_name, rows[0].skill_id, rows[0].open_jobs  # doctest: +SKIP
        ('Ica', 'cosecha_de_uva', 12)
    """
    length = _check(region, level, min_group)
    when = as_of or datetime.now(UTC)
    counts = repo.demand_counts(
        session, length=length, region=region, skill_ids=skill_ids, as_of=when
    )
    wages: dict[tuple[str, str], list[float]] = defaultdict(list)
    for reg, skill, mid in repo.wage_midpoints(
        session, length=length, region=region, skill_ids=skill_ids, as_of=when
    ):
        wages[(reg, skill)].append(mid)
    # Supply is a snapshot of closed months: who held the skill at the start of the month of
    # ``as_of``, so two readings within a month are the same and no day's new skills show.
    snapshot = month_start(month_index(when))
    supply = repo.supply_counts(
        session, length=length, region=region, skill_ids=skill_ids, until=snapshot
    )
    shown = _protected_supply(session, supply, region, length, skill_ids, min_group, snapshot)
    if region is not None and region != REMOTE_REGION:  # the national remote count per skill
        remote_counts = repo.demand_counts(
            session, length=length, region=REMOTE_REGION, skill_ids=skill_ids, as_of=when
        )
    else:
        remote_counts = [c for c in counts if c.region == REMOTE_REGION]
    remote = {c.skill_id: c.open_jobs for c in remote_counts}
    demand = {(c.region, c.skill_id): c for c in counts}
    keys = set(demand) | {k for k, n in supply.items() if n >= min_group}
    labels = repo.skill_labels(session, {s for _, s in keys})
    rows: list[DemandRow] = []
    for reg, skill in keys:
        if skill not in labels:
            continue
        c = demand.get((reg, skill)) or repo.DemandCount(reg, skill, 0, 0, 0)
        n = supply.get((reg, skill), 0)
        hidden = shown.get((reg, skill), n) is None
        mids = wages.get((reg, skill))
        rows.append(
            DemandRow(
                region_code=reg,
                region_name=_region_name(reg),
                skill_id=skill,
                skill_label_es=labels[skill][0],
                skill_label_en=labels[skill][1],
                open_jobs=c.open_jobs,
                essential_jobs=c.essential_jobs,
                openings=c.openings,
                median_wage=round(float(np.median(mids)), 2) if mids else None,
                supply=None if hidden else n,
                supply_suppressed=hidden,
                gap=None if hidden else c.openings - n,
                gap_ratio=None if hidden or n == 0 else round(c.openings / n, 4),
                remote_jobs=remote.get(skill, 0),
            )
        )
    rows.sort(key=lambda r: (r.region_code, -r.openings, r.skill_id))
    return rows


def _protected_supply(
    session: Session,
    supply: dict[tuple[str, str], int],
    region: str | None,
    length: int,
    skill_ids: Collection[str] | None,
    min_group: int,
    until: datetime,
) -> dict[tuple[str, str], int | None]:
    """Supply counts as shown: small ones hidden, and a province's (or district's) hidden where
    its department's (or province's) supply minus its siblings' would give a hidden one away
    (``insights.common.protect``; the department is published by the department-level report).

    A row's cell is the ``region`` asked for when it is finer than ``level`` (``region="1101"``
    at department level is province 1101's supply); departments have no published total above
    them (the national supply is not shown; REMOTE counts other people), so they are only
    suppressed when small.
    """
    cells = {key: suppress(n, min_group) for key, n in supply.items()}
    finer = region is not None and region != REMOTE_REGION and len(region) > length
    size = len(region) if finer and region is not None else length
    if region == REMOTE_REGION or size <= 2:
        return cells
    parent = None if region is None else region[: min(len(region), size - 2)]
    complete = region is None or len(region) <= size - 2  # ``supply`` holds every sibling
    siblings = (
        supply
        if complete
        else repo.supply_counts(
            session, length=size, region=parent, skill_ids=skill_ids, until=until
        )
    )
    totals = repo.supply_counts(
        session, length=size - 2, region=parent, skill_ids=skill_ids, until=until
    )
    families: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, skill in siblings:
        if code != REMOTE_REGION:
            families[(code[: size - 2], skill)].append(code)
    # A district's province is itself a part of its department: where it is hidden as such,
    # its districts must not add up to it either.
    above = (
        _protected_supply(session, totals, parent, size - 2, skill_ids, min_group, until)
        if parent is not None and size - 2 > 2
        else {}
    )
    protected: dict[tuple[str, str], int | None] = {}
    for (top, skill), codes in families.items():
        codes.sort()
        parts = [[siblings[(c, skill)]] for c in codes]
        total = [totals.get((top, skill), 0)]
        shown_total = above.get((top, skill), suppress(total[0], min_group))
        cells_of = protect(parts, total, min_group, total_shown=[shown_total])
        for c, (value,) in zip(codes, cells_of, strict=True):
            protected[(c, skill)] = value
    for reg, skill in cells:
        if reg == REMOTE_REGION:
            continue
        cell = region if finer and region is not None else reg
        cells[(reg, skill)] = protected.get((cell, skill), cells[(reg, skill)])
    return cells


def demand_index(
    session: Session, *, as_of: datetime | None = None, fresh: bool = False
) -> dict[tuple[str, str], float]:
    """Normalised demand score in 0..1 per (department code or ``"REMOTE"``, skill id).

    Score = ``log1p(openings) / log1p(max openings)`` over all (region, skill) pairs, so the most
    demanded pair scores 1, a pair with one opening scores > 0, and absent pairs are 0 (use
    ``.get(key, 0.0)``). The log damps Lima's weight so that regional signals still count.

    The result is cached in ``session.info`` for the session's life (one request or
    transaction); pass ``fresh=True`` after changing jobs in the same session.

    Args:
        session: database session.
        as_of: moment that decides which jobs are expired (default now, UTC).
        fresh: recompute instead of using the session's cached index.

    Returns:
        ``{(region, skill_id): score}``.

    Example:
        >>> idx = demand_index(session)  # doctest: +SKIP
        >>> idx.get(("11", "cosecha_de_uva"), 0.0)  # doctest: +SKIP
        0.83
    """
    key = (_CACHE_KEY, as_of.isoformat() if as_of else None)
    cached = session.info.get(key)
    if cached is not None and not fresh:
        return dict(cached)
    when = as_of or datetime.now(UTC)

    def compute() -> dict[tuple[str, str], float]:
        counts = repo.demand_counts(session, length=2, region=None, skill_ids=None, as_of=when)
        top = max((c.openings for c in counts), default=0)
        if top <= 0:
            return {}
        return {(c.region, c.skill_id): math.log1p(c.openings) / math.log1p(top) for c in counts}

    shared = session.info.get(DEMAND_CACHE_KEY)  # the app's process-wide, event-fed cache
    index = shared.get(session, when, compute) if shared is not None and not fresh else compute()
    session.info[key] = index
    return dict(index)
