"""The sliding-window limits' check: the same answers whatever the limit, a cost that does not
grow with the uses under a lifted limit."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from chamba.auth.errors import TooManyAttempts
from chamba.auth.models import AuthAttempt
from chamba.auth.ratelimit import Limit, _key
from chamba.auth.repository import WALK_AT_MOST

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _attempts(session: Session, value: str, n: int, *, newest: datetime, scope: str) -> None:
    """``n`` attempts of ``value``, one a second back from ``newest``."""
    rows = [
        {"scope": scope, "key": _key(value), "created_at": newest - timedelta(seconds=k)}
        for k in range(n)
    ]
    session.execute(insert(AuthAttempt), rows)


def test_a_limit_above_the_walk_refuses_exactly_at_its_count(session: Session) -> None:
    # GIVEN a limit above the attempts a check walks, one attempt short of it in the window
    count = WALK_AT_MOST + 200
    limit = Limit("use_test", count, HOUR, "requests")
    _attempts(session, "user:1", count - 1, newest=NOW - timedelta(seconds=1), scope="use_test")
    _attempts(session, "user:1", 50, newest=NOW - 2 * HOUR, scope="use_test")  # left the window
    # WHEN it is checked THEN it lets the attempt through
    limit.check(session, "user:1", now=NOW)
    # WHEN one more attempt is made THEN the next is refused until the oldest counted leaves
    _attempts(session, "user:1", 1, newest=NOW, scope="use_test")
    with pytest.raises(TooManyAttempts) as refused:
        limit.check(session, "user:1", now=NOW)
    assert refused.value.retry_after == HOUR.total_seconds() - (count - 1)
    # AND another key is not refused
    limit.check(session, "user:2", now=NOW)


def test_other_keys_rows_do_not_count_toward_a_lifted_limit(session: Session) -> None:
    # GIVEN a table holding more rows than the limit, most of them another key's
    count = WALK_AT_MOST + 10
    limit = Limit("use_test", count, HOUR, "requests")
    _attempts(session, "user:1", count - 1, newest=NOW, scope="use_test")
    _attempts(session, "user:2", 500, newest=NOW, scope="use_test")
    _attempts(session, "user:1", 500, newest=NOW, scope="use_other")
    # WHEN the first key is checked THEN it is below its limit
    limit.check(session, "user:1", now=NOW)


def _vm_steps(session: Session, check: Limit, value: str) -> int:
    """SQLite virtual-machine steps (in tens) that ``check`` runs: work, not time."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    raw.set_progress_handler(count, 10)
    try:
        check.check(session, value, now=NOW)
    finally:
        raw.set_progress_handler(None, 0)
    return steps


def test_a_lifted_limits_check_does_not_walk_every_use(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("counts SQLite's virtual-machine steps")
    # GIVEN the hourly limit lifted to a million (as the benchmarks do), and a key used
    # 20 times in the window
    lifted = Limit("use_test", 1_000_000, HOUR, "requests")
    _attempts(session, "user:1", 20, newest=NOW, scope="use_test")
    few = _vm_steps(session, lifted, "user:1")
    # WHEN it was used 5,000 times more
    _attempts(session, "user:1", 5_000, newest=NOW - timedelta(seconds=20), scope="use_test")
    many = _vm_steps(session, lifted, "user:1")
    # THEN its check costs what it did (it walked every use: 4.7 ms at 40,000)
    assert many <= few + 2
