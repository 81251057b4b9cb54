"""The FastAPI application: migrations on start, health check, metrics, problem+json errors."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.h11_impl import H11Protocol

import chamba
from chamba.api.admission import AdmissionLimit
from chamba.api.consumers import replica_consumers, shared_consumers
from chamba.api.transport import StrictTransportSecurity
from chamba.config import Settings, get_settings
from chamba.db import (
    get_engine,
    migrate,
    on_session_factory,
    ping,
    session_factory,
    session_scope,
)
from chamba.events.runtime import AppEvents
from chamba.events.service import feed_metrics as feed_event_metrics
from chamba.heap import settle_heap
from chamba.insights.cache import DEMAND_CACHE_KEY, DemandCache
from chamba.learning.history import install_history
from chamba.learning.serving import install_serving
from chamba.matching.deps import index_store_of, search_similarity_of
from chamba.observability.logging import RequestContextMiddleware, configure_logging
from chamba.observability.metrics import (
    CONTENT_TYPE_LATEST,
    Metrics,
    MetricsMiddleware,
    RouteTemplates,
)
from chamba.problems import (
    AnswerUnexpected,
    BodySizeLimit,
    RefuseLoneSurrogates,
    install_problem_handlers,
)
from chamba.side_writes import SIDE_WRITER_KEY, SideWriter
from chamba.web.mount import install_web


def prepare_database(engine: Engine) -> None:
    """Apply migrations and make sure the built-in taxonomy is present."""
    from chamba.taxonomy.catalogue import load_catalogue

    migrate(engine)
    with session_scope(engine) as session:
        load_catalogue(session)


def warm_up(app: FastAPI) -> None:
    """Build this process's match state ahead of its first visitor: the language model and the
    skill extractor, the places gazetteer, the match indexes and, as they load
    (:func:`~chamba.matching.deps.load_match_indexes`), the feature cache's table of every
    open job, table of the people who consented to be seen, word statistics and skill rarity.
    All through the caches that requests read, so nothing is built twice or differently;
    nothing is written to the database. ``/metrics`` says when it is over (``chamba_worker_warm``,
    ``chamba_warm_up_seconds``).

    The served process runs this in a background thread and accepts connections meanwhile;
    failures are only logged (the first request then loads what it needs). Not holding the
    start-up until it is over is deliberate: ``/health`` (what the demo, the tests and an
    orchestrator's liveness probe wait for) answers within a second instead of after the
    warm-up (seconds here, about a minute at 300,000 jobs); requests that need no match state
    (log-ins, pages, job details) are served at once; and one that needs the match state
    waits for the warm-up's load (one per process, :mod:`chamba.matching.deps`) instead of
    making its own. A deployment that wants traffic only on warm workers reads
    ``chamba_worker_warm``; the load benchmarks wait for it on every worker.
    """
    from chamba.geo.service import get_gazetteer
    from chamba.matching.deps import load_match_indexes
    from chamba.nlp import service as nlp_service

    started = time.perf_counter()
    warm = False
    try:
        with session_scope(app.state.engine) as session:
            nlp_service.get_extractor(session)
            load_match_indexes(app, session)
        get_gazetteer()  # the filters' places (the job table reads it, unless there is no job)
        warm = True
    except Exception:
        logging.getLogger(__name__).exception(
            "warm-up failed; the first request will load what it needs"
        )
    # What the process keeps is loaded: out of the full collections' walk (chamba.heap), which
    # otherwise stalled a worker 0.4-1.2 s every few hundred requests.
    settle_heap()
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.warm_up_seconds.set(max(time.perf_counter() - started, 1e-6))
        metrics.worker_warm.set(1 if warm else 0)


def api_routers() -> list[APIRouter]:
    """Every feature's router, mounted under ``/api/v1``. Add new feature routers here."""
    from chamba.accounts.api import router as accounts_router
    from chamba.activity.api import router as activity_router
    from chamba.audit.api import router as audit_router
    from chamba.auth.api import router as auth_router
    from chamba.conversation.api import router as conversation_router
    from chamba.counseling.api import router as counseling_router
    from chamba.courses.api import router as courses_router
    from chamba.cv.api import router as cv_router
    from chamba.insights.api import router as insights_router
    from chamba.jobs.api import router as jobs_router
    from chamba.learning.api import router as models_router
    from chamba.matching.api import router as matching_router
    from chamba.nlp.api import router as skills_router
    from chamba.notifications.api import router as notifications_router
    from chamba.people.api import router as profile_router
    from chamba.privacy.api import router as privacy_router
    from chamba.report.api import router as report_router
    from chamba.taxonomy.api import router as taxonomy_router

    return [
        auth_router,
        accounts_router,
        taxonomy_router,
        profile_router,
        conversation_router,
        cv_router,
        report_router,
        skills_router,
        privacy_router,
        counseling_router,
        audit_router,
        jobs_router,
        courses_router,
        matching_router,
        activity_router,
        notifications_router,
        insights_router,
        models_router,
    ]


API_DOCS_URL: Final = "/api/v1/docs"
_DOCS_ASSETS: Final = API_DOCS_URL + "/assets"


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/v1/docs`` with its script and styles served by the app itself
    (package ``swagger-ui-bundle-v2``), so the page works offline and behind firewalls."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount(_DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="api-docs-assets")

    @app.get(API_DOCS_URL, include_in_schema=False)
    def api_docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} — docs",
            swagger_js_url=f"{_DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{_DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_DOCS_ASSETS}/favicon-32x32.png",
        )


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application. The database is migrated when the app starts."""
    settings = settings or get_settings()
    engine = engine or get_engine(settings)
    configure_logging(settings)
    metrics = Metrics(version=chamba.__version__)
    serving = install_serving(settings, metrics=metrics)  # trained ranker once one is promoted
    on_session_factory(install_history)  # sessions record the versions the datasets read

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from chamba.matching.deps import close_match_indexes
        from chamba.nlp.encoder import serve_blas_threads

        serve_blas_threads()  # small per-request products: no BLAS threads spinning on them
        # Request threads: no more than the pool's connections can serve (see pool_size_for).
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        prepare_database(engine)
        if getattr(app.state, "warm_up", False):
            threading.Thread(
                target=warm_up, args=(app,), name="chamba-warm-up", daemon=True
            ).start()
        app.state.events.start()  # delivers domain events (in-process or from Kafka)
        yield
        app.state.events.stop()
        side_writer.stop()  # writes the impressions and read audits still waiting
        close_match_indexes(app)  # saves the match indexes when they changed

    app = FastAPI(
        title="Chamba API",
        version=chamba.__version__,
        description="Work, remote work and training for people in Peru.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below with Swagger UI's files from a package, not a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    # SQLite: the queue of this process's writing requests (chamba.deps.sqlite_write_turn).
    app.state.sqlite_write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
    # One session factory per app: request sessions come from it, and the match-index upkeep
    # (installed on first use of the indexes) listens on it.
    # Its sessions also carry the process-wide demand cache, which job events invalidate.
    demand_cache = DemandCache()
    app.state.session_factory = session_factory(engine)
    # And the side writer, which writes impressions and read audits outside the requests'
    # transactions (chamba.side_writes).
    side_writer = SideWriter(engine, metrics=metrics)
    app.state.side_writer = side_writer
    app.state.session_factory.kw["info"] = {
        DEMAND_CACHE_KEY: demand_cache,
        SIDE_WRITER_KEY: side_writer,
    }
    app.state.metrics = metrics
    app.state.serving = serving
    # The encoder and the search relevance that lower features take (chamba.nlp.deps,
    # chamba.jobs.deps) are those of the match indexes, made on first use.
    app.state.text_encoder = lambda: index_store_of(app).encoder
    app.state.search_similarity = lambda: search_similarity_of(app)
    app.state.events = AppEvents(
        app,
        shared=shared_consumers(settings, metrics),
        replicas=lambda: replica_consumers(app.state, demand_cache),
    )
    install_problem_handlers(app)
    install_web(app)  # pages at /, /static, HTML error pages, gzip (innermost middleware)
    routes = RouteTemplates()
    # Added last = outermost: the request id is set before anything else runs.
    # No more requests at once than the pool has connections for (chamba.api.admission).
    app.add_middleware(AdmissionLimit, limit=settings.threads)
    app.add_middleware(RefuseLoneSurrogates)  # 422 for JSON text that UTF-8 cannot hold
    app.add_middleware(BodySizeLimit)  # 413 problem for bodies over 1 MiB
    # A crash is answered (a 500, or a 503 when the database is busy: one log line, connection
    # kept) inside the metrics and the access log, so both record the status actually sent.
    app.add_middleware(AnswerUnexpected, owner=app)
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=routes)
    app.add_middleware(StrictTransportSecurity)  # HSTS over https
    # The client address and scheme come from X-Forwarded-* only when the direct peer is a
    # trusted proxy (CHAMBA_TRUSTED_PROXIES); from anyone else they are ignored.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_networks)
    # Outermost: the request id is set before anything else runs, and it sees the direct peer,
    # so only a trusted proxy's X-Request-ID is kept (it is stored in the audit log).
    app.add_middleware(
        RequestContextMiddleware, routes=routes, trusted=settings.trusted_proxy_networks
    )
    for router in api_routers():
        app.include_router(router, prefix="/api/v1")
        routes.include(router.routes, prefix="/api/v1")

    install_api_docs(app)

    @app.get("/health", tags=["ops"], summary="Liveness and database check")
    def health() -> Any:
        try:
            ping(engine)
        except Exception:
            return JSONResponse(
                {"status": "error", "database": "unreachable", "version": chamba.__version__},
                status_code=503,
            )
        return {"status": "ok", "database": engine.dialect.name, "version": chamba.__version__}

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        metrics.feedback_rate.labels(kind=serving.kind).set(serving.stats.feedback_rate())
        store = getattr(app.state, "index_store", None)
        indexes = store.indexes if store is not None else None
        if indexes is not None:
            for kind in ("jobs", "people", "courses"):
                metrics.index_size.labels(kind=kind).set(len(getattr(indexes, kind)))
            if indexes.cache is not None:
                pages = indexes.cache.pages
                metrics.count_match_pages(pages.hits, pages.misses)
        try:  # outbox and consumer lag, from the database (the same for every replica)
            with session_scope(engine) as session:
                feed_event_metrics(session, metrics, app.state.events.metric_consumers)
        except Exception:
            logging.getLogger(__name__).warning("could not read the outbox lag", exc_info=True)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app


def served_app() -> FastAPI:
    """The app as ``chamba serve`` runs it in each worker process (a uvicorn factory).

    Built from the settings (the environment); on start it loads the language model and the
    match indexes in a background thread (:func:`warm_up`).
    """
    app = create_app(get_settings())
    app.state.warm_up = True
    return app


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    With ``--workers`` above 1, uvicorn binds the listening socket itself without naming TCP as
    its protocol, so asyncio does not set ``TCP_NODELAY`` on the accepted connections (it only
    does for sockets whose ``proto`` is TCP): a response written in two parts (head, body) then
    waits for the client's delayed ACK, about 40 ms a request (measured: /health at one
    connection 8 ms with one worker, 56 ms with two). ``chamba serve`` uses this class.
    """

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # pragma: no cover - not a TCP socket after all
                pass
        super().connection_made(transport)
