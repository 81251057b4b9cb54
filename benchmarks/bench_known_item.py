"""Benchmark: known-item job matching on real Peruvian public-sector postings (SERVIR).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_known_item.py [--seekers 200]
[--split test] [--cache-dir ~/.cache/chamba-bench] [--dump features.npz]``

It reads ``../shared/data/servir/postings_2025-01-14.csv`` at run time (3.6k postings; the
benchmark exits with status 2 when the file is absent) and loads every posting as an open job
into a fresh, migrated SQLite file with the built-in catalogue:

- title = ``job_title``; description = education, specialisation, experience, knowledge and
  skills sections, labelled as the posting labels them; place = the posting's district when the
  gazetteer resolves ``ubication_dist`` inside ``ubication_region``, else its department; wage =
  ``salary`` when plausible (S/ 930..30,000 a month); education from ``min_education``;
- dates shifted so that every posting is open at the benchmark's ``now``;
- skills from title + description with the same tagger as the web's "suggest skills"
  (:func:`chamba.nlp.service.suggest_job_skills_many`).

**Seekers.** A sample of postings (``--seekers``, from the ``--split``) each gives one seeker,
built only from that posting's ``required_knowledge`` and ``skills`` text, as a person would
use the product: the text is their self-description, the skills read from it are proposed
(:func:`chamba.people.service.propose_skills`) and all confirmed (``replace_skills``); they live
in the posting's department (its capital; no education, wage or hours given). Postings whose
requirement text has fewer than 3 words (``Ninguno``) make no seeker. The radius is lifted
(every open job passes the filters), so the whole matching pipeline ranks all postings.

**Truth.** The source posting, or any posting the seeker cannot tell from it: the same
requirement text (normalised) in the same department. ``hit@10``, ``hit@50`` (the truth among
the first 10 / 50) and MRR (1 / rank of the first true posting; 0 when it is not ranked) are
reported for three rankers in the same run:

- ``matching``: :func:`chamba.matching.service.rank_jobs` with the serving ``"jobs"`` scorer
  (candidate generation, features and scorer, as the API ranks);
- ``bm25``: ``bm25s`` over title + description of every posting, the seeker's text as query;
- ``embedding``: cosine of the seeker's and each posting's vectors (the matching indexes).

**Split.** Postings are split by a hash of their ``uuid`` into ``dev`` (tune weights and
formulas here) and ``test`` (report; never tuned on). ``--dump`` writes the matching features
of every candidate of every seeker (with the truth mask) to an ``.npz`` for offline analysis.
Vectors are cached in ``--cache-dir`` so a second run does not re-embed. One JSON object is
printed; the exit status is 0 when ``matching`` beats both baselines on hit@10 and MRR.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("CHAMBA_ENV", "test")
os.environ.setdefault("CHAMBA_SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")

SERVIR = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "servir" / "postings_2025-01-14.csv"
)
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
EDUCATION = {
    "primaria": "primary", "secundaria": "secondary", "tecnico": "technical",
    "egresado": "university", "bachiller": "university", "titulado": "university",
    "colegiado": "university", "magister": "postgraduate",
}  # fmt: skip
NOTHING = re.compile(r"^\W*(ninguno|ninguna|no aplica|no requiere|n/?a)\W*$", re.IGNORECASE)
SECTIONS = (
    ("educational_background", "Formación académica"),
    ("specialization", "Cursos y especialización"),
    ("required_experience", "Experiencia"),
    ("required_knowledge", "Conocimientos"),
    ("skills", "Habilidades"),
)


def split_of(uuid: str) -> str:
    """``"dev"`` or ``"test"``, stable for a posting (half and half by hash)."""
    return "dev" if int(hashlib.sha256(uuid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def _clean(value: str | None) -> str:
    value = (value or "").strip()
    return "" if NOTHING.match(value) else value


def seeker_text(row: dict[str, str]) -> str:
    """What the seeker built from this posting writes: its knowledge and skills text."""
    return ". ".join(p for p in (_clean(row["required_knowledge"]), _clean(row["skills"])) if p)


def description(row: dict[str, str]) -> str:
    parts = [f"{label}: {_clean(row[key])}" for key, label in SECTIONS if _clean(row[key])]
    return "\n".join(parts)


def wage(row: dict[str, str]) -> Decimal | None:
    try:
        value = float(row["salary"])
    except ValueError:
        return None
    return Decimal(str(round(value, 2))) if 930 <= value <= 30000 else None


def place(gaz: Any, row: dict[str, str]) -> tuple[str | None, str | None]:
    """(job ubigeo, department code) of a posting; the district when it resolves."""
    from chamba.geo.errors import UnknownUbigeo

    region = row["ubication_region"].strip()
    try:
        departments = gaz.find(region, level="department")
    except UnknownUbigeo:
        departments = []
    if not departments:
        return None, None
    dept = departments[0].code
    district = row["ubication_dist"].strip()
    found = gaz.find(district, level="district", within=dept) if district else []
    return (found[0].code if len(found) == 1 else dept), dept


def load_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _rank_of_truth(ranked_ids: list[int], truth: set[int]) -> int | None:
    for k, job_id in enumerate(ranked_ids):
        if job_id in truth:
            return k + 1
    return None


def _summary(ranks: list[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    return {
        "hit@10": round(sum(1 for r in ranks if r is not None and r <= 10) / n, 4),
        "hit@50": round(sum(1 for r in ranks if r is not None and r <= 50) / n, 4),
        "mrr": round(sum(1.0 / r for r in ranks if r is not None) / n, 4),
    }


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import bm25s
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from chamba.db import make_engine, migrate
    from chamba.geo.service import get_gazetteer
    from chamba.jobs.models import Job, JobSkill, JobStatus
    from chamba.matching.context import FeatureContext
    from chamba.matching.embeddings import build_indexes
    from chamba.matching.feature_cache import FeatureCache
    from chamba.matching.features import JOB_FEATURES
    from chamba.matching.filters import JobFilter
    from chamba.matching.scoring import get_scorer
    from chamba.matching.service import rank_jobs
    from chamba.nlp.encoder import CachedEncoder, EmbeddingCache, get_encoder
    from chamba.nlp.service import suggest_job_skills_many
    from chamba.people import service as people_service
    from chamba.people.models import Person
    from chamba.people.schemas import SkillChoice
    from chamba.taxonomy.catalogue import load_catalogue
    from chamba.text import normalize
    from chamba.vocab import Requirement

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rows = load_rows(args.data)
    gaz = get_gazetteer()
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate(engine)
    cache = EmbeddingCache(args.cache_dir / "embeddings")
    encoder = CachedEncoder(get_encoder(), cache)
    scorer = get_scorer("jobs")

    jobs_in: list[dict[str, Any]] = []
    for k, row in enumerate(rows):
        ubigeo, dept = place(gaz, row)
        if ubigeo is None:
            continue
        age = k % 14  # spread postings over two weeks before ``now``; all open for 30 days
        jobs_in.append(
            {
                "row": row, "ubigeo": ubigeo, "dept": dept,
                "key": (dept, normalize(seeker_text(row))),
                "title": row["job_title"].strip()[:300] or "Puesto",
                "description": description(row),
                "posted_at": NOW - timedelta(days=age),
            }
        )  # fmt: skip
    with Session(engine) as session:
        load_catalogue(session)
        session.commit()
        t = time.perf_counter()
        suggested = suggest_job_skills_many(
            session, [(j["title"], j["description"]) for j in jobs_in], encoder=encoder
        )
        timings["tag_jobs"] = time.perf_counter() - t
        for j, skills in zip(jobs_in, suggested, strict=True):
            row = j["row"]
            amount = wage(row)
            job = Job(
                title=j["title"], description=j["description"], ubigeo=j["ubigeo"],
                wage_min=amount, wage_max=amount,
                education_required=EDUCATION.get(row["min_education"].strip()),
                openings=max(1, int(row["vacancies"])) if row["vacancies"].isdigit() else 1,
                status=JobStatus.OPEN, posted_at=j["posted_at"],
                expires_at=j["posted_at"] + timedelta(days=30),
                external_id=row["uuid"], source="servir",
            )  # fmt: skip
            job.skills = [
                JobSkill(
                    skill_id=s.skill_id,
                    requirement=Requirement(s.requirement),
                    importance=s.importance,
                )  # fmt: skip
                for s in skills
            ]
            session.add(job)
            session.flush()
            j["id"] = job.id
        session.commit()
        truth_of: dict[tuple[str, str], set[int]] = defaultdict(set)
        for j in jobs_in:
            truth_of[j["key"]].add(j["id"])

        # seekers: describe -> confirm
        eligible = [
            j for j in jobs_in
            if split_of(j["row"]["uuid"]) in args.split
            and len(normalize(seeker_text(j["row"])).split()) >= 3
        ]  # fmt: skip
        rng = np.random.default_rng(args.seed)
        chosen = [eligible[int(i)] for i in rng.permutation(len(eligible))[: args.seekers]]
        t = time.perf_counter()
        seekers: list[tuple[int, dict[str, Any]]] = []
        no_skill = 0
        for j in chosen:
            text = seeker_text(j["row"])
            person = Person(ubigeo=j["dept"], self_description=text, languages=["es"], skills=[])
            session.add(person)
            session.flush()
            proposed = people_service.propose_skills(session, person, text, "es")
            people_service.replace_skills(
                session, person, [SkillChoice(id=p.skill_id) for p in proposed]
            )
            no_skill += not proposed
            seekers.append((person.id, j))
        session.commit()
        timings["seekers"] = time.perf_counter() - t

        t = time.perf_counter()
        indexes = build_indexes(session, encoder)
        timings["index"] = time.perf_counter() - t

        t = time.perf_counter()
        open_jobs = list(
            session.scalars(select(Job).where(Job.status == JobStatus.OPEN).order_by(Job.id))
        )
        job_ids = np.array([job.id for job in open_jobs], dtype=np.int64)
        corpus = [f"{job.title}\n{job.description}" for job in open_jobs]
        bm25 = bm25s.BM25()
        bm25.index(bm25s.tokenize(corpus, stopwords="es", show_progress=False), show_progress=False)
        job_vectors = np.asarray(indexes.jobs.get(job_ids.tolist()), dtype=np.float32)  # (J, d)
        timings["baselines_index"] = time.perf_counter() - t

        cache_of_features = FeatureCache()  # shared by the seekers, as a server's requests share it
        ranks: dict[str, list[int | None]] = {"matching": [], "bm25": [], "embedding": []}
        per_slice: dict[str, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
        dump: dict[str, list[Any]] = defaultdict(list)
        candidates: list[int] = []
        t = time.perf_counter()
        for seeker_no, (person_id, j) in enumerate(seekers):
            person = session.get_one(Person, person_id)
            truth = truth_of[j["key"]]
            ctx = FeatureContext(session, indexes, NOW, cache=cache_of_features)
            flt = JobFilter.for_person(person, now=NOW, max_distance_km=100_000.0)
            ranking = rank_jobs(ctx, person, flt, scorer=scorer)
            ranked = [ranking.jobs[int(i)].id for i in ranking.order]
            candidates.append(len(ranked))
            found = {
                "matching": _rank_of_truth(ranked, truth),
            }
            tokens = bm25s.tokenize(
                [person.self_description or ""], stopwords="es", show_progress=False,
                return_ids=False,
            )  # fmt: skip
            scores = (
                np.asarray(bm25.get_scores(tokens[0]), dtype=np.float64)
                if tokens and tokens[0]
                else np.zeros(len(open_jobs))
            )
            order = np.lexsort((job_ids, -scores))
            found["bm25"] = _rank_of_truth(job_ids[order].tolist(), truth)
            query = ctx.person_vectors([person])[0]  # (d,)
            cos = job_vectors @ query  # (J,)
            order = np.lexsort((job_ids, -cos))
            found["embedding"] = _rank_of_truth(job_ids[order].tolist(), truth)
            lima = "lima_callao" if j["dept"] in ("15", "07") else "other_regions"
            for name, rank in found.items():
                ranks[name].append(rank)
                per_slice[lima][name].append(rank)
            if args.dump:
                ids = np.array([job.id for job in ranking.jobs], dtype=np.int64)
                dump["X"].append(ranking.features)
                dump["truth"].append(np.isin(ids, list(truth)))
                dump["seeker"].append(np.full(ids.size, seeker_no, dtype=np.int64))
                dump["ids"].append(ids)
        timings["rank_and_evaluate"] = time.perf_counter() - t
    engine.dispose()
    cache.close()
    if args.dump:
        np.savez_compressed(
            args.dump,
            X=np.concatenate(dump["X"]) if dump["X"] else np.zeros((0, len(JOB_FEATURES))),
            truth=np.concatenate(dump["truth"]) if dump["truth"] else np.zeros(0, dtype=bool),
            seeker=np.concatenate(dump["seeker"]) if dump["seeker"] else np.zeros(0, np.int64),
            ids=np.concatenate(dump["ids"]) if dump["ids"] else np.zeros(0, np.int64),
            features=np.array(JOB_FEATURES),
        )

    metrics = {name: _summary(r) for name, r in ranks.items()}
    beats = all(
        metrics["matching"][m] > metrics[b][m]
        for b in ("bm25", "embedding")
        for m in ("hit@10", "mrr")
    )
    return {
        "benchmark": "known-item job matching on real SERVIR postings",
        "data": str(args.data),
        "split": "+".join(args.split),
        "seed": args.seed,
        "postings": len(jobs_in),
        "postings_with_skills": sum(1 for s in suggested if s),
        "seekers": len(seekers),
        "seekers_without_skills": no_skill,
        "encoder": encoder.model_id,
        "scorer": scorer.version,
        "candidates_per_seeker": round(float(np.mean(candidates)), 1) if candidates else 0,
        "truth": "the source posting or one with the same requirement text in the same department",
        "metrics": metrics,
        "slices": {
            s: {name: {**_summary(r), "seekers": len(r)} for name, r in by.items()}
            for s, by in sorted(per_slice.items())
        },
        "matching_beats_both": beats,
        "goal_met": beats
        and metrics["matching"]["hit@10"] >= 0.75
        and metrics["matching"]["mrr"] >= 0.55,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=SERVIR)
    parser.add_argument("--seekers", type=int, default=200)
    parser.add_argument("--split", choices=("dev", "test", "both"), default="test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "chamba-bench",
        help="data directory kept between runs (skill and text vectors)",
    )
    parser.add_argument("--dump", type=Path, default=None)
    args = parser.parse_args(argv)
    args.split = ("dev", "test") if args.split == "both" else (args.split,)
    if not args.data.exists():
        print(json.dumps({"skipped": f"{args.data} not found"}))
        return 2
    with tempfile.TemporaryDirectory(prefix="chamba-bench-known-item-") as tmp:
        os.environ["CHAMBA_DATA_DIR"] = str(args.cache_dir)
        result = run(args, Path(tmp))
    print(json.dumps(result, indent=2))
    return 0 if result["matching_beats_both"] else 1


if __name__ == "__main__":
    sys.exit(main())
