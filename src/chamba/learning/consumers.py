"""The events consumer of learning: ``datasets`` deletes the dataset snapshots (under the data
directory) that hold a person who erased their data, and marks the models trained on them
(``trained_on_erased_data``: never promoted again; the next training leaves the person out).
Registered by the app and ``chamba worker``, :mod:`chamba.api.consumers`."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from chamba.events.consumers import AfterCommit, Consumer
from chamba.events.schemas import DomainEvent, PersonErased
from chamba.learning.dataset import purge_person
from chamba.learning.registry import ModelRegistry

log = logging.getLogger(__name__)


class DatasetPurgeConsumer(Consumer):
    """On ``person.erased``: delete the snapshots under ``root`` holding that person, and mark
    the models under ``models`` trained on them (see
    :meth:`~chamba.learning.registry.ModelRegistry.mark_trained_on_erased`).

    Args:
        root: the datasets folder (``<data_dir>/datasets``).
        models: the model registry folder (``<data_dir>/models``); ``None``: no models.
    """

    name = "datasets"
    types = frozenset({PersonErased.type})
    shared = True

    def __init__(self, root: Path, models: Path | None = None) -> None:
        super().__init__()
        self.root = root
        self.models = models

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        person_id = int(event.key)

        def purge() -> None:
            removed = purge_person(self.root, person_id)
            if removed:
                log.info("deleted %d dataset snapshot(s) of an erased person", len(removed))
            if self.models is not None:
                ModelRegistry(self.models).mark_trained_on_erased(removed, datasets=self.root)

        return purge
