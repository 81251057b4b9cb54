"""Audit the pinned dependencies against known vulnerabilities, offline-capable.

    python scripts/audit_deps.py [check] [--snapshot DB]   # or CHAMBA_ADVISORY_DB=DB
    python scripts/audit_deps.py refresh SOURCE --out FILE [--source-name NAME]

``check`` reads every ``name==version`` of ``requirements/constraints.txt``. Two sources:

- an offline advisory database that the user supplies (``--snapshot`` or the environment variable
  ``CHAMBA_ADVISORY_DB``; none is shipped): an OSV source (a git checkout of the PyPA advisory
  database, a folder of OSV JSON/YAML files, OSV's ``PyPI/all.zip``) read as it is, or a file
  that ``refresh`` built from one. Each advisory's explicit ``versions`` and ``ECOSYSTEM`` ranges
  (``introduced``/``fixed``/``last_affected`` events, PEP 440 order) are evaluated;
- PyPI's project JSON, when it answers: a pin that *is* the latest release is checked against
  PyPI's ``vulnerabilities`` list (which describes the latest release only).

Each affected pin prints one line (package, pinned version, advisory, fixed version). The summary
always says what was checked and what was not: without an offline database only latest-release
pins are checked and the others are named; an unreachable PyPI is said, never hidden.
``requirements/audit-ignore.toml`` silences an advisory (by id or alias) with a reason until its
expiry date.

``refresh`` builds a database file from an OSV source, keeping only the structured fields the
check needs (id, aliases, package, ECOSYSTEM ranges, versions), with the source's commit and date
and its licence (CC-BY-4.0 for the PyPA database). Such a file is local data, never committed.

Exit status: 0 no finding in what was checked, 1 findings, 2 bad input (unreadable database,
constraints, ignores; ``--offline`` without a database), 3 nothing could be checked (no offline
database and PyPI unreachable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
#: The environment variable naming the offline advisory database (as --snapshot does).
DB_ENV = "CHAMBA_ADVISORY_DB"
#: Where ``refresh`` writes by default: ignored by git (local data, never committed).
LOCAL_DB = ROOT / "requirements" / "advisories" / "osv.json.gz"
IGNORES = ROOT / "requirements" / "audit-ignore.toml"
PYPI = "https://pypi.org/pypi"
FORMAT = 1
#: Folders of the PyPA repository that hold no advisories (CI files, triage candidates).
SKIPPED_FOLDERS = frozenset({".github", "triage"})
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")

#: One OSV range event: ("introduced" | "fixed" | "last_affected", version).
Event = tuple[str, str]
#: A fetcher of PyPI's project JSON: returns the document, None for "no such project", and
#: raises OSError (URLError, timeouts) when PyPI cannot be reached.
Fetch = Callable[[str], "dict[str, Any] | None"]


class AuditError(Exception):
    """Input the audit cannot trust (exit status 2)."""


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Pin:
    name: str  # PEP 503 normalised
    version: str


@dataclass(frozen=True)
class Affected:
    """One ``affected`` entry of one advisory, for one package."""

    id: str
    aliases: tuple[str, ...]
    package: str  # PEP 503 normalised
    ranges: tuple[tuple[Event, ...], ...]  # ECOSYSTEM ranges only
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    pin: Pin
    id: str
    aliases: tuple[str, ...]
    fixed: str  # "2.7.2", "2.7.2, 3.0.1", or why none is given
    source: str  # "advisory db" or "PyPI"

    def names(self) -> set[str]:
        return {self.id, *self.aliases}

    def line(self) -> str:
        also = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return (
            f"VULNERABLE {self.pin.name}=={self.pin.version}: {self.id}{also}; "
            f"fixed in: {self.fixed} [{self.source}]"
        )


@dataclass(frozen=True)
class Ignore:
    id: str
    reason: str
    expires: dt.date


@dataclass
class Snapshot:
    meta: dict[str, Any]
    by_package: dict[str, list[Affected]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len({a.id for entries in self.by_package.values() for a in entries})


def read_pins(path: Path) -> list[Pin]:
    """Every ``name==version`` line of a requirements/constraints file (names PEP 503)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc}") from exc
    pins = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        if match is None:
            raise AuditError(f"{path}: not a name==version pin: {raw!r}")
        pins.append(Pin(canonicalize_name(match[1]), match[2]))
    return pins


def load_database(path: Path) -> Snapshot:
    """The offline advisory database: a file built by ``refresh``, or an OSV source (git
    repository, folder, zip of OSV files) read as it is."""
    if not path.exists():
        raise AuditError(f"{path}: no such advisory database")
    if path.is_file() and not zipfile.is_zipfile(path):
        return load_snapshot(path)
    return _from_doc(build(path, str(path), "as given by its source"))


