"""Reading the inputs of a check: the pins of a constraints file, the ignores, the distributions
installed beyond the pins, the offline advisory database, and PyPI's live project JSON."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from osv_audit.model import FORMAT, Affected, AuditError, Fetch, Ignore, Pin, Snapshot
from osv_audit.osv import build

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


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
