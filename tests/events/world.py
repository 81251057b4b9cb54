"""Small factories for the event tests: an employer, jobs and seekers with skills and places."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.auth.models import Role, User
from chamba.db import blind_index
from chamba.jobs import service as job_service
from chamba.jobs.models import Job
from chamba.jobs.schemas import JobCreate
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import SkillSource

_n = itertools.count(1)
_skills = itertools.count(0)
LIMA = "150101"  # Lima, Lima, Lima
CUSCO = "080101"  # about 570 km from Lima


def skill_ids(session: Session, n: int = 5) -> list[str]:
    """``n`` skill ids no other call handed out (tests share one database per module)."""
    start = next(_skills) * 10
    return list(session.scalars(select(Skill.id).order_by(Skill.id).offset(start).limit(n)))


def employer(session: Session) -> Organisation:
    org = Organisation(name=f"Bodega {next(_n)}", kind=OrgKind.EMPLOYER, source="test")
    session.add(org)
    session.flush()
    return org


def post_job(
    session: Session, org: Organisation, skills: list[str], *, ubigeo: str = LIMA, **kw: Any
) -> Job:
    data = JobCreate.model_validate(
        {"title": kw.pop("title", "Ayudante de cocina"), "location": {"ubigeo": ubigeo},
         "skills": [{"id": s, "requirement": "essential"} for s in skills], **kw}
    )  # fmt: skip
    return job_service.publish_job(session, data, organisation_id=org.id)


def seeker(
    session: Session,
    skills: list[str],
    *,
    ubigeo: str | None = LIMA,
    account: bool = True,
    email: str | None = None,
    language: str = "es",
    remote_ready: bool = False,
) -> Person:
    user = None
    n = next(_n)
    if account:
        address = email or f"seeker{n}@example.pe"
        user = User(
            email=address, email_index=blind_index(address), role=Role.SEEKER,
            name=f"Seeker {n}", is_active=True, language=language,
        )  # fmt: skip
        session.add(user)
        session.flush()
    person = Person(
        user_id=user.id if user else None, full_name=f"Seeker {n}", ubigeo=ubigeo, source="test",
        has_internet=remote_ready, device=Device.PHONE if remote_ready else Device.NONE,
    )  # fmt: skip
    person.skills = [
        PersonSkill(skill_id=s, source=SkillSource.DECLARED, confirmed=True) for s in skills
    ]
    session.add(person)
    session.flush()
    return person
