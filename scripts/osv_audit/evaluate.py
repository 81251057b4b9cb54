"""The check: OSV's evaluation of an advisory's ranges against a pinned version, the offline
database's and PyPI's findings, ignores applied, and the lines and exit status of a run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from osv_audit.model import (
    DB_ENV,
    Affected,
    AuditError,
    Event,
    Fetch,
    Finding,
    Ignore,
    Pin,
    Snapshot,
)

# ------------------------------------------------------------------------- ranges


def _key(version: str) -> tuple[int, Version]:
    # "0" in an introduced event means "from the very first release", below any pre-release.
    return (0, Version("0")) if version == "0" else (1, Version(version))


def range_hit(version: Version, events: Sequence[Event]) -> tuple[bool, str]:
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
        in_range, fix = range_hit(pinned, events)
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
