"""Audit actions that only read leave the request's transaction (a GET must never write in it:
on SQLite a second writer would find the database locked)."""

from __future__ import annotations

from chamba.audit.service import ACTIONS, READ_ACTIONS


def test_every_reading_action_goes_through_the_side_writer() -> None:
    reading = {a for a in ACTIONS if a.endswith(("_read", ".list")) or a == "audit.read"}
    assert reading <= READ_ACTIONS, sorted(reading - READ_ACTIONS)
    assert READ_ACTIONS <= set(ACTIONS)
