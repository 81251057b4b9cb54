"""Import of the official ESCO CSV export (skills, occupations, their relations, ISCO groups).

Files are found by name in one folder (or several, first folder wins per file):

- ``skills_<lang>.csv`` (required per language): conceptUri, preferredLabel, skillType,
  and optionally reuseLevel, altLabels, hiddenLabels, description;
- ``occupations_<lang>.csv``: conceptUri, preferredLabel, and optionally iscoGroup, altLabels,
  hiddenLabels, description;
- ``ISCOGroups_<lang>.csv``: conceptUri, code, preferredLabel;
- ``occupationSkillRelations*.csv`` (or ``relations_file``): occupationUri, relationType,
  skillUri;
- ``broaderRelationsSkillPillar.csv``: conceptUri, broaderUri.

Languages come from the file name suffix; a region is dropped (``en-us`` -> ``en``). Only
Spanish and English fill labels and synonyms: files of other languages are accepted and listed
in ``EscoReport.languages_ignored`` (their words would pollute Spanish lexicon matching).

Merging rules, all keyed by concept URI:
- ids are ``esco:<last URI segment>``; a skill with a label in one language only gets it in both;
- alt and hidden labels become synonyms (deduplicated by normalised form, labels dropped);
- a URI equal to a catalogue row's ``esco_uri`` is *linked*: the catalogue row keeps its id,
  labels and type and gains the ESCO labels as synonyms, the reuse level and broader URIs; the
  skill lists of catalogue occupations stay the catalogue's (ESCO relations are not added);
- a language absent from this import keeps what an earlier import stored;
- relations naming a concept that is neither imported nor stored are counted and skipped; when
  a relations file is read, it replaces the relations of the ESCO occupations it imports.

Rows are written with SQLAlchemy Core ``executemany`` in batches (existing ids are loaded first
and rows split into inserts and updates), so a re-import is an idempotent upsert.
"""

from __future__ import annotations

import csv
import gzip
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from chamba.db import utcnow
from chamba.taxonomy import repository
from chamba.taxonomy.errors import EscoImportError
from chamba.taxonomy.schemas import EscoReport
from chamba.taxonomy.service import clean_synonyms, search_text
from chamba.text import normalize
from chamba.vocab import Requirement, SkillType

Progress = Callable[[str, int, int], None]

LABEL_LANGS = ("es", "en")
_LANG_FILE = re.compile(
    r"^(skills|occupations|ISCOGroups)_([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\.csv(?:\.gz)?$"
)
_RELATIONS_FILE = re.compile(r"^occupationSkillRelations.*\.csv(?:\.gz)?$")
_BROADER_FILE = "broaderRelationsSkillPillar.csv"
_ISCO_CODE = re.compile(r"^\d{1,4}$")
_ALT_SPLIT = re.compile(r"[\n\r|]+")

SKILL_COLUMNS = (
    ("conceptUri", "preferredLabel", "skillType"),
    ("reuseLevel", "altLabels", "hiddenLabels", "description"),
)
OCCUPATION_COLUMNS = (
    ("conceptUri", "preferredLabel"),
    ("iscoGroup", "altLabels", "hiddenLabels", "description"),
)
ISCO_COLUMNS = (("conceptUri", "code", "preferredLabel"), ())
RELATION_COLUMNS = (("occupationUri", "relationType", "skillUri"), ())
BROADER_COLUMNS = (("conceptUri", "broaderUri"), ())

_SKILL_READ = (
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "type",
    "esco_uri",
    "description_es",
    "description_en",
    "source",
    "reuse_level",
    "broader_uris",
    "search_text",
)
_OCC_READ = (
    "label_es",
    "label_en",
    "synonyms_es",
    "synonyms_en",
    "isco_code",
    "esco_uri",
    "description_es",
    "description_en",
    "source",
    "search_text",
)


def lang_key(code: str) -> str:
    """The language of a file suffix: ``en-US`` -> ``en``."""
    return code.lower().split("-", 1)[0]


