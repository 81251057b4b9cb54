"""The built-in catalogue: Chamba's own bilingual skills and occupations, shipped as CSV files.

``load_catalogue`` upserts ``chamba/taxonomy/data/{skills,occupations}.csv`` into the database.
It is idempotent: a second run changes nothing and its report says so (``report.changed``).

Rules:
- the catalogue is authoritative for its rows' labels, type, sector, ISCO code and for the skill
  lists of its occupations (relations no longer listed are deleted);
- rows that disappeared from the files are kept (other tables may point at them);
- a row whose ``esco_uri`` already belongs to another row (e.g. an ESCO concept imported
  before the catalogue got that URI) absorbs it: references move to the catalogue id and the
  old row is deleted;
- a skill already enriched by an ESCO import (``reuse_level`` set) keeps its ESCO synonyms.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chamba.db import utcnow
from chamba.taxonomy import repository
from chamba.taxonomy.errors import CatalogueError
from chamba.taxonomy.schemas import CatalogueReport
from chamba.taxonomy.service import LIST_SEP, clean_synonyms, restore_cell, search_text
from chamba.vocab import Requirement, SkillType

SKILL_REQUIRED = ("id", "type", "label_es", "label_en")
OCCUPATION_REQUIRED = ("id", "label_es", "label_en")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,79}$")
_ISCO = re.compile(r"^\d{1,4}$")
_SKILL_COMPARED = (
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "sector",
    "type",
    "esco_uri",
    "description_es",
    "source",
    "search_text",
)
_OCC_COMPARED = (
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "isco_code",
    "esco_uri",
    "source",
    "search_text",
)
_MAX_PROBLEMS = 20


def data_dir() -> Traversable:
    """The package folder holding the catalogue files."""
    return files("chamba.taxonomy") / "data"


@dataclass
class _Problems:
    """Validation problems collected over a whole file, reported together."""

    items: list[str]

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:_MAX_PROBLEMS]
            more = len(self.items) - len(shown)
            tail = f"\n... and {more} more" if more > 0 else ""
            raise CatalogueError("Invalid catalogue:\n" + "\n".join(shown) + tail)


def _read(
    source: Traversable, name: str, required: tuple[str, ...]
) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of one catalogue file as ``(file:line, {column: value})``, cells restored."""
    path = source / name
    if not path.is_file():
        raise CatalogueError(f"Catalogue file {name} not found in {source}")
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueError(f"{name}: missing column {missing[0]!r}")
    for row in reader:
        clean = {k: restore_cell((v or "").strip()) for k, v in row.items() if k is not None}
        if not any(clean.values()):
            continue
        yield f"{name}:{reader.line_num}", clean


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(LIST_SEP) if p.strip()]


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _parse_skills(source: Traversable, problems: _Problems) -> dict[str, dict[str, Any]]:
    skills: dict[str, dict[str, Any]] = {}
    uris: dict[str, str] = {}
    types = {t.value for t in SkillType}
    for where, row in _read(source, "skills.csv", SKILL_REQUIRED):
        sid = row["id"]
        if not _ID.match(sid):
            problems.add(where, f"invalid id {sid!r} (lower-case letters, digits, _ . : -)")
            continue
        if sid in skills:
            problems.add(where, f"duplicate skill id {sid!r}")
            continue
        if row["type"] not in types:
            problems.add(
                where, f"skill {sid!r}: unknown type {row['type']!r} ({', '.join(sorted(types))})"
            )
        for col in ("label_es", "label_en"):
            if not row[col]:
                problems.add(where, f"skill {sid!r}: empty {col}")
        uri = row.get("esco_uri") or None
        if uri and uri in uris:
            problems.add(where, f"skill {sid!r}: esco_uri {uri} already used by {uris[uri]!r}")
        elif uri:
            uris[uri] = sid
        syn_es = clean_synonyms(_split(row.get("synonyms_es", "")), [row["label_es"]])
        syn_en = clean_synonyms(_split(row.get("synonyms_en", "")), [row["label_en"]])
        skills[sid] = {
            "id": sid,
            "label_es": row["label_es"],
            "label_en": row["label_en"],
            "synonyms_es": syn_es,
            "synonyms_en": syn_en,
            "sector": row.get("sector") or None,
            "type": row["type"],
            "esco_uri": uri,
            "description_es": row.get("description_es") or None,
            "source": "catalogue",
        }
    return skills


def _parse_occupations(
    source: Traversable, skill_ids: set[str], problems: _Problems
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], str]]:
    occupations: dict[str, dict[str, Any]] = {}
    relations: dict[tuple[str, str], str] = {}
    uris: dict[str, str] = {}
    for where, row in _read(source, "occupations.csv", OCCUPATION_REQUIRED):
        oid = row["id"]
        if not _ID.match(oid):
            problems.add(where, f"invalid id {oid!r} (lower-case letters, digits, _ . : -)")
            continue
        if oid in occupations:
            problems.add(where, f"duplicate occupation id {oid!r}")
            continue
        for col in ("label_es", "label_en"):
            if not row[col]:
                problems.add(where, f"occupation {oid!r}: empty {col}")
        isco = row.get("isco_code") or None
        if isco and not _ISCO.match(isco):
            problems.add(where, f"occupation {oid!r}: ISCO code {isco!r} is not 1-4 digits")
        uri = row.get("esco_uri") or None
        if uri and uri in uris:
            problems.add(where, f"occupation {oid!r}: esco_uri {uri} already used by {uris[uri]!r}")
        elif uri:
            uris[uri] = oid
        for col, relation in (
            ("essential_skills", Requirement.ESSENTIAL),
            ("optional_skills", Requirement.OPTIONAL),
        ):
            for sid in _split(row.get(col, "")):
                if sid not in skill_ids:
                    problems.add(where, f"occupation {oid!r}: unknown skill id {sid!r} in {col}")
                elif (oid, sid) in relations:
                    problems.add(where, f"occupation {oid!r}: skill {sid!r} listed twice")
                else:
                    relations[(oid, sid)] = relation.value
        occupations[oid] = {
            "id": oid,
            "isco_code": isco,
            "label_es": row["label_es"],
            "label_en": row["label_en"],
            "synonyms_es": clean_synonyms(_split(row.get("synonyms_es", "")), [row["label_es"]]),
            "synonyms_en": clean_synonyms(_split(row.get("synonyms_en", "")), [row["label_en"]]),
            "esco_uri": uri,
            "source": "catalogue",
        }
    return occupations, relations


