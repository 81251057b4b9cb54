"""docs/events.md lists every registered event with exactly its payload fields."""

from __future__ import annotations

import re
from pathlib import Path

from chamba.events.schemas import event_types

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def documented() -> dict[tuple[str, int], set[str]]:
    out: dict[tuple[str, int], set[str]] = {}
    current: tuple[str, int] | None = None
    for line in DOCS.read_text().splitlines():
        heading = re.match(r"^### `([a-z_.]+)` \(v(\d+)\)$", line)
        if heading:
            current = (heading[1], int(heading[2]))
            out[current] = set()
        elif line.startswith("## "):
            current = None
        elif current is not None:
            row = re.match(r"^\| `([a-z_]+)` \|", line)
            if row:
                out[current].add(row[1])
    return out


def test_every_event_and_payload_field_is_documented_and_nothing_else() -> None:
    actual = {
        (cls.type, cls.version): set(cls.model_fields["payload"].annotation.model_fields)
        for cls in event_types()
    }
    assert documented() == actual
