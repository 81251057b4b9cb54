"""The job features of one person against many open jobs, read from the job table.

:func:`~chamba.matching.features.job_features` reads each candidate's skills, place, wage,
hours, schedule, education, occupation and posting time from its row, one Python step per job.
A ranking's candidates are open jobs, and the process keeps every open job's columns in the
:class:`~chamba.matching.job_table.JobTable` (patched when a job changes), so
:func:`table_job_features` gathers them by row position instead: the same formulas on the same
values, so the same features (a test compares both on every job of a world), without a loop
over the candidates. The ``lexical`` feature reads each posting's counted words from the table
too; only ``semantic`` reads per job (the vector index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from chamba.matching.features import (
    DISTANCE_SCALE_KM,
    FRESHNESS_DAYS,
    JOB_FEATURES,
    NO_SKILLS,
    WAGE_SCALE,
    FloatArray,
    _people_columns,
    lexical_queries,
)
from chamba.matching.filters import haversine
from chamba.matching.job_table import (
    NO_POSTED,
    JobTable,
    known_occupation_codes,
    known_skill_codes,
    micros,
)
from chamba.people.models import Person

if TYPE_CHECKING:
    from chamba.matching.context import FeatureContext

_COL = {name: k for k, name in enumerate(JOB_FEATURES)}


def table_job_features(
    ctx: FeatureContext,
    person: Person,
    table: JobTable,
    rows: npt.NDArray[np.intp],
    job_ids: Sequence[int],
    rarity: FloatArray,
) -> FloatArray:
    """:func:`~chamba.matching.features.job_features` of ``person`` against the jobs
    ``job_ids``, the table's rows ``rows`` (``table.ids[rows]``, in order): no job's row is read.

    Args:
        ctx: the feature context.
        person: the seeker.
        table: the job table (every open job).
        rows: ``(n,)`` row positions of the jobs in ``table``.
        job_ids: the jobs' ids (their vectors are read by id).
        rarity: :meth:`~chamba.matching.context.FeatureContext.table_rarity` of ``table``.

    Returns:
        ``(n, len(JOB_FEATURES))`` float64.
    """
    n = rows.size
    out = np.zeros((n, len(JOB_FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    P = _people_columns(ctx, [person])
    held_ids = ctx.skills_of_people([person.id])[person.id]

    # skills: each job's skills padded to the widest candidate's, as _pair_matrix lays them
    lens = table.n_skills[rows]  # (n,)
    width = int(lens.max()) if lens.size else 0
    width = width or 1
    col = np.arange(width)
    valid = col[None, :] < lens[:, None]  # (n, K)
    at = np.where(valid, table.skill_starts()[rows][:, None] + col[None, :], 0)
    if table.skills.size == 0:
        valid[:] = False
        at[:] = 0
        codes = np.zeros(at.shape, dtype=np.int32)
        ess = np.zeros(at.shape, dtype=bool)
        imp = np.zeros(at.shape)
        rare = np.zeros(at.shape)  # no job lists a skill: ``rarity`` may hold no code at all
    else:
        codes, ess, imp = table.skills[at], table.essential[at] & valid, table.importance[at]
        rare = rarity[codes]
    weight = np.where(valid, np.maximum(imp, 0.05) * rare, 0.0)  # importance x rarity
    held = np.isin(codes, known_skill_codes(held_ids)) & valid  # (n, K)
    ess_w, opt_w = weight * ess, weight * (valid & ~ess)
    ess_tot, opt_tot = ess_w.sum(1), opt_w.sum(1)
    optional_cover = np.where(opt_tot > 0, (opt_w * held).sum(1) / np.maximum(opt_tot, 1e-12), 0.0)
    out[:, _COL["skill_essential"]] = np.where(
        ess_tot > 0,
        (ess_w * held).sum(1) / np.maximum(ess_tot, 1e-12),
        np.where(opt_tot > 0, optional_cover, NO_SKILLS),
    )
    out[:, _COL["skill_optional"]] = optional_cover
    out[:, _COL["skill_matched"]] = np.minimum(1.0, held.sum(1) / 5.0)

    # semantic
    pv, jv = P["vectors"][np.zeros(n, dtype=np.intp)], ctx.job_vectors_of(job_ids)  # (n, dim)
    out[:, _COL["semantic"]] = np.einsum("kd,kd->k", pv, jv) if pv.shape[1] == jv.shape[1] else 0

    # the person's words in the job's words (as _lexical scores them)
    query = lexical_queries(ctx, [person], {person.id: held_ids})[0]
    corpus = ctx.corpus()
    idf, avgdl = corpus.idf(), corpus.avgdl
    counted = ctx.counted_terms.get(person.id)  # the lexical candidates' counts, if any
    out[:, _COL["lexical"]] = table.lexical_scores(
        query, rows, idf=idf, avgdl=avgdl, counted=counted
    )

    # place
    remote = table.remote[rows] == 1
    plat, plon = np.full(n, P["lat"][0]), np.full(n, P["lon"][0])
    km = haversine(plat, plon, table.lat[rows], table.lon[rows])  # (n,) NaN unknown
    km = np.where(remote, 0.0, km)
    known = ~np.isnan(km)
    out[:, _COL["proximity"]] = np.where(known, np.exp(-np.nan_to_num(km) / DISTANCE_SCALE_KM), 0.5)
    out[:, _COL["distance_km"]] = np.where(known, km, -1.0)
    out[:, _COL["remote"]] = remote
    out[:, _COL["remote_not_ready"]] = remote & ~P["ready"][0]

    # wage
    expected, wage = np.full(n, P["expected"][0]), table.wage[rows]
    ok = ~np.isnan(expected) & ~np.isnan(wage) & (np.nan_to_num(expected) > 0)
    exp_safe = np.where(ok, expected, 1.0)
    out[:, _COL["wage_fit"]] = np.where(
        ok, 0.5 + 0.5 * np.tanh((np.nan_to_num(wage) - exp_safe) / (WAGE_SCALE * exp_safe)), 0.5
    )

    # hours and time slots
    hours = table.hours[rows]
    hours = np.where(hours == 0, np.nan, hours)  # rows read 0 hours as unknown
    avail = np.full(n, P["avail"][0])
    hours_ok = ~np.isnan(avail) & ~np.isnan(hours)
    ratio = np.where(
        hours_ok, np.minimum(1.0, np.nan_to_num(avail) / np.nan_to_num(hours, nan=1)), 0.5
    )
    out[:, _COL["hours_fit"]] = ratio
    pslots = int(P["slots"][0])
    n_job = table.n_slots[rows]
    n_both = np.bitwise_count(table.slots[rows] & pslots).astype(np.float64)
    out[:, _COL["slot_overlap"]] = (
        0.5 if pslots == 0 else np.where(n_job > 0, n_both / np.maximum(n_job, 1.0), ratio)
    )

    # education
    req, have = table.edu[rows], int(P["edu"][0])
    gap = np.maximum(0, req - have)
    out[:, _COL["education_fit"]] = (
        0.5 if have < 0 else np.where(req < 0, 1.0, np.clip(1.0 - gap / 5.0, 0.0, 1.0))
    )

    # interests, freshness, congestion
    occ = table.occupation[rows]
    wanted = known_occupation_codes(set(person.interests or ()))
    out[:, _COL["occupation_match"]] = (occ != 0) & np.isin(occ, wanted)
    posted, now_us = table.posted[rows], micros(ctx.now)
    unknown = posted == NO_POSTED
    age_s = (now_us - np.where(unknown, now_us, posted)) / 1e6  # as timedelta.total_seconds()
    days = np.where(unknown, 30.0, np.maximum(0.0, age_s / 86400.0))
    out[:, _COL["freshness"]] = np.exp(-days / FRESHNESS_DAYS)
    apps = ctx.application_counts(table.ids[rows].tolist())
    counts = np.array([apps.get(j, 0) for j in table.ids[rows].tolist()], dtype=np.float64)
    out[:, _COL["congestion"]] = np.log1p(counts / table.openings[rows])
    return out