def load_snapshot(path: Path) -> Snapshot:
    """A database file that ``refresh`` wrote."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, EOFError, ValueError) as exc:  # EOFError: a truncated gzip file
        raise AuditError(f"cannot read the advisory database {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise AuditError(f"{path}: database format {found!r}, expected {FORMAT}")
    return _from_doc(doc)


def _from_doc(doc: dict[str, Any]) -> Snapshot:
    snapshot = Snapshot(meta={k: v for k, v in doc.items() if k != "advisories"})
    for adv in doc["advisories"]:
        for aff in adv["affected"]:
            entry = Affected(
                id=adv["id"],
                aliases=tuple(adv.get("aliases", ())),
                package=canonicalize_name(aff["package"]),
                ranges=tuple(tuple((k, v) for k, v in events) for events in aff["ranges"]),
                versions=tuple(aff.get("versions", ())),
            )
            snapshot.by_package.setdefault(entry.package, []).append(entry)
    return snapshot


def installed_beyond(pins: Sequence[Pin], own: str = "chamba") -> list[Pin]:
    """The distributions of the running environment that no pin describes (e.g. the venv's own
    pip), the project itself left out."""
    import importlib.metadata as md

    def public(pin: Pin) -> tuple[str, str]:  # a pin ==2.13.0 matches 2.13.0+cpu (PEP 440)
        try:
            return pin.name, Version(pin.version).public
        except InvalidVersion:
            return pin.name, pin.version

    pinned = {public(p) for p in pins}
    found = {Pin(canonicalize_name(d.metadata["Name"]), d.version) for d in md.distributions()}
    return sorted(
        (p for p in found if p.name != own and public(p) not in pinned),
        key=lambda p: (p.name, p.version),
    )


def read_ignores(path: Path) -> list[Ignore]:
    """``[[ignore]]`` tables with ``id``, a non-empty ``reason`` and an ``expires`` date."""
    if not path.exists():
        return []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {exc}") from exc
    ignores = []
    for n, entry in enumerate(doc.get("ignore", []), start=1):
        ident, reason, expires = entry.get("id"), entry.get("reason"), entry.get("expires")
        if not isinstance(ident, str) or not ident:
            raise AuditError(f"{path}: ignore #{n} has no id")
        if not isinstance(reason, str) or not reason.strip():
            raise AuditError(f"{path}: ignore {ident} has no reason")
        if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
            raise AuditError(f"{path}: ignore {ident} needs an expiry date (expires = YYYY-MM-DD)")
        ignores.append(Ignore(ident, reason.strip(), expires))
    return ignores


# ------------------------------------------------------------------------- evaluation


def _key(version: str) -> tuple[int, Version]:
    # "0" in an introduced event means "from the very first release", below any pre-release.
    return (0, Version("0")) if version == "0" else (1, Version(version))


def _range_hit(version: Version, events: Sequence[Event]) -> tuple[bool, str]:
    """OSV's evaluation of one ECOSYSTEM range: whether ``version`` is in it, and its fix."""
    vulnerable, fix = False, ""
    ordered = sorted(
        (e for e in events if e[0] in ("introduced", "fixed", "last_affected")),
        key=lambda e: _key(e[1]),
    )
    for kind, bound in ordered:
        if kind == "introduced" and (bound == "0" or version >= Version(bound)):
            vulnerable = True
        elif kind == "fixed" and version >= Version(bound):
            vulnerable = False
        elif kind == "last_affected" and version > Version(bound):
            vulnerable = False
    if vulnerable:
        later = [b for k, b in ordered if k == "fixed" and Version(b) > version]
        last = [b for k, b in ordered if k == "last_affected" and Version(b) >= version]
        fix = later[0] if later else f"no fix known (last affected {last[0]})" if last else ""
    return vulnerable, fix


def affects(entry: Affected, version: str) -> tuple[bool, str]:
    """Whether ``entry`` affects ``version``, and the fixed version(s) to report.

    Raises InvalidVersion when a bound of the advisory is not a PEP 440 version."""
    pinned = Version(version)
    hit, fixes = False, []
    for events in entry.ranges:
        in_range, fix = _range_hit(pinned, events)
        hit = hit or in_range
        if in_range and fix:
            fixes.append(fix)
    for listed in entry.versions:
        try:
            same = Version(listed) == pinned
        except InvalidVersion:
            same = listed == version
        hit = hit or same
    if not hit:
        return False, ""
    if not fixes:  # listed by version only: any later fixed event of its ranges is the fix
        fixes = sorted(
            {b for r in entry.ranges for k, b in r if k == "fixed" and Version(b) > pinned},
            key=Version,
        )[:1]
    return True, ", ".join(dict.fromkeys(fixes)) or "no fix known"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    unevaluable: list[str] = field(default_factory=list)  # "pkg: ADVISORY (why)"
    notes: list[str] = field(default_factory=list)


