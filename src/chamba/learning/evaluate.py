"""Offline evaluation: the trained ranker against the rule-based, BM25 and embedding baselines.

Two label sources, evaluated in one run and reported side by side:

``interactions`` (always)
    The held-out **test split** of a :class:`~chamba.learning.dataset.Dataset`: each query group
    (a logged slate) is re-ranked by every model using the as-of features; graded gain = the
    example's grade (0..4), relevant = grade >= 1. Groups without any positive are skipped.
    Calibration (ECE, 10 bins) is measured here: each model's scores are mapped to
    P(positive feedback) by a Platt sigmoid fitted on the **validation split**.

``ground_truth`` (when a :class:`GroundTruth` is passed in, e.g. the demo's hidden model)
    For each person of the test split it knows, **all** their hard-filtered open jobs
    (:func:`~chamba.matching.filters.filter_jobs` at the evaluation instant) ranked by every
    model; relevance is its noise-free utility (the demo's: :mod:`chamba.demo.ground_truth`):
    gain 3/2/1/0 at the 90th/70th/50th utility percentile of the person's candidates, relevant =
    top decile (the rule of ``benchmarks/bench_ranking.py``). People with fewer than
    ``min_candidates`` candidates are skipped.

Metrics per model: NDCG@10, MAP, MRR, Recall@10/50, Precision@1/5/10 (means over queries),
coverage (share of the catalogue - the jobs that were candidates anywhere - that appears in at
least one top-10) and ECE. The report's top-level metrics of each model are those of the
*primary* source: ``ground_truth`` when present, else ``interactions``.

**Slices** (fairness): per person, by region (department), area (urban: Lima Metropolitana -
province 1501 -, Callao and every department capital's province - province code ``XX01``;
rural: the rest), gender and age band. A slice is reported only with at least
:data:`MIN_SLICE_PEOPLE` people (privacy threshold; smaller ones are counted as suppressed);
a reported slice whose NDCG@10 is more than :data:`GAP_THRESHOLD` below the model's overall
NDCG@10 is flagged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.jobs.models import Job
from chamba.learning import repository
from chamba.learning.dataset import Dataset
from chamba.learning.metrics import (
    METRIC_NAMES,
    coverage,
    expected_calibration_error,
    mean_metrics,
    platt_apply,
    platt_fit,
    query_metrics,
    top_k_ids,
)
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import MatchIndexes, job_texts
from chamba.matching.features import JOB_FEATURES, job_features
from chamba.matching.filters import JobFilter, filter_jobs
from chamba.matching.repository import skill_labels
from chamba.matching.scoring import Scorer, rule_based
from chamba.people.models import Person

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
ProgressFn = Callable[[str, int, int], None]

MODELS: Final = ("ranker", "rule_based", "bm25", "embedding")
MIN_SLICE_PEOPLE: Final = 20
GAP_THRESHOLD: Final = 0.05
SLICE_DIMENSIONS: Final = ("region", "area", "gender", "age_band")
AGE_BANDS: Final = ((0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"))


class QueryModel(Protocol):
    """Scores the candidates of one query: ``(person, item ids, features (n, F)) -> (n,)``."""

    def score_query(self, person: Person, ids: np.ndarray, X: np.ndarray) -> np.ndarray: ...


@dataclass
class FeatureModel:
    """A :class:`Scorer` over the feature matrix (the ranker, the rule-based scorer)."""

    scorer: Scorer

    def score_query(self, person: Person, ids: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.scorer.score(X), dtype=np.float64)


@dataclass
class EmbeddingModel:
    """Cosine of the person's and the job's text vectors alone (the ``semantic`` column)."""

    column: int = JOB_FEATURES.index("semantic")

    def score_query(self, person: Person, ids: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.asarray(X[:, self.column], dtype=np.float64)


class BM25Model:
    """``bm25s`` over job texts (title, skills, description); the query is the person's
    self-description plus the labels of their skills."""

    def __init__(self, session: Session, jobs: Sequence[Job]) -> None:
        import bm25s

        self.row = {j.id: k for k, j in enumerate(jobs)}
        self.session = session
        corpus = bm25s.tokenize(job_texts(session, list(jobs)), stopwords=None, show_progress=False)
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        self.n = len(jobs)
        self._queries: dict[int, np.ndarray] = {}

    def _all_scores(self, person: Person) -> np.ndarray:
        import bm25s

        if person.id in self._queries:
            return self._queries[person.id]
        skill_ids = repository.skill_ids_of_person(self.session, person.id)
        labels = skill_labels(self.session, skill_ids)
        words = [labels[s][0] for s in skill_ids if s in labels]
        query = " ".join([person.self_description or "", *words])
        tokens = bm25s.tokenize([query], stopwords=None, show_progress=False, return_ids=False)
        scores = np.zeros(self.n)
        if tokens and tokens[0] and self.n:
            scores = np.asarray(self.bm25.get_scores(tokens[0]), dtype=np.float64)
        self._queries[person.id] = scores
        return scores

    def score_query(self, person: Person, ids: np.ndarray, X: np.ndarray) -> np.ndarray:
        scores = self._all_scores(person)
        return np.array([scores[self.row[int(i)]] if int(i) in self.row else 0.0 for i in ids])


# ---------------------------------------------------------------------- slices


def area_of(ubigeo: str | None) -> str:
    """``"urban"`` for Lima Metropolitana, Callao and the department capitals' provinces
    (province code ``XX01``), ``"rural"`` otherwise, ``"unknown"`` without a place."""
    if not ubigeo or len(ubigeo) < 4:
        return "unknown"
    if ubigeo[:2] == "07" or ubigeo[2:4] == "01":
        return "urban"
    return "rural"


def region_of(ubigeo: str | None) -> str:
    """The department's name (``"unknown"`` without a place)."""
    if not ubigeo or len(ubigeo) < 2:
        return "unknown"
    from chamba.geo.service import get_gazetteer

    try:
        return get_gazetteer().get(ubigeo[:2]).name
    except Exception:  # an unknown code is a slice of its own, never an error
        return ubigeo[:2]


