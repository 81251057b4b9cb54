"""Upkeep: ORM commits update the indexes without a rebuild; rollbacks change nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session, sessionmaker
from tests.matching.index_support import BACKENDS, db, pg_module_url
from tests.support.encoders import HashEncoder

from chamba.courses.models import Course, CourseStatus, Modality
from chamba.db import make_engine, migrate, session_factory
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.store import IndexStore
from chamba.matching.upkeep import IndexUpkeep, install_upkeep, uninstall_upkeep
from chamba.nlp.encoder import TextEncoder, get_encoder
from chamba.people.models import Person, PersonSkill
from chamba.vocab import Requirement, SkillSource

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module


@pytest.fixture
def world(
    db: Engine, tmp_path: Path
) -> Iterator[tuple[sessionmaker[Session], IndexStore, IndexUpkeep]]:
    """A session factory with upkeep installed on a loaded (empty) store."""
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    with Session(db) as s:
        store.load_or_build(s)
    factory = session_factory(db)
    upkeep = install_upkeep(factory, store)
    yield factory, store, upkeep
    uninstall_upkeep(upkeep)


def vec(store: IndexStore, words: str) -> np.ndarray:
    return store.encoder.encode([words])[0]


def test_created_job_is_findable_by_its_text(world: tuple) -> None:
    factory, store, _ = world
    # GIVEN two jobs created through the ORM and committed
    with factory() as s:
        wood = Job(title="Carpintero de muebles", description="madera y barniz en Ica")
        weld = Job(title="Soldador", description="estructuras de acero")
        s.add_all([wood, weld])
        s.commit()
    # THEN each is found by its own words, without any rebuild
    assert store.indexes.jobs.search(vec(store, "carpintero muebles madera"), 1)[0].tolist() == [
        wood.id
    ]
    assert store.indexes.jobs.search(vec(store, "soldador acero"), 1)[0].tolist() == [weld.id]
    assert store.dirty


def test_edit_changes_vector_and_close_removes(world: tuple) -> None:
    factory, store, _ = world
    with factory() as s:
        job = Job(title="Carpintero", description="muebles")
        s.add(job)
        s.commit()
    before = store.indexes.jobs.get([job.id]).copy()
    # WHEN its title is edited
    with factory() as s:
        s.get(Job, job.id).title = "Electricista industrial"
        s.commit()
    # THEN its vector changed
    after = store.indexes.jobs.get([job.id])
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after[0], vec(store, "Electricista industrial. muebles"), atol=1e-6)
    # WHEN it is closed
    with factory() as s:
        s.get(Job, job.id).status = JobStatus.CLOSED
        s.commit()
    # THEN it is gone from the index
    assert job.id not in store.indexes.jobs
    assert len(store.indexes.jobs) == 0


def test_rollback_changes_nothing(world: tuple) -> None:
    factory, store, upkeep = world
    with factory() as s:
        job = Job(title="Carpintero", description="muebles")
        s.add(job)
        s.commit()
    before = store.indexes.jobs.get([job.id]).copy()
    applied = upkeep.applied
    # WHEN an edit and a new job are flushed and then rolled back
    with factory() as s:
        s.get(Job, job.id).title = "Panadero"
        s.add(Job(title="Pescador"))
        s.flush()
        s.rollback()
        # AND a later commit in the same session carries nothing from it
        s.add(Person(self_description="cocino"))
        s.commit()
    # THEN the job index is as before
    assert len(store.indexes.jobs) == 1
    np.testing.assert_allclose(store.indexes.jobs.get([job.id]), before)
    assert upkeep.applied == applied + 1
    assert len(store.indexes.people) == 1


def test_savepoint_changes_apply_only_when_outer_commits(world: tuple) -> None:
    factory, store, _ = world
    # WHEN a job is added inside a savepoint that is released, then the outer rolls back
    with factory() as s:
        with s.begin_nested():
            s.add(Job(title="Pescador"))
        assert len(store.indexes.jobs) == 0
        s.rollback()
    assert len(store.indexes.jobs) == 0
    # WHEN a savepoint is rolled back but the outer transaction commits
    with factory() as s:
        keep = Job(title="Carpintero")
        s.add(keep)
        nested = s.begin_nested()
        s.add(Job(title="Pescador"))
        s.flush()
        nested.rollback()
        s.commit()
    # THEN only what was committed is indexed
    assert store.indexes.jobs.ids().tolist() == [keep.id]


def test_person_skills_change_re_embeds_person(world: tuple) -> None:
    factory, store, _ = world
    with factory() as s:
        person = Person(self_description="busco trabajo")
        s.add(person)
        s.commit()
    before = store.indexes.people.get([person.id]).copy()
    # WHEN a skill is added to the person (only the PersonSkill row changes)
    with factory() as s:
        s.add(PersonSkill(person_id=person.id, skill_id="t_weld", source=SkillSource.DECLARED))
        s.commit()
    # THEN the person is re-embedded with the skill's label in the text
    after = store.indexes.people.get([person.id])
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after[0], vec(store, "soldadura. busco trabajo"), atol=1e-6)
    # WHEN the skill is removed again
    with factory() as s:
        s.delete(s.get(PersonSkill, (person.id, "t_weld")))
        s.commit()
    np.testing.assert_allclose(store.indexes.people.get([person.id]), before, atol=1e-6)


def test_job_skill_and_course_changes_and_deletes(world: tuple) -> None:
    factory, store, _ = world
    with factory() as s:
        job = Job(title="Ayudante")
        course = Course(title="Curso de soldadura", modality=Modality.ONLINE, hours=20)
        person = Person(self_description="x")
        s.add_all([job, course, person])
        s.commit()
    # WHEN a skill is added to the job, the course closes and the person is deleted
    with factory() as s:
        s.add(JobSkill(job_id=job.id, skill_id="t_wood", requirement=Requirement.ESSENTIAL))
        s.get(Course, course.id).status = CourseStatus.CLOSED
        s.delete(s.get(Person, person.id))
        s.commit()
    # THEN the job text includes the skill, the course and the person are gone
    np.testing.assert_allclose(
        store.indexes.jobs.get([job.id])[0], vec(store, "Ayudante. carpintería"), atol=1e-6
    )
    assert len(store.indexes.courses) == 0
    assert len(store.indexes.people) == 0
    # WHEN the job is deleted
    with factory() as s:
        s.delete(s.get(Job, job.id))
        s.commit()
    assert len(store.indexes.jobs) == 0


def test_bulk_statements_through_the_session_are_reconciled(world: tuple) -> None:
    factory, store, _ = world
    with factory() as s:
        jobs = [Job(title=f"Trabajo {n}") for n in range(3)]
        s.add_all(jobs)
        s.commit()
    # WHEN one bulk UPDATE closes two jobs and one bulk DELETE removes the third
    with factory() as s:
        s.execute(update(Job).where(Job.id.in_([jobs[0].id, jobs[1].id])).values(status="closed"))
        s.execute(delete(Job).where(Job.id == jobs[2].id))
        s.commit()
    # THEN all three are gone
    assert len(store.indexes.jobs) == 0


def test_uninstall_stops_updates(world: tuple) -> None:
    factory, store, upkeep = world
    upkeep.uninstall()
    with factory() as s:
        s.add(Job(title="Carpintero"))
        s.commit()
    assert len(store.indexes.jobs) == 0
    upkeep.install()


def test_concurrent_commits_all_land(world: tuple, db: Engine) -> None:
    factory, store, _ = world
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for m in range(5):
                with factory() as s:
                    s.add(Job(title=f"Puesto {n} {m}"))
                    s.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    # WHEN four threads commit five jobs each
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN every job is indexed
    assert not errors
    assert len(store.indexes.jobs) == 20


def test_failure_is_logged_and_reconciled_later(
    world: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory, store, upkeep = world
    # GIVEN an encoder that fails once
    real = store._embedder.encode

    def boom(texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("model down")

    monkeypatch.setattr(store._embedder, "encode", boom)
    with factory() as s:
        job = Job(title="Carpintero")
        s.add(job)
        s.commit()  # does not raise: the commit already happened
    assert upkeep.errors == 1
    assert len(store.indexes.jobs) == 0
    # WHEN the next commit applies
    monkeypatch.setattr(store._embedder, "encode", real)
    with factory() as s:
        s.add(Person(self_description="x"))
        s.commit()
    # THEN the missed job is reconciled in
    assert store.indexes.jobs.ids().tolist() == [job.id]


@pytest.mark.slow
def test_real_encoder_finds_job_across_languages(tmp_path: Path) -> None:
    # GIVEN the multilingual USE encoder and a SQLite database with three jobs
    encoder: TextEncoder = get_encoder(threads=2)
    engine = make_engine(f"sqlite:///{tmp_path / 'use.db'}")
    migrate(engine)
    store = IndexStore(tmp_path / "data", encoder)
    with Session(engine) as s:
        store.load_or_build(s)
    factory = session_factory(engine)
    upkeep = install_upkeep(factory, store)
    try:
        with factory() as s:
            weld = Job(title="Soldador de estructuras metálicas", description="soldadura MIG")
            s.add_all([weld, Job(title="Cocinero de restaurante"), Job(title="Profesor de inglés")])
            s.commit()
        # WHEN searched in English
        query = encoder.encode(["welder for steel structures"])[0]
        # THEN the welding job comes first
        assert store.indexes.jobs.search(query, 1)[0].tolist() == [weld.id]
    finally:
        uninstall_upkeep(upkeep)
        store.close()
        engine.dispose()
