"""Fixtures of the event tests: a real Kafka-protocol broker (see
``tests/support/kafka_broker.py``) and a database of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.support.kafka_broker import KafkaBroker

from chamba.db import make_engine, session_factory


@pytest.fixture
def kafka_broker() -> Iterator[KafkaBroker]:
    """A fresh, empty broker on a free loopback port, stopped after the test."""
    with KafkaBroker() as broker:
        yield broker


@pytest.fixture(scope="module")
def module_broker() -> Iterator[KafkaBroker]:
    """One broker for a whole test module (group joins are slow; topics differ per test)."""
    with KafkaBroker() as broker:
        yield broker


@pytest.fixture(scope="module")
def events_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite database with the taxonomy, of this module alone.

    The relay and the consumers commit in sessions of their own, so these tests cannot run in
    the rolled-back transaction of the ``session`` fixture.
    """
    from chamba.api.app import prepare_database

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('events') / 'events.db'}")
    prepare_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(events_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on ``events_engine``; the outbox and ledger are emptied after each test."""
    yield session_factory(events_engine)
    with events_engine.begin() as conn:
        for table in ("outbox", "processed_events", "notifications"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
