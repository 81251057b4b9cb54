"""Safe reading of import files: size, encoding, CSV structure and JSON depth checks.

Nothing here trusts the file: every failure becomes an :class:`IngestError` with a message a
person can act on, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from chamba.ingest.errors import BadCsv, BadJson, UnreadableFile
from chamba.text import normalize

MAX_FILE_BYTES: Final = 200 * 1024 * 1024
MAX_JSON_DEPTH: Final = 20
#: Python's csv module refuses fields longer than this (its default limit).
CSV_FIELD_LIMIT: Final = 131_072

_BINARY_SIGNATURES: Final = {
    b"PK\x03\x04": "an Excel (.xlsx) or other zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) file",
    b"%PDF": "a PDF document",
}
_SAVE_AS_UTF8: Final = (
    "Save it as UTF-8 (in Excel: Save As > 'CSV UTF-8 (comma delimited)'; in LibreOffice "
    "tick 'Edit filter settings' and pick Unicode (UTF-8))"
)


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a file: its line (CSV) or position (JSON), and its raw values."""

    line: int
    data: dict[str, Any]
    #: Where each field came from in the file, for error messages (``baseSalary.value``).
    origin: Mapping[str, str] | None = None


def read_text(path: Path, *, encoding: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a whole file as text: UTF-8 (BOM accepted) unless ``encoding`` is given."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read the file ({exc.strerror})") from None
    if size > max_bytes:
        raise UnreadableFile(
            f"{path.name} is {size / 1e6:,.0f} MB; the limit is {max_bytes / 1e6:,.0f} MB. "
            "Split it into smaller files."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read the file ({exc.strerror})") from None
    if not data.strip():
        raise UnreadableFile(f"{path.name} is empty")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise UnreadableFile(
                f"{path.name} looks like {what}, not text. Export it as CSV (UTF-8) or JSON."
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding is None:
        raise UnreadableFile(f"{path.name} is UTF-16 text. {_SAVE_AS_UTF8}.")
    if encoding is not None:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except LookupError:
            raise UnreadableFile(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_decode_message(path, data, exc, encoding)) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(_decode_message(path, data, exc, "UTF-8")) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise UnreadableFile(
            f"{path.name} contains NUL bytes (line {line}): it is not a text file, or it is "
            f"UTF-16. {_SAVE_AS_UTF8}."
        )
    return text


def _decode_message(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = data[exc.start : exc.end].hex(" ")
    hint = (
        f"{_SAVE_AS_UTF8}, or, if it comes from an old Windows program, import it with "
        "encoding 'cp1252' (or 'latin-1'): chamba import --encoding cp1252."
        if encoding == "UTF-8"
        else "Check the encoding you gave."
    )
    return (
        f"{path.name} is not valid {encoding}: line {line}, column {column} has the byte(s) "
        f"{bad} (typically an 'ñ' or accented letter written by Windows/Excel). {hint}"
    )


# --------------------------------------------------------------------------------------- CSV


def header_key(name: str) -> str:
    """``"Año de nacimiento "`` -> ``"ano_de_nacimiento"``."""
    return normalize(name).replace(" ", "_")


def _delimiter(first_line: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_records(
    text: str,
    *,
    name: str,
    suffix: str,
    aliases: Mapping[str, str],
    required: tuple[str, ...],
) -> Iterator[Record]:
    """Yield each non-blank record keyed by field name, with the line it starts on.

    Raises:
        BadCsv: no header, unknown, duplicate or missing columns, broken quoting.
    """
    first = text.split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_delimiter(first, suffix), strict=True
    )
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BadCsv(f"{name}, line 1: cannot read the header ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise BadCsv(f"{name}: the first line must be a header naming the columns")
    columns = _map_header(header, name=name, aliases=aliases, required=required)
    origin = {f: h.strip() for f, h in zip(columns, header, strict=True) if f is not None}
    previous_end = reader.line_num
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BadCsv(_csv_error(name, previous_end + 1, exc)) from None
        line, previous_end = previous_end + 1, reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        count += 1
        data: dict[str, Any] = {}
        if len(row) > len(columns) and any(c.strip() for c in row[len(columns) :]):
            data["__errors__"] = [
                (
                    "(row)",
                    (
                        f"has {len(row)} values but the header has {len(columns)} columns "
                        "(check for an unquoted separator inside a value)"
                    ),
                )
            ]
        for field_name, cell in zip(columns, row, strict=False):
            if field_name is None:
                continue
            data[field_name] = cell
        yield Record(line, data, origin)
    if count == 0:
        raise BadCsv(f"{name} has a header but no rows")


def _csv_error(name: str, line: int, exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return (
            f"{name}, record starting at line {line}: a value is longer than "
            f"{CSV_FIELD_LIMIT:,} characters (or a quote is never closed)"
        )
    if "unexpected end of data" in message or "EOF" in message:
        return f"{name}, record starting at line {line}: a quoted value is never closed"
    return f"{name}, record starting at line {line}: broken CSV ({message}); check the quotes"


def _map_header(
    header: list[str], *, name: str, aliases: Mapping[str, str], required: tuple[str, ...]
) -> list[str | None]:
    columns: list[str | None] = []
    unknown, duplicate = [], []
    for raw in header:
        key = header_key(raw)
        if not key:
            columns.append(None)
            continue
        field_name = aliases.get(key)
        if field_name is None:
            unknown.append(raw.strip())
        elif field_name in columns:
            duplicate.append(raw.strip())
        columns.append(field_name)
    missing = [f for f in required if f not in columns]
    problems = []
    if unknown:
        problems.append("unknown column(s): " + ", ".join(repr(u[:60]) for u in unknown[:20]))
    if duplicate:
        problems.append("repeated column(s): " + ", ".join(repr(d) for d in duplicate))
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if problems:
        accepted = ", ".join(sorted(set(aliases.values()) - {"__row__"}))
        raise BadCsv(f"{name}: " + "; ".join(problems) + f". Accepted columns: {accepted}")
    return columns


# -------------------------------------------------------------------------------------- JSON

_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def check_json_depth(text: str, *, name: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``max_depth`` without recursing (strings skipped)."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                pos = match.start()
                line = text.count("\n", 0, pos) + 1
                column = pos - (text.rfind("\n", 0, pos) + 1) + 1
                raise BadJson(
                    f"{name}: JSON is nested more than {max_depth} levels deep (line {line}, "
                    f"column {column}); job postings and résumés never need that many"
                )
        elif token in "]}":
            depth -= 1


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not allowed in JSON numbers")


def load_json(text: str, *, name: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON after the depth check; errors name the line and column."""
    check_json_depth(text, name=name, max_depth=max_depth)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadJson(
            f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise BadJson(f"{name}: invalid JSON: {str(exc)[:200]}") from None
