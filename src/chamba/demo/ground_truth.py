"""The hidden ground-truth preference model behind the demo's interaction histories.

The demo draws every simulated click, application and enrolment from a utility that ranking
models never see. It is saved beside the data (``ground_truth.json`` and ``ground_truth.npz``)
so that a model trained on the logged interactions can be evaluated against the *true*
relevance of any (person, job) or (person, course) pair, not only against what was logged.

Job utility, for person ``p`` and job ``j`` (every term documented in :class:`JobWeights`)::

    u(p, j) = skill_essential * coverage_essential(p, j)      # importance-weighted share held
            + skill_optional  * coverage_optional(p, j)
            + distance        * (exp(-km(p, j) / distance_km) - 1)   # on-site jobs only
            + remote_not_ready                                 # remote job, no internet/device
            + wage            * tanh((wage_j - expected_p) / (wage_scale * expected_p))
            + hours           * (share of the job's time slots the person has free - 1)
            + education_gap   * max(0, required_level - person_level)
            + occupation_match * [job occupation == the person's target occupation]
            + latent          * taste_p . latent_j             # hidden per-person taste
            (+ noise ~ N(0, noise_sd) on every simulated exposure, not in true_utility)

Course utility (:class:`CourseWeights`)::

    u(p, c) = skill_gap * share of the course's skills that the person's target occupation
                          needs as essential and the person lacks
            + cost * effective_cost_c / expected_wage_p  (+ free_bonus if free)
            + in-person: distance * (exp(-km / distance_km) - 1); online: online_not_ready
              when the person has no internet or device; hybrid: half of both
            + overload * max(0, weekly_hours_c - availability_p / 2) / 10
            + education_gap * max(0, required_level - person_level)
            + latent * taste_p . latent_c
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chamba.vocab import TIME_SLOTS, EducationLevel

GT_JSON = "ground_truth.json"
GT_NPZ = "ground_truth.npz"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EDU_RANK: dict[str, int] = {level.value: level.rank for level in EducationLevel}
MODALITY_CODE: dict[str, int] = {"in_person": 0, "online": 1, "hybrid": 2}
_SLOT_BIT: dict[str, int] = {slot: 1 << i for i, slot in enumerate(TIME_SLOTS)}
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class JobWeights:
    """Weights of the job utility (see the module docstring)."""

    skill_essential: float = 2.5
    skill_optional: float = 0.5
    distance: float = 2.0
    distance_km: float = 25.0
    remote_not_ready: float = -2.5
    wage: float = 1.0
    wage_scale: float = 0.3
    hours: float = 1.0
    education_gap: float = -0.7
    occupation_match: float = 0.6
    latent: float = 1.0
    noise_sd: float = 0.6


@dataclass(frozen=True)
class CourseWeights:
    """Weights of the course utility (see the module docstring)."""

    skill_gap: float = 2.5
    cost: float = -1.5
    free_bonus: float = 0.3
    distance: float = 1.5
    distance_km: float = 20.0
    online_not_ready: float = -2.5
    overload: float = -0.5
    education_gap: float = -0.7
    latent: float = 1.0
    noise_sd: float = 0.6


def person_external_id(i: int) -> str:
    return f"demo-person-{i:07d}"


def job_external_id(i: int) -> str:
    return f"demo-job-{i:06d}"


def course_external_id(i: int) -> str:
    return f"demo-course-{i:06d}"


def ordinal(external_id: str) -> int:
    """The array row of a demo object from its external id (``demo-job-000042`` -> 42)."""
    return int(external_id.rsplit("-", 1)[1])


def slot_mask(slots: Iterable[str]) -> int:
    """Weekly time slots as a 28-bit mask."""
    mask = 0
    for slot in slots:
        mask |= _SLOT_BIT.get(slot, 0)
    return mask


def haversine(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle distance in km, element-wise; inputs in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


@dataclass
class PersonArrays:
    """People as columns. ``skills`` is a dense (n, n_skills) boolean matrix."""

    index: IntArray  # (n,) row in the ground-truth latent arrays
    lat: FloatArray
    lon: FloatArray
    expected_wage: FloatArray
    avail_hours: FloatArray
    slots: IntArray  # (n,) bitmask of TIME_SLOTS
    remote_ready: BoolArray
    edu_rank: IntArray
    target_occ: IntArray  # (n,) occupation row, -1 unknown
    skills: BoolArray  # (n, n_skills)


@dataclass
class JobArrays:
    """Jobs as columns; skills padded to ``K`` columns with ``-1``."""

    index: IntArray
    lat: FloatArray
    lon: FloatArray
    remote: BoolArray
    wage: FloatArray  # monthly PEN, NaN when unknown
    slots: IntArray
    hours: FloatArray
    edu_rank: IntArray  # -1: none required
    occ: IntArray
    skill_idx: IntArray  # (m, K)
    skill_w: FloatArray  # (m, K) importance
    skill_ess: BoolArray  # (m, K)


@dataclass
class CourseArrays:
    """Courses as columns; skills padded to ``K`` columns with ``-1``."""

    index: IntArray
    lat: FloatArray
    lon: FloatArray
    modality: IntArray  # MODALITY_CODE
    cost: FloatArray  # effective cost in PEN (0 when free, reduced with a scholarship)
    is_free: BoolArray
    weekly_hours: FloatArray
    edu_rank: IntArray
    skill_idx: IntArray  # (m, K)


@dataclass
class GroundTruth:
    """The hidden model: weights, vocabularies and latent vectors, loadable from disk."""

    seed: int
    size: int
    parameters: dict[str, Any]
    skills: list[str]
    occupations: list[str]
    occupation_essential: list[list[int]]  # skill rows per occupation
    person_taste: npt.NDArray[np.float32]  # (n_people, d)
    person_target: IntArray  # (n_people,) occupation row
    job_latent: npt.NDArray[np.float32]  # (n_jobs, d)
    course_latent: npt.NDArray[np.float32]  # (n_courses, d)
    job_weights: JobWeights = field(default_factory=JobWeights)
    course_weights: CourseWeights = field(default_factory=CourseWeights)

    def __post_init__(self) -> None:
        self.skill_row = {s: i for i, s in enumerate(self.skills)}
        self.occ_row = {o: i for i, o in enumerate(self.occupations)}
        ess = np.zeros((len(self.occupations), len(self.skills)), dtype=bool)
        for o, rows in enumerate(self.occupation_essential):
            ess[o, rows] = True
        self.occ_essential_matrix = ess  # (n_occ, n_skills)

    # ------------------------------------------------- what offline evaluation asks of it

    def knows_person(self, person: object) -> bool:
        """Whether the hidden model holds ``person`` (a demo person)."""
        return str(_get(person, "external_id") or "").startswith("demo-person-")

    def knows_job(self, job: object) -> bool:
        """Whether the hidden model holds ``job`` (a demo job)."""
        return str(_get(job, "external_id") or "").startswith("demo-job-")

    def job_utility(
        self, person: object, skills: Sequence[str], jobs: Sequence[object]
    ) -> FloatArray:
        """The noise-free utility of each of ``jobs`` for ``person`` holding ``skills``.

        Returns:
            ``(len(jobs),)`` utilities (the sum of :meth:`job_terms`).
        """
        parr = person_arrays(self, [_WithSkills(person, skills)])
        jarr = job_arrays(self, jobs)
        ji = np.arange(len(jobs), dtype=np.int64)
        terms = self.job_terms(parr, jarr, np.zeros_like(ji), ji)
        return np.asarray(np.sum(list(terms.values()), axis=0), dtype=np.float64)  # (n,)

    # ------------------------------------------------------------------ utilities on arrays

    def job_terms(
        self, p: PersonArrays, j: JobArrays, pi: IntArray, ji: IntArray
    ) -> dict[str, FloatArray]:
        """The weighted utility terms for pairs ``(pi[k], ji[k])`` (rows of ``p`` and ``j``)."""
        w = self.job_weights
        idx = j.skill_idx[ji]  # (pairs, K)
        valid = idx >= 0
        held = p.skills[pi[:, None], np.where(valid, idx, 0)] & valid  # (pairs, K)
        imp = j.skill_w[ji] * valid
        ess = j.skill_ess[ji]
        ess_w, opt_w = imp * ess, imp * ~ess
        ess_tot, opt_tot = ess_w.sum(1), opt_w.sum(1)
        cov_ess = np.where(ess_tot > 0, (ess_w * held).sum(1) / np.maximum(ess_tot, 1e-9), 1.0)
        cov_opt = np.where(opt_tot > 0, (opt_w * held).sum(1) / np.maximum(opt_tot, 1e-9), 0.0)
        km = haversine(p.lat[pi], p.lon[pi], j.lat[ji], j.lon[ji])
        remote = j.remote[ji]
        distance = np.where(remote, 0.0, w.distance * (np.exp(-km / w.distance_km) - 1.0))
        not_ready = np.where(remote & ~p.remote_ready[pi], w.remote_not_ready, 0.0)
        expected = np.maximum(p.expected_wage[pi], 1.0)
        wage = j.wage[ji]
        wage_term = np.where(
            np.isnan(wage),
            0.0,
            w.wage * np.tanh((np.nan_to_num(wage) - expected) / (w.wage_scale * expected)),
        )
        jslots = j.slots[ji]
        n_job = np.bitwise_count(jslots).astype(np.float64)
        n_both = np.bitwise_count(jslots & p.slots[pi]).astype(np.float64)
        by_hours = np.minimum(1.0, p.avail_hours[pi] / np.maximum(j.hours[ji], 1.0))
        fit = np.where(n_job > 0, n_both / np.maximum(n_job, 1.0), by_hours)
        edu_gap = np.maximum(0, j.edu_rank[ji] - p.edu_rank[pi]).astype(np.float64)
        occ_match = (j.occ[ji] == p.target_occ[pi]) & (j.occ[ji] >= 0)
        latent = np.einsum(
            "kd,kd->k",
            self.person_taste[p.index[pi]].astype(np.float64),
            self.job_latent[j.index[ji]].astype(np.float64),
        )
        return {
            "skill_essential": w.skill_essential * cov_ess,
            "skill_optional": w.skill_optional * cov_opt,
            "distance": distance,
            "remote": not_ready,
            "wage": wage_term,
            "hours": w.hours * (fit - 1.0),
            "education": w.education_gap * edu_gap,
            "occupation": w.occupation_match * occ_match,
            "latent": w.latent * latent,
        }

    def course_terms(
        self, p: PersonArrays, c: CourseArrays, pi: IntArray, ci: IntArray
    ) -> dict[str, FloatArray]:
        """The weighted course-utility terms for pairs ``(pi[k], ci[k])``."""
        w = self.course_weights
        idx = c.skill_idx[ci]  # (pairs, K)
        valid = idx >= 0
        safe = np.where(valid, idx, 0)
        held = p.skills[pi[:, None], safe] & valid
        target = p.target_occ[pi]
        needed = self.occ_essential_matrix[np.maximum(target, 0)[:, None], safe] & valid
        needed &= (target >= 0)[:, None]
        gap = (needed & ~held).sum(1) / np.maximum(valid.sum(1), 1)
        expected = np.maximum(p.expected_wage[pi], 300.0)
        cost = w.cost * c.cost[ci] / expected + np.where(c.is_free[ci], w.free_bonus, 0.0)
        km = haversine(p.lat[pi], p.lon[pi], c.lat[ci], c.lon[ci])
        near = w.distance * (np.exp(-km / w.distance_km) - 1.0)
        online = np.where(p.remote_ready[pi], 0.0, w.online_not_ready)
        mod = c.modality[ci]
        access = np.select([mod == 0, mod == 1], [near, online], 0.5 * (near + online))
        overload = w.overload * np.maximum(0.0, c.weekly_hours[ci] - p.avail_hours[pi] / 2) / 10
        edu_gap = np.maximum(0, c.edu_rank[ci] - p.edu_rank[pi]).astype(np.float64)
        latent = np.einsum(
            "kd,kd->k",
            self.person_taste[p.index[pi]].astype(np.float64),
            self.course_latent[c.index[ci]].astype(np.float64),
        )
        return {
            "skill_gap": w.skill_gap * gap,
            "cost": cost,
            "access": access,
            "overload": overload,
            "education": w.education_gap * edu_gap,
            "latent": w.latent * latent,
        }

    # ------------------------------------------------------------------ persistence

    def save(self, out_dir: Path) -> tuple[Path, Path]:
        """Write ``ground_truth.json`` and ``ground_truth.npz`` (byte-identical for equal input)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        doc = {
            "model": "chamba-demo-ground-truth-v1",
            "description": (__doc__ or "").strip(),
            "seed": self.seed,
            "size": self.size,
            "parameters": self.parameters,
            "job_weights": asdict(self.job_weights),
            "course_weights": asdict(self.course_weights),
            "skills": self.skills,
            "occupations": self.occupations,
            "occupation_essential": self.occupation_essential,
            "external_ids": {
                "person": "demo-person-{i:07d}",
                "job": "demo-job-{i:06d}",
                "course": "demo-course-{i:06d}",
                "note": "row i of the npz arrays belongs to the object with ordinal i",
            },
            "arrays": {
                "person_taste": "(n_people, d) float32 hidden taste vectors",
                "person_target": "(n_people,) int64 row in `occupations` the person aims at",
                "job_latent": "(n_jobs, d) float32",
                "course_latent": "(n_courses, d) float32",
            },
        }
        json_path, npz_path = out_dir / GT_JSON, out_dir / GT_NPZ
        json_path.write_text(
            json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        arrays: dict[str, np.ndarray[Any, Any]] = {
            "person_taste": self.person_taste,
            "person_target": self.person_target,
            "job_latent": self.job_latent,
            "course_latent": self.course_latent,
        }
        _write_npz(npz_path, arrays)
        return json_path, npz_path


def _write_npz(path: Path, arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    """Like ``np.savez`` but with fixed zip timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, buffer.getvalue())


def load_ground_truth_if_any(folder: Path | None) -> GroundTruth | None:
    """The hidden ground truth saved in ``folder`` (``chamba demo`` saves it in
    ``<data_dir>/demo``), or ``None`` when it is not there."""
    if folder is None or not (folder / GT_JSON).is_file():
        return None
    return load_ground_truth(folder)


def load_ground_truth(out_dir: Path) -> GroundTruth:
    """Read the ground truth saved by the demo generator in ``out_dir``."""
    doc = json.loads((out_dir / GT_JSON).read_text(encoding="utf-8"))
    with np.load(out_dir / GT_NPZ, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return GroundTruth(
        seed=doc["seed"],
        size=doc["size"],
        parameters=doc["parameters"],
        skills=doc["skills"],
        occupations=doc["occupations"],
        occupation_essential=doc["occupation_essential"],
        person_taste=arrays["person_taste"],
        person_target=arrays["person_target"],
        job_latent=arrays["job_latent"],
        course_latent=arrays["course_latent"],
        job_weights=JobWeights(**doc["job_weights"]),
        course_weights=CourseWeights(**doc["course_weights"]),
    )


# ---------------------------------------------------------------------- rows -> arrays


def _get(row: object, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


class _WithSkills:
    """A person row with an explicit skill list, for :func:`person_arrays` (ORM skills load
    lazily)."""

    def __init__(self, person: object, skills: Sequence[str]) -> None:
        self._p = person
        self.skills = list(skills)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._p, name)


def _coords(ubigeo: str | None) -> tuple[float, float]:
    from chamba.geo.service import get_gazetteer

    if not ubigeo:
        return (float("nan"), float("nan"))
    place = get_gazetteer().get(ubigeo)
    return place.lat, place.lon


def _skill_ids(skills: Iterable[object]) -> list[str]:
    return [s if isinstance(s, str) else str(_get(s, "skill_id")) for s in skills]


def person_arrays(gt: GroundTruth, rows: Sequence[Any]) -> PersonArrays:
    """Columns for people given as ORM ``Person`` objects (skills loaded) or mappings.

    A row needs ``external_id``, ``ubigeo``, ``expected_wage``, ``availability_hours``,
    ``availability_slots``, ``has_internet``, ``device``, ``education_level`` and ``skills``
    (skill ids or objects with ``skill_id``).
    """
    n = len(rows)
    skills = np.zeros((n, len(gt.skills)), dtype=bool)
    lat, lon = np.empty(n), np.empty(n)
    for k, row in enumerate(rows):
        lat[k], lon[k] = _coords(_get(row, "ubigeo"))
        for sid in _skill_ids(_get(row, "skills", []) or []):
            if sid in gt.skill_row:
                skills[k, gt.skill_row[sid]] = True
    index = np.array([ordinal(str(_get(r, "external_id"))) for r in rows], dtype=np.int64)
    device = [str(_get(r, "device", "none") or "none") for r in rows]
    return PersonArrays(
        index=index,
        lat=lat,
        lon=lon,
        expected_wage=np.array([float(_get(r, "expected_wage") or 0) for r in rows]),
        avail_hours=np.array([float(_get(r, "availability_hours") or 0) for r in rows]),
        slots=np.array([slot_mask(_get(r, "availability_slots") or []) for r in rows], np.int64),
        remote_ready=np.array(
            [
                bool(_get(r, "has_internet")) and d != "none"
                for r, d in zip(rows, device, strict=True)
            ]
        ),
        edu_rank=np.array([EDU_RANK.get(str(_get(r, "education_level")), 0) for r in rows]),
        target_occ=gt.person_target[index].astype(np.int64),
        skills=skills,
    )


def _padded(lists: Sequence[Sequence[Any]], fill: Any, dtype: Any) -> np.ndarray:
    width = max((len(x) for x in lists), default=0) or 1
    out = np.full((len(lists), width), fill, dtype=dtype)
    for k, values in enumerate(lists):
        out[k, : len(values)] = values
    return out


def job_arrays(gt: GroundTruth, rows: Sequence[Any]) -> JobArrays:
    """Columns for jobs given as ORM ``Job`` objects (skills loaded) or mappings.

    ``skills`` holds objects or mappings with ``skill_id``, ``requirement``, ``importance``.
    """
    idx, wts, ess = [], [], []
    lat, lon = np.empty(len(rows)), np.empty(len(rows))
    for k, row in enumerate(rows):
        lat[k], lon[k] = _coords(_get(row, "ubigeo"))
        i_, w_, e_ = [], [], []
        for s in _get(row, "skills", []) or []:
            sid = str(_get(s, "skill_id"))
            if sid in gt.skill_row:
                i_.append(gt.skill_row[sid])
                w_.append(float(_get(s, "importance", 1.0) or 1.0))
                e_.append(str(_get(s, "requirement")) == "essential")
        idx.append(i_)
        wts.append(w_)
        ess.append(e_)

    def wage(row: Any) -> float:
        lo, hi = _get(row, "wage_min"), _get(row, "wage_max")
        if lo is None and hi is None:
            return float("nan")
        return (float(lo if lo is not None else hi) + float(hi if hi is not None else lo)) / 2

    edu = [_get(r, "education_required") for r in rows]
    return JobArrays(
        index=np.array([ordinal(str(_get(r, "external_id"))) for r in rows], dtype=np.int64),
        lat=lat,
        lon=lon,
        remote=np.array([bool(_get(r, "remote")) for r in rows]),
        wage=np.array([wage(r) for r in rows]),
        slots=np.array([slot_mask(_get(r, "schedule") or []) for r in rows], dtype=np.int64),
        hours=np.array([float(_get(r, "hours_per_week") or 0) for r in rows]),
        edu_rank=np.array([EDU_RANK.get(str(e), -1) if e else -1 for e in edu], dtype=np.int64),
        occ=np.array([gt.occ_row.get(str(_get(r, "occupation_id")), -1) for r in rows]),
        skill_idx=_padded(idx, -1, np.int64),
        skill_w=_padded(wts, 0.0, np.float64),
        skill_ess=_padded(ess, False, bool),
    )


def course_arrays(gt: GroundTruth, rows: Sequence[Any]) -> CourseArrays:
    """Columns for courses given as ORM ``Course`` objects (skills loaded) or mappings."""
    lat, lon = np.empty(len(rows)), np.empty(len(rows))
    idx = []
    for k, row in enumerate(rows):
        lat[k], lon[k] = _coords(_get(row, "ubigeo"))
        ids = _skill_ids(_get(row, "skills", []) or [])
        idx.append([gt.skill_row[s] for s in ids if s in gt.skill_row])
    edu = [_get(r, "education_required") for r in rows]
    return CourseArrays(
        index=np.array([ordinal(str(_get(r, "external_id"))) for r in rows], dtype=np.int64),
        lat=lat,
        lon=lon,
        modality=np.array([MODALITY_CODE[str(_get(r, "modality"))] for r in rows]),
        cost=np.array(
            [
                effective_cost(
                    float(_get(r, "cost") or 0),
                    bool(_get(r, "is_free")),
                    bool(_get(r, "scholarship")),
                )
                for r in rows
            ]
        ),
        is_free=np.array([bool(_get(r, "is_free")) for r in rows]),
        weekly_hours=np.array(
            [float(_get(r, "hours") or 0) / max(1.0, float(_get(r, "weeks") or 1)) for r in rows]
        ),
        edu_rank=np.array([EDU_RANK.get(str(e), -1) if e else -1 for e in edu], dtype=np.int64),
        skill_idx=_padded(idx, -1, np.int64),
    )


def effective_cost(cost: float, is_free: bool, scholarship: bool) -> float:
    """What the person would pay: nothing if free, 30% with a scholarship."""
    if is_free:
        return 0.0
    return cost * 0.3 if scholarship else cost


def true_utility(gt: GroundTruth, person_row: Any, job_row: Any) -> float:
    """The noise-free utility of a job for a person under the hidden model.

    Pass the person's skills as of the moment you evaluate (the simulation counted skills
    certified by a course only for exposures after the course was completed).

    Example:
        >>> gt = load_ground_truth(out_dir)  # doctest: +SKIP
        >>> true_utility(gt, person, job)  # ORM rows with ``skills`` loaded  # doctest: +SKIP
        1.73
    """
    p, j = person_arrays(gt, [person_row]), job_arrays(gt, [job_row])
    zero = np.zeros(1, dtype=np.int64)
    return float(np.sum(list(gt.job_terms(p, j, zero, zero).values()), axis=0)[0])


def true_course_utility(gt: GroundTruth, person_row: Any, course_row: Any) -> float:
    """The noise-free utility of a course for a person under the hidden model."""
    p, c = person_arrays(gt, [person_row]), course_arrays(gt, [course_row])
    zero = np.zeros(1, dtype=np.int64)
    return float(np.sum(list(gt.course_terms(p, c, zero, zero).values()), axis=0)[0])
