"""Fixtures of the auth tests: the app on a fresh database per backend, a controllable clock.

The app commits (the request owns the transaction), so these tests use their own databases, not
the rolled-back ``session`` fixture; the auth tables are emptied before each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text

from chamba.accounts import service as accounts_service
from chamba.api.app import create_app
from chamba.auth import service
from chamba.config import Settings, load_settings
from chamba.db import make_engine, migrate, session_scope

BACKENDS = [
    b.strip() for b in os.environ.get("CHAMBA_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
PASSWORD = "cafe con leche 42"
_TABLES = ("outbox", "contact_codes", "password_resets", "refresh_tokens", "auth_sessions",
           "auth_attempts", "people", "users", "organisations")  # fmt: skip


def fast_settings(url: str, **overrides: Any) -> Settings:
    """Test settings: cheap argon2 so that the suite stays fast."""
    return load_settings(
        database_url=url,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        **overrides,
    )


@pytest.fixture(scope="session", params=BACKENDS)
def auth_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database migrated to head for these tests only (SQLite file or new PostgreSQL db)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('auth') / 'auth.db'}"
    else:
        server_url = make_url(request.getfixturevalue("postgres_url"))
        name = f"chamba_auth_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def auth_app(auth_engine: Engine) -> FastAPI:
    """The app (no lifespan: the database is already migrated and needs no taxonomy)."""
    url = auth_engine.url.render_as_string(hide_password=False)
    return create_app(settings=fast_settings(url), engine=auth_engine)


@dataclass
class Clock:
    """The time the auth service sees; tests move it forward."""

    now: datetime

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(service, "utcnow", fake)
    return fake


@pytest.fixture
def app(auth_app: FastAPI, auth_engine: Engine, clock: Clock) -> Iterator[FastAPI]:
    """The app on an empty account database, with the default test settings."""
    with auth_engine.begin() as conn:
        for table in _TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    settings = auth_app.state.settings
    yield auth_app
    auth_app.state.settings = settings


def configure(app: FastAPI, **overrides: Any) -> None:
    """Change settings of the running app for one test (restored by the ``app`` fixture)."""
    app.state.settings = app.state.settings.model_copy(update=overrides)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def admin_credentials(app: FastAPI, auth_engine: Engine) -> dict[str, str]:
    """An administrator created the way the ``chamba`` command does it."""
    with session_scope(auth_engine) as session:
        accounts_service.create_admin(
            session, "Admin@Chamba.pe", PASSWORD, "Ana Admin", settings=app.state.settings
        )
    return {"email": "admin@chamba.pe", "password": PASSWORD}