@dataclass
class _Files:
    skills: dict[str, Path] = field(default_factory=dict)
    occupations: dict[str, Path] = field(default_factory=dict)
    isco: dict[str, Path] = field(default_factory=dict)
    relations: Path | None = None
    broader: Path | None = None


def _discover(directories: Sequence[Path], relations_file: Path | None) -> _Files:
    found = _Files()
    for directory in directories:
        if not directory.is_dir():
            raise EscoImportError(f"ESCO folder {directory} not found")
        # An exact code ("en") sorts before a regional one ("en-us") and wins.
        for path in sorted(directory.iterdir(), key=lambda p: (len(p.name), p.name)):
            match = _LANG_FILE.match(path.name)
            if match:
                kind = {"skills": found.skills, "occupations": found.occupations}.get(
                    match.group(1), found.isco
                )
                kind.setdefault(lang_key(match.group(2)), path)
            elif _RELATIONS_FILE.match(path.name) and found.relations is None:
                found.relations = path
            elif path.name == _BROADER_FILE and found.broader is None:
                found.broader = path
    if relations_file is not None:
        if not relations_file.is_file():
            raise EscoImportError(f"ESCO relations file {relations_file} not found")
        found.relations = relations_file
    return found


def _open_text(path: Path) -> IO[str]:
    """A CSV file of an export, plain or gzip-compressed (``.csv.gz``, as bundled)."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _table(
    path: Path, columns: tuple[tuple[str, ...], tuple[str, ...]]
) -> Iterator[list[str | None]]:
    """Rows of a CSV file as the values of ``required + optional`` columns (None if absent)."""
    required, optional = columns
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        index = {name: i for i, name in enumerate(header)}
        for name in required:
            if name not in index:
                raise EscoImportError(f"{path.name}: missing column {name!r}")
        wanted = [index.get(name) for name in (*required, *optional)]
        width = len(header)
        for row in reader:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            yield [row[i] if i is not None else None for i in wanted]


def _alts(*cells: str | None) -> list[str]:
    out: list[str] = []
    for cell in cells:
        if cell:
            out.extend(a.strip() for a in _ALT_SPLIT.split(cell) if a.strip())
    return out


@dataclass
class _Concept:
    uri: str
    labels: dict[str, str] = field(default_factory=dict)
    alts: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    skill_type: str = ""
    reuse_level: str = ""
    isco: str = ""


def _read_concepts(
    paths: dict[str, Path], columns: Any, skills: bool, progress: Progress
) -> dict[str, _Concept]:
    concepts: dict[str, _Concept] = {}
    for lang, path in paths.items():
        count = 0
        for row in _table(path, columns):
            if skills:
                uri, label, stype, reuse, alt, hidden, desc = row
            else:
                uri, label, isco, alt, hidden, desc = row
            uri = (uri or "").strip()
            if not uri:
                continue
            concept = concepts.get(uri)
            if concept is None:
                concept = concepts[uri] = _Concept(uri)
            if lang in concept.labels or lang in concept.alts:
                continue  # duplicate row of the same concept: first wins
            count += 1
            label = " ".join((label or "").split())
            if label:
                concept.labels[lang] = label
            concept.alts[lang] = _alts(alt, hidden)
            if desc and desc.strip():
                concept.descriptions[lang] = desc.strip()
            if skills:
                concept.skill_type = concept.skill_type or (stype or "").strip()
                concept.reuse_level = concept.reuse_level or (reuse or "").strip()
            elif isco and _ISCO_CODE.match(isco.strip()):
                concept.isco = concept.isco or isco.strip()
        progress(path.name, count, count)
    return concepts


def _skill_type(concept: _Concept) -> str:
    if concept.reuse_level == "transversal":
        return SkillType.TRANSVERSAL.value
    if "knowledge" in concept.skill_type and "skill" not in concept.skill_type:
        return SkillType.KNOWLEDGE.value
    return SkillType.SKILL.value


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def esco_id(uri: str) -> str:
    """The Chamba id of an ESCO concept: ``esco:`` + the URI's last path segment."""
    return "esco:" + uri.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    skipped: int = 0
    uri_to_id: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    imported_ids: set[str] = field(default_factory=set)


