"""Build a person's skills report (the data; :mod:`chamba.report.pdf` and the page draw it).

Confirmed skills only, grouped by the taxonomy's sector, each with the person's own words where
the profile has them and a mark when a course certified it; languages; hours and days free; and
three next steps from the matching services: the two best jobs and the best course (three jobs
when no course fits). Sentences are short and plain: the report is checked for readability
(Fernández-Huerta, :mod:`chamba.readability`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from sqlalchemy.orm import Session

from chamba.matching import service as matching_service
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.schemas import JobsRequest
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.vocab import DAYS, SkillSource

Lang = Literal["es", "en"]

SECTORS: Final[dict[str, tuple[str, str]]] = {
    "agriculture": ("Campo y crianza", "Farming and livestock"),
    "mining": ("Minería", "Mining"),
    "construction": ("Construcción", "Construction"),
    "textiles": ("Costura y confección", "Sewing and garments"),
    "commerce": ("Ventas y comercio", "Sales and trade"),
    "gastronomy": ("Cocina", "Cooking"),
    "tourism": ("Turismo", "Tourism"),
    "transport": ("Transporte", "Transport"),
    "health_care": ("Salud y cuidado", "Health and care"),
    "education": ("Enseñanza", "Teaching"),
    "ict": ("Computación y celular", "Computers and phones"),
    "office": ("Oficina", "Office"),
    "beauty": ("Belleza", "Beauty"),
    "domestic_work": ("Trabajo del hogar", "Domestic work"),
    "fishing": ("Pesca", "Fishing"),
    "crafts": ("Artesanía", "Crafts"),
    "manufacturing": ("Fábrica y taller", "Factory and workshop"),
    "customer_service": ("Atención al público", "Customer service"),
    "languages": ("Idiomas", "Languages"),
    "transversal": ("Para todo trabajo", "For any job"),
}
_DAY_NAMES: Final[dict[Lang, tuple[str, ...]]] = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
TEXTS: Final[dict[str, tuple[str, str]]] = {
    "title": ("Lo que sé hacer", "What I can do"),
    "intro": (
        "Estas son mis habilidades. Yo las confirmé en Chamba.",
        "These are my skills. I confirmed them on Chamba.",
    ),
    "skills": ("Mis habilidades", "My skills"),
    "certified": ("con certificado", "certified"),
    "said": ("Lo dije así", "In my words"),
    "languages": ("Idiomas", "Languages"),
    "availability": ("Cuándo puedo trabajar", "When I can work"),
    "next": ("Mis próximos pasos", "My next steps"),
    "job": ("Empleo", "Job"),
    "course": ("Curso", "Course"),
    "none_skills": ("Aún no confirmé habilidades.", "I have not confirmed skills yet."),
    "none_next": ("Aún no hay pasos. Vuelve pronto.", "No steps yet. Come back soon."),
    "made": ("Hecho en Chamba el", "Made on Chamba on"),
}


def text(key: str, lang: Lang) -> str:
    return TEXTS[key][1 if lang == "en" else 0]


@dataclass(frozen=True, slots=True)
class ReportSkill:
    label: str
    level: str | None
    evidence: str | None
    certified: bool


@dataclass(frozen=True, slots=True)
class ReportSector:
    key: str
    label: str
    skills: list[ReportSkill]


@dataclass(frozen=True, slots=True)
class NextStep:
    kind: Literal["job", "course"]
    title: str
    summary: str
    job_id: int | None = None
    course_id: int | None = None


@dataclass(frozen=True, slots=True)
class Report:
    lang: Lang
    name: str
    made_on: date
    sectors: list[ReportSector]
    languages: list[str]
    availability: str | None
    steps: list[NextStep] = field(default_factory=list)

    def prose(self) -> str:
        """Every sentence of the report that Chamba wrote (for the readability check)."""
        parts = [text("intro", self.lang)]
        if self.availability:
            parts.append(self.availability)
        parts.extend(step.summary for step in self.steps)
        return " ".join(parts)


_LEVELS: Final[dict[str, tuple[str, str]]] = {
    "basic": ("básico", "basic"),
    "intermediate": ("intermedio", "intermediate"),
    "advanced": ("avanzado", "advanced"),
}


def availability_text(hours: int | None, slots: list[str], lang: Lang) -> str | None:
    """ "Puedo trabajar 30 horas por semana. Días: lunes, martes." (None when nothing is set)."""
    days = [_DAY_NAMES[lang][i] for i, d in enumerate(DAYS) if any(s.startswith(d) for s in slots)]
    sentences = []
    if hours:
        sentences.append(
            f"I can work {hours} hours a week."
            if lang == "en"
            else f"Puedo trabajar {hours} horas por semana."
        )
    if days:
        joined = ", ".join(days)
        sentences.append(f"Days: {joined}." if lang == "en" else f"Días: {joined}.")
    return " ".join(sentences) or None


def build_report(
    session: Session, indexes: MatchIndexes | None, person: Person, lang: Lang
) -> Report:
    """The report of ``person`` (their own data only), in ``lang``."""
    rows = people_service.skill_rows(session, person)
    by_sector: dict[str, list[ReportSkill]] = {}
    for row, skill in rows:
        if not row.confirmed or skill is None:
            continue
        level = _LEVELS[row.level.value][1 if lang == "en" else 0] if row.level else None
        by_sector.setdefault(skill.sector or "transversal", []).append(
            ReportSkill(
                label=skill.label(lang),
                level=level,
                evidence=row.evidence,
                certified=row.source == SkillSource.CERTIFIED,
            )
        )
    order = list(SECTORS)
    sectors = [
        ReportSector(
            key,
            SECTORS.get(key, (key, key))[1 if lang == "en" else 0],
            sorted(skills, key=lambda s: s.label),
        )
        for key, skills in sorted(
            by_sector.items(),
            key=lambda kv: (-len(kv[1]), order.index(kv[0]) if kv[0] in order else 99),
        )
    ]
    return Report(
        lang=lang,
        name=person.full_name or "",
        made_on=date.today(),
        sectors=sectors,
        languages=list(person.languages or []),
        availability=availability_text(
            person.availability_hours, list(person.availability_slots or []), lang
        ),
        steps=next_steps(session, indexes, person, lang) if sectors else [],
    )


def next_steps(
    session: Session, indexes: MatchIndexes | None, person: Person, lang: Lang
) -> list[NextStep]:
    """The two best jobs and the best course (three jobs when no course fits), explained."""
    jobs = matching_service.jobs_for_person(
        session, indexes, person.id, JobsRequest(limit=3, lang=lang)
    )
    courses = matching_service.courses_for_person(session, indexes, person.id, limit=1, lang=lang)
    course_steps = [
        NextStep("course", c.title, c.explanation.summary, course_id=c.course_id)
        for c in courses.items[:1]
    ]
    job_steps = [
        NextStep("job", j.title, j.explanation.summary, job_id=j.job_id)
        for j in jobs.items[: 3 - len(course_steps)]
    ]
    return [*job_steps, *course_steps]
