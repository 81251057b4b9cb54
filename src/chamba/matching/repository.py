"""The SQL of matching: skills of jobs, people and courses, application counts and the job
columns ranking reads (in chunks of ids), word and rarity statistics of the open jobs, the job
table's columns, courses that teach skills, the rows the vector indexes embed, and the SQL part
of the hard filters (:mod:`chamba.matching.filters` checks the exact radius in numpy)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, Result, Row, Select, and_, false, func, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.auth.models import User
from chamba.courses.models import Course, CourseSkill, CourseStatus, Modality
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.orgs.models import Organisation
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import EducationLevel, Requirement, SkillLevel

if TYPE_CHECKING:
    from chamba.matching.filters import JobFilter

CHUNK: Final = 5000
RowT = TypeVar("RowT", Job, Person, Course)


def chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    items = [int(i) for i in ids]
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def row_by_id(session: Session, model: type[RowT], key: int) -> RowT | None:
    """The ``model`` row with id ``key`` (from the session's identity map when loaded)."""
    return session.get(model, key)


def load_rows(session: Session, model: type[RowT], ids: Sequence[int]) -> list[RowT]:
    """Rows of ``model`` in the order of ``ids`` (one query per 5,000 ids)."""
    found: dict[int, RowT] = {}
    items = [int(i) for i in ids]
    stmt = select(model)
    for start in range(0, len(items), 5000):
        chunk = items[start : start + 5000]
        for row in session.scalars(stmt.where(model.id.in_(chunk))):
            found[row.id] = row
    return [found[i] for i in items if i in found]


def skill_owners(
    session: Session, table: type[JobSkill] | type[PersonSkill] | type[CourseSkill], key: str,
    skill_ids: Collection[str],
) -> Sequence[Row[tuple[int, str]]]:  # fmt: skip
    """``(owner id, skill id)`` of every row of the skill link ``table`` (its owner column is
    ``key``) for any of ``skill_ids`` (one query)."""
    owner = getattr(table, key)
    return session.execute(
        select(owner, table.skill_id).where(table.skill_id.in_(sorted(skill_ids)))
    ).all()


@dataclass(frozen=True)
class JobSkillRow:
    """One skill a job asks for."""

    skill_id: str
    essential: bool
    importance: float


def load_job_skills(session: Session, job_ids: Sequence[int]) -> dict[int, list[JobSkillRow]]:
    """Skills of each job, essential first then by importance (one query per 5,000 jobs)."""
    out: dict[int, list[JobSkillRow]] = defaultdict(list)
    essential = (JobSkill.requirement == Requirement.ESSENTIAL).label("essential")
    for chunk in chunks(job_ids):
        rows = session.execute(
            select(JobSkill.job_id, JobSkill.skill_id, essential, JobSkill.importance)
            .where(JobSkill.job_id.in_(chunk))
            .order_by(JobSkill.job_id, JobSkill.skill_id)
        )
        for job_id, skill_id, is_essential, importance in rows:
            imp = float(importance) if importance is not None else 1.0
            out[job_id].append(JobSkillRow(skill_id, bool(is_essential), max(imp, 0.0)))
    for rows_ in out.values():
        rows_.sort(key=lambda s: (not s.essential, -s.importance, s.skill_id))
    return dict(out)


def load_person_skills(session: Session, person_ids: Sequence[int]) -> dict[int, set[str]]:
    """Skill ids each person holds (one query per 5,000 people)."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(person_ids):
        for pid, sid in session.execute(
            select(PersonSkill.person_id, PersonSkill.skill_id).where(
                PersonSkill.person_id.in_(chunk)
            )
        ):
            out[pid].add(sid)
    return dict(out)


def load_course_skills(session: Session, course_ids: Sequence[int]) -> dict[int, list[str]]:
    """Skill ids each course teaches."""
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(course_ids):
        for cid, sid in session.execute(
            select(CourseSkill.course_id, CourseSkill.skill_id)
            .where(CourseSkill.course_id.in_(chunk))
            .order_by(CourseSkill.course_id, CourseSkill.skill_id)
        ):
            out[cid].append(sid)
    return dict(out)


def application_counts(db: Session | Connection, job_ids: Sequence[int] | None) -> dict[int, int]:
    """Applications (not withdrawn) per job (``None``: every job with any, as all counted on the
    job index less the withdrawn); on a ``Connection`` past the ORM (at 100k: half the CPU)."""
    out: dict[int, int] = {}
    if job_ids is None:
        per_job = select(Application.job_id, func.count()).group_by(Application.job_id)
        out = {int(jid): int(n) for jid, n in db.execute(per_job)}
        withdrawn = Application.status == ApplicationStatus.WITHDRAWN
        for (jid,) in db.execute(select(Application.job_id).where(withdrawn)):
            out[jid] -= 1
        return {jid: n for jid, n in out.items() if n > 0}
    for chunk in chunks(job_ids):
        for jid, n in db.execute(
            select(Application.job_id, func.count())
            .where(Application.job_id.in_(chunk), Application.status != ApplicationStatus.WITHDRAWN)
            .group_by(Application.job_id)
        ):
            out[jid] = int(n)
    return out


def confirmed_skill_ids(session: Session, person_id: int) -> set[str]:
    """Skill ids a person holds and has confirmed."""
    return {
        s for (s,) in session.execute(
            select(PersonSkill.skill_id).where(
                PersonSkill.person_id == person_id, PersonSkill.confirmed.is_(True)
            )
        )
    }  # fmt: skip


def essential_skills_of_jobs_asking(
    session: Session, skill_ids: set[str]
) -> Sequence[Row[tuple[int, str]]]:
    """``(job_id, skill_id)`` of every essential skill of every job that asks for any of
    ``skill_ids`` (one query)."""
    essential = select(JobSkill.job_id, JobSkill.skill_id).where(
        JobSkill.requirement == Requirement.ESSENTIAL,
        JobSkill.job_id.in_(
            select(JobSkill.job_id).where(JobSkill.skill_id.in_(sorted(skill_ids)))
        ),
    )
    return session.execute(essential).all()


@dataclass(frozen=True, slots=True)
class JobRow:
    """What ranking and its explanations read of a job, from one Core query (no ORM instance).

    Building an ORM ``Job`` for every candidate (hundreds per request) cost more than the rest
    of a ranking. A ``JobRow`` carries the same attribute names with the same values (the same
    column types convert them), so features, scores and explanations read it as they read a
    ``Job``. Code that needs more of a job loads the ``Job``.
    """

    id: int
    title: str
    ubigeo: str | None
    remote: bool
    hours_per_week: int | None
    schedule: list[str]
    wage_min: Decimal | None
    wage_max: Decimal | None
    education_required: EducationLevel | None
    openings: int
    occupation_id: str | None
    posted_at: datetime
    updated_at: datetime
    description: str  # the ``lexical`` feature reads the posting's words


JOB_ROW_COLUMNS: Final = tuple(getattr(Job, name) for name in JobRow.__slots__)


class JobFields(Protocol):
    """What ranking and explanations read of a job: a :class:`JobRow` or an ORM ``Job``."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def ubigeo(self) -> str | None: ...
    @property
    def remote(self) -> bool: ...
    @property
    def hours_per_week(self) -> int | None: ...
    @property
    def schedule(self) -> list[str]: ...
    @property
    def wage_min(self) -> Decimal | None: ...
    @property
    def wage_max(self) -> Decimal | None: ...
    @property
    def education_required(self) -> EducationLevel | None: ...
    @property
    def openings(self) -> int: ...
    @property
    def occupation_id(self) -> str | None: ...
    @property
    def posted_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def description(self) -> str: ...


def load_job_rows(session: Session, job_ids: Sequence[int]) -> dict[int, JobRow]:
    """:class:`JobRow` of each of ``job_ids`` that exists (one query per 5,000 ids)."""
    loaded: dict[int, JobRow] = {}
    for chunk in chunks(job_ids):
        for row in session.execute(select(*JOB_ROW_COLUMNS).where(Job.id.in_(chunk))):
            loaded[row[0]] = JobRow(*row)
    return loaded


def job_by_id(session: Session, job_id: int) -> Job:
    """The ORM ``Job`` (from the session's identity map when loaded); it must exist."""
    return session.get_one(Job, job_id)


def newest_open_search_texts(session: Session, limit: int) -> Result[tuple[str, str]]:
    """``(search_title, search_text)`` of the ``limit`` newest open jobs, newest first."""
    return session.execute(
        select(Job.search_title, Job.search_text)
        .where(Job.status == JobStatus.OPEN)
        .order_by(Job.id.desc())
        .limit(limit)
    )


def open_job_count(session: Session) -> int:
    """How many jobs are open."""
    return int(
        session.scalar(select(func.count()).select_from(Job).where(Job.status == JobStatus.OPEN))
        or 0
    )


def open_skill_job_counts(session: Session) -> Sequence[Row[tuple[str, int]]]:
    """``(skill_id, open jobs asking for it)`` of every skill some open job asks for."""
    return session.execute(
        select(JobSkill.skill_id, func.count(func.distinct(JobSkill.job_id)))
        .join(Job, Job.id == JobSkill.job_id)
        .where(Job.status == JobStatus.OPEN)
        .group_by(JobSkill.skill_id)
    ).all()


# ---------------------------------------------------------------------- the job table


@dataclass(frozen=True, slots=True)
class OpenJobColumns:
    """What the job table (:class:`~chamba.matching.job_table.JobTable`) keeps of an open job."""

    id: int
    expires_at: datetime | None
    hours_per_week: int | None
    wage_min: Decimal | None
    wage_max: Decimal | None
    remote: bool | None
    ubigeo: str | None
    schedule: list[str] | None
    education_required: EducationLevel | None
    posted_at: datetime | None
    openings: int | None
    occupation_id: str | None
    title: str
    description: str | None


_OPEN_JOB_COLUMNS: Final = tuple(getattr(Job, name) for name in OpenJobColumns.__slots__)


def open_job_columns(session: Session, ids: Sequence[int] | None = None) -> list[OpenJobColumns]:
    """The table columns of every open job (or of the open ones among ``ids``), by id."""
    base = select(*_OPEN_JOB_COLUMNS).where(Job.status == JobStatus.OPEN).order_by(Job.id)
    if ids is None:
        return [OpenJobColumns(*r) for r in session.execute(base)]
    rows: list[OpenJobColumns] = []
    for chunk in chunks(sorted({int(i) for i in ids})):
        rows.extend(OpenJobColumns(*r) for r in session.execute(base.where(Job.id.in_(chunk))))
    rows.sort(key=lambda r: r.id)
    return rows


def open_job_skills(
    session: Session, ids: Sequence[int] | None = None
) -> list[tuple[int, str, bool, float | None]]:
    """``(job_id, skill_id, essential, importance)`` of every skill of every open job (or of the
    open ones among ``ids``)."""
    essential = (JobSkill.requirement == Requirement.ESSENTIAL).label("essential")
    link = (
        select(JobSkill.job_id, JobSkill.skill_id, essential, JobSkill.importance)
        .join(Job, Job.id == JobSkill.job_id)
        .where(Job.status == JobStatus.OPEN)
    )
    if ids is None:
        return [tuple(r) for r in session.execute(link)]
    out: list[tuple[int, str, bool, float | None]] = []
    for chunk in chunks(sorted({int(i) for i in ids})):
        out.extend(tuple(r) for r in session.execute(link.where(JobSkill.job_id.in_(chunk))))
    return out


def posting_texts(session: Session, job_ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    """``(id, title, description)`` of each of ``job_ids`` that exists."""
    out: list[tuple[int, str, str | None]] = []
    for chunk in chunks(job_ids):
        out.extend(
            (int(i), t, d)
            for i, t, d in session.execute(
                select(Job.id, Job.title, Job.description).where(Job.id.in_(chunk))
            )
        )
    return out


def user_language(session: Session, user_id: int) -> str | None:
    """The account language of a user (from the session's identity map when the request
    already loaded the user: no query then)."""
    user = session.get(User, user_id)
    return user.language if user is not None else None


# ---------------------------------------------------------------------- courses


class CourseRow(NamedTuple):
    """One (open course, skill it teaches) pair as
    :func:`~chamba.matching.course_options.load_options` reads it."""

    course_id: int
    title: str
    provider_id: int | None
    modality: Modality
    cost: Decimal | None
    is_free: bool
    scholarship: bool
    hours: int
    weeks: int | None
    start_dates: list[str] | None
    ubigeo: str | None
    skill_id: str
    level: SkillLevel | None


def course_rows_teaching(
    session: Session, skill_ids: list[str]
) -> tuple[list[CourseRow], dict[int, str]]:
    """Open courses teaching any of ``skill_ids``, one row per (course, skill), and their
    providers' names: one query (course skills ⋈ courses ⟕ providers)."""
    result = session.execute(
        select(
            Course.id, Course.title, Course.provider_id, Course.modality, Course.cost,
            Course.is_free, Course.scholarship, Course.hours, Course.weeks, Course.start_dates,
            Course.ubigeo, CourseSkill.skill_id, CourseSkill.level, Organisation.name,
        )
        .join(CourseSkill, CourseSkill.course_id == Course.id)
        .outerjoin(Organisation, Organisation.id == Course.provider_id)
        .where(CourseSkill.skill_id.in_(skill_ids), Course.status == CourseStatus.OPEN)
    ).all()  # fmt: skip
    rows: list[CourseRow] = []
    names: dict[int, str] = {}
    for *fields, provider in result:
        row = CourseRow(*fields)
        rows.append(row)
        if row.provider_id is not None and provider is not None:
            names[row.provider_id] = provider
    return rows, names


def provider_names(session: Session, ids: set[int]) -> dict[int, str]:
    """``{organisation id: name}`` of ``ids`` (no query when empty)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(sorted(ids)))
    )
    return {int(i): name for i, name in rows}


# ---------------------------------------------------------------------- vector indexes


def skill_labels(session: Session, skill_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(label_es, label_en) for each id."""
    ids = sorted(set(skill_ids))
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = session.execute(
            select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(chunk))
        )
        out.update({r.id: (r.label_es, r.label_en) for r in rows})
    return out


def skills_by_owner(
    session: Session, table: type[JobSkill] | type[PersonSkill] | type[CourseSkill], key: str,
    ids: Sequence[int],
) -> dict[int, list[str]]:  # fmt: skip
    """Skill ids of each of ``ids`` in the skill link ``table`` (its owner column is ``key``),
    one query per 900 ids."""
    out: dict[int, list[str]] = defaultdict(list)
    column = getattr(table, key)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for owner, skill in session.execute(
            select(column, table.skill_id).where(column.in_(chunk))
        ):
            out[owner].append(skill)
    return out


def _model(kind: str) -> Any:
    return {"jobs": Job, "people": Person, "courses": Course}[kind]


def _indexable(kind: str) -> Any:
    """WHERE clause of the rows of ``kind`` that belong in its index (None: every row)."""
    if kind == "jobs":
        return Job.status == JobStatus.OPEN
    if kind == "courses":
        return Course.status == CourseStatus.OPEN
    return None


def indexable_updated_at(session: Session, kind: str) -> Result[tuple[int, datetime]]:
    """``(id, updated_at)`` of every row of ``kind`` (``"jobs"``, ``"people"`` or ``"courses"``)
    that belongs in its index (one SELECT). Jobs and courses belong while open; every person
    belongs."""
    model = _model(kind)
    stmt = select(model.id, model.updated_at)
    where = _indexable(kind)
    if where is not None:
        stmt = stmt.where(where)
    return session.execute(stmt)


def indexable_rows(session: Session, kind: str, wanted: Sequence[int]) -> list[Any]:
    """The ORM rows of ``kind`` among ``wanted`` (ascending) that belong in its index, by id
    (one query per 900 ids)."""
    model = _model(kind)
    where = _indexable(kind)
    rows: list[Any] = []
    for start in range(0, len(wanted), 900):
        stmt = select(model).where(model.id.in_(wanted[start : start + 900]))
        if where is not None:
            stmt = stmt.where(where)
        rows.extend(session.scalars(stmt.order_by(model.id)))
    return rows


# ---------------------------------------------------------------------- hard filters


def _place_clause(column: Any, departments: Sequence[str] | None) -> ColumnElement[bool]:
    """SQL: the place is unknown, or in one of ``departments`` (``None``: any place)."""
    if departments is None:
        return true()
    return or_(column.is_(None), func.substr(column, 1, 2).in_(departments))


def _dismissed_jobs(person_id: int) -> Select[tuple[int]]:
    """The jobs ``person_id`` dismissed ("not for me")."""
    return select(Interaction.subject_id).where(
        Interaction.person_id == person_id,
        Interaction.subject_type == SubjectType.JOB,
        Interaction.kind == InteractionKind.DISMISSED,
    )


def dismissed_job_ids(session: Session, person_id: int) -> set[int]:
    """The jobs ``person_id`` dismissed, which :func:`filtered_job_places` leaves out."""
    return set(session.scalars(_dismissed_jobs(person_id)))


def filtered_job_places(
    session: Session, flt: JobFilter, departments: Sequence[str] | None,
    among: Collection[int] | None = None,
) -> Sequence[Row[tuple[int, str | None, bool]]]:  # fmt: skip
    """``(id, ubigeo, remote)`` of the open jobs (among ``among``) that pass the SQL part of
    ``flt`` (everything but the exact radius: on-site jobs are kept in ``departments``), by id."""
    clauses: list[ColumnElement[bool]] = [Job.status == JobStatus.OPEN]
    if not flt.include_expired:
        clauses.append(or_(Job.expires_at.is_(None), Job.expires_at > flt.now))
    if flt.person_id is not None:
        clauses.append(Job.id.not_in(_dismissed_jobs(flt.person_id)))
    if flt.max_hours is not None:
        clauses.append(or_(Job.hours_per_week.is_(None), Job.hours_per_week <= flt.max_hours))
    if flt.wage_floor is not None:
        top = func.coalesce(Job.wage_max, Job.wage_min)
        clauses.append(or_(top.is_(None), top >= flt.wage_floor))
    allow_remote = flt.remote is not False and flt.remote_ready
    allow_onsite = flt.remote is not True
    on_site = and_(Job.remote.is_(False), _place_clause(Job.ubigeo, departments))
    clauses.append(
        or_(
            and_(Job.remote.is_(True), true() if allow_remote else false()),
            on_site if allow_onsite else false(),
        )
    )
    stmt = select(Job.id, Job.ubigeo, Job.remote).where(*clauses).order_by(Job.id)
    if among is not None:
        stmt = stmt.where(Job.id.in_(sorted(among)))
    return session.execute(stmt).all()


def _applicants(job_id: int) -> Select[tuple[int]]:
    return select(Application.person_id).where(
        Application.job_id == job_id, Application.status != ApplicationStatus.WITHDRAWN
    )


def applicant_ids(session: Session, job_id: int) -> set[int]:
    """People who applied to ``job_id`` and did not withdraw."""
    return set(session.scalars(_applicants(job_id)))


def people_visible_for_job(
    session: Session, job: Job, wage_share: float
) -> Sequence[Row[tuple[int, str | None, float | None, bool]]]:
    """``(id, ubigeo, max_distance_km, applied)`` of every applicant to ``job`` and every
    consenting person who fits it (reach, hours, and a wage ask times ``wage_share`` the job
    pays), by id; the radius is checked by the caller."""
    fits: list[ColumnElement[bool]] = [Person.consent_visible.is_(True)]
    if job.remote:
        fits += [Person.has_internet.is_(True), Person.device != Device.NONE]
    if job.hours_per_week is not None:
        fits.append(
            or_(
                Person.availability_hours.is_(None),
                Person.availability_hours >= job.hours_per_week,
            )
        )
    top = job.wage_max if job.wage_max is not None else job.wage_min
    if top is not None:
        fits.append(
            or_(
                Person.expected_wage.is_(None),
                Person.expected_wage * Decimal(str(wage_share)) <= top,
            )
        )
    is_applicant = Person.id.in_(_applicants(job.id))
    return session.execute(
        select(Person.id, Person.ubigeo, Person.max_distance_km, is_applicant.label("applied"))
        .where(or_(is_applicant, and_(*fits)))
        .order_by(Person.id)
    ).all()


def open_course_places(
    session: Session, modalities: Collection[Modality], budget: Decimal | None,
    departments: Sequence[str] | None,
) -> Sequence[Row[tuple[int, str | None, Modality]]]:  # fmt: skip
    """``(id, ubigeo, modality)`` of the open courses of ``modalities`` within ``budget`` that
    are online or (in person) in ``departments``, by id."""
    clauses: list[ColumnElement[bool]] = [
        Course.status == CourseStatus.OPEN,
        Course.modality.in_(sorted(modalities)),
    ]
    if budget is not None:
        clauses.append(or_(Course.is_free.is_(True), Course.cost <= budget))
    online = Course.modality == Modality.ONLINE
    clauses.append(or_(online, _place_clause(Course.ubigeo, departments)))
    return session.execute(
        select(Course.id, Course.ubigeo, Course.modality).where(*clauses).order_by(Course.id)
    ).all()