def check_snapshot(pins: Iterable[Pin], snapshot: Snapshot, report: Report) -> int:
    """Adds the database's findings for ``pins`` to ``report``; returns how many pins it read."""
    n = 0
    for pin in pins:
        n += 1
        for entry in snapshot.by_package.get(pin.name, []):
            try:
                hit, fixed = affects(entry, pin.version)
            except InvalidVersion as exc:
                report.unevaluable.append(f"{pin.name}: {entry.id} ({exc})")
                continue
            if not entry.ranges and not entry.versions:
                report.unevaluable.append(f"{pin.name}: {entry.id} (no PyPI versions or ranges)")
            if hit:
                report.findings.append(Finding(pin, entry.id, entry.aliases, fixed, "advisory db"))
    return n


# --------------------------------------------------------------------------- live PyPI


def fetch_pypi(base: str, timeout: float) -> Fetch:
    def fetch(name: str) -> dict[str, Any] | None:
        url = f"{base.rstrip('/')}/{name}/json"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                doc: dict[str, Any] = json.load(response)
                return doc
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        except ValueError as exc:  # not JSON (a proxy's or portal's page): PyPI did not answer
            raise OSError(f"{url} answered something that is not JSON: {exc}") from exc

    return fetch


def check_live(
    pins: Sequence[Pin], fetch: Fetch, report: Report, workers: int = 8
) -> tuple[str, int]:
    """Checks pins that are PyPI's latest release against its ``vulnerabilities``; returns the
    summary line of what was and was not checked, and how many pins were checked."""
    if not pins:
        return "live PyPI: nothing to check", 0
    try:
        first = fetch(pins[0].name)
    except OSError as exc:
        return f"live PyPI: unreachable ({exc}); no pin was checked live", 0
    docs: dict[Pin, dict[str, Any] | None | OSError] = {pins[0]: first}

    def get(pin: Pin) -> tuple[Pin, dict[str, Any] | None | OSError]:
        try:
            return pin, fetch(pin.name)
        except OSError as exc:
            return pin, exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        docs.update(pool.map(get, pins[1:]))
    checked, older, missing, failed = [], [], [], []
    for pin in pins:
        doc = docs[pin]
        if isinstance(doc, OSError):
            failed.append(f"{pin.name} ({doc})")
            continue
        if doc is None:
            missing.append(pin.name)
            continue
        latest = str(doc.get("info", {}).get("version", ""))
        files = doc.get("releases", {}).get(pin.version)
        if files and all(f.get("yanked") for f in files):
            report.notes.append(f"yanked on PyPI: {pin.name}=={pin.version}")
        if not _same(latest, pin.version):
            older.append(f"{pin.name} {pin.version} (latest {latest})")
            continue
        checked.append(pin.name)
        for vuln in doc.get("vulnerabilities") or []:
            if vuln.get("withdrawn"):
                continue
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix known"
            aliases = tuple(vuln.get("aliases") or ())
            report.findings.append(Finding(pin, str(vuln.get("id")), aliases, fixed, "PyPI"))
    parts = [f"live PyPI: {len(checked)} pins are the latest release and were checked"]
    if older:
        parts.append(f"{len(older)} not checked (not the latest release): {', '.join(older)}")
    if missing:
        parts.append(f"{len(missing)} not on PyPI: {', '.join(missing)}")
    if failed:
        parts.append(f"{len(failed)} could not be fetched: {', '.join(failed)}")
    return "; ".join(parts), len(checked)


