"""Extraction quality on the held-out test split of ``tests/data/extraction_labelled.jsonl``.

The gates sit about 0.02 below the measured scores to tolerate noise; the project targets are
precision 0.85 and recall 0.75. ``benchmarks/bench_extraction.py`` reports the real numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from chamba.nlp.encoder import TextEncoder
from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.schemas import SkillRecord

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "extraction_labelled.jsonl"
SKILLS_CSV = ROOT / "src" / "chamba" / "taxonomy" / "data" / "skills.csv"


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]


def _catalogue() -> list[SkillRecord]:
    with SKILLS_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            SkillRecord(
                id=row["id"],
                label_es=row["label_es"],
                label_en=row["label_en"],
                synonyms_es=tuple(s for s in row["synonyms_es"].split("|") if s.strip()),
                synonyms_en=tuple(s for s in row["synonyms_en"].split("|") if s.strip()),
                esco_uri=row.get("esco_uri") or None,
            )
            for row in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def catalogue_extractor(use_encoder: TextEncoder) -> SkillExtractor:
    if not SKILLS_CSV.is_file():
        pytest.skip("the built-in catalogue skills.csv is not present")
    return SkillExtractor(_catalogue(), use_encoder)


def test_labelled_set_is_well_formed() -> None:
    rows = _rows()
    assert len(rows) >= 600
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)
    assert {r["split"] for r in rows} == {
        "dev",
        "test",
        "informal_dev",
        "informal_test",
        "blind_dev",
        "blind_test",
        "blind2_dev",
        "blind2_test",
        "blind3_dev",
        "blind3_test",
        "blind4_dev",
        "blind4_test",
        "blind5_dev",
        "blind5_test",
        "blind6_dev",
        "blind6_test",
    }
    # The held-out test split (256 texts) is never used to tune; the dev split (372: 112 first,
    # 260 written later to find errors that generalise) is.
    assert sum(r["split"] == "test" for r in rows) >= 250
    assert sum(r["split"] == "dev" for r in rows) >= 300
    # Informal self-descriptions (slang, typos, no accents, English, several trades), labelled
    # against the catalogue before the extractor ran on them: informal_test is never tuned on.
    informal = [r for r in rows if r["split"].startswith("informal_")]
    assert sum(r["split"] == "informal_test" for r in informal) >= 140
    assert sum(r["split"] == "informal_dev" for r in informal) >= 140
    assert sum(r["lang"] == "en" for r in informal) >= 30
    if SKILLS_CSV.is_file():
        known = {r.id for r in _catalogue()}
        for row in rows:
            assert set(row["skills"]) <= known, row["id"]
            assert set(row.get("negated", [])) <= known, row["id"]


#: Each blind split of informal self-descriptions (issue 12 item 8): ``(split, id prefix, at
#: least this many texts, at least this many in English)``. Each set was written by someone who
#: had not seen the extractor, its code or its output, and labelled from the catalogue's labels
#: and descriptions only; its ``*_dev`` half may be tuned on, its ``*_test`` half never is.
BLIND_SPLITS = [
    # w001-w240
    ("blind_dev", "w", 120, 12),
    ("blind_test", "w", 120, 12),
    # z001-z200, written later by another helper
    ("blind2_dev", "z", 100, 10),
    ("blind2_test", "z", 100, 10),
    # y001-y200 (23 in English), written and labelled by helper h12w, who never ran or read the
    # extractor, its code, its synonyms or any output (catalogue's ids, labels, descriptions)
    ("blind3_dev", "y", 100, 10),
    ("blind3_test", "y", 100, 10),
    # v001-v200 (24 in English), the same way by helper h12v; split by a seeded shuffle (4242)
    # stratified by language
    ("blind4_dev", "v", 120, 8),
    ("blind4_test", "v", 80, 8),
    # u001-u160 (16 in English), the same way by helper h12w; seeded shuffle (5160) stratified
    # by language
    ("blind5_dev", "u", 80, 8),
    ("blind5_test", "u", 80, 8),
    # s001-s160 (16 in English), the same way by helper h12w; seeded shuffle (6160) stratified
    # by language
    ("blind6_dev", "s", 80, 8),
    ("blind6_test", "s", 80, 8),
]


@pytest.mark.parametrize(("split", "prefix", "size", "english"), BLIND_SPLITS)
def test_blind_split_is_well_formed(split: str, prefix: str, size: int, english: int) -> None:
    blind = [r for r in _rows() if r["split"] == split]
    assert len(blind) >= size
    assert sum(r["lang"] == "en" for r in blind) >= english
    assert all(r["id"].startswith(prefix) and r["lang"] in {"es", "en"} for r in blind)
    assert all(r["text"].strip() == r["text"] and r["text"] for r in blind)
    # Wishes are not skills; "negated" lists what the text denies
    assert all(not set(r["skills"]) & set(r.get("negated", [])) for r in blind)


def _test_split_scores(extractor: SkillExtractor, split: str = "test") -> tuple[float, float]:
    rows = [r for r in _rows() if r["split"] == split]
    predicted = extractor.extract_many([r["text"] for r in rows])
    tp = fp = fn = 0
    for row, found in zip(rows, predicted, strict=True):
        pred = {s.skill_id for s in found}
        gold = set(row["skills"])
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    return tp / (tp + fp), tp / (tp + fn)


def test_quality_meets_targets(catalogue_extractor: SkillExtractor) -> None:
    # Measured when written: precision 0.853, recall 0.801 on the test split (threshold 0.90,
    # verify 0.30, picked on the dev split: precision 0.910, recall 0.784); 0.873 / 0.810 after
    # the informal-text work (issue 12 item 8). The gates sit ~0.02 below; the project targets
    # are precision 0.85 and recall 0.75.
    # 0.879 / 0.813 after the blind2_dev work (issue 12 item 8), never tuned on; 0.877 / 0.842
    # with the catalogue's informal phrasings; 0.884 / 0.839 with stricter verification of
    # one-word hits in free text.
    precision, recall = _test_split_scores(catalogue_extractor)
    assert precision >= 0.865, f"precision {precision:.3f} recall {recall:.3f}"
    assert recall >= 0.82, f"precision {precision:.3f} recall {recall:.3f}"


def test_quality_on_informal_text_meets_targets(catalogue_extractor: SkillExtractor) -> None:
    # informal_test (145 texts, never tuned on), measured when written: precision 0.896, recall
    # 0.847 (0.829 / 0.744 before the informal-text work). Goal P >= 0.85, R >= 0.80; the gates
    # sit ~0.02 below the measured scores. 0.919 / 0.890 after the blind2_dev work (issue 12
    # item 8), which never looked at informal_test; 0.940 / 0.921 with the catalogue's informal
    # phrasings; 0.951 / 0.909 with stricter verification of one-word hits.
    precision, recall = _test_split_scores(catalogue_extractor, "informal_test")
    assert precision >= 0.93, f"precision {precision:.3f} recall {recall:.3f}"
    assert recall >= 0.90, f"precision {precision:.3f} recall {recall:.3f}"


@pytest.mark.parametrize(
    ("split", "floor_p", "floor_r"),
    [
        # measured after the blind2_dev work (issue 12 item 8): blind_dev 0.946 / 0.917,
        # blind2_dev 0.911 / 0.911 (0.795 / 0.734 before anyone tuned on it), informal_dev
        # 0.970 / 0.919, dev 0.947 / 0.831; floors ~0.02 below keep what was reached.
        # After the blind4_dev work (chamba.nlp.implied): blind_dev 0.946 / 0.929, blind2_dev
        # 0.917 / 0.928, blind3_dev 0.919 / 0.812, blind4_dev 0.848 / 0.773 (0.818 / 0.727
        # before; its second half, never read, 0.798 / 0.675 -> 0.790 / 0.675), informal_dev
        # 0.980 / 0.938, dev 0.953 / 0.844.
        # After the catalogue's informal phrasings (written per skill from the catalogue alone,
        # pruned on these splits but not on blind5_dev): blind_dev 0.925 / 0.929, blind2_dev
        # 0.907 / 0.945, blind3_dev 0.915 / 0.866, blind4_dev 0.854 / 0.808, informal_dev
        # 0.975 / 0.934, dev 0.940 / 0.871, blind5_dev 0.782 / 0.834 (0.777 / 0.749 before).
        # After stricter verification of one-word hits in free text (0.50 for a word that is a
        # form of the pattern's, 0.35 otherwise; chosen on the even ids, checked on the odd):
        # blind_dev 0.939 / 0.929, blind2_dev 0.921 / 0.941, blind3_dev 0.933 / 0.866,
        # blind4_dev 0.860 / 0.804, informal_dev 0.980 / 0.938, dev 0.949 / 0.867, blind5_dev
        # 0.820 / 0.840: the precision floors that rose by 0.02 or more follow.
        ("blind_dev", 0.915, 0.905),
        ("blind2_dev", 0.895, 0.92),
        ("blind3_dev", 0.91, 0.845),
        ("blind4_dev", 0.83, 0.785),
        ("blind5_dev", 0.80, 0.81),
        ("informal_dev", 0.955, 0.91),
        ("dev", 0.92, 0.85),
    ],
)
def test_quality_on_tuning_splits_keeps_what_was_reached(
    catalogue_extractor: SkillExtractor, split: str, floor_p: float, floor_r: float
) -> None:
    precision, recall = _test_split_scores(catalogue_extractor, split)
    assert precision >= floor_p, f"{split}: precision {precision:.3f} recall {recall:.3f}"
    assert recall >= floor_r, f"{split}: precision {precision:.3f} recall {recall:.3f}"


@pytest.mark.parametrize(
    ("split", "floor_p", "floor_r"),
    [
        # The blind test sets: written by helpers who never saw the extractor, never tuned on,
        # scored by the lead once per round (aggregates only). blind_test was 0.802 / 0.755 when
        # written, 0.828 / 0.795 after the blind2_dev work, 0.836 / 0.843 with the catalogue's
        # informal phrasings. With stricter verification of one-word hits in free text (chosen
        # on the dev splits' even ids; one run on bbb43b0): blind_test 0.853 / 0.828,
        # blind2_test 0.851 / 0.838, blind3_test 0.880 / 0.822, blind4_test 0.848 / 0.753,
        # blind5_test 0.867 / 0.829, blind6_test 0.850 / 0.854 (0.829 / 0.865 before, on
        # 4dde364; written the same evening, read by nobody). Goal P >= 0.85, R >= 0.80: met by
        # five of the six and pooled (0.858 / 0.822), not by blind4_test. The floors sit ~0.02
        # below, so each set keeps what was reached.
        ("blind_test", 0.83, 0.82),
        ("blind2_test", 0.83, 0.815),
        ("blind3_test", 0.86, 0.80),
        ("blind4_test", 0.825, 0.73),
        ("blind5_test", 0.845, 0.805),
        ("blind6_test", 0.83, 0.83),
    ],
)
def test_quality_on_blind_text(
    catalogue_extractor: SkillExtractor, split: str, floor_p: float, floor_r: float
) -> None:
    precision, recall = _test_split_scores(catalogue_extractor, split)
    assert precision >= floor_p, f"{split}: precision {precision:.3f} recall {recall:.3f}"
    assert recall >= floor_r, f"{split}: precision {precision:.3f} recall {recall:.3f}"


def test_negated_gold_skills_are_not_returned(catalogue_extractor: SkillExtractor) -> None:
    rows = [r for r in _rows() if r.get("negated")]
    predicted = catalogue_extractor.extract_many([r["text"] for r in rows])
    leaked = total = 0
    for row, found in zip(rows, predicted, strict=True):
        negated = set(row["negated"]) - set(row["skills"])
        total += len(negated)
        leaked += len(negated & {s.skill_id for s in found})
    assert total >= 20
    assert leaked / total <= 0.15
