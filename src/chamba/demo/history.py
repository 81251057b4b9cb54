"""The demo's history: sessions, logged slates, clicks, applications, hires and courses
taken, simulated from the hidden ground truth."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from chamba.demo import loader
from chamba.demo.common import (
    COURSE_SLATE,
    HISTORY_DAYS,
    JOB_SLATE,
    BArr,
    DemoConfig,
    FArr,
    IArr,
    dates_at,
    draw_from_groups,
    reference_now,
    sigmoid,
    stream_rng,
)
from chamba.demo.ground_truth import (
    GroundTruth,
    PersonArrays,
)
from chamba.demo.people import PeopleChunk
from chamba.demo.postings import CourseSet, JobSet

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


def _sessions(rng: np.random.Generator, ppl: PeopleChunk, rate: FArr) -> tuple[IArr, FArr]:
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


def simulate_history(
    cfg: DemoConfig,
    chunk: int,
    ppl: PeopleChunk,
    jobs: JobSet,
    job_pools: dict[str, tuple[IArr, IArr]],
    courses: CourseSet,
    course_pools: dict[str, tuple[IArr, IArr]],
    gt: GroundTruth,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Interactions (as columns), applications and certified skills for one chunk."""
    rng = stream_rng(cfg.seed, 6, chunk)
    n = len(ppl.ids)
    ev = _Events()
    pa = ppl.arrays
    # Measured: ~5 logged events per job session, ~3 per course session (0.3 course sessions each).
    job_rate = cfg.interactions_per_person / (5.0 + 0.3 * 3.0)

    # ------------------------------------------------------------------ courses first
    cp, ct = _sessions(rng, ppl, np.full(n, 0.3 * job_rate))
    ns = len(cp)
    c_dept = draw_from_groups(rng, *course_pools["dept"], ppl.dept[cp], 5)
    c_online = draw_from_groups(rng, *course_pools["online"], np.zeros(ns, np.int64), 4)
    c_occ = draw_from_groups(rng, *course_pools["occ"], ppl.occ[cp], 3)
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
    opened = examine & (rng.random(len(pi)) < sigmoid(util + 0.3))
    enrolled = opened & (rng.random(len(pi)) < sigmoid(1.5 * (util - 1.2)))
    # one enrolment per (person, course)
    key = pi * (len(courses.ids) + 1) + ci
    first_enrol = np.zeros(len(pi), dtype=bool)
    idx = np.flatnonzero(enrolled)
    if len(idx):
        _, first = np.unique(key[idx], return_index=True)
        first_enrol[idx[first]] = True
    enrolled &= first_enrol
    t_done = t0 + courses.weeks[ci] * 7 + 14 * rng.random(len(pi))
    done = enrolled & (t_done <= 0) & (rng.random(len(pi)) < 0.85 * sigmoid(util + 0.5))
    # at most one completion per person (the earliest)
    completion_time = np.full(n, np.inf)
    completion_course = np.full(n, -1, dtype=np.int64)
    for k in np.flatnonzero(done)[np.argsort(t_done[done], kind="stable")]:
        if completion_course[pi[k]] < 0:
            completion_course[pi[k]] = ci[k]
            completion_time[pi[k]] = t_done[k]
    done &= completion_course[pi] == ci
    dismissed = examine & ~opened & (rng.random(len(pi)) < 0.35 * sigmoid(-util - 0.5))
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
        when = dates_at(np.array([completion_time[p]]))[0]
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
    j_dept = draw_from_groups(rng, *job_pools["dept"], ppl.dept[jp], 12)
    j_occ = draw_from_groups(rng, *job_pools["occ"], ppl.occ[jp], 6)
    j_rem = draw_from_groups(rng, *job_pools["remote"], np.zeros(ns, np.int64), 6)
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
    opened = examine & (rng.random(m) < sigmoid(util + 0.3))
    applied = opened & (rng.random(m) < sigmoid(1.5 * (util - 2.0)))
    key = pi * (len(jobs.ids) + 1) + ji
    first_apply = np.zeros(m, dtype=bool)
    idx1 = np.flatnonzero(applied)
    if len(idx1):
        order = idx1[np.lexsort((t0[idx1], key[idx1]))]
        _, first = np.unique(key[order], return_index=True)
        first_apply[order[first]] = True
    applied &= first_apply
    saved = opened & ~applied & (rng.random(m) < 0.2 * sigmoid(util))
    dismissed = examine & ~opened & (rng.random(m) < 0.35 * sigmoid(-util - 0.5))
    reason = _reasons(terms, JOB_REASONS, {"skill_essential": gt.job_weights.skill_essential})
    # employer side: interviews and hires depend on skills and education, not on taste
    fit = terms["skill_essential"] / gt.job_weights.skill_essential
    edu_ok = terms["education"] == 0
    t_apply = t0 + rng.uniform(2, 20, m) / 1440
    t_decide = t_apply + rng.uniform(2, 12, m)
    interview = applied & (rng.random(m) < sigmoid(-2.0 + 2.5 * fit + 0.5 * edu_ok))
    interview_done = interview & (t_decide <= 0)
    t_hire = t_decide + rng.uniform(2, 14, m)
    hired = interview_done & (rng.random(m) < sigmoid(-1.5 + 1.5 * fit + rng.normal(0, 0.5, m)))
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
    created_at, updated_at = dates_at(t_apply[a]), dates_at(updated)
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
    picked: npt.NDArray[np.object_] = texts_[np.argmin(stack, axis=1)]  # (pairs,)
    return picked


def _person_key(seed: int, index: int) -> str:
    return hashlib.blake2b(f"chamba-demo:{seed}:{index}".encode(), digest_size=16).hexdigest()


def _interaction_columns(cfg: DemoConfig, ppl: PeopleChunk, ev: _Events) -> dict[str, list[Any]]:
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
        reference_now().timestamp()
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