def _with_search_text(row: dict[str, Any]) -> dict[str, Any]:
    row["search_text"] = search_text(
        row["label_es"], row["label_en"], [*row["synonyms_es"], *row["synonyms_en"]]
    )
    return row


def _upsert(
    session: Session,
    table_name: str,
    wanted: dict[str, dict[str, Any]],
    compared: tuple[str, ...],
) -> tuple[int, int, int, int]:
    """Insert new rows, update changed ones, absorb rows owning a wanted ``esco_uri``.

    Returns ``(created, updated, unchanged, merged)``.
    """
    conn = repository.connection(session)
    table = repository.SKILLS if table_name == "skills" else repository.OCCUPATIONS
    skills = table_name == "skills"
    extra = (
        ("reuse_level", "broader_uris", "description_en")
        if skills
        else ("description_es", "description_en")
    )
    existing = repository.load_rows(conn, table, [*compared, *extra])
    by_uri = {r["esco_uri"]: key for key, r in existing.items() if r["esco_uri"]}
    now = utcnow()
    merges: list[tuple[str, str]] = []
    inserts, updates = [], []
    unchanged = 0
    for key, row in wanted.items():
        current = existing.get(key)
        owner = by_uri.get(row["esco_uri"]) if row["esco_uri"] else None
        absorbed = existing[owner] if owner is not None and owner != key else None
        # A row an ESCO import enriched keeps what it added: synonyms, descriptions, hierarchy.
        marker = "reuse_level" if skills else "esco_uri"
        enriched = current if current and current.get(marker) else absorbed
        if enriched is not None:
            for lang in ("es", "en"):
                col = f"synonyms_{lang}"
                names = [*row[col], *(enriched[col] or [])]
                if enriched is absorbed:
                    names.append(enriched[f"label_{lang}"])
                row[col] = clean_synonyms(names, [row[f"label_{lang}"]])
                desc = f"description_{lang}"
                row[desc] = row.get(desc) or enriched[desc]
            if skills:
                row["reuse_level"] = enriched["reuse_level"]
                row["broader_uris"] = enriched["broader_uris"] or []
        _with_search_text(row)
        if absorbed is not None and owner is not None:  # (absorbed implies an owner)
            merges.append((owner, key))
            row = {**row, "esco_uri": None}
        if current is None:
            inserts.append({**row, "updated_at": now})
        elif any(_plain(current.get(c)) != row.get(c) for c in (*compared, *extra) if c in row):
            updates.append({**row, "updated_at": now})
        else:
            unchanged += 1
    repository.insert_rows(conn, table, inserts)
    repository.update_rows(conn, table, updates)
    for old, new in merges:
        repository.repoint(conn, table, old, new)
    repository.update_rows(
        conn, table, [{"id": new, "esco_uri": wanted[new]["esco_uri"]} for _, new in merges]
    )
    return len(inserts), len(updates), unchanged, len(merges)


def load_catalogue(session: Session, source: Traversable | Path | None = None) -> CatalogueReport:
    """Upsert the catalogue (``skills.csv``, ``occupations.csv``) into the database.

    Args:
        source: folder with the two files; the package's ``data`` folder by default.

    Raises:
        CatalogueError: listing every invalid row (unknown skill ids, duplicate ids, ...).
    """
    folder: Traversable = source if source is not None else data_dir()
    problems = _Problems([])
    skills = _parse_skills(folder, problems)
    occupations, relations = _parse_occupations(folder, set(skills), problems)
    problems.raise_if_any()

    report = CatalogueReport()
    (
        report.skills_created,
        report.skills_updated,
        report.skills_unchanged,
        report.skills_merged,
    ) = _upsert(session, "skills", skills, _SKILL_COMPARED)
    (
        report.occupations_created,
        report.occupations_updated,
        report.occupations_unchanged,
        report.occupations_merged,
    ) = _upsert(session, "occupations", occupations, _OCC_COMPARED)

    conn = repository.connection(session)
    current = {k: v for k, v in repository.load_relations(conn).items() if k[0] in occupations}
    created = {k: v for k, v in relations.items() if k not in current}
    changed = {k: v for k, v in relations.items() if k in current and current[k] != v}
    removed = [k for k in current if k not in relations]
    report.relations_created = repository.insert_relations(conn, created)
    report.relations_updated = repository.update_relations(conn, changed)
    report.relations_deleted = repository.delete_relations(conn, removed)
    session.expire_all()
    return report
