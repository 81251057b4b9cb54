"""SQL of insights: demand (open jobs, people's skills), funnels, training outcomes, fairness."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.courses.models import Course
from chamba.insights.schemas import REMOTE_REGION
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import Requirement, SkillSource


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
    until: datetime,
) -> dict[tuple[str, str], int]:
    """People per (region prefix, skill) who held the skill before ``until`` (the start of
    the current month: a snapshot of closed months); REMOTE counts remote-ready people
    nationwide."""
    out: dict[tuple[str, str], int] = {}
    if region != REMOTE_REGION:
        reg = func.substr(Person.ubigeo, 1, length).label("region")
        conds: list[ColumnElement[bool]] = [
            Person.ubigeo.is_not(None), PersonSkill.created_at < until
        ]  # fmt: skip
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
        conds = [
            Person.has_internet.is_(True), Person.device != Device.NONE,
            PersonSkill.created_at < until,
        ]  # fmt: skip
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


# ------------------------------------------------------------------ funnel, impact, fairness

#: Stages of the job funnel and of the course funnel, in order.
JOB_STAGES: tuple[InteractionKind, ...] = (
    InteractionKind.SHOWN,
    InteractionKind.OPENED,
    InteractionKind.APPLIED,
    InteractionKind.INTERVIEWED,
    InteractionKind.HIRED,
)
COURSE_STAGES: tuple[InteractionKind, ...] = (
    InteractionKind.SHOWN,
    InteractionKind.ENROLLED,
    InteractionKind.COMPLETED,
)
_CHUNK = 500


def _stage_rank(stages: Sequence[InteractionKind]) -> ColumnElement[int]:
    return case(*[(Interaction.kind == k, i) for i, k in enumerate(stages)], else_=-1)


def _window(
    column: InstrumentedAttribute[datetime] | ColumnElement[datetime],
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if since is not None:
        conds.append(column >= since)
    if until is not None:
        conds.append(column < until)
    return conds


def funnel_counts(
    session: Session,
    *,
    subject_type: SubjectType,
    stages: Sequence[InteractionKind],
    region: str | None,
    occupation: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[tuple[str | None, int, int]]:
    """``(department or None, furthest stage index, people)``: people (by pseudonym, so erased
    people still count nationally) grouped by the furthest stage they reached in the window."""
    dept = func.substr(Person.ubigeo, 1, 2)
    conds: list[ColumnElement[bool]] = [
        Interaction.subject_type == subject_type,
        Interaction.kind.in_(list(stages)),
        Interaction.claimed.is_(False),  # a seeker's own "hired"/"completed" is not an outcome
        *_window(Interaction.occurred_at, since, until),
    ]
    if region is not None:
        conds.append(Person.ubigeo.startswith(region))
    if occupation is not None and subject_type == SubjectType.JOB:
        conds.append(
            Interaction.subject_id.in_(select(Job.id).where(Job.occupation_id == occupation))
        )
    per_person = (
        select(
            Interaction.person_key.label("pk"),
            dept.label("dept"),
            func.max(_stage_rank(stages)).label("stage"),
        )
        .select_from(Interaction)
        .outerjoin(Person, Person.id == Interaction.person_id)
        .where(*conds)
        .group_by(Interaction.person_key, dept)
        .subquery()
    )
    stmt = select(per_person.c.dept, per_person.c.stage, func.count()).group_by(
        per_person.c.dept, per_person.c.stage
    )
    return [(None if d is None else str(d), int(s), int(n)) for d, s, n in session.execute(stmt)]


def _month(column: InstrumentedAttribute[datetime], dialect: str) -> ColumnElement[str]:
    """``'YYYY-MM'`` of a UTC timestamp column (SQLite stores UTC text; PostgreSQL is told)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def funnel_months(
    session: Session,
    *,
    subject_type: SubjectType,
    stages: Sequence[InteractionKind],
    region: str | None,
    occupation: str | None,
    until: datetime,
) -> list[tuple[str, str | None, str, int]]:
    """``(person key, ubigeo or None, 'YYYY-MM', furthest stage index)``: each person's furthest
    stage in each calendar month (UTC) before ``until``, for the time-window rule of the
    funnel (see :mod:`chamba.insights.windows`)."""
    month = _month(Interaction.occurred_at, session.get_bind().dialect.name).label("month")
    conds: list[ColumnElement[bool]] = [
        Interaction.subject_type == subject_type,
        Interaction.kind.in_(list(stages)),
        Interaction.claimed.is_(False),
        Interaction.occurred_at < until,
    ]
    if region is not None:
        conds.append(Person.ubigeo.startswith(region))
    if occupation is not None and subject_type == SubjectType.JOB:
        conds.append(
            Interaction.subject_id.in_(select(Job.id).where(Job.occupation_id == occupation))
        )
    stmt = (
        select(Interaction.person_key, Person.ubigeo, month, func.max(_stage_rank(stages)))
        .select_from(Interaction)
        .outerjoin(Person, Person.id == Interaction.person_id)
        .where(*conds)
        .group_by(Interaction.person_key, Person.ubigeo, month)
    )
    return [
        (str(k), None if u is None else str(u), str(m), int(s))
        for k, u, m, s in session.execute(stmt)
    ]


