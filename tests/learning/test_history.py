"""Attribute history: versions written on insert and change, read back as of an impression."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from tests.support.encoders import HashEncoder

from chamba.activity.models import Interaction, InteractionKind, SubjectType
from chamba.jobs.models import Job, JobSkill, Requirement
from chamba.learning.as_of import AsOfData, as_of_job_features
from chamba.learning.dataset import Dataset, build_dataset
from chamba.learning.history import PERSON_TEXT_KEY, Versions, decode, detached_copy, encode
from chamba.learning.models import AttributeHistory, HistoryEntity
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import build_indexes
from chamba.matching.features import JOB_FEATURES, job_features
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import EducationLevel, SkillSource, SkillType

WAGE_FIT = JOB_FEATURES.index("wage_fit")
HOURS_FIT = JOB_FEATURES.index("hours_fit")
SEMANTIC = JOB_FEATURES.index("semantic")
LEXICAL = JOB_FEATURES.index("lexical")
NOW = datetime.now(UTC)
CREATED = NOW - timedelta(days=10)
SHOWN = NOW - timedelta(days=5)


def _versions(session: Session, entity: HistoryEntity, entity_id: int) -> list[AttributeHistory]:
    return list(
        session.scalars(
            select(AttributeHistory)
            .where(AttributeHistory.entity == entity, AttributeHistory.entity_id == entity_id)
            .order_by(AttributeHistory.valid_from, AttributeHistory.id)
        )
    )


def _world(session: Session) -> tuple[Person, Job]:
    person = Person(
        ubigeo="150115",
        expected_wage=Decimal("1500.00"),
        availability_hours=40,
        education_level=EducationLevel.SECONDARY,
        has_internet=True,
        device=Device.PHONE,
        created_at=CREATED,
        updated_at=CREATED,
    )
    job = Job(
        title="Cajera en bodega",
        ubigeo="150115",
        wage_min=Decimal("1200.00"),
        wage_max=Decimal("1400.00"),
        hours_per_week=40,
        posted_at=CREATED,
        created_at=CREATED,
        updated_at=CREATED,
    )
    session.add_all([person, job])
    session.flush()
    return person, job


def test_versions_are_written_on_insert_and_on_change_only(session: Session) -> None:
    # GIVEN a new person and job
    person, job = _world(session)
    # THEN each has one version, valid since its creation, holding no free text or contact
    [first] = _versions(session, HistoryEntity.PERSON, person.id)
    assert first.valid_from == CREATED
    assert first.attrs["expected_wage"] == "1500.00"
    assert first.attrs["device"] == "phone"
    assert not {"full_name", "email", "phone", "self_description"} & set(first.attrs)
    assert len(_versions(session, HistoryEntity.JOB, job.id)) == 1
    # WHEN an untracked value changes, a tracked value is set to what it was, or nothing changes
    person.years_experience = 2.0
    person.expected_wage = Decimal("1500.00")
    job.currency = "USD"
    session.flush()
    session.flush()
    # THEN no version is added
    assert len(_versions(session, HistoryEntity.PERSON, person.id)) == 1
    assert len(_versions(session, HistoryEntity.JOB, job.id)) == 1
    # WHEN a tracked value really changes
    person.expected_wage = Decimal("2000.00")
    job.hours_per_week = 30
    session.flush()
    # THEN one new version each, valid from the change
    versions = _versions(session, HistoryEntity.PERSON, person.id)
    assert [v.attrs["expected_wage"] for v in versions] == ["1500.00", "2000.00"]
    assert versions[1].valid_from > CREATED
    assert [v.attrs["hours_per_week"] for v in _versions(session, HistoryEntity.JOB, job.id)] == [
        40,
        30,
    ]


def test_editing_after_an_impression_does_not_change_its_features(session: Session) -> None:
    # GIVEN a person shown a job five days ago, and the features of that impression
    person, job = _world(session)
    t = int(SHOWN.timestamp())

    def as_of() -> np.ndarray:
        facts = AsOfData(session, [person.id], [job.id])
        return as_of_job_features(FeatureContext(session, None), facts, person, [job], t)[0]

    def serving() -> np.ndarray:
        return job_features(FeatureContext(session, None, now=NOW), person, [job])[0]

    before, served_before = as_of(), serving()
    # WHEN, after the impression, she raises her wage ask and the employer raises the wage
    # and cuts the hours
    person.expected_wage = Decimal("3000.00")
    job.wage_min, job.wage_max = Decimal("2500.00"), Decimal("2800.00")
    person.availability_hours = 20
    session.flush()
    # THEN the impression's features are unchanged
    assert np.array_equal(as_of(), before)
    # AND the current (serving) features do change
    served = serving()
    assert served[WAGE_FIT] != pytest.approx(served_before[WAGE_FIT])
    assert served[HOURS_FIT] < served_before[HOURS_FIT]
    # AND the ORM rows were not touched by the overlay
    assert person.expected_wage == Decimal("3000.00")
    assert job.wage_min == Decimal("2500.00")


def test_dataset_uses_the_attributes_valid_at_the_impression(session: Session) -> None:
    # GIVEN an impression logged five days ago, then a wage edit
    person, job = _world(session)
    session.add(
        Interaction(person_id=person.id, person_key="hist-key", subject_type=SubjectType.JOB,
                    subject_id=job.id, kind=InteractionKind.SHOWN, position=1, occurred_at=SHOWN)
    )  # fmt: skip
    session.flush()
    ds = build_dataset(session, None)
    row = int(np.flatnonzero((ds.person_id == person.id) & (ds.item_id == job.id))[0])
    before = ds.features[row].copy()
    assert ds.metadata["attribute_history"]["person"]["as_of"] >= 1
    job.wage_min, job.wage_max = Decimal("3000.00"), Decimal("3500.00")
    person.expected_wage = Decimal("900.00")
    session.flush()
    # WHEN the dataset is built again
    again = build_dataset(session, None)
    # THEN the example's features are the same
    row = int(np.flatnonzero((again.person_id == person.id) & (again.item_id == job.id))[0])
    assert np.array_equal(again.features[row], before)


def test_bulk_loaded_rows_get_a_baseline_version_on_their_first_edit(session: Session) -> None:
    # GIVEN a person bulk-inserted without the ORM (no version)
    pid = session.execute(
        insert(Person)
        .values(ubigeo="080101", expected_wage=Decimal("1200.00"), created_at=CREATED,
                updated_at=CREATED)
        .returning(Person.id)
    ).scalar_one()  # fmt: skip
    assert _versions(session, HistoryEntity.PERSON, pid) == []
    person = session.get(Person, pid)
    assert person is not None
    t = int(SHOWN.timestamp())
    unversioned = Versions(session, HistoryEntity.PERSON, [pid])
    assert unversioned.as_of(person, t) is person  # the current row: the only version
    assert unversioned.fallback_count == 1
    # WHEN it is edited through the ORM
    person.expected_wage = Decimal("1800.00")
    session.flush()
    # THEN a baseline with the old values (valid since creation) precedes the new version
    versions = _versions(session, HistoryEntity.PERSON, pid)
    assert [v.attrs["expected_wage"] for v in versions] == ["1200.00", "1800.00"]
    assert versions[0].valid_from == CREATED
    # AND reading as of before the edit gives a detached copy with the old wage
    past = Versions(session, HistoryEntity.PERSON, [pid]).as_of(person, t)
    assert past is not person
    assert past.expected_wage == Decimal("1200.00")
    assert past not in session
    assert person.expected_wage == Decimal("1800.00")


def test_deleting_drops_versions_and_a_rollback_drops_new_ones(session: Session) -> None:
    # GIVEN a person and a job with versions
    person, job = _world(session)
    pid = person.id
    # WHEN a change is rolled back (savepoint)
    savepoint = session.begin_nested()
    person.expected_wage = Decimal("5000.00")
    session.flush()
    assert len(_versions(session, HistoryEntity.PERSON, pid)) == 2
    savepoint.rollback()
    # THEN its version is gone too
    assert len(_versions(session, HistoryEntity.PERSON, pid)) == 1
    # WHEN the person is deleted
    session.delete(person)
    session.flush()
    # THEN their versions are deleted with them, and the job's stay
    assert _versions(session, HistoryEntity.PERSON, pid) == []
    assert len(_versions(session, HistoryEntity.JOB, job.id)) == 1
    count = session.scalar(
        select(func.count())
        .select_from(AttributeHistory)
        .where(AttributeHistory.entity == HistoryEntity.PERSON, AttributeHistory.entity_id == pid)
    )
    assert count == 0


def test_encoding_round_trips_every_tracked_type() -> None:
    table = Job.__table__
    when = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    for name, value in [
        ("wage_min", Decimal("1234.50")),
        ("expires_at", when),
        ("education_required", EducationLevel.TECHNICAL),
        ("schedule", ["mon_morning"]),
        ("remote", True),
        ("openings", 3),
        ("ubigeo", None),
    ]:
        assert decode(table.c[name], encode(value)) == value
    job = Job(id=1, title="x", wage_min=Decimal("10.00"))
    copy = detached_copy(job, {"wage_min": Decimal("20.00")})
    assert (copy.id, copy.title, copy.wage_min, job.wage_min) == (1, "x", 20, 10)


# ---------------------------------------------------------------------------- text (semantic)


def _raw_attrs(session: Session, entity: HistoryEntity, entity_id: int) -> list[str]:
    """The attrs of an entity's versions as stored (the JSON text), oldest first."""
    rows = session.execute(
        text(
            "SELECT attrs FROM attribute_history WHERE entity_id = :id AND entity = :entity"
            " ORDER BY valid_from, id"
        ),
        {"id": entity_id, "entity": entity.value},
    ).scalars()
    return [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]


