"""Shared fixtures: a real database per backend (SQLite and PostgreSQL), a transaction per test.

Every test that uses ``session`` (or ``engine``) runs twice: on SQLite and on a real PostgreSQL 16
server that the suite starts itself (the ``pgserver`` package). Set ``CHAMBA_TEST_POSTGRES_URL``
to use an existing server instead; ``CHAMBA_TEST_BACKENDS=sqlite`` limits a local run to SQLite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
_TMP = Path(tempfile.mkdtemp(prefix="chamba-tests-"))
os.environ.update(
    {
        "CHAMBA_ENV": "test",
        "CHAMBA_SECRET_KEY": TEST_SECRET,
        "CHAMBA_DATA_DIR": str(_TMP / "data"),
    }
)
os.environ.pop("CHAMBA_DATABASE_URL", None)

from chamba.config import get_settings  # noqa: E402
from chamba.db import make_engine, migrate  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
BACKENDS = [
    b.strip() for b in os.environ.get("CHAMBA_TEST_BACKENDS", "sqlite,postgresql").split(",")
]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder (``../shared/data``); skips when it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not present")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole run."""
    url = os.environ.get("CHAMBA_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    import pgserver

    server = pgserver.get_server(_TMP / "pg", cleanup_mode="stop")
    server.psql("CREATE DATABASE chamba_test;")
    uri = server.get_uri("chamba_test")
    yield uri.replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


def _backend_url(request: pytest.FixtureRequest, name: str) -> str:
    if name == "sqlite":
        return f"sqlite:///{_TMP / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated engine, once per backend."""
    url = _backend_url(request, request.param)
    eng = make_engine(url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield sess
    finally:
        sess.close()
        transaction.rollback()
        connection.close()
