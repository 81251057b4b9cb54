"""Reading an OSV source (a git checkout of the PyPA advisory database, a folder of OSV
JSON/YAML files, OSV's ``PyPI/all.zip``) into the database document that ``refresh`` writes:
only the structured fields the check needs (id, aliases, package, ECOSYSTEM ranges, versions),
with the source's commit and date and its licence."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from osv_audit.evaluate import range_hit
from osv_audit.model import FORMAT, AuditError

#: Folders of the PyPA repository that hold no advisories (CI files, triage candidates).
SKIPPED_FOLDERS = frozenset({".github", "triage"})


def _osv_documents(source: Path) -> tuple[Iterator[tuple[str, bytes]], dict[str, Any]]:
    """``(file name, bytes)`` of each OSV file in ``source`` and what the source is."""
    if source.is_file() and zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        names = [n for n in archive.namelist() if n.endswith((".json", ".yaml", ".yml"))]
        return ((n, archive.read(n)) for n in names), {"kind": "zip", "file": source.name}
    bare = (source / "HEAD").is_file() and (source / "objects").is_dir()
    if bare or (source / ".git").exists():
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        date = subprocess.run(
            ["git", "-C", str(source), "show", "-s", "--format=%cI", commit],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        tree = subprocess.run(
            ["git", "-C", str(source), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        ).stdout
        return _tar_members(tree), {"kind": "git", "commit": commit, "commit_date": date}
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))
        return ((p.relative_to(source).as_posix(), p.read_bytes()) for p in files), {
            "kind": "directory"
        }
    raise AuditError(f"{source}: not a git repository, a folder or a zip of OSV files")


def _tar_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            name = member.name
            if member.isfile() and name.endswith((".json", ".yaml", ".yml")):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield name, handle.read()


def _parse(name: str, data: bytes) -> Any:
    try:
        if name.endswith(".json"):
            return json.loads(data)
        import yaml  # OSV sources only: a built database file needs nothing beyond packaging

        # The base loader keeps every scalar a string, as OSV means them: no 2.10 read as 2.1.
        loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
        try:
            return yaml.load(data, Loader=loader)  # builds no objects: str, list, dict
        except yaml.YAMLError as exc:
            raise ValueError(str(exc)) from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        raise AuditError(f"{name}: not a readable OSV file: {exc}") from exc


def compact(doc: Any) -> dict[str, Any] | None:
    """The fields the check needs from one OSV advisory; None when it is withdrawn or names no
    PyPI package."""
    if not isinstance(doc, dict) or "id" not in doc or doc.get("withdrawn"):
        return None
    affected = []
    for aff in doc.get("affected") or []:
        package = aff.get("package") or {}
        if package.get("ecosystem") != "PyPI" or not package.get("name"):
            continue
        ranges = [
            [[k, str(v)] for event in r.get("events", []) for k, v in event.items()]
            for r in aff.get("ranges") or []
            if r.get("type") == "ECOSYSTEM"
        ]
        affected.append(
            {
                "package": canonicalize_name(package["name"]),
                "ranges": ranges,
                "versions": _beyond_ranges(ranges, [str(v) for v in aff.get("versions") or []]),
            }
        )
    if not affected:
        return None
    return {"id": doc["id"], "aliases": sorted(doc.get("aliases") or []), "affected": affected}


def _beyond_ranges(ranges: list[list[list[str]]], versions: list[str]) -> list[str]:
    """The listed versions that the ranges do not already cover (the check takes the union, so
    the rest adds nothing); all of them when a bound or a version is not PEP 440."""
    events = [tuple((k, v) for k, v in r) for r in ranges]
    try:
        return [v for v in versions if not any(range_hit(Version(v), r)[0] for r in events)]
    except InvalidVersion:
        return versions


def build(source: Path, name: str, licence: str) -> dict[str, Any]:
    """The database document (as ``refresh`` writes it) of an OSV source."""
    try:
        documents, meta = _osv_documents(source)
        return _build(source, documents, meta, name, licence)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise AuditError(f"cannot read the OSV source {source}: {exc}") from exc


def _build(
    source: Path,
    documents: Iterator[tuple[str, bytes]],
    meta: dict[str, Any],
    name: str,
    licence: str,
) -> dict[str, Any]:
    advisories: list[dict[str, Any]] = []
    modified: dt.datetime | None = None
    skipped = 0
    for path, data in documents:
        if path.split("/")[0] in SKIPPED_FOLDERS:
            continue
        doc = _parse(path, data)
        if isinstance(doc, dict) and doc.get("modified"):
            try:
                stamp = dt.datetime.fromisoformat(str(doc["modified"]))
            except ValueError as exc:
                raise AuditError(f"{path}: modified is not a date: {exc}") from exc
            modified = max(modified, stamp) if modified else stamp
        entry = compact(doc)
        if entry is None:
            skipped += 1
        else:
            advisories.append(entry)
    if not advisories:
        raise AuditError(f"{source}: no PyPI advisory found")
    advisories.sort(key=lambda a: a["id"])
    newest = modified.isoformat() if modified else ""
    as_of = meta.get("commit_date") or newest
    return {
        "format": FORMAT,
        "source": {"name": name, **meta},
        "as_of": as_of,
        "newest_modified": newest,
        "license": licence,
        "attribution": f"Advisory data from {name} ({licence}), reduced to the fields id, "
        "aliases, affected package, ECOSYSTEM ranges and versions; no advisory text.",
        "skipped": skipped,
        "advisories": advisories,
    }


def refresh(source: Path, name: str, out: Path, licence: str) -> dict[str, Any]:
    """Builds the database of an OSV source and writes it to ``out`` (gzipped JSON)."""
    snapshot = build(source, name, licence)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(snapshot, separators=(",", ":"), sort_keys=True).encode()
    with gzip.GzipFile(out, "wb", mtime=0) as handle:  # mtime 0: same input, same bytes
        handle.write(body)
    return snapshot