def _text_world(session: Session, description: str | None) -> tuple[Person, Job]:
    """A cashier (skills since before the impression) and a job asking for her skill, shown
    to her five days ago."""
    for sid, label in (("hist-caja", "Caja registradora"), ("hist-ventas", "Ventas")):
        if session.get(Skill, sid) is None:
            session.add(Skill(id=sid, label_es=label, label_en=label, type=SkillType.SKILL))
    person = Person(
        ubigeo="150115", self_description=description, created_at=CREATED, updated_at=CREATED,
        skills=[PersonSkill(skill_id="hist-caja", source=SkillSource.DECLARED,
                            created_at=CREATED)],
    )  # fmt: skip
    job = Job(
        title="Cajera", description="Atender la caja de la bodega", ubigeo="150115",
        posted_at=CREATED, created_at=CREATED, updated_at=CREATED,
        skills=[JobSkill(skill_id="hist-caja", requirement=Requirement.ESSENTIAL)],
    )  # fmt: skip
    session.add_all([person, job])
    session.flush()
    session.add(
        Interaction(person_id=person.id, person_key="hist-text", subject_type=SubjectType.JOB,
                    subject_id=job.id, kind=InteractionKind.SHOWN, position=1, occurred_at=SHOWN)
    )  # fmt: skip
    session.flush()
    return person, job


