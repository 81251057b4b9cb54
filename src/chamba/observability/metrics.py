"""Prometheus metrics: one registry per application, never the process-wide default registry.

:class:`Metrics` declares every metric Chamba exports (``docs/metrics.md`` lists them and a test
keeps the two in step). ``create_app`` builds one and stores it on ``app.state.metrics``; features
reach it through :data:`MetricsDep` (in a route) or ``request.app.state.metrics``.

Example:
    >>> m = Metrics(version="1.2.3")
    >>> m.applications.inc()
    >>> b"chamba_applications_total 1.0" in m.exposition()
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics import MetricWrapperBase
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_TYPE_LATEST",
    "UNMATCHED_ROUTE",
    "Metrics",
    "MetricsDep",
    "MetricsMiddleware",
    "RouteTemplates",
    "get_metrics",
]

#: Route label of requests that matched no route (kept as one series, whatever the path).
UNMATCHED_ROUTE = "unmatched"

#: Request latency buckets, in seconds: phone users on slow data notice anything above 1 s.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Matching latency buckets, in seconds (retrieval + features + ranking of one request).
MATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: Ranking scores are unbounded reals (rule-based sums or ranker logits).
SCORE_BUCKETS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)


class Metrics:
    """Every metric the app exports, in a registry of its own.

    Two applications in one process (tests, a worker beside the API) each get their own
    registry, so declaring the same names twice never clashes.

    Args:
        version: the running Chamba version, exported as ``chamba_build_info{version}``.
    """

    def __init__(self, version: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # HTTP, fed by MetricsMiddleware.
        self.http_requests = Counter(
            "chamba_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "chamba_http_request_duration_seconds",
            "HTTP request duration by method and route template, in seconds.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        # Matching and indexes, fed by the matching feature.
        self.match_latency = Histogram(
            "chamba_match_latency_seconds",
            "Time to compute one list of matches (jobs for a person, candidates for a job...).",
            ["kind"],
            buckets=MATCH_BUCKETS,
            registry=r,
        )
        self.index_size = Gauge(
            "chamba_index_size",
            "Items in an in-process vector index, by index kind (jobs, people, courses).",
            ["kind"],
            registry=r,
        )
        self.match_pages = Counter(
            "chamba_match_pages_total",
            "Look-ups of the ranked job pages a process keeps per person, by outcome (hit: "
            "a page reused; miss: ranked anew).",
            ["outcome"],
            registry=r,
        )
        self._match_pages_seen = (0, 0)
        self._match_pages_lock = threading.Lock()
        # Start-up of a served worker (chamba.api.app.warm_up); each worker answers for itself.
        self.worker_warm = Gauge(
            "chamba_worker_warm",
            "1 once this process's warm-up built its match state (language model, match "
            "indexes, job and people tables, word statistics); 0 before, or if it failed.",
            registry=r,
        )
        self.warm_up_seconds = Gauge(
            "chamba_warm_up_seconds",
            "How long this process's warm-up took, in seconds (0 until it ends).",
            registry=r,
        )
        self.process_start = Gauge(
            "chamba_process_start_time_seconds",
            "Unix time at which this process built its app (tells the workers apart).",
            registry=r,
        )
        self.process_start.set(time.time())
        # Events, fed by the outbox relay and the consumers.
        self.outbox_lag = Gauge(
            "chamba_outbox_lag_events",
            "Domain events written to the outbox and not yet published.",
            registry=r,
        )
        self.outbox_oldest_age = Gauge(
            "chamba_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox event, in seconds (0 when none).",
            registry=r,
        )
        self.consumer_lag = Gauge(
            "chamba_consumer_lag_events",
            "Events published and not yet processed, by consumer.",
            ["consumer"],
            registry=r,
        )
        self.events_pruned = Counter(
            "chamba_events_pruned",
            "Rows deleted by the events retention, by table (outbox, processed_events).",
            ["table"],
            registry=r,
        )
        # SMS through the deployment's gateway (chamba.notifications.senders.HTTPSMSSender).
        self.sms_messages = Counter(
            "chamba_sms_messages",
            "SMS handed to the gateway, by outcome (sent, refused, failed).",
            ["outcome"],
            registry=r,
        )
        self.sms_retries = Counter(
            "chamba_sms_retries",
            "Tries of an SMS repeated after a connection error, timeout or 429/5xx answer.",
            registry=r,
        )
        # Side writes (impressions, read audits), fed by chamba.side_writes.SideWriter.
        self.side_writes_written = Counter(
            "chamba_side_writes_written",
            "Rows written by the background side writer, by table.",
            ["table"],
            registry=r,
        )
        self.side_writes_dropped = Counter(
            "chamba_side_writes_dropped",
            "Rows the side writer dropped because its queue was full, by table.",
            ["table"],
            registry=r,
        )
        self.side_writes_pending = Gauge(
            "chamba_side_writes_pending",
            "Rows waiting in the side writer's queue.",
            registry=r,
        )
        # Learning loop, fed by the model registry and serving.
        self.model_info = Gauge(
            "chamba_model_info",
            "The model version being served, by kind: value 1 on the serving version's series.",
            ["version", "kind"],
            registry=r,
        )
        self.model_promoted = Gauge(
            "chamba_model_promoted_timestamp_seconds",
            "Unix time at which the serving model of a kind was promoted.",
            ["kind"],
            registry=r,
        )
        self.model_scores = Histogram(
            "chamba_model_score",
            "Scores given by the serving ranker (trained or rule-based), by kind.",
            ["kind"],
            buckets=SCORE_BUCKETS,
            registry=r,
        )
        self.feedback_rate = Gauge(
            "chamba_feedback_rate",
            "Positive feedback per recommendation shown since the process started, by kind.",
            ["kind"],
            registry=r,
        )
        # Engagement and placement funnel, fed by the activity feature.
        self.recommendations_shown = Counter(
            "chamba_recommendations_shown_total",
            "Recommendations shown to people, by kind (job, course, candidate).",
            ["kind"],
            registry=r,
        )
        self.applications = Counter(
            "chamba_applications_total", "Job applications submitted.", registry=r
        )
        self.hires = Counter(
            "chamba_hires_total", "Applications moved to hired by an employer.", registry=r
        )
        self.hires_undone = Counter(
            "chamba_hires_undone_total",
            "Hires their employer undid (a mistaken click); hires minus these is the net.",
            registry=r,
        )
        self.feedback = Counter(
            "chamba_feedback_total",
            "Feedback on recommendations, by kind (saved, dismissed, relevant, not_relevant...).",
            ["kind"],
            registry=r,
        )
        self.build_info = Gauge(
            "chamba_build_info",
            "The running Chamba version: value 1 on the version's series.",
            ["version"],
            registry=r,
        )
        self.build_info.labels(version=version).set(1)

    def set_model(self, kind: str, version: str, promoted_at: float | None = None) -> None:
        """Mark ``version`` as the serving model of ``kind`` (and drop the previous version)."""
        for labels in list(self.model_info._metrics):  # (version, kind) tuples
            if labels[1] == kind and labels[0] != version:
                self.model_info.remove(*labels)
        self.model_info.labels(version=version, kind=kind).set(1)
        if promoted_at is not None:
            self.model_promoted.labels(kind=kind).set(promoted_at)

    def count_match_pages(self, hits: int, misses: int) -> None:
        """Bring ``chamba_match_pages_total`` up to the page cache's running counts (read at
        each scrape: the cache, below this layer, counts without knowing the metrics)."""
        with self._match_pages_lock:
            seen_hits, seen_misses = self._match_pages_seen
            if hits >= seen_hits and misses >= seen_misses:
                self.match_pages.labels(outcome="hit").inc(hits - seen_hits)
                self.match_pages.labels(outcome="miss").inc(misses - seen_misses)
            self._match_pages_seen = (hits, misses)

    def observe_scores(self, kind: str, scores: Iterable[float]) -> None:
        """Record the scores the serving ranker gave for one list: the same counts and sum as
        observing each score, counted per bucket in numpy (a list is hundreds of scores)."""
        histogram = self.model_scores.labels(kind=kind)
        values = np.asarray(scores if isinstance(scores, np.ndarray) else list(scores),
                            dtype=np.float64).ravel()  # fmt: skip
        bounds = getattr(histogram, "_upper_bounds", None)
        buckets = getattr(histogram, "_buckets", None)
        total = getattr(histogram, "_sum", None)
        if bounds is None or buckets is None or total is None:  # another client version
            for score in values.tolist():
                histogram.observe(score)
            return
        # a score goes to the first bucket whose bound it does not exceed (NaN: to none)
        at = np.searchsorted(np.asarray(bounds, dtype=np.float64), values, side="left")
        counts = np.bincount(at, minlength=len(bounds) + 1)
        for k, count in enumerate(counts[: len(bounds)].tolist()):
            if count:
                buckets[k].inc(count)
        if values.size:
            total.inc(float(values.sum()))

    def exposition(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)

    def catalogue(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """``{name: (type, label names)}`` of every metric, named as in ``docs/metrics.md``.

        Counters are named with their ``_total`` suffix; a histogram by its base name (its
        ``_bucket``, ``_sum`` and ``_count`` series follow from it).
        """
        found: dict[str, tuple[str, tuple[str, ...]]] = {}
        for metric in vars(self).values():
            if isinstance(metric, MetricWrapperBase):
                kind = str(metric._type)  # "counter", "gauge", "histogram"
                name = metric._name + "_total" if kind == "counter" else metric._name
                found[name] = (kind, tuple(metric._labelnames))
        return found


class RouteTemplates:
    """The full path template of each route, for labels: ``/api/v1/jobs/{job_id}``, never a path.

    FastAPI keeps an included router's routes as they were declared (``/jobs/{job_id}``) and
    applies the ``include_router`` prefix while routing, so the prefix is recorded here when
    ``create_app`` mounts a router. Routes mounted without a prefix need no entry.
    """

    def __init__(self) -> None:
        self._full: dict[int, str] = {}  # id(route) -> prefix + path template

    def include(self, routes: Iterable[Any], prefix: str) -> None:
        """Record ``prefix`` for each of ``routes`` (a router's ``.routes``)."""
        for route in routes:
            template = getattr(route, "path_format", None)
            if isinstance(template, str):
                self._full[id(route)] = prefix + template

    def __call__(self, scope: Scope) -> str:
        """The matched route's template, or :data:`UNMATCHED_ROUTE` when no route matched."""
        route = scope.get("route")
        if route is None:
            route = self._mount_of(scope)
            if route is None:
                return UNMATCHED_ROUTE
        template = self._full.get(id(route)) or getattr(route, "path_format", None)
        return template if isinstance(template, str) and template else UNMATCHED_ROUTE

    @staticmethod
    def _mount_of(scope: Scope) -> Any:
        """The app-level ``Mount`` (``/static``) that served the request, if one did.

        FastAPI's router records ``scope["route"]`` for its own routes only; a mount leaves
        its app as ``scope["endpoint"]``, which identifies it among the app's routes.
        """
        endpoint, app = scope.get("endpoint"), scope.get("app")
        if endpoint is None or app is None:
            return None
        for route in getattr(app, "routes", ()):
            if isinstance(route, Mount) and route.app is endpoint:
                return route
        return None


class MetricsMiddleware:
    """ASGI middleware counting and timing HTTP requests by route template and status.

    The raw path is never a label: ``/api/v1/jobs/17`` and ``/api/v1/jobs/18`` are one series,
    and a path that matches no route is counted as :data:`UNMATCHED_ROUTE`. A request is counted
    with the status its response started with (a crash answered inside this middleware by
    :class:`chamba.problems.AnswerUnexpected`: 500, or 503 when the database is busy); one whose
    exception escapes it unanswered counts as 500.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route, method = self.routes(scope), scope["method"]
            self.metrics.http_requests.labels(method, route, str(status)).inc()
            self.metrics.http_duration.labels(method, route).observe(elapsed)


async def get_metrics(request: Request) -> Metrics:
    """The application's metrics registry (a dependency; ``async``: no thread of the pool for a
    look-up)."""
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