def age_band(birth_year: int | None, year: int) -> str:
    """Age band at ``year``: ``<25``, ``25-34``, ``35-44``, ``45-54``, ``55+`` or ``unknown``."""
    if not birth_year:
        return "unknown"
    age = year - birth_year
    for lo, hi, name in AGE_BANDS:
        if lo <= age < hi:
            return name
    return "55+"


def slice_labels(person: Person, year: int) -> dict[str, str]:
    """The person's slice in each of :data:`SLICE_DIMENSIONS`."""
    return {
        "region": region_of(person.ubigeo),
        "area": area_of(person.ubigeo),
        "gender": (person.gender or "unknown").lower(),
        "age_band": age_band(person.birth_year, year),
    }


def slice_report(
    per_person: Mapping[str, Mapping[int, float]],
    labels: Mapping[int, Mapping[str, str]],
    overall: Mapping[str, float],
) -> dict[str, Any]:
    """Per model, dimension and value: people, NDCG@10, gap to overall, flagged.

    Args:
        per_person: ``{model: {person_id: ndcg@10}}``.
        labels: ``{person_id: {dimension: value}}``.
        overall: ``{model: overall ndcg@10}``.
    """
    out: dict[str, Any] = {}
    for model, values in per_person.items():
        dims: dict[str, Any] = {}
        for dim in SLICE_DIMENSIONS:
            groups: dict[str, list[float]] = defaultdict(list)
            for pid, v in values.items():
                groups[labels[pid][dim]].append(v)
            rows: dict[str, Any] = {}
            suppressed = 0
            for value in sorted(groups):
                vals = groups[value]
                if len(vals) < MIN_SLICE_PEOPLE:
                    suppressed += 1
                    continue
                ndcg = float(np.mean(vals))
                gap = ndcg - overall[model]
                rows[value] = {
                    "people": len(vals),
                    "ndcg@10": round(ndcg, 4),
                    "gap": round(gap, 4),
                    "flagged": bool(gap < -GAP_THRESHOLD),
                }
            dims[dim] = {"slices": rows, "suppressed_slices": suppressed}
        out[model] = dims
    return out