def _example(session: Session, person: Person) -> tuple[np.ndarray, Dataset]:
    """The impression's features, from indexes built on the current texts (as upkeep keeps
    them)."""
    ds = build_dataset(session, build_indexes(session, HashEncoder()))
    [row] = np.flatnonzero(ds.person_id == person.id)
    return ds.features[row].copy(), ds


def _serving_semantic(session: Session, person: Person, job: Job) -> float:
    ctx = FeatureContext(session, build_indexes(session, HashEncoder()), now=NOW)
    return float(job_features(ctx, person, [job])[0, SEMANTIC])


def test_people_keep_a_digest_of_their_text_and_jobs_keep_their_text(session: Session) -> None:
    # GIVEN a person who describes herself, and a job
    words = "Trabajé dos años en caja en Gamarra"
    person, job = _text_world(session, words)
    [first] = _raw_attrs(session, HistoryEntity.PERSON, person.id)
    # THEN her version holds a digest of her text inputs, never the words themselves
    assert json.loads(first)[PERSON_TEXT_KEY]
    assert "Gamarra" not in first
    assert "caja" not in first
    # AND the job's version holds its text and skills (business data)
    [job_first] = _raw_attrs(session, HistoryEntity.JOB, job.id)
    attrs: dict[str, Any] = json.loads(job_first)
    assert (attrs["title"], attrs["description"], attrs["skill_ids"]) == (
        "Cajera", "Atender la caja de la bodega", ["hist-caja"],
    )  # fmt: skip
    # WHEN she rewrites her description, then adds a skill through the ORM
    person.self_description = "Vendedora en Mesa Redonda"
    session.flush()
    session.add(
        PersonSkill(person_id=person.id, skill_id="hist-ventas", source=SkillSource.DECLARED)
    )
    session.flush()
    # THEN each change is a new version with a new digest, and still no words are stored
    raw = _raw_attrs(session, HistoryEntity.PERSON, person.id)
    digests = [json.loads(r)[PERSON_TEXT_KEY] for r in raw]
    assert len(digests) == len(set(digests)) == 3
    assert not any(w in r for r in raw for w in ("Gamarra", "Mesa Redonda", "Vendedora"))
    # WHEN the employer edits the description
    job.description = "Reponer mercadería y atender la caja"
    session.flush()
    # THEN the job's new version holds the new text
    assert json.loads(_raw_attrs(session, HistoryEntity.JOB, job.id)[-1])["description"] == (
        "Reponer mercadería y atender la caja"
    )


