"""Errors of the inbox."""

from __future__ import annotations

from chamba.errors import NotFound


class NotificationNotFound(NotFound):
    def __init__(self, notification_id: int) -> None:
        super().__init__(f"no notification {notification_id} in your inbox")
