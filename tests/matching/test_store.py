"""IndexStore: persistence per model, reload in a new store, reconcile with the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session
from tests.matching.index_support import BACKENDS, db, pg_module_url
from tests.support.encoders import HashEncoder

from chamba.config import load_settings
from chamba.courses.models import Course, Modality
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.embeddings import KINDS
from chamba.matching.store import (
    IndexStore,
    clear_index_stores,
    get_index_store,
    model_folder,
)
from chamba.people.models import Person
from chamba.vocab import Requirement

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module


def seed(engine: Engine) -> dict[str, int]:
    """Three jobs (one closed), two people, one course; returns their ids by name."""
    with Session(engine, expire_on_commit=False) as s:
        wood = Job(title="Carpintero de muebles", description="Taller en Ica, madera y barniz")
        weld = Job(title="Soldador de estructuras", description="Soldadura de acero")
        closed = Job(title="Cocinero", description="Restaurante", status=JobStatus.CLOSED)
        ana = Person(self_description="Sé soldar acero y estructuras metálicas")
        beto = Person(self_description="Hago muebles de madera")
        course = Course(title="Curso de soldadura", modality=Modality.IN_PERSON, hours=40)
        s.add_all([wood, weld, closed, ana, beto, course])
        s.flush()
        s.add(JobSkill(job_id=wood.id, skill_id="t_wood", requirement=Requirement.ESSENTIAL))
        s.commit()
        return {
            "wood": wood.id,
            "weld": weld.id,
            "closed": closed.id,
            "ana": ana.id,
            "beto": beto.id,
            "course": course.id,
        }


def top(store: IndexStore, kind: str, words: str, k: int = 1) -> list[int]:
    assert store.indexes is not None
    query = store.encoder.encode([words])[0]
    return store.indexes.of(kind).search(query, k)[0].tolist()  # type: ignore[arg-type]


def test_build_indexes_open_rows_only(db: Engine, tmp_path: Path) -> None:
    # GIVEN jobs (one closed), people and a course
    ids = seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    # WHEN the store is built
    with Session(db) as s:
        indexes = store.load_or_build(s)
    # THEN open jobs, every person and the open course are indexed, and found by their words
    assert sorted(indexes.jobs.ids().tolist()) == sorted([ids["wood"], ids["weld"]])  # type: ignore[attr-defined]
    assert len(indexes.people) == 2
    assert len(indexes.courses) == 1
    assert top(store, "jobs", "carpintero muebles madera") == [ids["wood"]]
    assert top(store, "people", "soldar acero estructuras") == [ids["ana"]]


def test_persist_and_reload_in_a_new_store(db: Engine, tmp_path: Path) -> None:
    # GIVEN a built and saved store
    ids = seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    store.save()
    query = store.encoder.encode(["soldadura acero"])[0]
    before = store.indexes.jobs.search(query, 5)  # type: ignore[union-attr]
    # WHEN a new store (as in a new process) opens the same folder
    encoder = HashEncoder("hash-a", signed=True)
    again = IndexStore(tmp_path / "data", encoder, cache=False)
    with Session(db) as s:
        indexes = again.load_or_build(s)
    # THEN nothing is re-embedded and searches answer the same
    assert encoder.texts == 0
    after = indexes.jobs.search(query, 5)
    assert after[0].tolist() == before[0].tolist()
    np.testing.assert_allclose(after[1], before[1], atol=1e-6)
    assert again.versions("jobs") == store.versions("jobs")
    assert ids["weld"] in after[0].tolist()
    assert (tmp_path / "data" / "index" / model_folder("hash-a") / "manifest.json").is_file()


def test_an_index_loaded_as_another_kind_is_saved_as_that_kind_on_close(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chamba.matching import index as index_module
    from chamba.matching.index import saved_header

    # GIVEN indexes saved exact (flat), below the size where the store goes approximate
    seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    store.close()
    folder = tmp_path / "data" / "index" / model_folder("hash-a")
    assert saved_header(folder / "jobs.npz")["kind"] == "flat"
    # WHEN they have grown past ANN_THRESHOLD and a new process loads them (as IVF)
    monkeypatch.setattr(index_module, "ANN_THRESHOLD", 1)
    again = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        assert again.load_or_build(s).jobs.kind == "ivf"  # type: ignore[attr-defined]
    again.close()
    # THEN closing saved them as IVF: the next start does not convert (train) them again (two
    # minutes per worker at the 100,000 demo)
    assert saved_header(folder / "jobs.npz")["kind"] == "ivf"
    assert saved_header(folder / "people.npz")["kind"] == "ivf"


def test_reconcile_picks_up_direct_database_changes(db: Engine, tmp_path: Path) -> None:
    # GIVEN a store saved after a build
    ids = seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    store.save()
    # WHEN, behind the ORM's back, one job is edited, one closed, one added and a person deleted
    later = datetime.now(UTC) + timedelta(seconds=5)
    with db.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == ids["wood"])
            .values(title="Electricista industrial", description="tableros", updated_at=later)
        )
        conn.execute(update(Job).where(Job.id == ids["weld"]).values(status=JobStatus.FILLED))
        conn.execute(insert(Job).values(title="Pescador artesanal", description="bote y redes"))
        conn.execute(Person.__table__.delete().where(Person.id == ids["beto"]))
    encoder = HashEncoder("hash-a", signed=True)
    fresh = IndexStore(tmp_path / "data", encoder, cache=False)
    with Session(db) as s:
        indexes = fresh.load_or_build(s)
        new_id = s.query(Job.id).filter(Job.title == "Pescador artesanal").scalar()
    # THEN the edited and new jobs are re-embedded (only those), the filled job and the deleted
    # person are gone
    assert encoder.texts == 2
    assert sorted(indexes.jobs.ids().tolist()) == sorted([ids["wood"], new_id])  # type: ignore[attr-defined]
    assert top(fresh, "jobs", "electricista industrial tableros") == [ids["wood"]]
    assert top(fresh, "jobs", "pescador bote redes") == [new_id]
    assert indexes.people.ids().tolist() == [ids["ana"]]  # type: ignore[attr-defined]
    # AND a second reconcile with nothing changed embeds nothing
    calls = encoder.texts
    with Session(db) as s:
        report = fresh.reconcile(s)
    assert not report.changed
    assert encoder.texts == calls


def test_model_change_re_embeds_everything(db: Engine, tmp_path: Path) -> None:
    # GIVEN a store saved with model A
    ids = seed(db)
    a = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        a.load_or_build(s)
    a.save()
    # WHEN the encoder changes to model B
    encoder_b = HashEncoder("hash-b", signed=True)
    b = IndexStore(tmp_path / "data", encoder_b, cache=False)
    with Session(db) as s:
        indexes = b.load_or_build(s)
    # THEN every item is re-embedded with B (vectors differ) into B's own folder
    assert encoder_b.texts == 2 + 2 + 1
    assert indexes.jobs.model_id == "hash-b"
    va = a.indexes.jobs.get([ids["wood"]])  # type: ignore[union-attr]
    vb = indexes.jobs.get([ids["wood"]])
    assert not np.allclose(va, vb)
    b.save()
    assert {p.name for p in (tmp_path / "data" / "index").iterdir()} == {
        model_folder("hash-a"),
        model_folder("hash-b"),
    }
    # AND switching back to A reloads A's files without embedding
    encoder_a = HashEncoder("hash-a", signed=True)
    back = IndexStore(tmp_path / "data", encoder_a, cache=False)
    with Session(db) as s:
        back.load_or_build(s)
    assert encoder_a.texts == 0


def test_manifest_for_another_model_or_corrupt_file_rebuilds(db: Engine, tmp_path: Path) -> None:
    # GIVEN a saved store whose jobs file is then corrupted
    seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    store.save()
    (store.root / "jobs.npz").write_bytes(b"not a zip")
    # WHEN a new store loads
    encoder = HashEncoder("hash-a", signed=True)
    again = IndexStore(tmp_path / "data", encoder, cache=False)
    with Session(db) as s:
        indexes = again.load_or_build(s)
    # THEN only the jobs are re-embedded
    assert encoder.texts == 2
    assert len(indexes.jobs) == 2
    assert len(indexes.people) == 2


def test_embedding_cache_makes_re_embedding_free(db: Engine, tmp_path: Path) -> None:
    # GIVEN a store with the embedding cache, built once, whose index files are then lost
    seed(db)
    first = HashEncoder("hash-a", signed=True)
    store = IndexStore(tmp_path / "data", first)
    with Session(db) as s:
        store.load_or_build(s)
    store.close()
    assert first.texts == 5
    # WHEN a new store builds again without index files
    encoder = HashEncoder("hash-a", signed=True)
    again = IndexStore(tmp_path / "data", encoder)
    for kind in KINDS:
        (again.root / f"{kind}.npz").unlink()
    with Session(db) as s:
        indexes = again.load_or_build(s)
    again.close()
    # THEN every vector comes from the cache: the model is never called
    assert encoder.texts == 0
    assert len(indexes.jobs) == 2


def test_save_is_atomic_and_skips_when_clean(db: Engine, tmp_path: Path) -> None:
    seed(db)
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    # WHEN saved twice
    assert store.save_if_dirty()
    assert not store.save_if_dirty()
    # THEN no temporary files are left behind
    assert sorted(p.name for p in store.root.iterdir()) == [
        "courses.npz",
        "jobs.npz",
        "manifest.json",
        "people.npz",
    ]


def test_get_index_store_is_shared_per_data_dir(tmp_path: Path) -> None:
    # GIVEN two settings objects for one folder and one for another
    clear_index_stores()
    one = load_settings(data_dir=tmp_path / "a")
    same = load_settings(data_dir=tmp_path / "a")
    other = load_settings(data_dir=tmp_path / "b")
    # THEN the same folder gives the same store, loaded lazily (nothing at construction)
    try:
        assert get_index_store(one) is get_index_store(same)
        assert get_index_store(one) is not get_index_store(other)
        assert get_index_store(one).indexes is None
    finally:
        get_index_store(one).close()
        get_index_store(other).close()
        clear_index_stores()
