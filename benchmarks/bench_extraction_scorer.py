"""Benchmark: a learned scorer over skill candidates vs. the rule-based extractor, on
labelled splits nobody trained it on (issue 12 item 8); prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_extraction_scorer.py
        [--holdout blind3_dev,blind2_dev,blind_dev,informal_dev,dev] [--features all|no_rules]

Candidates of a text: what the rules find at their calibrated thresholds (negated skills
included, :meth:`~chamba.nlp.extraction.SkillExtractor.decide`), what a wider rule pass finds
(semantic threshold 0.80, weak lexicon hits unverified), and the top 3 catalogue skills of each
unit (clause) by cosine >= 0.55 over every label and reviewed synonym. Per candidate: how the two
rule passes saw it (claimed, negated, by a label or synonym, confidence) -- left out with
``--features no_rules`` --, its best cosine to a unit, its rank and gap there, whether that unit
is negated, a wish or about someone else, its words, the evidence's words, other skills claimed
in the unit, rivals in the unit, skills claimed in the text, the text's length and language.

For each hold-out split, a logistic regression (scikit-learn, lbfgs, C=1) is trained on the
other tunable splits, its decision threshold chosen by leave-one-split-out cross-validation
inside them (pooled out-of-fold probabilities, best F1), and both the rules and the scorer are
scored on the held-out split in the same run: aggregates only (micro P/R/F1 over catalogue
skills, recall counted against every gold skill, candidate recall), never a text. Only tunable
splits are read (a ``*_test`` split is refused). ``ms_per_text``: the rule path (analyse +
decide) and the scorer path (analyse + two rule passes + features + model) on the held-out texts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bench_extraction import catalogue_records, load_labelled  # noqa: E402

from chamba.nlp.cues import Found, carried_wishes, unit_negated  # noqa: E402
from chamba.nlp.encoder import EmbeddingCache, get_encoder  # noqa: E402
from chamba.nlp.extraction import Analysis, SkillExtractor  # noqa: E402

TUNABLE = ("dev", "informal_dev", "blind_dev", "blind2_dev", "blind3_dev")
#: Features that read the rule passes' decisions (left out by ``--features no_rules``).
RULE_FEATURES = frozenset(
    "rule_claimed rule_negated rule_lexicon rule_confidence wide_claimed wide_negated "
    "wide_confidence".split()
)

#: Semantic threshold of the wider rule pass.
WIDE_THRESHOLD = 0.80
#: Verify threshold of the wider rule pass (weak lexicon hits kept whatever their similarity).
WIDE_VERIFY = 0.0
#: Semantic candidates per unit, and the cosine they need.
TOP_K = 3
SEMANTIC_FLOOR = 0.55

#: Feature names, in the order of the vector.
FEATURES: tuple[str, ...] = (
    "rule_claimed",  # the calibrated rules claim it
    "rule_negated",  # the calibrated rules found it negated (or not the writer's)
    "rule_lexicon",  # ... by a label or synonym
    "rule_confidence",
    "wide_claimed",  # the wider pass claims it
    "wide_negated",
    "wide_confidence",
    "wide_only",  # only the wider pass finds it
    "semantic_only",  # only the top-k similarity proposes it
    "cosine",  # best cosine of a unit to the skill
    "top1",  # the skill is the most similar of some unit
    "rank_inverse",  # 1 / best rank in a unit
    "gap",  # cosine minus the best cosine of that unit
    "unit_negated",  # that unit holds a negation, a wish or another person
    "unit_words",  # content words of that unit (capped at 8) / 8
    "evidence_words",  # words of the rules' evidence (capped at 6) / 6
    "covered",  # that unit holds another skill the rules claim
    "rivals",  # other candidates of the same unit (capped at 5) / 5
    "text_claims",  # skills the rules claim in the text (capped at 10) / 10
    "text_words",  # log(1 + words of the text)
    "english",
    "cosine_x_semantic_only",
)


@dataclass(slots=True)
class Candidate:
    """One skill proposed for one text, with what the passes saw of it."""

    skill: int  # index into the extractor's skills
    rule: Found | None = None
    wide: Found | None = None
    unit: int | None = None  # the unit most similar to the skill
    cosine: float = 0.0
    rank: int = 0  # 1 = most similar skill of that unit; 0 = not in any unit's top-k
    gap: float = 0.0
    values: dict[str, float] = field(default_factory=dict)


def _unit_of(units: Sequence[Any], start: int) -> int | None:
    for u, unit in enumerate(units):
        if unit.start <= start < max(unit.end, unit.start + 1):
            return u
    return None


def candidates(
    extractor: SkillExtractor,
    analyses: Sequence[Analysis],
    rule_found: Sequence[Mapping[str, Found]],
    wide_found: Sequence[Mapping[str, Found]],
) -> list[list[Candidate]]:
    """Candidates of each analysed text with their features (``Candidate.values``).

    Args:
        extractor: the :class:`~chamba.nlp.extraction.SkillExtractor` that analysed the texts.
        analyses: :meth:`~chamba.nlp.extraction.SkillExtractor.analyse` of the texts.
        rule_found: the calibrated rule pass of each text (negated skills included).
        wide_found: the wider rule pass of each text.
    """
    by_id: Mapping[str, int] = extractor._by_id
    catalogue = ~extractor._is_esco  # (n_skills,)
    out: list[list[Candidate]] = []
    for item, rule, wide in zip(analyses, rule_found, wide_found, strict=True):
        tokens, units, rows = item.tokens, item.units, item.rows
        by_skill: dict[int, Candidate] = {}
        for sid, found in rule.items():
            by_skill.setdefault(by_id[sid], Candidate(by_id[sid])).rule = found
        for sid, found in wide.items():
            by_skill.setdefault(by_id[sid], Candidate(by_id[sid])).wide = found
        unit_best: dict[int, float] = {}
        for u, row in rows.items():
            masked = np.where(catalogue, row, -1.0)  # (n_skills,)
            top = np.argsort(-masked, kind="stable")[:TOP_K]
            unit_best[u] = float(masked[top[0]])
            for rank, s in enumerate(top, start=1):
                cos = float(masked[s])
                if cos < SEMANTIC_FLOOR:
                    break
                cand = by_skill.setdefault(int(s), Candidate(int(s)))
                if cand.rank == 0 or rank < cand.rank:
                    cand.rank = rank
        carried = carried_wishes(tokens, units)
        claimed_units: dict[int, set[int]] = {}
        for sid, found in rule.items():
            if not found.result.negated:
                where = _unit_of(units, found.result.start)
                if where is not None:
                    claimed_units.setdefault(where, set()).add(by_id[sid])
        for cand in by_skill.values():
            if rows:
                best_u, best_cos = max(
                    ((u, float(row[cand.skill])) for u, row in rows.items()), key=lambda x: x[1]
                )
                cand.unit, cand.cosine = best_u, best_cos
                cand.gap = best_cos - unit_best[best_u]
        per_unit: dict[int, int] = {}
        for cand in by_skill.values():
            if cand.unit is not None:
                per_unit[cand.unit] = per_unit.get(cand.unit, 0) + 1
        text_claims = sum(1 for f in rule.values() if not f.result.negated)
        english = 1.0 if item.lang == "en" else 0.0
        text_words = math.log1p(len(tokens))
        for cand in by_skill.values():
            r, w = cand.rule, cand.wide
            unit = units[cand.unit] if cand.unit is not None else None
            seen = r or w
            ev_words = len(seen.result.evidence.split()) if seen is not None else 0
            v = {
                "rule_claimed": float(r is not None and not r.result.negated),
                "rule_negated": float(r is not None and r.result.negated),
                "rule_lexicon": float(r is not None and r.result.method == "lexicon"),
                "rule_confidence": r.result.confidence if r is not None else 0.0,
                "wide_claimed": float(w is not None and not w.result.negated),
                "wide_negated": float(w is not None and w.result.negated),
                "wide_confidence": w.result.confidence if w is not None else 0.0,
                "wide_only": float(r is None and w is not None),
                "semantic_only": float(r is None and w is None),
                "cosine": cand.cosine,
                "top1": float(cand.rank == 1),
                "rank_inverse": 1.0 / cand.rank if cand.rank else 0.0,
                "gap": cand.gap,
                "unit_negated": float(
                    unit is not None and (unit_negated(tokens, unit) or cand.unit in carried)
                ),
                "unit_words": min(
                    8, sum(not tokens[i].is_stop for i in range(unit.first, unit.last + 1))
                )
                / 8
                if unit is not None
                else 0.0,
                "evidence_words": min(6, ev_words) / 6,
                "covered": float(
                    cand.unit is not None
                    and bool(claimed_units.get(cand.unit, set()) - {cand.skill})
                ),
                "rivals": min(5, per_unit.get(cand.unit, 1) - 1) / 5
                if cand.unit is not None
                else 0.0,
                "text_claims": min(10, text_claims) / 10,
                "text_words": text_words,
                "english": english,
            }
            v["cosine_x_semantic_only"] = v["cosine"] * v["semantic_only"]
            cand.values = v
        out.append(sorted(by_skill.values(), key=lambda c: c.skill))
    return out


def matrix(cands: Sequence[Candidate], names: Sequence[str]) -> np.ndarray:
    """``(n, len(names))`` feature matrix of ``cands``."""
    return np.array([[c.values[n] for n in names] for c in cands], dtype=np.float64).reshape(
        len(cands), len(names)
    )


def load_rows(splits: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``splits`` (tunable ones only; a test split is refused before reading)."""
    bad = [s for s in splits if s not in TUNABLE]
    if bad:
        raise SystemExit(f"only tunable splits may be read: {bad}")
    return [r for r in load_labelled("all") if r["split"] in set(splits)]


