"""Errors of the insights routes."""

from __future__ import annotations

from chamba.auth.errors import Forbidden


class NotYourProvider(Forbidden):
    """A provider asked for the impact of another provider's courses."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Providers see the outcomes of their own organisation's courses only: leave "
            "provider_id out, or use your organisation's id."
        )


class NoOrganisation(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "Your provider account has no organisation yet: publish a course first, then look "
            "at its graduates' outcomes."
        )