def test_editing_texts_after_an_impression_leaves_its_semantic_feature(session: Session) -> None:
    # GIVEN a person without a self-description shown a job five days ago
    person, job = _text_world(session, None)
    before, ds = _example(session, person)
    assert before[SEMANTIC] > 0
    assert ds.metadata["semantic_as_of"]["examples"] == 0
    served_before = _serving_semantic(session, person, job)
    # WHEN, after the impression, she writes a self-description and the employer rewrites the
    # posting (and the indexes follow the new texts)
    person.self_description = "Vendedora de ropa, sé usar la caja y atender al público"
    job.description = "Almacén: reponer mercadería, inventarios y despacho"
    session.flush()
    after, ds = _example(session, person)
    # THEN the impression's features, semantic included, are unchanged
    assert after[SEMANTIC] == before[SEMANTIC]
    others = np.arange(after.size) != LEXICAL
    assert np.array_equal(after[others], before[others])
    # AND the lexical match still reads the texts of then: her skill "Caja registradora" in the
    # old "Atender la caja" (the new posting says no such word); only the word statistics of
    # the open postings are today's, as the skills' rarity is
    assert after[LEXICAL] > 0
    assert ds.metadata["semantic_as_of"] == {"examples": 1, "person": 1, "job": 1, "texts": 2}
    # AND the current (serving) semantic feature does change
    assert _serving_semantic(session, person, job) != pytest.approx(served_before)


def test_a_description_edited_later_is_dropped_never_read(session: Session) -> None:
    # GIVEN a person who had described herself when she was shown a job
    person, job = _text_world(session, "Cajera con experiencia en bodegas")
    # WHEN she rewrites her description after the impression, twice
    person.self_description = "Ahora busco trabajo de almacén y despacho"
    session.flush()
    first, ds = _example(session, person)
    person.self_description = "Cocinera: menú, cocina criolla y atención en caja"
    session.flush()
    second, _ = _example(session, person)
    # THEN the impression's semantic feature reads only what held then (her skills, not the
    # description of then, which is not kept) and does not depend on the later text
    assert ds.metadata["semantic_as_of"]["person"] == 1
    assert first[SEMANTIC] == second[SEMANTIC]
    encoder = HashEncoder()
    skills_only, job_vec = encoder.encode(
        ["Caja registradora", "Cajera. Caja registradora. Atender la caja de la bodega"]
    )
    assert first[SEMANTIC] == pytest.approx(float(skills_only @ job_vec), abs=1e-6)


def test_the_app_and_the_cli_install_history_not_the_database_kit() -> None:
    """GIVEN session factories that record no versions (chamba.db installs nothing itself)
    WHEN the app is built, or any CLI command runs
    THEN the factories made from then on record them."""
    from sqlalchemy import event
    from typer.testing import CliRunner

    from chamba import cli, db
    from chamba.api.app import create_app
    from chamba.learning import history

    def recording() -> bool:
        factory = db.session_factory(engine)
        return event.contains(factory, "after_flush", history._after_flush)

    engine = db.make_engine("sqlite://")
    try:
        db._FACTORY_SETUPS.remove(history.install_history)
        assert not recording()
        app = create_app(engine=engine)
        assert recording()
        assert event.contains(app.state.session_factory, "after_flush", history._after_flush)

        db._FACTORY_SETUPS.remove(history.install_history)
        result = CliRunner().invoke(cli.app, ["models", "list"])
        assert result.exit_code == 0, result.output
        assert recording()
    finally:
        db.on_session_factory(history.install_history)
        engine.dispose()
