"""What an import did: counts and every bad row with its line (or record) number."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: Most errors :meth:`ImportReport.summary` prints (``to_dict`` has all of them).
SUMMARY_ERRORS = 50


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: ``line`` is the CSV line (header = 1) or the 1-based JSON record number."""

    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    """Result of :func:`chamba.ingest.service.import_file`.

    ``written`` is False when rows were invalid and ``skip_invalid`` was not set: then nothing
    was imported. ``skipped`` counts invalid records left out under ``skip_invalid``.
    """

    kind: str
    source: str
    path: str
    format: str
    unit: Literal["line", "record"] = "line"
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No invalid rows."""
        return not self.errors

    def add_error(self, line: int, field_name: str, reason: str) -> None:
        self.errors.append(RowError(line, field_name, reason))

    def summary(self) -> str:
        """A few lines for people: counts, then each error as ``line 4, wage_max: reason``."""
        head = (
            f"{self.path}: {self.total} {self.kind} record(s) [{self.format}, source "
            f"{self.source!r}] - {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )
        lines = [head]
        if self.errors:
            bad = len({e.line for e in self.errors})
            lines.append(f"{len(self.errors)} problem(s) in {bad} {self.unit}(s):")
            for err in sorted(self.errors, key=lambda e: e.line)[:SUMMARY_ERRORS]:
                lines.append(f"  {self.unit} {err.line}, {err.field}: {err.reason}")
            if len(self.errors) > SUMMARY_ERRORS:
                lines.append(f"  ... and {len(self.errors) - SUMMARY_ERRORS} more")
            if not self.written:
                lines.append("Nothing was imported: fix these rows or use --skip-invalid.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with every error."""
        data = asdict(self)
        data["ok"] = self.ok
        return data
