"""Errors of the model registry; each renders as a problem+json response (or a CLI message)."""

from __future__ import annotations

from chamba.errors import ChambaError, Conflict, NotFound


class ModelNotFound(NotFound):
    def __init__(self, version: str) -> None:
        super().__init__(f"no model version {version!r} in the registry")


class PromotionRefused(Conflict):
    """The candidate is worse than the serving model (use ``--force`` with a reason)."""


class NothingToRollBack(ChambaError):
    def __init__(self) -> None:
        super().__init__("nothing to roll back to: no earlier serving version")
