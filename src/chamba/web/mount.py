"""Plug the web UI into the FastAPI app: pages at the root, static files, gzip, error pages."""

from __future__ import annotations

import os
from typing import Final

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from chamba.web.errors import install_error_pages
from chamba.web.templating import STATIC_DIR

#: Static URLs carry their content hash (``?v=``), so a browser may keep them for a year.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
GZIP_MINIMUM_SIZE: Final = 500


class CachedStaticFiles(StaticFiles):
    """Static files with ``Cache-Control``: immutable when versioned, revalidated otherwise."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = IMMUTABLE if versioned else "public, no-cache"
        return response


def install_web(app: FastAPI) -> None:
    """Mount the pages (``/``, ``/descubre``...), ``/static`` and the HTML error pages, and
    compress responses of 500 bytes or more (pages, CSS, JavaScript, JSON) with gzip."""
    from chamba.web.accounts import router as accounts_router
    from chamba.web.admin import router as admin_router
    from chamba.web.browse import router as browse_router
    from chamba.web.contact import router as contact_router
    from chamba.web.conversation import router as conversation_router
    from chamba.web.counsel_me import router as counsel_me_router
    from chamba.web.counselor import router as counselor_router
    from chamba.web.cv import router as cv_router
    from chamba.web.employer import router as employer_router
    from chamba.web.inbox import router as inbox_router
    from chamba.web.panorama import router as panorama_router
    from chamba.web.password import router as password_router
    from chamba.web.provider import router as provider_router
    from chamba.web.report import router as report_router
    from chamba.web.seeker import router as seeker_router
    from chamba.web.session import SessionCookieMiddleware
    from chamba.web.views import router

    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE)
    app.add_middleware(SessionCookieMiddleware)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.include_router(accounts_router)
    app.include_router(password_router)
    app.include_router(contact_router)
    app.include_router(seeker_router)
    app.include_router(browse_router)
    app.include_router(counsel_me_router)
    app.include_router(conversation_router)
    app.include_router(cv_router)
    app.include_router(report_router)
    app.include_router(employer_router)
    app.include_router(provider_router)
    app.include_router(counselor_router)
    app.include_router(panorama_router)
    app.include_router(admin_router)
    app.include_router(inbox_router)
    install_error_pages(app)
