"""SQL of labour-market insights: grouped counts over open jobs and people's skills."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from chamba.insights.schemas import REMOTE_REGION
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import Requirement


@dataclass(frozen=True)
class DemandCount:
    region: str
    skill_id: str
    open_jobs: int
    essential_jobs: int
    openings: int


def _open_jobs(as_of: datetime) -> ColumnElement[bool]:
    return and_(
        Job.status == JobStatus.OPEN,
        or_(Job.expires_at.is_(None), Job.expires_at > as_of),
    )


def _region_expr(length: int) -> ColumnElement[str]:
    """Remote jobs go to the REMOTE pseudo-region; others to the ubigeo prefix."""
    return case(
        (Job.remote.is_(True), literal(REMOTE_REGION)),
        else_=func.substr(Job.ubigeo, 1, length),
    )


def _filters(
    region: str | None, skill_ids: Collection[str] | None, as_of: datetime
) -> list[ColumnElement[bool]]:
    conds = [_open_jobs(as_of), or_(Job.remote.is_(True), Job.ubigeo.is_not(None))]
    if region == REMOTE_REGION:
        conds.append(Job.remote.is_(True))
    elif region is not None:
        conds += [Job.remote.is_(False), Job.ubigeo.startswith(region)]
    if skill_ids is not None:
        conds.append(JobSkill.skill_id.in_(list(skill_ids)))
    return conds


def demand_counts(
    session: Session,
    *,
    length: int,
    region: str | None,
    skill_ids: Collection[str] | None,
    as_of: datetime,
) -> list[DemandCount]:
    """Open jobs, essential jobs and openings per (region prefix of ``length``, skill)."""
    reg = _region_expr(length).label("region")
    stmt = (
        select(
            reg,
            JobSkill.skill_id,
            func.count(func.distinct(Job.id)),
            func.sum(case((JobSkill.requirement == Requirement.ESSENTIAL, 1), else_=0)),
            func.sum(Job.openings),
        )
        .join(JobSkill, JobSkill.job_id == Job.id)
        .where(*_filters(region, skill_ids, as_of))
        .group_by(reg, JobSkill.skill_id)
    )
    return [
        DemandCount(str(r), str(s), int(n), int(e or 0), int(o or 0))
        for r, s, n, e, o in session.execute(stmt)
    ]


def wage_midpoints(
    session: Session,
    *,
    length: int,
    region: str | None,
    skill_ids: Collection[str] | None,
    as_of: datetime,
) -> list[tuple[str, str, float]]:
    """(region, skill, wage midpoint) for each open job with a wage; medians are taken in Python
    because SQLite has no portable median aggregate."""
    reg = _region_expr(length).label("region")
    low = func.coalesce(Job.wage_min, Job.wage_max)
    high = func.coalesce(Job.wage_max, Job.wage_min)
    stmt = (
        select(reg, JobSkill.skill_id, (low + high) / 2)
        .join(JobSkill, JobSkill.job_id == Job.id)
        .where(*_filters(region, skill_ids, as_of), low.is_not(None))
    )
    return [(str(r), str(s), float(Decimal(m))) for r, s, m in session.execute(stmt)]


def supply_counts(
    session: Session,
    *,
    length: int,
    region: str | None,
    skill_ids: Collection[str] | None,
) -> dict[tuple[str, str], int]:
    """People per (region prefix, skill); REMOTE counts remote-ready people nationwide."""
    out: dict[tuple[str, str], int] = {}
    if region != REMOTE_REGION:
        reg = func.substr(Person.ubigeo, 1, length).label("region")
        conds: list[ColumnElement[bool]] = [Person.ubigeo.is_not(None)]
        if region is not None:
            conds.append(Person.ubigeo.startswith(region))
        if skill_ids is not None:
            conds.append(PersonSkill.skill_id.in_(list(skill_ids)))
        stmt = (
            select(reg, PersonSkill.skill_id, func.count(func.distinct(Person.id)))
            .join(PersonSkill, PersonSkill.person_id == Person.id)
            .where(*conds)
            .group_by(reg, PersonSkill.skill_id)
        )
        out.update({(str(r), str(s)): int(n) for r, s, n in session.execute(stmt)})
    if region is None or region == REMOTE_REGION:
        conds = [Person.has_internet.is_(True), Person.device != Device.NONE]
        if skill_ids is not None:
            conds.append(PersonSkill.skill_id.in_(list(skill_ids)))
        stmt2 = (
            select(PersonSkill.skill_id, func.count(func.distinct(Person.id)))
            .join(PersonSkill, PersonSkill.person_id == Person.id)
            .where(*conds)
            .group_by(PersonSkill.skill_id)
        )
        out.update({(REMOTE_REGION, str(s)): int(n) for s, n in session.execute(stmt2)})
    return out


def skill_labels(session: Session, skill_ids: Collection[str]) -> dict[str, tuple[str, str]]:
    """``{skill_id: (label_es, label_en)}``."""
    ids = list(skill_ids)
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        stmt = select(Skill.id, Skill.label_es, Skill.label_en).where(
            Skill.id.in_(ids[start : start + 500])
        )
        out.update({i: (es, en) for i, es, en in session.execute(stmt)})
    return out
