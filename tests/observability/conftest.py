"""An app on a temporary SQLite database, served by TestClient with its lifespan (migrations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.support.app_routes import share_built_routes

from chamba.api.app import create_app
from chamba.config import get_settings
from chamba.db import make_engine


@pytest.fixture(scope="module")
def obs_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("obs") / "chamba.db"
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


INGRESS = ("10.0.0.7", 40000)  # the trusted proxy every request of `client` comes through


@pytest.fixture
def app(obs_engine: Engine) -> FastAPI:
    settings = get_settings().model_copy(update={"trusted_proxies": "10.0.0.0/8"})
    return share_built_routes(create_app(settings, obs_engine))  # routes built once a run


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Requests through the trusted ingress, whose X-Request-ID the app keeps."""
    with TestClient(app, raise_server_exceptions=False, client=INGRESS) as test_client:
        yield test_client
