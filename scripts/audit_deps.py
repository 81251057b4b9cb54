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

The work is done by the package ``osv_audit`` next to this file (records, evaluation, reading
the sources); this file is its command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by its path (the tests) rather than run as a script
    sys.path.insert(0, str(HERE))

from osv_audit.evaluate import affects, audit  # noqa: E402
from osv_audit.model import DB_ENV, Affected, AuditError, Pin, Snapshot  # noqa: E402
from osv_audit.osv import refresh  # noqa: E402
from osv_audit.sources import (  # noqa: E402
    fetch_pypi,
    installed_beyond,
    load_database,
    load_snapshot,
    read_ignores,
    read_pins,
)

#: The public face of the audit (the CLI below, and what its tests call).
__all__ = [
    "DB_ENV",
    "Affected",
    "AuditError",
    "Pin",
    "Snapshot",
    "affects",
    "audit",
    "fetch_pypi",
    "installed_beyond",
    "load_database",
    "load_snapshot",
    "main",
    "read_ignores",
    "read_pins",
    "refresh",
]

ROOT = HERE.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
#: Where ``refresh`` writes by default: ignored by git (local data, never committed).
LOCAL_DB = ROOT / "requirements" / "advisories" / "osv.json.gz"
IGNORES = ROOT / "requirements" / "audit-ignore.toml"
PYPI = "https://pypi.org/pypi"


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