@dataclass(frozen=True)
class Completion:
    person_id: int
    department: str | None
    education: str | None
    course_id: int
    completed_at: datetime
    ubigeo: str | None = None  # the person's place (for the parts of a region)


def completions(
    session: Session,
    *,
    course_id: int | None,
    provider_id: int | None,
    region: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Completion]:
    """The earliest completion of each (person, course): a ``completed`` course interaction or a
    certified skill that names the course, whichever came first."""
    logged = select(
        Interaction.person_id.label("person_id"),
        Interaction.subject_id.label("course_id"),
        Interaction.occurred_at.label("at"),
    ).where(
        Interaction.subject_type == SubjectType.COURSE,
        Interaction.kind == InteractionKind.COMPLETED,
        Interaction.claimed.is_(False),
        Interaction.person_id.is_not(None),
    )
    certified = select(
        PersonSkill.person_id.label("person_id"),
        PersonSkill.course_id.label("course_id"),
        PersonSkill.created_at.label("at"),
    ).where(PersonSkill.source == SkillSource.CERTIFIED, PersonSkill.course_id.is_not(None))
    both = union_all(logged, certified).subquery()
    first = (
        select(both.c.person_id, both.c.course_id, func.min(both.c.at).label("at"))
        .group_by(both.c.person_id, both.c.course_id)
        .subquery()
    )
    conds: list[ColumnElement[bool]] = [*_window(first.c.at, since, until)]
    if course_id is not None:
        conds.append(first.c.course_id == course_id)
    if provider_id is not None:
        conds.append(Course.provider_id == provider_id)
    if region is not None:
        conds.append(Person.ubigeo.startswith(region))
    stmt = (
        select(
            first.c.person_id,
            func.substr(Person.ubigeo, 1, 2),
            Person.education_level,
            first.c.course_id,
            first.c.at,
            Person.ubigeo,
        )
        .join(Person, Person.id == first.c.person_id)
        .join(Course, Course.id == first.c.course_id)
        .where(*conds)
    )
    return [
        Completion(
            int(p),
            None if d is None else str(d),
            None if e is None else str(e),
            int(c),
            at,
            None if u is None else str(u),
        )
        for p, d, e, c, at, u in session.execute(stmt)
    ]


