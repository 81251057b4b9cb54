"""Matching fixtures: a tiny hand-made world (skills, jobs, people, courses) and a fast encoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.encoders import HashEncoder

from chamba.activity.models import Application
from chamba.auth.models import Role, User
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import EducationLevel, Requirement, SkillSource, SkillType

NOW = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
LIMA, SAN_BORJA, LURIN, AREQUIPA = "150101", "150130", "150119", "040101"


@pytest.fixture(scope="session")
def hash_encoder() -> HashEncoder:
    return HashEncoder()


SKILLS = {
    "mt-soldadura": ("Soldadura", "Welding"),
    "mt-electricidad": ("Electricidad", "Electricity"),
    "mt-planos": ("Lectura de planos", "Blueprint reading"),
    "mt-seguridad": ("Seguridad industrial", "Industrial safety"),
    "mt-excel": ("Hojas de cálculo", "Spreadsheets"),
    "mt-ventas": ("Ventas", "Sales"),
}


@dataclass
class World:
    """Factories bound to one session; every object is flushed, never committed."""

    session: Session

    def skills(self) -> None:
        for sid, (es, en) in SKILLS.items():
            if self.session.get(Skill, sid) is None:
                self.session.add(
                    Skill(id=sid, label_es=es, label_en=en, type=SkillType.SKILL, sector="test")
                )
        self.session.flush()

    def job(self, skills: dict[str, tuple[bool, float]] | None = None, **kw: Any) -> Job:
        values: dict[str, Any] = {
            "title": "Soldador", "description": "Taller de soldadura en Lima",
            "ubigeo": LIMA, "hours_per_week": 40, "wage_min": Decimal("1500"),
            "wage_max": Decimal("1500"), "status": JobStatus.OPEN,
            "posted_at": NOW - timedelta(days=3), "expires_at": NOW + timedelta(days=30),
            "schedule": ["mon_morning", "tue_morning"],
        }  # fmt: skip
        values.update(kw)
        job = Job(**values)
        self.session.add(job)
        self.session.flush()
        for sid, (essential, importance) in (skills or {}).items():
            self.session.add(
                JobSkill(
                    job_id=job.id,
                    skill_id=sid,
                    requirement=Requirement.ESSENTIAL if essential else Requirement.OPTIONAL,
                    importance=importance,
                )
            )
        self.session.flush()
        return job

    def person(self, skills: Sequence[str] = (), **kw: Any) -> Person:
        values: dict[str, Any] = {
            "ubigeo": LIMA, "availability_hours": 48, "expected_wage": Decimal("1200"),
            "availability_slots": ["mon_morning", "tue_morning", "wed_morning"],
            "has_internet": True, "device": Device.PHONE,
            "education_level": EducationLevel.SECONDARY, "max_distance_km": 30.0,
            "self_description": "Trabajo como soldador en talleres", "consent_visible": True,
        }  # fmt: skip
        values.update(kw)
        person = Person(**values)
        self.session.add(person)
        self.session.flush()
        for sid in skills:
            self.session.add(
                PersonSkill(person_id=person.id, skill_id=sid, source=SkillSource.DECLARED)
            )
        self.session.flush()
        return person

    def course(self, skills: Sequence[str], provider: str | None = "SENATI", **kw: Any) -> Course:
        org_id = None
        if provider:
            org = Organisation(kind=OrgKind.PROVIDER, name=provider)
            self.session.add(org)
            self.session.flush()
            org_id = org.id
        values: dict[str, Any] = {
            "title": "Curso de soldadura", "modality": Modality.IN_PERSON, "ubigeo": LIMA,
            "hours": 60, "weeks": 10, "cost": Decimal("0"), "is_free": True,
            "provider_id": org_id,
        }  # fmt: skip
        values.update(kw)
        course = Course(**values)
        self.session.add(course)
        self.session.flush()
        for sid in skills:
            self.session.add(CourseSkill(course_id=course.id, skill_id=sid))
        self.session.flush()
        return course

    def apply(self, person: Person, job: Job, **kw: Any) -> Application:
        app = Application(person_id=person.id, job_id=job.id, **kw)
        self.session.add(app)
        self.session.flush()
        return app

    def user(self, language: str) -> User:
        user = User(role=Role.SEEKER, language=language)
        self.session.add(user)
        self.session.flush()
        return user


@pytest.fixture
def world(session: Session) -> World:
    w = World(session)
    w.skills()
    return w


@pytest.fixture
def make_indexes(session: Session, hash_encoder: HashEncoder) -> Callable[[], Any]:
    from chamba.matching.embeddings import build_indexes

    return lambda: build_indexes(session, hash_encoder)
