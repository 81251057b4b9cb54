"""Import jobs, people and courses from files: validate every record, then write all or nothing.

Formats: CSV (``,`` ``;`` or tab separated, UTF-8, Spanish or English headers), schema.org
JobPosting JSON-LD (jobs), JSON Resume (people) and plain JSON records with the CSV field names
(any kind). Records are upserted by ``(source, external_id)``; a record without an id gets a
stable content hash as its id (for people: a keyed hash of the national id, e-mail, or name and
phone), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypedDict, Unpack, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from chamba.courses import service as course_service
from chamba.courses.schemas import CourseIn
from chamba.db import blind_index
from chamba.errors import ChambaError
from chamba.fields import SkillClaim, is_blank
from chamba.ingest import jsonld, jsonresume
from chamba.ingest.columns import ALIASES, PLACE_PARTS, REQUIRED, WAGE
from chamba.ingest.errors import BadJson, IngestError
from chamba.ingest.reading import (
    MAX_FILE_BYTES,
    Record,
    csv_records,
    header_key,
    load_json,
    read_text,
)
from chamba.ingest.report import ImportReport
from chamba.ingest.skills import SkillLookup
from chamba.jobs import service as job_service
from chamba.jobs.schemas import JobIn
from chamba.nlp.encoder import TextEncoder
from chamba.nlp.service import suggest_job_skills_many
from chamba.people import service as people_service
from chamba.people.schemas import PersonIn
from chamba.vocab import SkillLevel

Kind = Literal["jobs", "people", "courses"]
#: ``progress(stage, done, total)``; stages are ``"validate"``, ``"skills"`` (jobs) and
#: ``"write"``.
ProgressFn = Callable[[str, int, int], None]

#: An imported record: each kind's write schema (every one has an ``external_id``).
Imported = JobIn | PersonIn | CourseIn
MODELS: Final[dict[str, type[Imported]]] = {"jobs": JobIn, "people": PersonIn, "courses": CourseIn}
CSV_SUFFIXES: Final = (".csv", ".tsv", ".txt")
JSON_SUFFIXES: Final = (".json", ".jsonld", ".json-ld")
WRITE_CHUNK: Final = 1000
#: Postings whose texts are tagged in one encoder call.
EXTRACT_BATCH: Final = 256
#: Most skills read from one posting's text.
MAX_EXTRACTED_SKILLS: Final = 25
_PROGRESS_EVERY: Final = 500
_MESSAGES: Final = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
}


class ImportOptions(TypedDict, total=False):
    """The keyword options of :func:`import_file`, passed on to :func:`prepare_import` (which
    gives their defaults)."""

    skip_invalid: bool
    source: str | None
    progress: ProgressFn | None
    encoding: str | None
    max_bytes: int
    extract_skills: bool
    encoder: TextEncoder | None


def import_file(
    session: Session, kind: Kind, path: Path, **options: Unpack[ImportOptions]
) -> ImportReport:
    """Import a file of ``kind`` records into the session (flushes, never commits):
    :func:`prepare_import`, then :func:`write_import` in the same session.

    Every record is validated first. When any is invalid nothing is written (``report.written``
    is False) unless ``skip_invalid``, which writes the valid ones and counts the rest as
    skipped. Writes happen inside a SAVEPOINT, so a database failure leaves the session as it
    was.

    Args:
        kind: ``"jobs"``, ``"people"`` or ``"courses"``.
        source: names the origin for ``(source, external_id)``; default ``"import:<kind>"``.
        encoding: read the file in this encoding (e.g. ``"cp1252"``) instead of UTF-8.
        extract_skills: jobs only: read the skills each posting asks for from its title and
            description (:func:`tag_job_skills`); skill names the file gives that no skill
            matches are kept as the job's ``unlinked_skills``.
        encoder: the text encoder for skill extraction (default: the built-in one).

    Raises:
        IngestError: the file as a whole cannot be read (encoding, size, structure, columns).
    """
    prepared = prepare_import(session, kind, path, **options)
    return write_import(session, prepared, progress=options.get("progress"))


@dataclass
class PreparedImport:
    """A file read, validated and (jobs) tagged by :func:`prepare_import`, not yet written."""

    kind: Kind
    report: ImportReport
    models: list[BaseModel]
    #: False when rows were invalid and ``skip_invalid`` was not set: nothing may be written.
    ready: bool


def prepare_import(
    session: Session,
    kind: Kind,
    path: Path,
    *,
    skip_invalid: bool = False,
    source: str | None = None,
    progress: ProgressFn | None = None,
    encoding: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    extract_skills: bool = True,
    encoder: TextEncoder | None = None,
) -> PreparedImport:
    """Read, validate and (jobs) tag a file; only reads ``session`` (see :func:`import_file`).

    The slow part of an import (skill tagging: minutes for thousands of postings) runs here, so a
    caller can do it in a read-only unit of work and then write in a short one of its own (the
    CLI: on SQLite a transaction that read before others committed can no longer write).
    """
    if kind not in get_args(Kind):
        raise IngestError(f"unknown import kind {kind!r}: use jobs, people or courses")
    source = (source or f"import:{kind}").strip()
    if not source or len(source) > 60:
        raise IngestError("source must be 1 to 60 characters")
    path = Path(path)
    text = read_text(path, encoding=encoding, max_bytes=max_bytes)
    fmt, records = _records(kind, path, text)
    report = ImportReport(
        kind=kind,
        source=source,
        path=str(path),
        format=fmt,
        unit="line" if fmt == "csv" else "record",
    )
    valid = _validate(session, kind, records, report, source, progress)
    if report.errors and not skip_invalid:
        return PreparedImport(kind, report, [], ready=False)
    report.skipped = report.total - len(valid)
    models = [model for _, model in valid]
    if kind == "jobs" and extract_skills:
        models = tag_job_skills(session, models, progress=progress, encoder=encoder)
    return PreparedImport(kind, report, models, ready=True)


def write_import(
    session: Session, prepared: PreparedImport, *, progress: ProgressFn | None = None
) -> ImportReport:
    """Write what :func:`prepare_import` read, all or nothing (flushes, never commits)."""
    if prepared.ready:
        _write(
            session, prepared.kind, prepared.models, prepared.report, prepared.report.source,
            progress,
        )  # fmt: skip
    return prepared.report


def tag_job_skills(
    session: Session,
    jobs: Sequence[BaseModel],
    *,
    progress: ProgressFn | None = None,
    encoder: TextEncoder | None = None,
    batch: int = EXTRACT_BATCH,
) -> list[BaseModel]:
    """Add the skills each posting's title and description ask for (the tagger of
    ``POST /jobs/suggest-skills``, job-ad mode), ``batch`` postings per encoder call.

    Skills the file already names keep their requirement; read ones come with their
    requirement ("deseable" -> optional), importance and level. Progress stage: ``"skills"``.
    """
    out: list[BaseModel] = []
    for start in range(0, len(jobs), batch):
        chunk = [j for j in jobs[start : start + batch] if isinstance(j, JobIn)]
        found = suggest_job_skills_many(
            session, [(j.title, j.description or "") for j in chunk], encoder=encoder
        )
        for job, suggestions in zip(chunk, found, strict=True):
            essential, optional = list(job.skills), list(job.optional_skills)
            named = set(essential) | set(optional)
            levels = dict(job.skill_levels)
            importance = dict(job.skill_importance)
            for s in suggestions[:MAX_EXTRACTED_SKILLS]:
                if s.level and s.skill_id not in levels:
                    levels[s.skill_id] = SkillLevel(s.level)
                if s.skill_id in named:
                    continue
                (essential if s.requirement == "essential" else optional).append(s.skill_id)
                importance[s.skill_id] = s.importance
            out.append(
                job.model_copy(
                    update={
                        "skills": essential,
                        "optional_skills": optional,
                        "skill_levels": levels,
                        "skill_importance": importance,
                    }
                )
            )
        if progress:
            progress("skills", min(start + batch, len(jobs)), len(jobs))
    return out


# ------------------------------------------------------------------------------------ reading


def _records(kind: str, path: Path, text: str) -> tuple[str, list[Record]]:
    suffix = path.suffix.lower()
    is_json = suffix in JSON_SUFFIXES or (
        suffix not in CSV_SUFFIXES and text.lstrip()[:1] in ("{", "[")
    )
    if not is_json:
        records = csv_records(
            text, name=path.name, suffix=suffix, aliases=ALIASES[kind], required=REQUIRED[kind]
        )
        return "csv", list(records)
    doc = load_json(text, name=path.name)
    if isinstance(doc, list) and not doc:
        raise BadJson(f"{path.name}: the list is empty; nothing to import")
    if not isinstance(doc, dict | list):
        raise BadJson(f"{path.name}: expected a JSON object or a list of objects")
    first = doc[0] if isinstance(doc, list) else doc
    if kind == "jobs" and jsonld.is_jsonld(first):
        return "json-ld", list(jsonld.job_postings(doc, name=path.name))
    if kind == "people" and jsonresume.is_resume(first):
        return "json-resume", list(jsonresume.resumes(doc, name=path.name))
    return "json", list(_flat_records(kind, doc))


def _flat_records(kind: str, doc: Any) -> Iterator[Record]:
    aliases = ALIASES[kind]
    for number, item in enumerate(doc if isinstance(doc, list) else [doc], 1):
        if not isinstance(item, dict):
            yield Record(number, {"__errors__": [("(record)", "must be a JSON object")]})
            continue
        data: dict[str, Any] = {}
        origin: dict[str, str] = {}
        errors = []
        for key, value in item.items():
            field = aliases.get(header_key(str(key)))
            if field is None:
                errors.append((str(key)[:60], "is not a known field"))
                continue
            data[field], origin[field] = value, str(key)
        if errors:
            data["__errors__"] = errors
        yield Record(number, data, origin)


# --------------------------------------------------------------------------------- validation


def _prepare(
    record: Record,
) -> tuple[dict[str, Any], list[tuple[str, str]], dict[str, str]]:
    """Combine place parts and a single wage column; return data, mapping errors, origins."""
    data = dict(record.data)
    origin = dict(record.origin or {})
    errors = list(data.pop("__errors__", []))
    used = [p for p in PLACE_PARTS if not is_blank(data.get(p))]
    parts = [str(data[p]).strip() for p in used]
    for p in PLACE_PARTS:
        data.pop(p, None)
    if parts and is_blank(data.get("ubigeo")):
        data["ubigeo"] = ", ".join(parts)
        origin["ubigeo"] = "/".join(origin.get(p, p) for p in used)
    wage = data.pop(WAGE, None)
    if not is_blank(wage):
        for field in ("wage_min", "wage_max"):
            if is_blank(data.get(field)):
                data[field] = wage
                origin[field] = origin.get(WAGE, WAGE)
    return data, errors, origin


def _errors_of(exc: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    out = []
    for item in exc.errors():
        loc = [str(p) for p in item["loc"]]
        message = _MESSAGES.get(item["type"], item["msg"].removeprefix("Value error, "))
        field = loc[0] if loc else "(row)"
        if not loc:
            head, sep, tail = message.partition(": ")
            if sep and head in model.model_fields:
                field, message = head, tail
        out.append((field, message))
    return out


def _resolve_skills(model: BaseModel, lookup: SkillLookup) -> tuple[dict[str, Any], list[str]]:
    update: dict[str, Any] = {}
    unknown: list[str] = []

    def resolve(name: str) -> str | None:
        try:
            return lookup.resolve(name)
        except ValueError as exc:
            unknown.append(str(exc))
            return None

    if isinstance(model, JobIn):
        # A posting's free skill names (schema.org ``skills``) are linked where a skill has that
        # name; the others are kept as unlinked requirements, never a reason to reject it.
        unlinked: list[str] = list(model.unlinked_skills)

        def link(name: str) -> str | None:
            try:
                return lookup.resolve(name)
            except ValueError:
                unlinked.append(name)
                return None

        essential = [s for s in (link(n) for n in model.skills) if s]
        optional = [s for s in (link(n) for n in model.optional_skills) if s]
        update["skills"] = list(dict.fromkeys(essential))
        update["optional_skills"] = [s for s in dict.fromkeys(optional) if s not in essential]
        update["unlinked_skills"] = list(dict.fromkeys(unlinked))
    else:
        claims: dict[str, SkillClaim] = {}
        for claim in getattr(model, "skills", []):
            skill_id = resolve(claim.skill)
            if skill_id:
                claims.setdefault(skill_id, SkillClaim(skill=skill_id, level=claim.level))
        update["skills"] = list(claims.values())
    return update, unknown


def content_id(kind: str, model: BaseModel) -> str:
    """A stable external id for a record without one (keyed for people: no PII in clear)."""
    if isinstance(model, PersonIn):
        identity: Any = model.national_id or model.email
        if identity is None and model.full_name and model.phone:
            identity = [model.full_name.casefold(), model.phone]
        if identity is None:
            identity = model.model_dump(mode="json", exclude={"external_id"})
        return "hk:" + blind_index(json.dumps(identity, sort_keys=True))[:40]
    payload = json.dumps(model.model_dump(mode="json", exclude={"external_id"}), sort_keys=True)
    return "h:" + hashlib.sha256(payload.encode()).hexdigest()[:40]


def _validate(
    session: Session,
    kind: str,
    records: Sequence[Record],
    report: ImportReport,
    source: str,
    progress: ProgressFn | None,
) -> list[tuple[int, BaseModel]]:
    model_cls = MODELS[kind]
    lookup = SkillLookup(session)
    valid: list[tuple[int, BaseModel]] = []
    seen_ids: dict[str, int] = {}
    seen_nids: dict[str, int] = {}
    report.total = len(records)
    for done, record in enumerate(records, 1):
        data, errors, origin = _prepare(record)
        model: Imported | None = None
        nid: str | None = None
        try:
            if data or not errors:  # a record that is not even the right type: say only that
                model = model_cls.model_validate(data)
        except ValidationError as exc:
            errors.extend(_errors_of(exc, model_cls))
        if model is not None:
            update, unknown = _resolve_skills(model, lookup)
            errors.extend(("skills", reason) for reason in unknown)
            model = model.model_copy(update=update)
            ext = model.external_id
            if ext is None:
                ext = content_id(kind, model)
                model = model.model_copy(update={"external_id": ext})
            if not errors:
                nid = getattr(model, "national_id", None)
                if nid and nid in seen_nids:
                    errors.append(("national_id", f"same as on {report.unit} {seen_nids[nid]}"))
                elif ext in seen_ids:
                    reason = f"repeats the record on {report.unit} {seen_ids[ext]}"
                    errors.append(("external_id", reason + " (same id or same content)"))
            if not errors:
                seen_ids[ext] = record.line
                if nid:
                    seen_nids[nid] = record.line
        for field, reason in errors:
            report.add_error(record.line, origin.get(field, field), reason)
        if not errors and model is not None:
            valid.append((record.line, model))
        if progress and (done % _PROGRESS_EVERY == 0 or done == len(records)):
            progress("validate", done, len(records))
    if kind == "people" and valid:
        matches = people_service.match_existing(
            session,
            [m for _, m in valid if isinstance(m, PersonIn)],
            source=source,
        )
        kept: list[tuple[int, BaseModel]] = []
        for (line, person), match in zip(valid, matches, strict=True):
            if match.conflict:
                report.add_error(line, "national_id", match.conflict)
            else:
                kept.append((line, person))
        valid = kept
    return valid


# ------------------------------------------------------------------------------------ writing


def _upserter(kind: str) -> Callable[..., Sequence[str]]:
    """The service function that writes validated records of ``kind`` (one outcome each)."""
    if kind == "jobs":
        return job_service.upsert_jobs
    if kind == "people":
        return people_service.upsert_people
    return course_service.upsert_courses


def _write(
    session: Session,
    kind: str,
    models: Sequence[BaseModel],
    report: ImportReport,
    source: str,
    progress: ProgressFn | None,
) -> None:
    upsert = _upserter(kind)
    try:
        with session.begin_nested():
            for start in range(0, len(models), WRITE_CHUNK):
                chunk = models[start : start + WRITE_CHUNK]
                for outcome in upsert(session, chunk, source=source):
                    setattr(report, outcome, getattr(report, outcome) + 1)
                if progress:
                    progress("write", start + len(chunk), len(models))
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0][:300] if exc.orig else str(exc)[:300]
        raise IngestError(
            f"{Path(report.path).name}: the database refused the import ({reason}); "
            "nothing was imported"
        ) from None
    except ChambaError as exc:
        raise IngestError(
            f"{Path(report.path).name}: {exc.message}; nothing was imported"
        ) from None
    report.written = True
