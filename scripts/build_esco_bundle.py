"""Build the ESCO data shipped inside the package (``src/chamba/taxonomy/data/esco/``).

Reads an official ESCO CSV export (Spanish and English skills and occupations; the
occupation–skill relations, essential ones only) and writes the columns the product uses, in the
same CSV format, gzip-compressed, so ``chamba.taxonomy.esco.import_esco`` reads them like any
export. Usage::

    python scripts/build_esco_bundle.py ../shared/data/esco ../shared/data/esco/en-v1.1.1

ESCO — European Skills, Competences, Qualifications and Occupations, © European Union,
https://esco.ec.europa.eu (reuse allowed with attribution, Commission Decision 2011/833/EU).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "chamba" / "taxonomy" / "data" / "esco"
SKILLS = ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels")
OCCUPATIONS = ("conceptUri", "iscoGroup", "preferredLabel", "altLabels")
RELATIONS = ("occupationUri", "relationType", "skillUri")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(name: str, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    with gzip.GzipFile(OUT / name, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))


def main(export: Path, relations_dir: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    skills = {}
    for lang, name in (("es", "skills_es.csv"), ("en", "skills_en-us.csv")):
        rows = _rows(export / name)
        skills[lang] = {r["conceptUri"] for r in rows}
        _write(f"skills_{lang}.csv.gz", SKILLS, rows)
    occupations = set()
    for lang, name in (("es", "occupations_es.csv"), ("en", "occupations_en-us.csv")):
        rows = _rows(export / name)
        occupations |= {r["conceptUri"] for r in rows}
        _write(f"occupations_{lang}.csv.gz", OCCUPATIONS, rows)
    known = skills["es"] | skills["en"]
    relations = [
        r
        for r in _rows(relations_dir / "occupationSkillRelations.csv")
        if r["relationType"] == "essential"
        and r["skillUri"] in known
        and r["occupationUri"] in occupations
    ]
    _write("occupationSkillRelations.csv.gz", RELATIONS, relations)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
