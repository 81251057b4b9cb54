"""The shape of the source tree: no module outside the migrations grows past 600 lines."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "chamba"
MAX_LINES = 600


def _line_counts() -> dict[str, int]:
    return {
        path.relative_to(SRC).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.relative_to(SRC).parts
    }


def test_no_source_file_is_over_600_lines() -> None:
    # GIVEN every Python module of the package except the Alembic migrations
    counts = _line_counts()
    # THEN none is longer than the limit (split a module by concern when it grows past it)
    too_long = {p: n for p, n in counts.items() if n > MAX_LINES}
    assert too_long == {}, f"split these modules (at most {MAX_LINES} lines): {too_long}"


def test_the_limit_is_measured_on_the_package() -> None:
    # GIVEN the counter, THEN it sees the package's modules and skips the migrations
    counts = _line_counts()
    assert "matching/index/base.py" in counts
    assert not any(p.startswith("migrations/") for p in counts)
