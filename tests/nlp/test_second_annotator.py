"""The second annotator's labels (``benchmarks/data/second_annotator.jsonl``) cover exactly the
texts of the splits they were made for, once each, with catalogue skill ids only; otherwise
``benchmarks/bench_annotator_agreement.py`` would compare other texts or count a typo as a
disagreement."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "extraction_labelled.jsonl"
SECOND = ROOT / "benchmarks" / "data" / "second_annotator.jsonl"
SKILLS_CSV = ROOT / "src" / "chamba" / "taxonomy" / "data" / "skills.csv"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_second_labels_cover_their_splits_once_with_catalogue_ids() -> None:
    # GIVEN the second annotator's rows, the labelled texts and the catalogue's skill ids
    second = _jsonl(SECOND)
    split_of = {row["id"]: row["split"] for row in _jsonl(LABELLED)}
    with SKILLS_CSV.open(encoding="utf-8", newline="") as handle:
        catalogue = {row["id"] for row in csv.DictReader(handle)}
    # THEN each row names a labelled text of the split it says, and no text twice
    assert [r["id"] for r in second if split_of.get(r["id"]) != r["split"]] == []
    assert len({r["id"] for r in second}) == len(second)
    # AND every text of those splits has its row
    splits = {r["split"] for r in second}
    assert splits == {"blind3_dev", "blind4_dev"}
    assert {i for i, s in split_of.items() if s in splits} == {r["id"] for r in second}
    # AND every label is a catalogue skill id, given once per text
    assert [(r["id"], s) for r in second for s in r["skills"] if s not in catalogue] == []
    assert [r["id"] for r in second if len(set(r["skills"])) != len(r["skills"])] == []
