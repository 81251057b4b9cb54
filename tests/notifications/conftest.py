"""The notification consumers' tests run on the event tests' own database (see
``tests/events/conftest.py``)."""

from tests.events.conftest import events_engine, factory  # noqa: F401 - fixtures shared

