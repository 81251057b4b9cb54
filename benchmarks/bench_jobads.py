"""Benchmark skill tagging of real job-ad requirement lines; prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_jobads.py [--split dev|test|all] [--no-esco]
        [--esco ../shared/data/esco] [--cache var/embeddings] [--errors]

The labelled set is ``tests/data/jobad_requirements.jsonl``: requirement lines of real postings
(``../shared/data/servir`` and ``../shared/data/jobs-ar``, each with its source id), labelled by
reading the line with every stated requirement the taxonomy covers (the built-in catalogue plus
ESCO); a requirement is a group of acceptable skill ids (a catalogue skill or its ESCO twin).
The taxonomy is built as a user gets it: the catalogue loaded and ESCO imported into a temporary
SQLite database (by default the ESCO bundled in the package; ``--esco DIR`` imports an official
export instead; ``--no-esco`` measures the catalogue alone).

Variants, same run, same extractor:

- ``jobad``: the job-ad mode (:func:`chamba.nlp.jobads.extract_job_ads`), what the web and the
  importers use for postings;
- ``generic``: the free-text extractor on the raw line (the previous job tagging);
- ``baseline``: exact labels, Spanish and English preferred labels found as whole words of the
  accent/case-folded line (no synonyms, no model).

Metrics: precision = predicted ids that belong to some gold group / predicted ids; recall = gold
groups hit by a prediction / gold groups (micro, over lines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chamba.nlp.encoder import EmbeddingCache  # noqa: E402
from chamba.nlp.extraction import SkillExtractor  # noqa: E402
from chamba.nlp.jobads import extract_job_ads  # noqa: E402
from chamba.nlp.schemas import SkillRecord  # noqa: E402
from chamba.text import normalize  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "jobad_requirements.jsonl"
Predict = Callable[[Sequence[str]], list[set[str]]]


def load_rows(split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def taxonomy_records(esco: Path | None, with_esco: bool) -> tuple[list[SkillRecord], float]:
    """Skill records of a fresh database: catalogue, then ESCO (bundled or from ``esco``)."""
    from chamba.db import make_engine, migrate, session_scope
    from chamba.taxonomy import repository
    from chamba.taxonomy.catalogue import load_catalogue
    from chamba.taxonomy.esco import import_bundled_esco, import_esco

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        with session_scope(engine) as session:
            load_catalogue(session)
        if with_esco:
            with session_scope(engine) as session:
                if esco is not None:
                    import_esco(session, esco, langs=["es", "en"])
                else:
                    import_bundled_esco(session)
        with session_scope(engine) as session:
            records = [SkillRecord.from_obj(s) for s in repository.iter_skills(session)]
        engine.dispose()
    return records, time.perf_counter() - started


def exact_labels(records: Sequence[SkillRecord]) -> Predict:
    """Preferred labels (es, en) as whole words of the normalised text."""
    patterns = []
    for r in records:
        for label in {normalize(r.label_es), normalize(r.label_en)}:
            if len(label) >= 3:
                patterns.append((re.compile(rf"(?<!\w){re.escape(label)}(?!\w)"), r.id))

    def predict(texts: Sequence[str]) -> list[set[str]]:
        out = []
        for text in texts:
            folded = normalize(text)
            out.append({sid for pattern, sid in patterns if pattern.search(folded)})
        return out

    return predict


def score(rows: Sequence[dict[str, Any]], predicted: Sequence[set[str]]) -> dict[str, Any]:
    n_pred = correct = groups = hit = 0
    for row, pred in zip(rows, predicted, strict=True):
        gold = [set(g) for g in row["skills"]]
        union = set().union(*gold) if gold else set()
        n_pred += len(pred)
        correct += len(pred & union)
        groups += len(gold)
        hit += sum(bool(g & pred) for g in gold)
    p = correct / n_pred if n_pred else 0.0
    r = hit / groups if groups else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
        "predicted": n_pred,
        "correct": correct,
        "requirements": groups,
        "found": hit,
    }


def errors(rows: Sequence[dict[str, Any]], predicted: Sequence[set[str]]) -> list[dict[str, Any]]:
    out = []
    for row, pred in zip(rows, predicted, strict=True):
        gold = [set(g) for g in row["skills"]]
        union = set().union(*gold) if gold else set()
        fp = sorted(pred - union)
        fn = [sorted(g) for g in gold if not g & pred]
        if fp or fn:
            out.append({"id": row["id"], "text": row["text"], "fp": fp, "fn": fn})
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("dev", "test", "all"))
    parser.add_argument("--esco", type=Path, help="an official ESCO CSV export to import")
    parser.add_argument("--no-esco", action="store_true", help="the catalogue alone")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "embeddings")
    parser.add_argument("--errors", action="store_true", help="list the job-ad mode's errors")
    args = parser.parse_args(argv)

    rows = load_rows(args.split)
    records, build_s = taxonomy_records(args.esco, not args.no_esco)
    extractor = SkillExtractor(records, cache=EmbeddingCache(args.cache))
    started = time.perf_counter()
    extractor.build_index()
    index_s = time.perf_counter() - started
    texts = [r["text"] for r in rows]

    variants: dict[str, Predict] = {
        "jobad": lambda ts: [{s.skill_id for s in f} for f in extract_job_ads(extractor, ts)],
        "generic": lambda ts: [{s.skill_id for s in f} for f in extractor.extract_many(ts)],
        "baseline": exact_labels(records),
    }
    result: dict[str, Any] = {
        "split": args.split,
        "lines": len(rows),
        "skills_in_taxonomy": len(records),
        "esco": "none" if args.no_esco else str(args.esco or "bundled"),
        "taxonomy_build_s": round(build_s, 1),
        "index_s": round(index_s, 1),
        "variants": {},
    }
    for name, predict in variants.items():
        started = time.perf_counter()
        predicted = predict(texts)
        elapsed = time.perf_counter() - started
        result["variants"][name] = {
            **score(rows, predicted),
            "lines_per_s": round(len(texts) / elapsed, 1) if elapsed else None,
        }
        if args.errors and name == "jobad":
            result["errors"] = errors(rows, predicted)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
