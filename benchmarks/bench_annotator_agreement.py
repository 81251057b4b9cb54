"""Agreement of two human annotators on the blind informal texts; prints one JSON object.

Usage::

    python benchmarks/bench_annotator_agreement.py [--split blind3_dev,blind4_dev] [--details]

The first annotator's labels are the ``skills`` of ``tests/data/extraction_labelled.jsonl`` (each
blind set was written and labelled by one helper). ``benchmarks/data/second_annotator.jsonl``
holds a second, independent annotator's labels for the same texts (blind3_dev, blind4_dev),
made from the texts and the catalogue's ids, labels and descriptions only (no synonyms, no
extractor, no extractor output), and committed before the first annotator's labels were read.
The second annotator's rule: label the skills the person really has (has done, does, knows),
not wishes, not negated skills, not what other people do; languages and soft skills only when
the text states them.

Nothing here runs the extractor. Per split, with the first annotator as the reference (the role
it plays in ``bench_extraction.py``):

- ``precision`` / ``recall`` / ``f1``: micro over skill ids, exactly as ``bench_extraction.py``
  scores the extractor, so the F1 is the ceiling a perfect reader of the text reaches against one
  annotator, and P / R say how far a second careful reader lands from the goal (P >= 0.85,
  R >= 0.80);
- ``kappa``: Cohen's kappa over every (text, catalogue skill) yes/no decision (with 491 skills
  almost every cell is a shared "no", so kappa sits close to the F1);
- ``exact_texts``: share of texts whose two label sets are identical; ``mean_jaccard``: mean
  per-text Jaccard of the two sets (1 when both are empty);
- ``disagreements``: every skill one annotator gave and the other did not (``only_first``: the
  second annotator missed it or judged it not stated; ``only_second``: the reverse), by kind:
  ``sibling`` when the other annotator gave a neighbouring skill in the same text (same catalogue
  sector, or a word of the two skills' Spanish labels and descriptions that at most 10 skills
  use): the same activity read as another catalogue skill, or one skill thought to cover both
  (``car_driving`` next to ``taxi_driving``, ``money_handling`` next to ``cash_register``);
  ``only_one_saw`` otherwise (a trait, a language, a duty the other did not read as a skill),
  these also by the skill's catalogue type (skill / knowledge / transversal / language). The
  rule is mechanical: ``--details`` shows each case to judge.

``--details`` adds every text with a disagreement (its text, both sets, the sibling pairs).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "extraction_labelled.jsonl"
SECOND = ROOT / "benchmarks" / "data" / "second_annotator.jsonl"
SKILLS_CSV = ROOT / "src" / "chamba" / "taxonomy" / "data" / "skills.csv"
SPLITS = ("blind3_dev", "blind4_dev")
RARE = 10  # a word of at most this many skills' label + description tells two skills apart


class Skill(NamedTuple):
    sector: str
    type: str
    words: frozenset[str]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _words(row: dict[str, str]) -> set[str]:
    text = unicodedata.normalize("NFKD", f"{row['label_es']} {row['description_es']}".lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return {w for w in re.findall(r"[a-z0-9]+", text) if len(w) >= 4}


def catalogue(path: Path = SKILLS_CSV) -> dict[str, Skill]:
    """Skill id -> its sector, type and the rare words of its Spanish label and description."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    words = {row["id"]: _words(row) for row in rows}
    spread = Counter(w for ws in words.values() for w in ws)
    return {
        row["id"]: Skill(
            row["sector"], row["type"], frozenset(w for w in words[row["id"]] if spread[w] <= RARE)
        )
        for row in rows
    }


def near(a: str, b: str, skills: dict[str, Skill]) -> bool:
    """Two catalogue skills for neighbouring activities: same sector, or a rare word in common."""
    return skills[a].sector == skills[b].sector or bool(skills[a].words & skills[b].words)


def kind(skill: str, other: set[str], skills: dict[str, Skill]) -> str:
    """A skill one annotator gave and the other did not: ``sibling`` when the other gave a
    neighbouring skill in the same text (read the activity as another catalogue skill, or
    thought one skill covered both), else ``only_one_saw``."""
    return "sibling" if any(near(skill, o, skills) for o in other - {skill}) else "only_one_saw"


def compare(pairs: Sequence[tuple[set[str], set[str]]], skills: dict[str, Skill]) -> dict[str, Any]:
    """Score the second set of each pair against the first (the reference)."""
    tp = fp = fn = exact = 0
    jaccard = 0.0
    kinds: dict[str, Counter[str]] = {"only_first": Counter(), "only_second": Counter()}
    unseen: dict[str, Counter[str]] = {"only_first": Counter(), "only_second": Counter()}
    for first, second in pairs:
        tp += len(first & second)
        fp += len(second - first)
        fn += len(first - second)
        exact += first == second
        union = first | second
        jaccard += len(first & second) / len(union) if union else 1.0
        for side, mine, other in (("only_first", first, second), ("only_second", second, first)):
            for skill in mine - other:
                found = kind(skill, other, skills)
                kinds[side][found] += 1
                if found == "only_one_saw":
                    unseen[side][skills[skill].type] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cells = len(pairs) * len(skills)
    first_yes, second_yes = (tp + fn) / cells, (tp + fp) / cells
    observed = (cells - fp - fn) / cells
    chance = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    kappa = (observed - chance) / (1 - chance) if chance < 1 else 1.0
    return {
        "texts": len(pairs),
        "first_labels": tp + fn,
        "second_labels": tp + fp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "kappa": round(kappa, 4),
        "exact_texts": round(exact / len(pairs), 4) if pairs else 0.0,
        "mean_jaccard": round(jaccard / len(pairs), 4) if pairs else 0.0,
        "disagreements": {
            side: {
                "sibling": kinds[side]["sibling"],
                "only_one_saw": kinds[side]["only_one_saw"],
                "only_one_saw_by_type": dict(sorted(unseen[side].items())),
            }
            for side in ("only_first", "only_second")
        },
    }


def details(
    rows: Sequence[dict[str, Any]], second: dict[str, set[str]], skills: dict[str, Skill]
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        first, other = set(row["skills"]), second[row["id"]]
        if first == other:
            continue
        out.append(
            {
                "id": row["id"],
                "text": row["text"],
                "both": sorted(first & other),
                "only_first": {s: kind(s, other, skills) for s in sorted(first - other)},
                "only_second": {s: kind(s, first, skills) for s in sorted(other - first)},
            }
        )
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=",".join(SPLITS))
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    skills = catalogue()
    labelled = read_jsonl(LABELLED)
    second = {row["id"]: set(row["skills"]) for row in read_jsonl(SECOND)}
    report: dict[str, Any] = {"reference": "first annotator", "splits": {}}
    everything: list[tuple[set[str], set[str]]] = []
    for split in [s for s in args.split.split(",") if s]:
        rows = [row for row in labelled if row["split"] == split]
        missing = [row["id"] for row in rows if row["id"] not in second]
        if not rows or missing:
            raise SystemExit(f"{split}: no second labels for {missing or 'any text'}")
        pairs = [(set(row["skills"]), second[row["id"]]) for row in rows]
        everything += pairs
        entry = compare(pairs, skills)
        if args.details:
            entry["texts_disagreeing"] = details(rows, second, skills)
        report["splits"][split] = entry
    report["all"] = compare(everything, skills)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return report


if __name__ == "__main__":
    main()
