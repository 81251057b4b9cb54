"""Accounts that existed before sign-ups were confirmed (the demo's, staff-made, imported,
self-registered) stay able to log in: migration 0018 marks them confirmed when they were made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests.support.migrations import run_alembic

from chamba.db import make_engine

#: The revision before contact confirmation (the one migration 0018 revises).
BEFORE = "0016"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'confirmed.db'}")
    yield eng
    eng.dispose()


def test_existing_accounts_are_confirmed_when_they_were_made(engine: Engine) -> None:
    # GIVEN a database before the change with an account
    run_alembic(engine, "upgrade", BEFORE)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, role, is_active, language, created_at) "
                          "VALUES (1, 'seeker', 1, 'es', '2026-01-01 00:00:00')"))  # fmt: skip
    # WHEN it is migrated
    run_alembic(engine, "upgrade", "head")
    # THEN the account counts as confirmed since it was made
    with engine.connect() as conn:
        confirmed = conn.execute(text("SELECT confirmed_at FROM users")).scalar_one()
    assert str(confirmed).startswith("2026-01-01")
    # AND the migration goes back down cleanly
    run_alembic(engine, "downgrade", BEFORE)