def flagged_gaps(slices: Mapping[str, Any], source: str) -> list[dict[str, Any]]:
    """The flagged slices as a flat list (for the report's summary)."""
    found = []
    for model, dims in slices.items():
        for dim, body in dims.items():
            for value, row in body["slices"].items():
                if row["flagged"]:
                    found.append(
                        {"source": source, "model": model, "dimension": dim, "slice": value,
                         "ndcg@10": row["ndcg@10"], "gap": row["gap"], "people": row["people"]}
                    )  # fmt: skip
    return found


# ---------------------------------------------------------------------- evaluation


@dataclass
class SourceResult:
    """Metrics of every model on one label source."""

    queries: int
    people: int
    metrics: dict[str, dict[str, float]]
    per_person: dict[str, dict[int, float]] = field(default_factory=dict)


def _round(d: Mapping[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in d.items()}


def evaluate_logged(
    session: Session,
    dataset: Dataset,
    models: Mapping[str, QueryModel],
    people: Mapping[int, Person],
) -> SourceResult:
    """Re-rank the test split's logged groups with every model (see the module docstring)."""
    test = dataset.mask("test")
    val = dataset.mask("validation")
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in models}
    person_vals: dict[str, dict[int, list[float]]] = {m: defaultdict(list) for m in models}
    tops: dict[str, list[np.ndarray]] = {m: [] for m in models}
    scored: dict[str, dict[str, list[np.ndarray]]] = {
        m: {"validation": [], "test": []} for m in models
    }
    labels: dict[str, list[np.ndarray]] = {"validation": [], "test": []}
    catalogue: set[int] = set()
    n_queries = 0
    for split, mask in (("validation", val), ("test", test)):
        idx = np.flatnonzero(mask)
        if not idx.size:
            continue
        groups = dataset.group[idx]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ends = np.r_[starts[1:], idx.size]
        for s, e in zip(starts, ends, strict=True):
            rows_ = idx[s:e]
            pid = int(dataset.person_id[rows_[0]])
            person = people.get(pid)
            if person is None:
                continue
            X = dataset.features[rows_].astype(np.float64)
            ids = dataset.item_id[rows_]
            grade = dataset.grade[rows_]
            labels[split].append(grade >= 1)
            if split == "test":
                catalogue.update(int(i) for i in ids)
            for name, model in models.items():
                scores = model.score_query(person, ids, X)
                scored[name][split].append(scores)
                if split != "test" or grade.max() <= 0:
                    continue
                m = query_metrics(scores, ids, grade.astype(np.float64), grade >= 1)
                rows[name].append(m)
                person_vals[name][pid].append(m["ndcg@10"])
                tops[name].append(top_k_ids(scores, ids, 10))
            if split == "test" and grade.max() > 0:
                n_queries += 1
    metrics: dict[str, dict[str, float]] = {}
    for name in models:
        m = mean_metrics(rows[name])
        m["coverage"] = coverage(tops[name], len(catalogue))
        v_scores = np.concatenate(scored[name]["validation"] or [np.zeros(0)])
        t_scores = np.concatenate(scored[name]["test"] or [np.zeros(0)])
        v_labels = np.concatenate(labels["validation"] or [np.zeros(0, bool)])
        t_labels = np.concatenate(labels["test"] or [np.zeros(0, bool)])
        params = platt_fit(v_scores, v_labels)
        m["ece"] = expected_calibration_error(platt_apply(t_scores, params), t_labels)
        metrics[name] = _round(m)
    per_person = {
        name: {pid: float(np.mean(v)) for pid, v in vals.items()}
        for name, vals in person_vals.items()
    }
    n_people = len(per_person[next(iter(models))]) if models else 0
    return SourceResult(n_queries, n_people, metrics, per_person)


