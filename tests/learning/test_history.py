"""Attribute history: versions written on insert and change, read back as of an impression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from chamba.activity.models import Interaction, InteractionKind, SubjectType
from chamba.jobs.models import Job
from chamba.learning.dataset import AsOfData, as_of_job_features, build_dataset
from chamba.learning.history import Versions, decode, detached_copy, encode
from chamba.learning.models import AttributeHistory, HistoryEntity
from chamba.matching.features import JOB_FEATURES, FeatureContext, job_features
from chamba.people.models import Device, Person
from chamba.vocab import EducationLevel

WAGE_FIT = JOB_FEATURES.index("wage_fit")
HOURS_FIT = JOB_FEATURES.index("hours_fit")
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
    # WHEN untracked text changes, a tracked value is set to what it was, or nothing changes
    person.self_description = "Trabajé en caja dos años"
    person.expected_wage = Decimal("1500.00")
    job.description = "Atención al público"
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
