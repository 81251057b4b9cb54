"""A small hand-built world for pathway and course-option tests (Ica, Peru).

Person ``P`` lives in Ica (110101) with skill ``known``, 10 h a week, no internet, 30 km radius.
Occupation ``tpw_welder`` needs ``known``, ``weld`` and ``elec`` (essential) and ``opt``.

Courses (objective = cost + 5 · hours):

====  ===========  ==========  ====  =====  =====  ======  =============================
name  skills       modality    cost  hours  weeks  place   note
====  ===========  ==========  ====  =====  =====  ======  =============================
A     weld, elec   in person   500   40     8      Ica     objective 700
B     weld         in person   100   30     6      Ica     objective 250
C     elec, opt    in person   150   30     6      Ica     objective 300
D     elec         online      0     20     4      —       objective 100, needs internet
E     weld         in person   50    60     3      Ica     20 h a week: too many hours
F     elec         in person   20    10     2      Lima    265 km away
G     elec         in person   0     10     2      Ica     closed
H     adv          in person   450   40     8      Ica     only course for ``adv``
I     heavy        in person   80    60     3      Ica     only course for ``heavy``
J     far          in person   60    10     2      Lima    only course for ``far``
K     web          online      90    20     4      —       only course for ``web``
====  ===========  ==========  ====  =====  =====  ======  =============================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chamba.courses.models import Course, CourseSkill, CourseStatus, Modality
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill
from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement, SkillLevel, SkillSource, SkillType

AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
SKILLS = {
    "known": ("Atención al cliente", "Customer service"),
    "weld": ("Soldadura", "Welding"),
    "elec": ("Electricidad", "Electricity"),
    "opt": ("Lectura de planos", "Blueprint reading"),
    "excel": ("Excel", "Excel"),
    "adv": ("Soldadura avanzada", "Advanced welding"),
    "heavy": ("Maquinaria pesada", "Heavy machinery"),
    "far": ("Minería", "Mining"),
    "web": ("Diseño web", "Web design"),
    "ghost": ("Cerámica", "Pottery"),
}


def sid(name: str) -> str:
    return f"tpw_{name}"


@dataclass
class World:
    person: Person
    courses: dict[str, Course] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)


def add_person(
    session: Session,
    skills: list[str],
    *,
    ubigeo: str = "110101",
    remote: bool = False,
    hours: int | None = 10,
    expected_wage: Decimal | None = None,
) -> Person:
    person = Person(
        ubigeo=ubigeo,
        availability_hours=hours,
        has_internet=remote,
        device=Device.PHONE if remote else Device.NONE,
        max_distance_km=30.0,
        expected_wage=expected_wage,
    )
    session.add(person)
    session.flush()
    for s in skills:
        session.add(PersonSkill(person_id=person.id, skill_id=sid(s), source=SkillSource.DECLARED))
    session.flush()
    return person


def add_occupation(session: Session, oid: str, essential: list[str], optional: list[str]) -> str:
    session.add(Occupation(id=f"tpw_{oid}", label_es=oid.title(), label_en=oid.title()))
    session.flush()
    for s in essential:
        session.add(OccupationSkill(occupation_id=f"tpw_{oid}", skill_id=sid(s),
                                    relation=Requirement.ESSENTIAL))  # fmt: skip
    for s in optional:
        session.add(OccupationSkill(occupation_id=f"tpw_{oid}", skill_id=sid(s),
                                    relation=Requirement.OPTIONAL))  # fmt: skip
    session.flush()
    return f"tpw_{oid}"


def add_job(
    session: Session,
    essential: list[str],
    *,
    ubigeo: str | None = "110102",
    remote: bool = False,
    wage: tuple[int, int] | None = (1500, 2500),
    status: JobStatus = JobStatus.OPEN,
    expired: bool = False,
    openings: int = 1,
    optional: tuple[str, ...] = (),
    title: str = "Soldador electricista",
) -> Job:
    job = Job(
        title=title, ubigeo=ubigeo, remote=remote, status=status, openings=openings,
        wage_min=Decimal(wage[0]) if wage else None, wage_max=Decimal(wage[1]) if wage else None,
        expires_at=AS_OF - timedelta(days=1) if expired else AS_OF + timedelta(days=30),
    )  # fmt: skip
    session.add(job)
    session.flush()
    for s in essential:
        session.add(JobSkill(job_id=job.id, skill_id=sid(s), requirement=Requirement.ESSENTIAL,
                             importance=1.0))  # fmt: skip
    for s in optional:
        session.add(JobSkill(job_id=job.id, skill_id=sid(s), requirement=Requirement.OPTIONAL,
                             importance=0.5))  # fmt: skip
    session.flush()
    return job


def add_course(
    session: Session,
    skills: list[str],
    *,
    cost: int,
    hours: int,
    weeks: int,
    modality: Modality = Modality.IN_PERSON,
    ubigeo: str | None = "110101",
    status: CourseStatus = CourseStatus.OPEN,
    start: str = "2025-08-01",
    provider_id: int | None = None,
    title: str = "Curso",
    level: SkillLevel | None = None,
) -> Course:
    course = Course(
        title=title, modality=modality, ubigeo=None if modality == Modality.ONLINE else ubigeo,
        hours=hours, weeks=weeks, cost=Decimal(cost), is_free=cost == 0, status=status,
        start_dates=[start], provider_id=provider_id,
    )  # fmt: skip
    session.add(course)
    session.flush()
    for s in skills:
        session.add(CourseSkill(course_id=course.id, skill_id=sid(s), level=level))
    session.flush()
    return course


def build(session: Session, *, remote: bool = False, a_cost: int = 500) -> World:
    for key, (es, en) in SKILLS.items():
        session.add(Skill(id=sid(key), label_es=es, label_en=en, type=SkillType.SKILL))
    session.flush()
    provider = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Ica")
    session.add(provider)
    session.flush()
    add_occupation(session, "welder", ["known", "weld", "elec"], ["opt"])
    add_occupation(session, "clerk", ["known"], [])
    add_occupation(session, "adv", ["adv"], [])
    add_occupation(session, "heavy", ["heavy"], [])
    add_occupation(session, "far", ["far"], [])
    add_occupation(session, "web", ["web"], [])
    add_occupation(session, "ghost", ["ghost", "weld"], [])
    add_occupation(session, "blank", [], [])
    w = World(person=add_person(session, ["known"], remote=remote))
    c = w.courses
    pid = provider.id
    c["A"] = add_course(session, ["weld", "elec"], cost=a_cost, hours=40, weeks=8, title="A",
                        provider_id=pid, start="2025-07-15")  # fmt: skip
    c["B"] = add_course(session, ["weld"], cost=100, hours=30, weeks=6, title="B",
                        provider_id=pid, start="2025-09-01", level=SkillLevel.BASIC)  # fmt: skip
    c["C"] = add_course(session, ["elec", "opt"], cost=150, hours=30, weeks=6, title="C",
                        start="2025-08-01")  # fmt: skip
    c["D"] = add_course(session, ["elec"], cost=0, hours=20, weeks=4, title="D",
                        modality=Modality.ONLINE, start="2025-07-10")  # fmt: skip
    c["E"] = add_course(session, ["weld"], cost=50, hours=60, weeks=3, title="E")
    c["F"] = add_course(session, ["elec"], cost=20, hours=10, weeks=2, title="F", ubigeo="150101")
    c["G"] = add_course(session, ["elec"], cost=0, hours=10, weeks=2, title="G",
                        status=CourseStatus.CLOSED)  # fmt: skip
    c["H"] = add_course(session, ["adv"], cost=450, hours=40, weeks=8, title="H")
    c["I"] = add_course(session, ["heavy"], cost=80, hours=60, weeks=3, title="I")
    c["J"] = add_course(session, ["far"], cost=60, hours=10, weeks=2, title="J", ubigeo="150101")
    c["K"] = add_course(session, ["web"], cost=90, hours=20, weeks=4, title="K",
                        modality=Modality.ONLINE)  # fmt: skip
    j = w.jobs
    full = ["known", "weld", "elec"]
    j["near"] = add_job(session, full, ubigeo="110102", wage=(1500, 2500))
    j["far"] = add_job(session, full, ubigeo="150101", wage=(3000, 4000))
    j["remote"] = add_job(session, full, ubigeo=None, remote=True, wage=(2800, 3200))
    j["closed"] = add_job(session, full, status=JobStatus.CLOSED)
    j["expired"] = add_job(session, full, expired=True)
    j["qualified"] = add_job(session, ["known"], wage=(1000, 1200), title="Vendedor")
    j["excel"] = add_job(session, ["known", "weld", "excel"])
    j["noskills"] = add_job(session, [], title="Sin habilidades")
    return w
