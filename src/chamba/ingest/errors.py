"""Errors of file imports: the whole file cannot be read (row problems go in the report)."""

from __future__ import annotations

from chamba.errors import InvalidInput


class IngestError(InvalidInput):
    """A file cannot be imported at all; the message says what to fix."""

    title = "Import failed"


class UnreadableFile(IngestError):
    """Wrong encoding, binary content, too large or empty."""


class BadCsv(IngestError):
    """The CSV header or structure is wrong (missing/unknown columns, broken quotes)."""


class BadJson(IngestError):
    """The JSON is invalid, too deeply nested or not the expected shape."""
