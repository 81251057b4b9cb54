"""The events consumer of learning: ``datasets`` deletes the dataset snapshots (under the data
directory) that hold a person who erased their data (registered by the app and ``chamba
worker``, :mod:`chamba.api.consumers`)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from chamba.events.consumers import AfterCommit, Consumer
from chamba.events.schemas import DomainEvent, PersonErased
from chamba.learning.dataset import purge_person

log = logging.getLogger(__name__)


class DatasetPurgeConsumer(Consumer):
    """On ``person.erased``: delete the snapshots under ``root`` holding that person.

    Args:
        root: the datasets folder (``<data_dir>/datasets``).
    """

    name = "datasets"
    types = frozenset({PersonErased.type})
    shared = True

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        person_id = int(event.key)

        def purge() -> None:
            removed = purge_person(self.root, person_id)
            if removed:
                log.info("deleted %d dataset snapshot(s) of an erased person", len(removed))

        return purge