def _merge_rows(
    conn: Connection,
    table: Table,
    read_columns: tuple[str, ...],
    concepts: dict[str, _Concept],
    langs: Sequence[str],
    extra: Callable[[_Concept, dict[str, Any] | None, bool], dict[str, Any]],
    norm: Callable[[str], str],
    progress: Progress,
    stage: str,
) -> _Outcome:
    """Upsert concepts into ``table``; ``extra`` gives the table-specific columns."""
    existing = repository.load_rows(conn, table, read_columns)
    by_uri = {r["esco_uri"]: key for key, r in existing.items() if r["esco_uri"]}
    out = _Outcome(uri_to_id=dict(by_uri), sources={k: r["source"] for k, r in existing.items()})
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for uri, concept in concepts.items():
        key = by_uri.get(uri) or esco_id(uri)
        current = existing.get(key)
        linked = current is not None and current["source"] != "esco"
        label_any = next((concept.labels[lang] for lang in langs if lang in concept.labels), None)
        if label_any is None:
            label_any = next((a for lang in langs for a in concept.alts.get(lang, [])), None)
        if label_any is None and not linked:
            out.skipped += 1
            continue
        row: dict[str, Any] = {"id": key}
        if linked:
            assert current is not None
            out.linked += 1
            for lang in LABEL_LANGS:
                own = current[f"label_{lang}"]
                esco_names = [concept.labels.get(lang, ""), *concept.alts.get(lang, [])]
                row[f"synonyms_{lang}"] = clean_synonyms(
                    [*(current[f"synonyms_{lang}"] or []), *esco_names], [own], norm
                )
                row[f"label_{lang}"] = own
                desc = current[f"description_{lang}"] or concept.descriptions.get(lang)
                row[f"description_{lang}"] = desc
        else:
            fallback = label_any or ""  # not None: rows without any label were skipped
            for lang in LABEL_LANGS:
                label = concept.labels.get(lang)
                if label or (lang in concept.alts and current is None):
                    label = label or fallback
                    synonyms = concept.alts.get(lang, [])
                elif current is not None and current[f"label_{lang}"]:
                    label = current[f"label_{lang}"]
                    synonyms = current[f"synonyms_{lang}"] or []
                else:
                    label, synonyms = fallback, []
                row[f"label_{lang}"] = label
                row[f"synonyms_{lang}"] = clean_synonyms(synonyms, [label], norm)
                desc = concept.descriptions.get(lang)
                if desc is None and current is not None:
                    desc = current[f"description_{lang}"]
                row[f"description_{lang}"] = desc
            row["source"] = "esco"
            row["esco_uri"] = uri
        row.update(extra(concept, current, linked))
        row["search_text"] = search_text(
            row["label_es"], row["label_en"], [*row["synonyms_es"], *row["synonyms_en"]], norm
        )
        out.uri_to_id[uri] = key
        out.sources[key] = str(row.get("source") or (current or {}).get("source") or "esco")
        out.imported_ids.add(key)
        if current is None:
            inserts.append({**row, "updated_at": now})
        elif any(_plain(current.get(c)) != v for c, v in row.items() if c != "id"):
            updates.append({**row, "updated_at": now})
            out.updated += 1
        else:
            out.unchanged += 1
    out.created = len(inserts)
    total = len(inserts) + len(updates)
    progress(stage, 0, total)
    repository.insert_rows(conn, table, inserts)
    progress(stage, len(inserts), total)
    repository.update_rows(conn, table, updates)
    progress(stage, total, total)
    return out


def _read_broader(path: Path) -> dict[str, list[str]]:
    broader: dict[str, set[str]] = {}
    for uri, parent in _table(path, BROADER_COLUMNS):
        if uri and parent:
            broader.setdefault(uri.strip(), set()).add(parent.strip())
    return {uri: sorted(parents) for uri, parents in broader.items()}


