"""Small hand-built worlds with known counts for the funnel, impact and fairness tests.

Loaded by path (``load()``), like ``tests/matching/pathway_world.py``, so that both the service
tests and the API tests can use it.

Funnel world (``build_funnel``), jobs of occupation ``tiw_cook`` unless said otherwise; the
furthest stage each person reached in June 2025:

=============  =====  ======  =======  ===========  =====  ======================
who            shown  opened  applied  interviewed  hired  courses
=============  =====  ======  =======  ===========  =====  ======================
Ica (110101)   12     11      10       4            2      12 shown, 10 completed
Lima (150101)  3      3       3        0            0      —
erased person  1      0       0        0            0      —
=============  =====  ======  =======  ===========  =====  ======================

plus, outside June 2025, ten more Ica people shown a job in March 2024, and two Lima people shown
a job of occupation ``tiw_driver`` only.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.courses.models import Course, Modality
from chamba.jobs.models import Job
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Occupation, Skill
from chamba.vocab import EducationLevel, SkillSource, SkillType

K = InteractionKind
JUNE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SINCE = datetime(2025, 6, 1, tzinfo=UTC)
UNTIL = datetime(2025, 7, 1, tzinfo=UTC)
AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
JOB_ORDER = (K.SHOWN, K.OPENED, K.APPLIED, K.INTERVIEWED, K.HIRED)
_keys = itertools.count(1)


def person(
    session: Session,
    *,
    ubigeo: str | None = "110101",
    gender: str | None = None,
    birth_year: int | None = None,
    education: EducationLevel | None = None,
    created_at: datetime | None = None,
) -> Person:
    p = Person(ubigeo=ubigeo, gender=gender, birth_year=birth_year, education_level=education)
    if created_at is not None:
        p.created_at = created_at
    session.add(p)
    session.flush()
    return p


def log(
    session: Session,
    person_id: int | None,
    subject: SubjectType,
    subject_id: int,
    kind: InteractionKind,
    at: datetime = JUNE,
    key: str | None = None,
) -> None:
    session.add(
        Interaction(
            person_id=person_id,
            person_key=key or f"tiw-{person_id or 'x'}-{next(_keys)}",
            subject_type=subject,
            subject_id=subject_id,
            kind=kind,
            occurred_at=at,
        )
    )


def reach(session: Session, p: Person | None, job_id: int, stage: int, at: datetime = JUNE) -> None:
    """Log the job funnel up to ``stage`` (0 shown .. 4 hired) for one person."""
    key = f"tiw-p{p.id}" if p is not None else f"tiw-erased-{next(_keys)}"
    for kind in JOB_ORDER[: stage + 1]:
        log(session, p.id if p else None, SubjectType.JOB, job_id, kind, at, key=key)


def job(session: Session, occupation: str | None = "tiw_cook", ubigeo: str = "110101") -> Job:
    j = Job(title="Cocinero", ubigeo=ubigeo, occupation_id=occupation)
    session.add(j)
    session.flush()
    return j


def occupations(session: Session) -> None:
    for oid in ("tiw_cook", "tiw_driver"):
        if session.get(Occupation, oid) is None:
            session.add(Occupation(id=oid, label_es=oid, label_en=oid))
    session.flush()


def build_funnel(session: Session) -> dict[str, int]:
    occupations(session)
    cook, driver = job(session), job(session, "tiw_driver")
    course = Course(title="Cocina", modality=Modality.IN_PERSON, hours=40, ubigeo="110101")
    session.add(course)
    session.flush()
    # Ica: furthest stages 0,1,2x6,3x2,4x2 -> cumulative 12, 11, 10, 4, 2; all 12 are shown the
    # course and the last 10 enrol and complete it
    for i, stage in enumerate([0, 1, *[2] * 6, 3, 3, 4, 4]):
        p = person(session)
        reach(session, p, cook.id, stage)
        kinds = [K.SHOWN] if i < 2 else [K.SHOWN, K.ENROLLED, K.COMPLETED]
        for kind in kinds:
            log(session, p.id, SubjectType.COURSE, course.id, kind, key=f"tiw-p{p.id}")
    for _ in range(3):  # Lima: applied
        reach(session, person(session, ubigeo="150101"), cook.id, 2)
    reach(session, None, cook.id, 0)  # an erased person: pseudonym only
    for _ in range(10):  # outside the window
        reach(session, person(session), cook.id, 0, at=datetime(2024, 3, 1, tzinfo=UTC))
    for _ in range(2):  # another occupation
        reach(session, person(session, ubigeo="150101"), driver.id, 0)
    session.flush()
    return {"cook": cook.id, "driver": driver.id, "course": course.id}


# ----------------------------------------------------------------------------- impact

COMPLETED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BEFORE = datetime(2024, 1, 1, tzinfo=UTC)


def _skill(session: Session) -> str:
    if session.get(Skill, "tiw_cooking") is None:
        session.add(
            Skill(id="tiw_cooking", label_es="Cocina", label_en="Cooking", type=SkillType.SKILL)
        )
        session.flush()
    return "tiw_cooking"


def complete(session: Session, p: Person, course_id: int, at: datetime, *, certified: bool) -> None:
    if certified:
        session.add(PersonSkill(person_id=p.id, skill_id=_skill(session), course_id=course_id,
                                source=SkillSource.CERTIFIED, created_at=at))  # fmt: skip
    else:
        log(session, p.id, SubjectType.COURSE, course_id, K.COMPLETED, at)


def apply(session: Session, p: Person, job_id: int, at: datetime, *, hired: bool) -> None:
    status = ApplicationStatus.HIRED if hired else ApplicationStatus.SUBMITTED
    session.add(Application(job_id=job_id, person_id=p.id, status=status, created_at=at,
                            updated_at=at + timedelta(days=10)))  # fmt: skip


def build_impact(session: Session) -> dict[str, int]:
    """Provider A's course (Ica): 20 graduates (Ica, secondary) on 2024-06-01, 15 applied within
    180 days (5 by logged interaction), 10 of them hired; 2 more applied only *before* finishing.
    3 more graduated 2025-05-01 (follow-up not over on 2025-06-30). Provider B's course: 4
    graduates. Comparison: 20 Ica secondary people without courses (10 applied, none hired) and
    15 Lima secondary people (all applied, a stratum without completers)."""
    a = Organisation(kind=OrgKind.PROVIDER, name="CETPRO A")
    b = Organisation(kind=OrgKind.PROVIDER, name="Instituto B")
    session.add_all([a, b])
    session.flush()
    ca = Course(title="=Cocina peruana", modality=Modality.IN_PERSON, hours=40, ubigeo="110101",
                provider_id=a.id, cost=Decimal(0))  # fmt: skip
    cb = Course(title="Panadería", modality=Modality.ONLINE, hours=20, provider_id=b.id)
    session.add_all([ca, cb])
    session.flush()
    jobs = [job(session, None) for _ in range(2)]
    sec = EducationLevel.SECONDARY
    for i in range(20):
        p = person(session, education=sec, created_at=BEFORE)
        complete(session, p, ca.id, COMPLETED, certified=i % 2 == 0)
        if i < 10:
            apply(session, p, jobs[0].id, COMPLETED + timedelta(days=30), hired=True)
        elif i < 15:
            log(session, p.id, SubjectType.JOB, jobs[1].id, K.APPLIED,
                COMPLETED + timedelta(days=60))  # fmt: skip
        elif i < 17:
            apply(session, p, jobs[0].id, COMPLETED - timedelta(days=30), hired=False)
    for _ in range(3):
        p = person(session, education=sec, created_at=BEFORE)
        complete(session, p, ca.id, datetime(2025, 5, 1, tzinfo=UTC), certified=False)
    for _ in range(4):
        p = person(session, education=sec, created_at=BEFORE)
        complete(session, p, cb.id, COMPLETED, certified=False)
    for i in range(20):
        p = person(session, education=sec, created_at=BEFORE)
        if i < 10:
            apply(session, p, jobs[0].id, COMPLETED + timedelta(days=5), hired=False)
    for _ in range(15):
        p = person(session, ubigeo="150101", education=sec, created_at=BEFORE)
        apply(session, p, jobs[0].id, COMPLETED + timedelta(days=5), hired=False)
    session.flush()
    return {"provider_a": a.id, "provider_b": b.id, "course_a": ca.id, "course_b": cb.id}


# ----------------------------------------------------------------------------- fairness


JOINED = datetime(2025, 1, 15, tzinfo=UTC)


def build_fairness(session: Session) -> None:
    """20 women in Ica province (urban), born 1995, all shown a job, 10 applied; 20 men in
    Chincha (rural), born 1960, 10 shown, none applied; 3 people of gender 'other' in Lima,
    unknown age, shown a job, none applied. Nobody hired. Everyone joined in January 2025.
    (Every step loses 0 or at least 10 people, so groups of 10 show their chains.)"""
    occupations(session)
    j = job(session)
    for i in range(20):
        p = person(session, gender="female", birth_year=1995, ubigeo="110101", created_at=JOINED)
        reach(session, p, j.id, 2 if i < 10 else 0)
    for i in range(20):
        p = person(session, gender="male", birth_year=1960, ubigeo="110201", created_at=JOINED)
        if i < 10:
            reach(session, p, j.id, 0)
    for _ in range(3):
        reach(session, person(session, gender="other", ubigeo="150101", created_at=JOINED), j.id, 0)
    session.flush()
