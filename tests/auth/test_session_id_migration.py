"""Logins that existed before random session ids get one each when the database is migrated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests.support.migrations import run_alembic

from chamba.db import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'sessions.db'}")
    yield eng
    eng.dispose()


def test_existing_logins_get_distinct_random_ids_and_refresh_tokens_survive(
    engine: Engine,
) -> None:
    # GIVEN a database before the change with two open logins, one holding a refresh token
    run_alembic(engine, "upgrade", "0013")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, role, is_active, language, created_at) "
                          "VALUES (1, 'seeker', 1, 'es', '2026-01-01')"))  # fmt: skip
        for sid in (1, 2):
            conn.execute(text("INSERT INTO auth_sessions (id, user_id, created_at, expires_at, "
                              "channel) VALUES (:i, 1, '2026-01-01', '2027-01-01', 'api')"),
                         {"i": sid})  # fmt: skip
        conn.execute(text("INSERT INTO refresh_tokens (id, session_id, token_hash, "
                          "created_at, expires_at) VALUES (1, 2, 'h', '2026-01-01', "
                          "'2027-01-01')"))  # fmt: skip
    # WHEN it is migrated
    run_alembic(engine, "upgrade", "head")
    # THEN each login has its own random public id, and the refresh token still names its login
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT public_id FROM auth_sessions ORDER BY id")).scalars().all()
        owner = conn.execute(text("SELECT session_id FROM refresh_tokens")).scalar_one()
    assert len(set(ids)) == 2
    assert all(len(i) >= 43 and not i.isdigit() for i in ids)
    assert owner == 2
    # AND the migration goes back down cleanly
    run_alembic(engine, "downgrade", "0013")
