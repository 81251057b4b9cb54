"""Features hand-checked on a tiny world: real ubigeo distances, coverage, wage/hours/education."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chamba.courses.models import Modality
from chamba.geo.service import get_gazetteer
from chamba.jobs.models import Job, JobStatus
from chamba.matching.context import FeatureContext
from chamba.matching.features import (
    COURSE_FEATURES,
    JOB_FEATURES,
    NO_SKILLS,
    course_features,
    job_features,
    person_features,
)
from chamba.people.models import Device
from chamba.search import terms
from chamba.vocab import EducationLevel

from .conftest import AREQUIPA, LIMA, NOW, SAN_BORJA, World

F = {name: k for k, name in enumerate(JOB_FEATURES)}
C = {name: k for k, name in enumerate(COURSE_FEATURES)}


def _idf(session: Session, df: int) -> float:
    n = session.scalar(select(func.count()).select_from(Job).where(Job.status == JobStatus.OPEN))
    return math.sqrt(math.log((n + 1) / (df + 1)) + 1)


def test_skill_coverage_weighs_importance_and_rarity(session: Session, world: World) -> None:
    # GIVEN a job needing soldadura (importance 1) and planos (0.5) as essential, excel optional;
    # soldadura also appears in two other open jobs (so it is commoner than planos)
    job = world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 0.5),
                     "mt-excel": (False, 0.4)})  # fmt: skip
    world.job({"mt-soldadura": (True, 1.0)})
    world.job({"mt-soldadura": (False, 1.0)})
    person = world.person(["mt-soldadura", "mt-excel"])
    ctx = FeatureContext(session, None, NOW)
    # WHEN features are computed
    X = job_features(ctx, person, [job])
    # THEN essential coverage = weight(soldadura) / (weight(soldadura) + weight(planos))
    w_sold, w_plan = 1.0 * _idf(session, 3), 0.5 * _idf(session, 1)
    assert X[0, F["skill_essential"]] == pytest.approx(w_sold / (w_sold + w_plan))
    assert X[0, F["skill_optional"]] == pytest.approx(1.0)
    assert X[0, F["skill_matched"]] == pytest.approx(2 / 5)


def test_job_without_skills_is_neutral(session: Session, world: World) -> None:
    # A job that lists no skill does not get full marks for skills (it used to score 1, as if
    # the person held every skill it asks for; on real postings that ranked untagged jobs first)
    job = world.job({})
    person = world.person([])
    X = job_features(FeatureContext(session, None, NOW), person, [job])
    assert X[0, F["skill_essential"]] == NO_SKILLS == 0.5
    assert X[0, F["skill_optional"]] == 0.0
    assert np.all(np.isfinite(X))


def test_only_optional_skills_stand_in_for_essential_ones(session: Session, world: World) -> None:
    job = world.job({"mt-soldadura": (False, 1.0), "mt-planos": (False, 1.0)})
    person = world.person(["mt-soldadura"])
    X = job_features(FeatureContext(session, None, NOW), person, [job])
    assert X[0, F["skill_essential"]] == pytest.approx(X[0, F["skill_optional"]])
    assert 0.0 < X[0, F["skill_essential"]] < 1.0


def test_unknown_education_favours_no_job(session: Session, world: World) -> None:
    # GIVEN a person who did not say their education and jobs with and without a requirement
    person = world.person(education_level=None)
    jobs = [world.job(education_required=EducationLevel.UNIVERSITY),
            world.job(education_required=None)]  # fmt: skip
    X = job_features(FeatureContext(session, None, NOW), person, jobs)
    # THEN both get the same neutral value (a job stating a requirement is not pushed down)
    assert X[:, F["education_fit"]] == pytest.approx([0.5, 0.5])


def test_lexical_counts_the_persons_words_in_the_posting(session: Session, world: World) -> None:
    # GIVEN a person who writes what they know and three postings (one says it all, one part)
    person = world.person([], self_description="Manejo del SIAF y contabilidad gubernamental")
    full = world.job({}, title="Contador", description="Contabilidad gubernamental y SIAF.")
    part = world.job({}, title="Asistente", description="Manejo de SIAF.")
    none = world.job({}, title="Chofer", description="Licencia A-IIb.")
    X = job_features(FeatureContext(session, None, NOW), person, [full, part, none])
    lexical = X[:, F["lexical"]]
    # THEN the posting with all their words scores highest, one without any scores 0, all 0..1
    assert lexical[0] > lexical[1] > lexical[2] == 0.0
    assert np.all((lexical >= 0) & (lexical < 1))
    # AND words are folded, stop words dropped, plural and gender endings also matched
    assert terms("Gubernamental del SIAF") == ["gubernamental", "siaf", "~gubernamental", "~siaf"]
    assert terms("cajeras") == ["cajeras", "~cajer"]


def test_distance_between_real_ubigeos(session: Session, world: World) -> None:
    # GIVEN a person in Lima and jobs in San Borja, Arequipa, remote and unknown place
    person = world.person(ubigeo=LIMA)
    jobs = [world.job(ubigeo=SAN_BORJA), world.job(ubigeo=AREQUIPA),
            world.job(ubigeo=AREQUIPA, remote=True), world.job(ubigeo=None)]  # fmt: skip
    # WHEN features are computed
    X = job_features(FeatureContext(session, None, NOW), person, jobs)
    # THEN distances are the gazetteer's great-circle km; remote 0; unknown -1 (proximity 0.5)
    gaz = get_gazetteer()
    near, far = gaz.distance_km(LIMA, SAN_BORJA), gaz.distance_km(LIMA, AREQUIPA)
    assert 1 < near < 10
    assert 700 < far < 800
    assert X[:, F["distance_km"]] == pytest.approx([near, far, 0.0, -1.0], abs=1e-6)
    assert X[:, F["proximity"]] == pytest.approx(
        [math.exp(-near / 25), math.exp(-far / 25), 1.0, 0.5], abs=1e-9
    )
    assert X[:, F["remote"]].tolist() == [0, 0, 1, 0]


def test_wage_hours_slots_and_education_fit(session: Session, world: World) -> None:
    # GIVEN a person asking S/ 1,200, free 20 h on mon/tue mornings, with secondary education
    person = world.person(expected_wage=Decimal("1200"), availability_hours=20,
                          availability_slots=["mon_morning", "tue_morning"],
                          education_level=EducationLevel.SECONDARY)  # fmt: skip
    jobs = [
        world.job(wage_min=Decimal("1200"), wage_max=Decimal("1800"), hours_per_week=40,
                  schedule=["mon_morning", "wed_morning"],
                  education_required=EducationLevel.UNIVERSITY),
        world.job(wage_min=None, wage_max=None, hours_per_week=10, schedule=[],
                  education_required=None),
    ]  # fmt: skip
    # WHEN features are computed
    X = job_features(FeatureContext(session, None, NOW), person, jobs)
    # THEN wage: midpoint 1500 vs 1200; unknown wage is neutral
    assert X[0, F["wage_fit"]] == pytest.approx(0.5 + 0.5 * math.tanh(300 / 360))
    assert X[1, F["wage_fit"]] == 0.5
    # hours: 20 of 40 h; 10 h job fits fully; slots: 1 of the job's 2 slots is free
    assert X[:, F["hours_fit"]] == pytest.approx([0.5, 1.0])
    assert X[0, F["slot_overlap"]] == pytest.approx(0.5)
    assert X[1, F["slot_overlap"]] == pytest.approx(1.0)  # no job slots: the hours ratio
    # education: university required, secondary held (gap 2) -> 1 - 2/5; none required -> 1
    assert X[:, F["education_fit"]] == pytest.approx([0.6, 1.0])
    # (a person of unknown level: see test_unknown_education_favours_no_job)


def test_freshness_congestion_and_remote_readiness(session: Session, world: World) -> None:
    # GIVEN a 30-day-old remote job with 3 applicants for 1 opening, and a person with no device
    job = world.job(posted_at=NOW - timedelta(days=30), remote=True, openings=1)
    for _ in range(3):
        world.apply(world.person(), job)
    person = world.person(device=Device.NONE)
    # WHEN features are computed
    X = job_features(FeatureContext(session, None, NOW), person, [job])
    # THEN freshness exp(-1), congestion log1p(3), remote but not ready
    assert X[0, F["freshness"]] == pytest.approx(math.exp(-1))
    assert X[0, F["congestion"]] == pytest.approx(math.log1p(3))
    assert X[0, F["remote_not_ready"]] == 1.0


def test_person_features_mirror_job_features(session: Session, world: World, make_indexes) -> None:  # type: ignore[no-untyped-def]
    # GIVEN one job and two people
    job = world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 1.0)})
    a = world.person(["mt-soldadura", "mt-planos"])
    b = world.person([], ubigeo=AREQUIPA, self_description="")
    ctx = FeatureContext(session, make_indexes(), NOW)
    # WHEN computed both ways
    many = person_features(ctx, job, [a, b])
    # THEN each row equals the one-person job feature row
    for k, person in enumerate([a, b]):
        assert many[k] == pytest.approx(job_features(ctx, person, [job])[0])
    assert many[0, F["skill_essential"]] == 1.0
    assert many[1, F["skill_essential"]] == 0.0
    assert many[0, F["semantic"]] > 0.0
    assert many[1, F["semantic"]] == 0.0  # empty text: no semantic signal, no crash


def test_course_features(session: Session, world: World) -> None:
    # GIVEN a person lacking planos; a free nearby course on planos, a paid online one on
    # something they know; and the person's target jobs needing planos
    person = world.person(["mt-soldadura"], expected_wage=Decimal("1000"), availability_hours=20)
    near = world.course(["mt-planos"], hours=40, weeks=10)
    online = world.course(["mt-soldadura"], modality=Modality.ONLINE, ubigeo=None,
                          is_free=False, cost=Decimal("500"), hours=100, weeks=5)  # fmt: skip
    # WHEN features are computed
    X = course_features(FeatureContext(session, None, NOW), person, [near, online],
                        needs={"mt-planos": 0.8}, demand={"mt-planos": 0.5})  # fmt: skip
    # THEN
    assert X[:, C["skill_gap"]] == pytest.approx([0.8, 0.0])
    assert X[:, C["demand"]] == pytest.approx([0.5, 0.0])
    assert X[:, C["new_skills"]] == pytest.approx([1.0, 0.0])
    assert X[:, C["cost_fit"]] == pytest.approx([1.0, 0.5])
    assert X[:, C["access"]] == pytest.approx([1.0, 1.0])  # same district; remote-ready
    assert X[:, C["hours_fit"]] == pytest.approx([1.0, 0.5])  # 10 h of 4 h/wk; 10 of 20 h/wk
    assert X[1, C["distance_km"]] == -1.0