Model = tuple[np.ndarray, np.ndarray, np.ndarray, float]


def fit(x: np.ndarray, y: np.ndarray) -> Model:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((x - mean) / scale, y)
    return mean, scale, model.coef_[0], float(model.intercept_[0])


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    mean, scale, coef, b = model
    out: np.ndarray = 1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ coef + b)))  # (n,)
    return out


def prf(keep: np.ndarray, y: np.ndarray, gold: int) -> dict[str, float]:
    tp, fp = int((keep & (y == 1)).sum()), int((keep & (y == 0)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--holdout", default="blind3_dev,blind2_dev,blind_dev,informal_dev,dev")
    parser.add_argument("--features", choices=("all", "no_rules"), default="all")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "embeddings")
    args = parser.parse_args(argv)
    holdouts = [s for s in args.holdout.split(",") if s]
    rows = load_rows(TUNABLE)
    names = [n for n in FEATURES if args.features == "all" or n not in RULE_FEATURES]
    cache = EmbeddingCache(args.cache)
    records, _ = catalogue_records()
    extractor = SkillExtractor(records, get_encoder(threads=4), cache=cache)
    extractor.build_index()
    analyses = extractor.analyse([r["text"] for r in rows])
    rule = extractor.decide(analyses)
    wide = extractor.decide(analyses, threshold=WIDE_THRESHOLD, verify_threshold=WIDE_VERIFY)
    per_text = candidates(extractor, analyses, rule, wide)
    flat = [c for cands in per_text for c in cands]
    x = matrix(flat, names)  # (n_candidates, n_features)
    text_of = np.array([t for t, cands in enumerate(per_text) for _ in cands])
    y = np.array(
        [
            int(extractor.skills[c.skill].id in rows[t]["skills"])
            for t, c in zip(text_of, flat, strict=True)
        ]
    )
    claimed = np.array([c.rule is not None and not c.rule.result.negated for c in flat])
    split = np.array([r["split"] for r in rows])
    gold = {s: sum(len(r["skills"]) for r in rows if r["split"] == s) for s in TUNABLE}
    report: dict[str, Any] = {"features": names, "candidates": len(flat), "holdout": {}}
    for held in holdouts:
        train = [s for s in TUNABLE if s != held]
        oof_p, oof_y = [], []
        for inner in train:
            fit_on = np.isin(split[text_of], [s for s in train if s != inner])
            on = split[text_of] == inner
            oof_p.append(predict(fit(x[fit_on], y[fit_on]), x[on]))
            oof_y.append(y[on])
        p_all, y_all = np.concatenate(oof_p), np.concatenate(oof_y)
        train_gold = sum(gold[s] for s in train)
        taus = [round(0.2 + i / 100, 2) for i in range(61)]
        tau = max(taus, key=lambda t: (prf(p_all >= t, y_all, train_gold)["f1"], -t))
        fit_on = np.isin(split[text_of], train)
        model = fit(x[fit_on], y[fit_on])
        on = split[text_of] == held
        kept = predict(model, x[on]) >= tau
        report["holdout"][held] = {
            "trained_on": train,
            "threshold": tau,
            "texts": int((split == held).sum()),
            "candidate_recall": round(int(y[on].sum()) / gold[held], 4),
            "rules": prf(claimed[on], y[on], gold[held]),
            "scorer": prf(kept, y[on], gold[held]),
        }
    texts = [r["text"] for r in rows if r["split"] == holdouts[0]]
    started = time.perf_counter()
    timed = extractor.analyse(texts)
    extractor.decide(timed)
    rules_s = time.perf_counter() - started
    started = time.perf_counter()
    timed = extractor.analyse(texts)
    r_pass = extractor.decide(timed)
    w_pass = extractor.decide(timed, threshold=WIDE_THRESHOLD, verify_threshold=WIDE_VERIFY)
    cands = [c for cs in candidates(extractor, timed, r_pass, w_pass) for c in cs]
    predict(model, matrix(cands, names))
    scorer_s = time.perf_counter() - started
    report["ms_per_text"] = {
        "texts": len(texts),
        "rules": round(1000 * rules_s / len(texts), 2),
        "scorer": round(1000 * scorer_s / len(texts), 2),
    }
    cache.close()
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")
    main()
