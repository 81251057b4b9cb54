"""Errors of the model registry; each renders as a problem+json response (or a CLI message)."""

from __future__ import annotations

from chamba.errors import ChambaError, Conflict, NotFound


class ModelNotFound(NotFound):
    def __init__(self, version: str) -> None:
        super().__init__(f"no model version {version!r} in the registry")


class PromotionRefused(Conflict):
    """The candidate is worse than the serving model (use ``--force`` with a reason)."""


class TrainedOnErasedData(PromotionRefused):
    """The candidate learnt from the data of a person who has since erased it: never served
    again, not even with ``--force`` (retrain with ``chamba train``)."""

    def __init__(self, version: str) -> None:
        super().__init__(
            f"promotion refused: {version} was trained on a dataset snapshot holding a person "
            "who has since erased their data; train a new model (`chamba train`), whose "
            "dataset is built without that person"
        )


class NothingToRollBack(ChambaError):
    def __init__(self) -> None:
        super().__init__("nothing to roll back to: no earlier serving version")
