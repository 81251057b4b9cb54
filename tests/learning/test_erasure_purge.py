"""A person's erasure reaches the dataset snapshots under the data directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from chamba.events.schemas import PersonErased, PersonPayload
from chamba.learning.consumers import DatasetPurgeConsumer


def _snapshot(root: Path, name: str, people: list[int]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    np.savez(folder / "arrays.npz", person_id=np.array(people, dtype=np.int64))
    (folder / "metadata.json").write_text("{}")
    return folder


def test_snapshots_holding_an_erased_person_are_deleted_and_others_kept(
    tmp_path: Path, session: Session
) -> None:
    # GIVEN two snapshots, one with examples of person 7
    holding = _snapshot(tmp_path, "a" * 64, [3, 7, 7, 9])
    other = _snapshot(tmp_path, "b" * 64, [3, 9])
    # WHEN the erasure event of person 7 is handled (after its commit)
    consumer = DatasetPurgeConsumer(tmp_path)
    after = consumer.handle(session, PersonErased(payload=PersonPayload(person_id=7)))
    assert after is not None
    after()
    # THEN the snapshot holding 7 is gone, the other stays
    assert not holding.exists()
    assert other.exists()


def test_a_missing_datasets_folder_is_nothing_to_purge(tmp_path: Path, session: Session) -> None:
    consumer = DatasetPurgeConsumer(tmp_path / "none")
    after = consumer.handle(session, PersonErased(payload=PersonPayload(person_id=1)))
    assert after is not None
    after()