def _import_isco(conn: Connection, paths: dict[str, Path]) -> int:
    groups: dict[str, dict[str, Any]] = {}
    for lang, path in paths.items():
        for uri, code, label in _table(path, ISCO_COLUMNS):
            code = (code or "").strip()
            if not _ISCO_CODE.match(code):
                continue
            group = groups.setdefault(code, {"code": code, "esco_uri": (uri or "").strip() or None})
            group.setdefault(f"label_{lang}", (label or "").strip() or None)
    if not groups:
        return 0
    table = repository.ISCO_GROUPS
    existing = repository.load_rows(conn, table, ["label_es", "label_en", "esco_uri"], key="code")
    inserts, updates = [], []
    for code, group in groups.items():
        current = existing.get(code)
        row = {"code": code, "esco_uri": group["esco_uri"]}
        for lang in LABEL_LANGS:
            row[f"label_{lang}"] = group.get(f"label_{lang}") or (current or {}).get(
                f"label_{lang}"
            )
        if current is None:
            inserts.append(row)
        elif any(current[k] != v for k, v in row.items()):
            updates.append(row)
    repository.insert_rows(conn, table, inserts)
    repository.update_rows(conn, table, updates, key="code")
    return len(groups)


def _import_relations(
    conn: Connection,
    path: Path,
    skills: _Outcome,
    occupations: _Outcome,
    report: EscoReport,
    progress: Progress,
) -> None:
    wanted: dict[tuple[str, str], str] = {}
    essential, optional = Requirement.ESSENTIAL.value, Requirement.OPTIONAL.value
    occ_ids, skill_ids, occ_sources = occupations.uri_to_id, skills.uri_to_id, occupations.sources
    for occ_uri, relation, skill_uri in _table(path, RELATION_COLUMNS):
        occ = occ_ids.get((occ_uri or "").strip())
        skill = skill_ids.get((skill_uri or "").strip())
        kind = (relation or "").strip().lower()
        if occ is None or skill is None or kind not in (essential, optional):
            report.relations_skipped += 1
            continue
        if occ_sources.get(occ) != "esco":
            continue  # the catalogue owns the skill lists of its occupations
        if wanted.get((occ, skill)) != essential:
            wanted[(occ, skill)] = kind
    report.relations_imported = len(wanted)
    progress(path.name, len(wanted), len(wanted))
    targets = {o for o in occupations.imported_ids if occ_sources.get(o) == "esco"}
    current = {k: v for k, v in repository.load_relations(conn).items() if k[0] in targets}
    created = {k: v for k, v in wanted.items() if k not in current}
    changed = {k: v for k, v in wanted.items() if k in current and current[k] != v}
    removed = [k for k in current if k not in wanted]
    progress("relations", 0, len(created))
    report.relations_created = repository.insert_relations(conn, created)
    report.relations_updated = repository.update_relations(conn, changed)
    report.relations_deleted = repository.delete_relations(conn, removed)
    progress("relations", len(created), len(created))


