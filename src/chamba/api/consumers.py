"""The deployment's event consumers, each defined by its feature; the app and ``chamba worker``
hand them to the events platform (:mod:`chamba.events.runtime`), which imports none."""

from __future__ import annotations

from starlette.datastructures import State

from chamba.config import Settings
from chamba.events.consumers import Consumer
from chamba.insights.cache import DemandCache
from chamba.insights.consumers import DemandConsumer
from chamba.learning.consumers import DatasetPurgeConsumer
from chamba.learning.train import datasets_dir, models_dir
from chamba.matching.consumers import IndexSyncConsumer
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.senders import (
    development_sender,
    sender_from_settings,
    sms_sender_from_settings,
)
from chamba.observability.metrics import Metrics


def shared_consumers(settings: Settings, metrics: Metrics | None = None) -> list[Consumer]:
    """Consumers that run once per deployment (a Kafka consumer group); ``metrics`` counts
    what the SMS gateway did."""
    return [
        NotificationConsumer(
            sender_from_settings(settings) or development_sender(settings, "e-mail"),
            sms_sender=sms_sender_from_settings(settings, metrics),
        ),
        DatasetPurgeConsumer(datasets_dir(settings), models_dir(settings)),
    ]


def replica_consumers(app_state: State, demand_cache: DemandCache) -> list[Consumer]:
    """The per-replica consumers of one API process: its vector index (on
    ``app_state.index_store`` once loaded) and its demand cache."""
    return [
        IndexSyncConsumer(lambda: getattr(app_state, "index_store", None)),
        DemandConsumer(demand_cache),
    ]
