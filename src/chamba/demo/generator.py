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

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from chamba.demo import loader
from chamba.demo.common import (
    CURRENT_REFERENCE,
    HISTORY_DAYS,
    PEOPLE_CHUNK,
    REFERENCE_DATE,
    DemoConfig,
    ProgressFn,
    group_rows,
    reference_now,
)
from chamba.demo.ground_truth import (
    GroundTruth,
)
from chamba.demo.history import NATIVE_INTERACTION_COLUMNS, simulate_history
from chamba.demo.organisations import DemoTaxonomy, make_employers, make_providers
from chamba.demo.people import make_people_chunk
from chamba.demo.postings import make_courses, make_jobs
from chamba.demo.regions import (
    build_geography,
)

log = logging.getLogger(__name__)


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
    token = CURRENT_REFERENCE.set(reference_date or REFERENCE_DATE)
    try:
        return _generate_demo(
            engine, size=size, seed=seed, out_dir=out_dir, progress=progress, reset=reset,
            n_jobs=n_jobs, n_courses=n_courses, n_employers=n_employers, n_providers=n_providers,
            interactions_per_person=interactions_per_person,
        )  # fmt: skip
    finally:
        CURRENT_REFERENCE.reset(token)


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
    say("generate organisations, jobs and courses", 0, cfg.n_jobs)
    geo = build_geography()
    tax = DemoTaxonomy.build(cat)
    emp = make_employers(cfg, geo, tax, first["organisations"])
    prov = make_providers(cfg, geo, first["organisations"] + cfg.n_employers)
    jobs, job_latent = make_jobs(cfg, geo, tax, emp, first["jobs"])
    courses, course_latent = make_courses(cfg, geo, tax, prov, first["courses"])
    gt = GroundTruth(
        seed=cfg.seed,
        size=cfg.size,
        parameters={
            "reference_date": reference_now().isoformat(),
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
    say("generated organisations, jobs and courses", cfg.n_jobs, cfg.n_jobs)
    counts: dict[str, int] = dict.fromkeys(loader.TABLES, 0)
    tables = loader.TABLES
    job_pools = {
        "dept": group_rows(np.where(jobs.arrays.remote, len(geo.departments), jobs.dept),
                           len(geo.departments) + 1),
        "occ": group_rows(jobs.occ, len(cat.occupation_ids)),
        "remote": group_rows(np.where(jobs.arrays.remote, 0, 1), 2),
    }  # fmt: skip
    online = courses.arrays.modality != 0
    course_pools = {
        "dept": group_rows(
            np.where(courses.arrays.modality == 1, len(geo.departments), courses.dept),
            len(geo.departments) + 1,
        ),
        "online": group_rows(np.where(online, 0, 1), 2),
        "occ": group_rows(courses.occ, len(cat.occupation_ids)),
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
                ppl = make_people_chunk(cfg, geo, tax, chunk, start, n, first["people"] + start, gt)
                inter, apps, certs = simulate_history(
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