def import_esco(
    session: Session,
    directory: Path | Sequence[Path],
    langs: list[str] | None = None,
    progress: Progress | None = None,
    relations_file: Path | None = None,
) -> EscoReport:
    """Import (upsert) an official ESCO CSV export into the taxonomy tables.

    Args:
        directory: the export folder, or several folders searched in order (first wins).
        langs: language codes to read (``["es"]``); every language found when None.
        progress: called as ``progress(stage, done, total)`` while reading and writing.
        relations_file: an ``occupationSkillRelations.csv`` to use, possibly from another
            ESCO version (rows naming unknown concepts are counted and skipped).

    Returns:
        counts of created/updated/linked rows, relations and the seconds taken.

    Raises:
        EscoImportError: a missing file or column, or no Spanish or English skills file.

    Example:
        >>> import_esco(session, Path("esco"), langs=["es", "en"])  # doctest: +SKIP
    """
    started = time.perf_counter()
    notify: Progress = progress or (lambda _stage, _done, _total: None)
    directories = [directory] if isinstance(directory, Path) else list(directory)
    files = _discover(directories, relations_file)
    where = ", ".join(str(d) for d in directories)
    if langs is None:
        selected = sorted(files.skills)
    else:
        selected = sorted({lang_key(code) for code in langs})
        for lang in selected:
            if lang not in files.skills:
                raise EscoImportError(f"skills_{lang}.csv not found in {where}")
    used = [lang for lang in LABEL_LANGS if lang in selected]
    if not used:
        raise EscoImportError(f"No skills_es.csv or skills_en.csv found in {where}")
    report = EscoReport(languages=used, languages_ignored=[x for x in selected if x not in used])

    norm = lru_cache(maxsize=None)(normalize)
    skill_concepts = _read_concepts(
        {lang: files.skills[lang] for lang in used}, SKILL_COLUMNS, True, notify
    )
    occ_concepts = _read_concepts(
        {lang: files.occupations[lang] for lang in used if lang in files.occupations},
        OCCUPATION_COLUMNS,
        False,
        notify,
    )
    broader = _read_broader(files.broader) if files.broader else None

    def skill_extra(c: _Concept, current: dict[str, Any] | None, linked: bool) -> dict[str, Any]:
        before = current or {}
        row: dict[str, Any] = {
            "reuse_level": c.reuse_level or before.get("reuse_level"),
            "broader_uris": broader.get(c.uri, [])
            if broader is not None
            else before.get("broader_uris") or [],
        }
        if not linked:
            row["type"] = _skill_type(c)
        return row

    def occupation_extra(
        c: _Concept, current: dict[str, Any] | None, linked: bool
    ) -> dict[str, Any]:
        before = (current or {}).get("isco_code")
        return {"isco_code": before if linked else c.isco or before}

    conn = repository.connection(session)
    skills = _merge_rows(
        conn,
        repository.SKILLS,
        _SKILL_READ,
        skill_concepts,
        used,
        skill_extra,
        norm,
        notify,
        "skills",
    )
    occupations = _merge_rows(
        conn,
        repository.OCCUPATIONS,
        _OCC_READ,
        occ_concepts,
        used,
        occupation_extra,
        norm,
        notify,
        "occupations",
    )
    report.skills_created, report.skills_updated = skills.created, skills.updated
    report.skills_unchanged, report.skills_linked = skills.unchanged, skills.linked
    report.skills_skipped = skills.skipped
    report.occupations_created, report.occupations_updated = (
        occupations.created,
        occupations.updated,
    )
    report.occupations_unchanged, report.occupations_linked = (
        occupations.unchanged,
        occupations.linked,
    )
    report.occupations_skipped = occupations.skipped
    report.isco_groups = _import_isco(
        conn, {lang: files.isco[lang] for lang in used if lang in files.isco}
    )
    if files.relations is not None:
        _import_relations(conn, files.relations, skills, occupations, report, notify)
    session.expire_all()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


#: Attribution the European Commission's reuse policy asks for; shown wherever ESCO data is.
ESCO_ATTRIBUTION = (
    "ESCO — European Skills, Competences, Qualifications and Occupations, © European Union "
    "(https://esco.ec.europa.eu), reused under Commission Decision 2011/833/EU."
)


def bundled_esco_dir() -> Path:
    """The ESCO data shipped in the package: Spanish and English skills and occupations and the
    essential occupation–skill relations, gzip-compressed CSV in the export's own format
    (built by ``scripts/build_esco_bundle.py``; see ``data/esco/README.md``)."""
    from importlib.resources import files

    return Path(str(files("chamba.taxonomy") / "data" / "esco"))


def import_bundled_esco(session: Session, progress: Progress | None = None) -> EscoReport:
    """Import the ESCO data shipped in the package (:func:`bundled_esco_dir`), Spanish and
    English; an upsert, so running it again changes nothing.

    Raises:
        EscoImportError: the bundled files are missing (a stripped installation).
    """
    return import_esco(session, bundled_esco_dir(), langs=list(LABEL_LANGS), progress=progress)