def relevance_from_utility(utility: np.ndarray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Graded gains 3/2/1/0 at the 90/70/50th utility percentiles, relevant = top decile."""
    p50, p70, p90 = np.percentile(utility, [50, 70, 90])
    gains: FloatArray = np.select(
        [utility >= p90, utility >= p70, utility >= p50], [3.0, 2.0, 1.0], 0.0
    )
    return gains, utility >= p90


class GroundTruth(Protocol):
    """The true utility of jobs, known apart from the logged feedback; evaluation receives it
    as data (the demo's hidden model, :class:`chamba.demo.ground_truth.GroundTruth`)."""

    def knows_person(self, person: Person) -> bool:
        """Whether it holds the person's utilities."""
        ...

    def knows_job(self, job: Job) -> bool:
        """Whether it holds the job's utilities."""
        ...

    def job_utility(self, person: Person, skills: Sequence[str], jobs: Sequence[Job]) -> FloatArray:
        """``(len(jobs),)`` utilities of ``jobs`` for ``person`` holding ``skills``."""
        ...


def evaluate_ground_truth(
    session: Session,
    indexes: MatchIndexes | None,
    gt: GroundTruth,
    models: Mapping[str, QueryModel],
    people: Sequence[Person],
    now: datetime,
    *,
    min_candidates: int = 10,
    progress: ProgressFn | None = None,
) -> SourceResult:
    """Rank each person's filtered open jobs with every model against the hidden utility."""
    ctx = FeatureContext(session, indexes, now)
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in models}
    per_person: dict[str, dict[int, float]] = {m: {} for m in models}
    tops: dict[str, list[np.ndarray]] = {m: [] for m in models}
    catalogue: set[int] = set()
    job_cache: dict[int, Job] = {}
    for k, person in enumerate(people):
        if progress is not None:
            progress("evaluate (ground truth)", k + 1, len(people))
        if not gt.knows_person(person):
            continue
        filtered = filter_jobs(session, JobFilter.for_person(person, now=now, hide_dismissed=False))
        if len(filtered) < min_candidates:
            continue
        ids = filtered.ids
        missing = [int(i) for i in ids if int(i) not in job_cache]
        if missing:
            for job in repository.jobs_with_skills(session, missing):
                job_cache[job.id] = job
        jobs = [job_cache[int(i)] for i in ids]
        if not all(gt.knows_job(j) for j in jobs):
            jobs_ok = [(i, j) for i, j in zip(ids, jobs, strict=True) if gt.knows_job(j)]
            if len(jobs_ok) < min_candidates:
                continue
            ids = np.array([i for i, _ in jobs_ok], dtype=np.int64)
            jobs = [j for _, j in jobs_ok]
        skills = list(ctx.skills_of_people([person.id])[person.id])
        utility = gt.job_utility(person, skills, jobs)  # (n,)
        gains, relevant = relevance_from_utility(utility)
        X = job_features(ctx, person, jobs)  # (n, F)
        catalogue.update(int(i) for i in ids)
        for name, model in models.items():
            scores = model.score_query(person, ids, X)
            m = query_metrics(scores, ids, gains, relevant)
            rows[name].append(m)
            per_person[name][person.id] = m["ndcg@10"]
            tops[name].append(top_k_ids(scores, ids, 10))
    metrics: dict[str, dict[str, float]] = {}
    for name in models:
        m = mean_metrics(rows[name])
        m["coverage"] = coverage(tops[name], len(catalogue))
        metrics[name] = _round(m)
    n = len(rows[next(iter(models))]) if models else 0
    return SourceResult(n, n, metrics, per_person)


def baseline_models(session: Session, ranker: Scorer | None) -> dict[str, QueryModel]:
    """The four models of a report (``ranker`` only when given), in :data:`MODELS` order."""
    jobs = repository.all_jobs(session)
    models: dict[str, QueryModel] = {}
    if ranker is not None:
        models["ranker"] = FeatureModel(ranker)
    models["rule_based"] = FeatureModel(rule_based("jobs"))
    models["bm25"] = BM25Model(session, jobs)
    models["embedding"] = EmbeddingModel()
    return models


def evaluate_all(
    session: Session,
    indexes: MatchIndexes | None,
    dataset: Dataset,
    ranker: Scorer | None,
    *,
    ground_truth: GroundTruth | None = None,
    now: datetime | None = None,
    min_candidates: int = 10,
    max_people: int | None = 400,
    extra_models: Mapping[str, Scorer] | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Evaluate the ranker and the three baselines on both label sources; one report dict.

    Args:
        session: database session (read only).
        indexes: vector indexes (for features and the embedding baseline).
        dataset: the dataset whose validation/test splits are used.
        ranker: the trained ranker (``None``: baselines only).
        ground_truth: a known true utility (the demo's hidden model), if available.
        now: the evaluation instant for the ground-truth candidates (default: the dataset's
            last interaction).
        min_candidates: see the module docstring.
        max_people: at most this many test people for the ground-truth source (sorted by id,
            evenly sampled), to bound the time of a report.
        extra_models: more feature scorers to evaluate (e.g. the serving model, for promotion).
        progress: ``progress(stage, done, total)``.

    Returns:
        ``{model: {metric: value, "interactions": {...}, "ground_truth": {...}}, "slices": ...,
        "gaps": [...], "primary": source, "people": {...}}``.
    """
    models = baseline_models(session, ranker)
    for name, scorer in (extra_models or {}).items():
        models[name] = FeatureModel(scorer)
    test_people_ids = sorted({int(p) for p in dataset.person_id[dataset.mask("test")]})
    eval_people_ids = sorted(
        {int(p) for p in dataset.person_id[dataset.mask("test") | dataset.mask("validation")]}
    )
    people = repository.rows_by_id(session, Person, eval_people_ids)
    if now is None:
        now = (
            datetime.fromtimestamp(int(dataset.time.max()), UTC)
            if len(dataset)
            else datetime.now(UTC)
        )
    year = now.year
    labels = {pid: slice_labels(p, year) for pid, p in people.items()}
    sources: dict[str, SourceResult] = {}
    sources["interactions"] = evaluate_logged(session, dataset, models, people)
    if ground_truth is not None:
        chosen = [people[p] for p in test_people_ids if p in people]
        if max_people is not None and len(chosen) > max_people:
            pick = np.linspace(0, len(chosen) - 1, max_people).round().astype(int)
            chosen = [chosen[i] for i in sorted(set(pick.tolist()))]
        sources["ground_truth"] = evaluate_ground_truth(
            session, indexes, ground_truth, models, chosen, now,
            min_candidates=min_candidates, progress=progress,
        )  # fmt: skip
    primary = "ground_truth" if "ground_truth" in sources else "interactions"
    report: dict[str, Any] = {"primary": primary, "evaluated_at": now.isoformat()}
    for name in models:
        entry: dict[str, Any] = dict(sources[primary].metrics[name])
        if "ece" not in entry:
            entry["ece"] = sources["interactions"].metrics[name]["ece"]
        for source, result in sources.items():
            entry[source] = result.metrics[name]
        report[name] = entry
    report["slices"] = {}
    report["gaps"] = []
    for source, result in sources.items():
        overall = {m: result.metrics[m]["ndcg@10"] for m in models}
        sl = slice_report(result.per_person, labels, overall)
        report["slices"][source] = sl
        report["gaps"] += flagged_gaps(sl, source)
    report["people"] = {s: r.people for s, r in sources.items()}
    report["queries"] = {s: r.queries for s, r in sources.items()}
    report["metric_names"] = [*METRIC_NAMES, "coverage", "ece"]
    report["slice_rules"] = {
        "min_people": MIN_SLICE_PEOPLE,
        "gap_threshold": GAP_THRESHOLD,
        "urban": "Lima Metropolitana (province 1501), Callao (07) and every department "
        "capital's province (province code XX01); the rest rural",
    }
    return report
