"""A fresh app per test without rebuilding every route's FastAPI machinery per test.

FastAPI (0.165) builds the request handling of an included router's routes (dependency trees
from the endpoints' signatures, pydantic adapters for bodies and responses) lazily, once per
app, on the first request that walks past them: 0.3-1 s on the first API request of every new
app, which the ``client`` fixture creates per test. :func:`share_built_routes` gives a freshly
created app the included routers of one app built earlier in the run (same routers, same
prefixes), whose routes are built once: the app itself (its state, settings, middleware,
metrics, error handlers, ``/health``, ``/metrics``, the docs and static mounts) stays the fresh
one ``create_app`` made.

The shared routes look up dependency overrides on the app that built them; that app's
``dependency_overrides`` is made the fresh app's own dict, so ``app.dependency_overrides`` of
the test's app works as before. Only one app at a time (the current test's ``client``) may use
the shared routes. Anything that does not match (another FastAPI, other routers) is left as
``create_app`` made it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import FastAPI

try:
    from fastapi.routing import _IncludedRouter
except ImportError:  # another FastAPI: every app builds its own routes
    _IncludedRouter = None  # type: ignore[assignment,misc]

_built: FastAPI | None = None


def _context_key(route: Any) -> Any:
    context = dataclasses.replace(route.include_context, dependency_overrides_provider=None)
    return (id(route.original_router), context)


def _same_routes(built: FastAPI, app: FastAPI) -> bool:
    mine, theirs = app.router.routes, built.router.routes
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        if type(a) is not type(b):
            return False
        if isinstance(a, _IncludedRouter) and _context_key(a) != _context_key(b):
            return False
    return True


def share_built_routes(app: FastAPI) -> FastAPI:
    """Give ``app`` (fresh from ``create_app``) the included routers of the first app passed
    here, whose routes are built once for the run; returns ``app``."""
    global _built
    if _IncludedRouter is None:
        return app
    if _built is None:
        _built = app
        return app
    if _built is app or not _same_routes(_built, app):
        return app
    routes = app.router.routes
    for i, route in enumerate(_built.router.routes):
        if isinstance(route, _IncludedRouter):
            routes[i] = route
    # The shared routes ask the app that built them for overrides: the test's app answers.
    _built.dependency_overrides = app.dependency_overrides
    return app
