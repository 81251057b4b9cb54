"""Imports against the real built-in skills catalogue (skipped until it exists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.errors import ChambaError
from chamba.ingest.service import import_file
from chamba.taxonomy.models import Skill


def test_catalogue_labels_resolve(session: Session, tmp_path: Path) -> None:
    # GIVEN the real catalogue loaded
    catalogue = pytest.importorskip("chamba.taxonomy.catalogue")
    load = getattr(catalogue, "load_catalogue", None)
    if load is None:
        pytest.skip("chamba.taxonomy.catalogue.load_catalogue is not available yet")
    try:
        load(session)
    except ChambaError as exc:  # the catalogue is still being written
        pytest.skip(f"catalogue not loadable yet: {exc}")
    skill = session.scalars(select(Skill).order_by(Skill.id).limit(1)).first()
    assert skill is not None
    # WHEN a job names a skill by its Spanish label, in capitals and without accents
    path = tmp_path / "empleos.csv"
    path.write_text(
        f'titulo,remoto,habilidades\nAsistente,sí,"{skill.label_es.upper()}"\n', encoding="utf-8"
    )
    report = import_file(session, "jobs", path)
    # THEN it resolves to the catalogue id
    assert report.ok, report.summary()
    assert report.created == 1
