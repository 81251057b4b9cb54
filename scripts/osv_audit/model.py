"""The records of the audit: pins, advisory entries, findings, ignores, the offline database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The environment variable naming the offline advisory database (as --snapshot does).
DB_ENV = "CHAMBA_ADVISORY_DB"
#: The format number of a database file that ``refresh`` writes.
FORMAT = 1

#: One OSV range event: ("introduced" | "fixed" | "last_affected", version).
Event = tuple[str, str]
#: A fetcher of PyPI's project JSON: returns the document, None for "no such project", and
#: raises OSError (URLError, timeouts) when PyPI cannot be reached.
Fetch = Callable[[str], "dict[str, Any] | None"]


class AuditError(Exception):
    """Input the audit cannot trust (exit status 2)."""


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
