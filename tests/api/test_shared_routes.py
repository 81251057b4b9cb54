"""The test apps' shared routes (tests/support/app_routes.py): each app made for a test takes the
routers built once a run, and still answers with its own dependency overrides and state."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.support import app_routes

from chamba.api.app import create_app
from chamba.config import get_settings
from chamba.deps import get_session


def _fresh(engine: Engine) -> FastAPI:
    return app_routes.share_built_routes(create_app(get_settings(), engine))


def _refused() -> Iterator[Session]:
    raise HTTPException(status_code=418)
    yield  # pragma: no cover - a generator dependency, as get_session is


def test_each_app_shares_the_built_routers_and_answers_with_its_own_overrides(
    seeded_engine: Engine,
) -> None:
    # GIVEN two apps made one after the other, as two tests' clients are
    first, second = _fresh(seeded_engine), _fresh(seeded_engine)
    built = app_routes._built
    assert built is not None
    # THEN the second's included routers are the ones built once (its own routes stay its own)
    shared = [r for r in second.router.routes if any(r is b for b in built.router.routes)]
    assert shared
    assert all(type(r).__name__ == "_IncludedRouter" for r in shared)
    assert second.state is not built.state
    # WHEN the second app overrides the session dependency
    second.dependency_overrides[get_session] = _refused
    # THEN its requests use the override
    assert TestClient(second).get("/api/v1/jobs").status_code == 418
    # AND a later app, with no override, answers normally: overrides never leak to it
    third = _fresh(seeded_engine)
    assert TestClient(third).get("/api/v1/jobs").status_code == 200
    assert first is not third
