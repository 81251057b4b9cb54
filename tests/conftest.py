"""Shared fixtures: a real database per backend (SQLite and PostgreSQL), a transaction per test.

Every test that uses ``session`` (or ``engine``) runs twice: on SQLite and on a real PostgreSQL 16
server that the suite starts itself (the ``pgserver`` package). Set ``CHAMBA_TEST_POSTGRES_URL``
to use an existing server instead; ``CHAMBA_TEST_BACKENDS=sqlite`` limits a local run to SQLite.

Layout: ``tests/<feature>/`` mirrors ``src/chamba/<feature>/`` (its API tests included);
``tests/kit/`` the kit modules (config, db, fields, search, problems, side writes); ``tests/cli/``
the command. Shared help lives in ``tests/support/``: the test encoder (``encoders.py``),
request bodies (``factories.py``), ``assert_problem`` (``problems.py``), users with tokens
(``api_fixtures.py``, loaded below), accounts, CV files, the Kafka broker, the live server, and
``app_routes.py`` (a fresh app per test whose routers' request handling is built once a run).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine
from sqlalchemy.orm import Session

# Property tests: no per-example deadline (two busy CI cores make a 200 ms deadline fail at
# random) and derandomised, so a failure on CI reproduces on any machine with the same code.
hypothesis_settings.register_profile("chamba", deadline=None, derandomize=True)
hypothesis_settings.load_profile("chamba")

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
_TMP = Path(tempfile.mkdtemp(prefix="chamba-tests-"))
os.environ.update(
    {
        "CHAMBA_ENV": "test",
        # Phone codes go to the log (tests read them from their own senders); a test of a
        # deployment without SMS sets sms_sender="none".
        "CHAMBA_SMS_SENDER": "log",
        "CHAMBA_SECRET_KEY": TEST_SECRET,
        "CHAMBA_DATA_DIR": str(_TMP / "data"),
    }
)
os.environ.pop("CHAMBA_DATABASE_URL", None)

from chamba.config import get_settings  # noqa: E402
from chamba.db import make_engine, migrate, on_session_factory  # noqa: E402
from chamba.learning.history import install_history  # noqa: E402

# Sessions of chamba.db.session_factory record attribute versions, as the app and CLI set up.
on_session_factory(install_history)

#: Fixtures shared by the feature folders (users with tokens, hashed matching...).
pytest_plugins = ["tests.support.api_fixtures"]

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


def create_database(server_url: str, name: str) -> str:
    """(Re)create database ``name`` on the server of ``server_url``; returns its URL."""
    from sqlalchemy.engine import make_url

    admin = make_engine(server_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _rolled_back_session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    install_history(sess)  # as sessions of chamba.db.session_factory do
    try:
        yield sess
    finally:
        sess.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A second database per backend, migrated and holding the built-in taxonomy."""
    from chamba.api.app import prepare_database

    if request.param == "sqlite":
        url = f"sqlite:///{_TMP / 'seeded.db'}"
    else:
        url = create_database(str(request.getfixturevalue("postgres_url")), "chamba_seeded")
    eng = make_engine(url)
    prepare_database(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def seeded_session(seeded_engine: Engine) -> Iterator[Session]:
    """A session on the seeded database (taxonomy loaded), rolled back after the test."""
    yield from _rolled_back_session(seeded_engine)


@pytest.fixture
def client(seeded_engine: Engine, seeded_session: Session) -> Any:
    """An API client whose requests share ``seeded_session`` (rolled back after the test)."""
    from fastapi.testclient import TestClient
    from tests.support.app_routes import share_built_routes

    from chamba.api.app import create_app
    from chamba.db import roll_back_unkept
    from chamba.deps import get_session

    # A fresh app per test; its routers' request handling is built once per run (see there).
    app = share_built_routes(create_app(get_settings(), seeded_engine))

    def _session() -> Iterator[Session]:
        try:
            yield seeded_session
            seeded_session.commit()
        except BaseException:
            roll_back_unkept(seeded_session)  # as get_session: what keep_so_far kept persists
            raise

    app.dependency_overrides[get_session] = _session
    # No lifespan: the seeded database is already migrated and loaded.
    return TestClient(app, raise_server_exceptions=False)


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
    yield from _rolled_back_session(engine)
