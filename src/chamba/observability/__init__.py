"""Operations: Prometheus metrics, JSON-lines logs and request ids.

Nothing here is created at import time: :func:`chamba.api.app.create_app` builds a
:class:`~chamba.observability.metrics.Metrics` registry per application and calls
:func:`~chamba.observability.logging.configure_logging`.
"""