def _same(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


# ------------------------------------------------------------------------------ check


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per pin and advisory, whichever source saw it (ids and aliases match)."""
    kept: list[Finding] = []
    for f in findings:
        if not any(k.pin == f.pin and k.names() & f.names() for k in kept):
            kept.append(f)
    return kept


def audit(
    pins: Sequence[Pin],
    snapshot: Snapshot | None,
    ignores: Sequence[Ignore],
    today: dt.date,
    fetch: Fetch | None,
    installed: Sequence[Pin] = (),
) -> tuple[list[str], int]:
    """Runs the check on ``pins`` and ``installed`` (distributions of this environment that the
    pins do not describe) against the offline database ``snapshot`` (None: none given) and PyPI
    (``fetch``; None: not asked); returns the lines to print and the exit status."""
    if snapshot is None and fetch is None:
        raise AuditError(f"--offline needs an offline advisory database (--snapshot or {DB_ENV})")
    report = Report()
    everything = [*pins, *installed]
    lines = [f"pinned: {len(pins)} packages"]
    if installed:
        lines.append(
            f"installed here, not pinned: {', '.join(f'{p.name} {p.version}' for p in installed)}"
        )
    if snapshot is not None:
        check_snapshot(everything, snapshot, report)
        lines.append(_describe(snapshot, today))
        if report.unevaluable:
            lines.append(
                f"advisory db: {len(report.unevaluable)} advisories of pinned packages could not "
                f"be evaluated: {'; '.join(report.unevaluable)}"
            )
    live = 0
    if fetch is None:
        lines.append("live PyPI: not asked (--offline); only the offline advisory database applies")
    else:
        summary, live = check_live(everything, fetch, report)
        lines.append(summary)
    if snapshot is None:
        lines.append(
            f"no offline advisory database given (set {DB_ENV} or --snapshot to an OSV source or "
            f"a file built by `refresh`): {live} of {len(everything)} packages checked against "
            f"PyPI's live list only, {len(everything) - live} not checked"
        )
    lines.extend(report.notes)
    findings, silenced = [], []
    used: set[str] = set()
    for finding in _dedupe(report.findings):
        rule = next((i for i in ignores if i.id in finding.names()), None)
        if rule is not None:
            used.add(rule.id)
            if rule.expires >= today:
                silenced.append(f"ignored until {rule.expires}: {finding.line()} - {rule.reason}")
                continue
            lines.append(f"ignore of {rule.id} expired on {rule.expires}; it counts again")
        findings.append(finding)
    lines.extend(silenced)
    unused = [i for i in ignores if i.id not in used]
    lines.extend(f"unused ignore: {i.id} (expires {i.expires})" for i in unused)
    lines.extend(f.line() for f in findings)
    if findings:
        lines.append(f"FAIL: {len(findings)} known vulnerabilities in the audited packages")
        return lines, 1
    if snapshot is not None:
        lines.append(
            "OK: no known vulnerability in the audited packages, as far as the sources reach"
        )
        return lines, 0
    if live == 0:
        lines.append("NOT CHECKED: no offline advisory database and no answer from PyPI")
        return lines, 3
    lines.append(
        f"OK: no known vulnerability in the {live} packages checked against PyPI's live list; "
        f"{len(everything) - live} packages were not checked"
    )
    return lines, 0


def _describe(snapshot: Snapshot, today: dt.date) -> str:
    meta = snapshot.meta
    as_of = str(meta.get("as_of") or "?")
    try:
        age = f", {(today - dt.date.fromisoformat(as_of[:10])).days} days old"
    except ValueError:
        age = ""
    src = meta.get("source", {})
    return (
        f"advisory db: {snapshot.count} advisories from {src.get('name', '?')}"
        f" @ {src.get('commit', src.get('kind', '?'))[:12]}, data as of {as_of}{age}"
    )


# ---------------------------------------------------------------------------- refresh


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
        return [v for v in versions if not any(_range_hit(Version(v), r)[0] for r in events)]
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


# -------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="audit the pinned set (the default)")
    for p in (parser, check):
        p.add_argument("--constraints", type=Path, default=CONSTRAINTS)
        p.add_argument(
            "--snapshot",
            type=Path,
            default=None,
            help=f"offline advisory database: an OSV source (git checkout, folder, all.zip) or a "
            f"file built by refresh (default: ${DB_ENV}; none: PyPI's live list only)",
        )
        p.add_argument("--ignore", type=Path, default=IGNORES)
        p.add_argument("--offline", action="store_true", help="do not ask PyPI")
        p.add_argument(
            "--installed",
            action="store_true",
            help="also audit what this interpreter has installed beyond the pins (pip itself)",
        )
        p.add_argument("--pypi", default=PYPI, help="PyPI's JSON API base URL")
        p.add_argument("--timeout", type=float, default=10.0)
        p.add_argument("--today", type=dt.date.fromisoformat, default=None)
    fresh = sub.add_parser("refresh", help="build a database file from an OSV source")
    fresh.add_argument("source", type=Path, help="git repository, folder or all.zip of OSV files")
    fresh.add_argument("--source-name", default="", help="where the data comes from (a URL)")
    fresh.add_argument("--license", default="CC-BY-4.0")
    fresh.add_argument("--out", type=Path, default=LOCAL_DB)
    args = parser.parse_args(argv)
    try:
        if args.command == "refresh":
            name = args.source_name or str(args.source)
            snap = refresh(args.source, name, args.out, args.license)
            print(f"wrote {args.out}: {len(snap['advisories'])} advisories, as of {snap['as_of']}")
            print(f"use it with --snapshot {args.out} or {DB_ENV}={args.out}")
            return 0
        today = args.today or dt.datetime.now(dt.UTC).date()
        fetch = None if args.offline else fetch_pypi(args.pypi, args.timeout)
        pins = read_pins(args.constraints)
        given = args.snapshot or os.environ.get(DB_ENV) or None
        lines, status = audit(
            pins,
            load_database(Path(given)) if given else None,
            read_ignores(args.ignore),
            today,
            fetch,
            installed_beyond(pins) if args.installed else (),
        )
    except AuditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
