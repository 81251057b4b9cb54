"""Fixtures of the event tests: a real Kafka-protocol broker (see ``tests/kafka_broker.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.kafka_broker import KafkaBroker


@pytest.fixture
def kafka_broker() -> Iterator[KafkaBroker]:
    """A fresh, empty broker on a free loopback port, stopped after the test."""
    with KafkaBroker() as broker:
        yield broker