def course_titles(
    session: Session, course_ids: Collection[int]
) -> dict[int, tuple[str, int | None]]:
    """``{course_id: (title, provider_id)}``."""
    ids = list(course_ids)
    out: dict[int, tuple[str, int | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = select(Course.id, Course.title, Course.provider_id).where(
            Course.id.in_(ids[start : start + _CHUNK])
        )
        out.update({int(i): (str(t), p) for i, t, p in session.execute(stmt)})
    return out


def outcome_events(
    session: Session, person_ids: Collection[int]
) -> list[tuple[int, str, datetime]]:
    """``(person_id, "applied" | "hired", when)`` for the given people: applications (created;
    hired ones at their last update) and logged ``applied``/``hired`` job interactions."""
    ids = sorted(set(person_ids))
    out: list[tuple[int, str, datetime]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        apps = select(Application.person_id, Application.status, Application.created_at,
                      Application.updated_at).where(Application.person_id.in_(chunk))  # fmt: skip
        for pid, status, created, updated in session.execute(apps):
            out.append((int(pid), "applied", created))
            if status == ApplicationStatus.HIRED:
                out.append((int(pid), "hired", updated))
        logged = select(Interaction.person_id, Interaction.kind, Interaction.occurred_at).where(
            Interaction.person_id.in_(chunk),
            Interaction.subject_type == SubjectType.JOB,
            Interaction.kind.in_([InteractionKind.APPLIED, InteractionKind.HIRED]),
            Interaction.claimed.is_(False),
        )
        out.extend((int(pid), str(kind), at) for pid, kind, at in session.execute(logged))
    return out


def _completed_anything() -> ColumnElement[bool]:
    logged = select(Interaction.id).where(
        Interaction.person_id == Person.id,
        Interaction.subject_type == SubjectType.COURSE,
        Interaction.kind == InteractionKind.COMPLETED,
        Interaction.claimed.is_(False),
    )
    certified = select(PersonSkill.person_id).where(
        PersonSkill.person_id == Person.id,
        PersonSkill.source == SkillSource.CERTIFIED,
        PersonSkill.course_id.is_not(None),
    )
    return or_(logged.exists(), certified.exists())


def _did(kind: str, start: datetime, end: datetime) -> ColumnElement[bool]:
    """The person applied (or was hired) in ``[start, end)``, by application or log."""
    ikind = InteractionKind.APPLIED if kind == "applied" else InteractionKind.HIRED
    logged = select(Interaction.id).where(
        Interaction.person_id == Person.id,
        Interaction.subject_type == SubjectType.JOB,
        Interaction.kind == ikind,
        Interaction.claimed.is_(False),
        Interaction.occurred_at >= start,
        Interaction.occurred_at < end,
    )
    if kind == "applied":
        app = select(Application.id).where(
            Application.person_id == Person.id,
            Application.created_at >= start,
            Application.created_at < end,
        )
    else:
        app = select(Application.id).where(
            Application.person_id == Person.id,
            Application.status == ApplicationStatus.HIRED,
            Application.updated_at >= start,
            Application.updated_at < end,
        )
    return or_(logged.exists(), app.exists())


def comparison_pool(session: Session) -> list[tuple[int, str | None, str | None, datetime]]:
    """``(person_id, department, education, registered_at)`` of everyone who never completed a
    course (the impact report's comparison people, in its strata of department × education)."""
    stmt = select(
        Person.id, func.substr(Person.ubigeo, 1, 2), Person.education_level, Person.created_at
    ).where(~_completed_anything())
    return [
        (int(p), None if d is None else str(d), None if e is None else str(e), at)
        for p, d, e, at in session.execute(stmt)
    ]


def fairness_counts(
    session: Session, *, since: datetime | None, until: datetime | None
) -> list[tuple[str | None, int | None, str | None, int, int, int, int]]:
    """``(gender, birth_year, province, people, exposed, applied, hired)`` over every person:
    exposed = shown (or further along) at least one job in the window; applied and hired count
    people who reached those stages (the furthest-stage rule of the funnel)."""
    stages = JOB_STAGES
    per_person = (
        select(
            Interaction.person_id.label("pid"),
            func.max(_stage_rank(stages)).label("stage"),
        )
        .where(
            Interaction.person_id.is_not(None),
            Interaction.subject_type == SubjectType.JOB,
            Interaction.kind.in_(list(stages)),
            *_window(Interaction.occurred_at, since, until),
        )
        .group_by(Interaction.person_id)
        .subquery()
    )
    province = func.substr(Person.ubigeo, 1, 4)
    stage = per_person.c.stage
    applied_at = stages.index(InteractionKind.APPLIED)
    hired_at = stages.index(InteractionKind.HIRED)
    stmt = (
        select(
            Person.gender,
            Person.birth_year,
            province,
            func.count(),
            func.sum(case((stage.is_not(None), 1), else_=0)),
            func.sum(case((stage >= applied_at, 1), else_=0)),
            func.sum(case((stage >= hired_at, 1), else_=0)),
        )
        .select_from(Person)
        .outerjoin(per_person, per_person.c.pid == Person.id)
        .group_by(Person.gender, Person.birth_year, province)
    )
    return [
        (g, None if y is None else int(y), None if p is None else str(p),
         int(n), int(e or 0), int(a or 0), int(h or 0))
        for g, y, p, n, e, a, h in session.execute(stmt)
    ]  # fmt: skip


def fairness_months(session: Session, *, until: datetime) -> list[tuple[str, str, int]]:
    """``(person id, 'YYYY-MM', furthest job stage index)`` per person and calendar month
    (UTC) before ``until``: the months behind :func:`fairness_counts`' exposed, applied and hired
    counts, for the time-window rule (:mod:`chamba.insights.windows`)."""
    stages = JOB_STAGES
    month = _month(Interaction.occurred_at, session.get_bind().dialect.name)
    stmt = (
        select(Interaction.person_id, month, func.max(_stage_rank(stages)))
        .where(
            Interaction.person_id.is_not(None),
            Interaction.subject_type == SubjectType.JOB,
            Interaction.kind.in_(list(stages)),
            Interaction.occurred_at < until,
        )
        .group_by(Interaction.person_id, month)
    )
    return [(str(p), str(m), int(s)) for p, m, s in session.execute(stmt)]


def fairness_people(
    session: Session,
) -> list[tuple[str, str | None, int | None, str | None, datetime]]:
    """``(person id, gender, birth year, province, registered at)`` of every person (the
    groups of fairness, and when each person joined)."""
    stmt = select(
        Person.id, Person.gender, Person.birth_year, func.substr(Person.ubigeo, 1, 4),
        Person.created_at,
    )  # fmt: skip
    return [
        (str(i), g, None if y is None else int(y), None if p is None else str(p), at)
        for i, g, y, p, at in session.execute(stmt)
    ]


def next_expiry(session: Session, as_of: datetime) -> datetime | None:
    """The earliest ``expires_at`` after ``as_of`` among open jobs (when demand next changes)."""
    value = session.scalar(
        select(func.min(Job.expires_at)).where(Job.status == JobStatus.OPEN, Job.expires_at > as_of)
    )
    if isinstance(value, str):  # SQLite aggregates lose the column type
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
