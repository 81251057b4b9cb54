"""The dataset builder: grading, groups, time split, snapshots and no leakage from the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.activity.models import Application, ApplicationStatus
from chamba.jobs.models import Job, JobSkill
from chamba.learning.as_of import AsOfData, as_of_job_features
from chamba.learning.dataset import Dataset, load_snapshot, save_snapshot
from chamba.matching.context import FeatureContext
from chamba.matching.features import JOB_FEATURES
from chamba.people.models import Person, PersonSkill
from chamba.vocab import SkillSource

from .conftest import DemoWorld

CONGESTION = JOB_FEATURES.index("congestion")
SKILL_ESSENTIAL = JOB_FEATURES.index("skill_essential")


def test_examples_are_graded_grouped_and_split_by_time(demo_dataset: Dataset) -> None:
    ds = demo_dataset
    # THEN grades are 0..4, negatives carry grade 0, every grade level occurs
    assert set(np.unique(ds.grade).tolist()) == {0, 1, 2, 3, 4}
    assert np.all(ds.grade[ds.negative] == 0)
    # groups are numbered in time order and each lies in one split
    first_time = [ds.time[ds.group == g][0] for g in range(ds.n_groups)]
    assert np.all(np.diff(first_time) >= 0)
    for g in range(ds.n_groups):
        assert np.unique(ds.split[ds.group == g]).size == 1
    # the split is by time: every train group precedes every validation and test group
    assert ds.time[ds.mask("train")].max() < ds.time[ds.mask("validation")].min()
    assert ds.time[ds.mask("validation")].max() < ds.time[ds.mask("test")].min()
    shares = [ds.mask(s).mean() for s in ("train", "validation", "test")]
    assert shares[0] == pytest.approx(0.70, abs=0.08)
    assert ds.features.shape == (len(ds), len(JOB_FEATURES))
    assert np.all(np.isfinite(ds.features))


def test_snapshot_id_is_the_content_hash(demo_dataset: Dataset, tmp_path: Path) -> None:
    first = save_snapshot(demo_dataset, tmp_path)
    again = save_snapshot(demo_dataset, tmp_path)
    assert first == again == demo_dataset.content_hash()
    assert (tmp_path / first / "arrays.npz").is_file()
    loaded = load_snapshot(tmp_path, first)
    assert np.array_equal(loaded.features, demo_dataset.features)
    assert loaded.metadata["examples"] == len(demo_dataset)
    # a changed label is a different snapshot
    other = demo_dataset.subset(np.ones(len(demo_dataset), dtype=bool))
    other.grade = other.grade.copy()
    other.grade[0] += 1
    assert other.content_hash() != first


def test_features_are_computed_as_of_the_impression(
    demo_world: DemoWorld, demo_dataset: Dataset
) -> None:
    ds = demo_dataset
    with Session(demo_world.engine) as session:
        # GIVEN an impression: person p saw job j at time t, p lacks one of j's essential skills
        row = None
        for k in np.flatnonzero(ds.features[:, SKILL_ESSENTIAL] < 1.0):
            job = session.get(Job, int(ds.item_id[k]))
            held = set(
                session.scalars(
                    select(PersonSkill.skill_id).where(
                        PersonSkill.person_id == int(ds.person_id[k])
                    )
                )
            )
            missing = [
                s.skill_id
                for s in session.scalars(select(JobSkill).where(JobSkill.job_id == job.id))
                if s.skill_id not in held
            ]
            if job is not None and missing:
                row, skill = int(k), missing[0]
                break
        assert row is not None
        person = session.get(Person, int(ds.person_id[row]))
        job = session.get(Job, int(ds.item_id[row]))
        t = int(ds.time[row])
        when = datetime.fromtimestamp(t, UTC)

        def features() -> np.ndarray:
            ctx = FeatureContext(session, demo_world.indexes)
            facts = AsOfData(session, [person.id], [job.id])
            return as_of_job_features(ctx, facts, person, [job], t)[0]

        before = features()
        assert np.allclose(before, ds.features[row], atol=1e-5)  # the stored example
        applicants = set(
            session.scalars(select(Application.person_id).where(Application.job_id == job.id))
        )
        others = [
            p for p in session.scalars(select(Person.id).order_by(Person.id)) if p not in applicants
        ]
        # WHEN, after the impression, someone applies and the person certifies the missing skill
        session.add(
            Application(job_id=job.id, person_id=others[0], status=ApplicationStatus.SUBMITTED,
                        created_at=when + timedelta(hours=1))
        )  # fmt: skip
        session.add(
            PersonSkill(person_id=person.id, skill_id=skill, source=SkillSource.CERTIFIED,
                        created_at=when + timedelta(days=2))
        )  # fmt: skip
        session.flush()
        # THEN the impression's features do not change
        assert np.array_equal(features(), before)
        # AND (control) the same application *before* the impression does count
        session.add(
            Application(job_id=job.id, person_id=others[1], status=ApplicationStatus.SUBMITTED,
                        created_at=when - timedelta(hours=1))
        )  # fmt: skip
        session.flush()
        assert features()[CONGESTION] > before[CONGESTION]
        session.rollback()
