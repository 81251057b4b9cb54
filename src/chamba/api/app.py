"""The FastAPI application: migrations on start, health check, problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Engine, text

import chamba
from chamba.api.problems import install_problem_handlers
from chamba.config import Settings, get_settings
from chamba.db import get_engine, migrate, session_scope


def prepare_database(engine: Engine) -> None:
    """Apply migrations and make sure the built-in taxonomy is present."""
    from chamba.taxonomy.catalogue import load_catalogue

    migrate(engine)
    with session_scope(engine) as session:
        load_catalogue(session)


def api_routers() -> list[APIRouter]:
    """Every feature's router, mounted under ``/api/v1``. Add new feature routers here."""
    from chamba.taxonomy.api import router as taxonomy_router

    return [taxonomy_router]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application. The database is migrated when the app starts."""
    settings = settings or get_settings()
    engine = engine or get_engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        prepare_database(engine)
        yield

    app = FastAPI(
        title="Chamba API",
        version=chamba.__version__,
        description="Work, remote work and training for people in Peru.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    install_problem_handlers(app)
    for router in api_routers():
        app.include_router(router, prefix="/api/v1")

    @app.get("/health", tags=["ops"], summary="Liveness and database check")
    def health() -> Any:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(
                {"status": "error", "database": "unreachable", "version": chamba.__version__},
                status_code=503,
            )
        return {"status": "ok", "database": engine.dialect.name, "version": chamba.__version__}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/api/v1/docs")

    return app
