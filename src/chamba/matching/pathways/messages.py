"""The words of a pathway (es/en): the plan's summary and why a skill cannot be covered."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from chamba.courses.models import Modality
from chamba.matching.course_options import CourseConstraints, CourseOption
from chamba.matching.pathways.schemas import Blocker, Lang, SkillRef
from chamba.people.models import Person


def soles(amount: Decimal | float) -> str:
    value = Decimal(str(amount))
    return f"S/ {value:,.0f}" if value == value.to_integral_value() else f"S/ {value:,.2f}"


TEXT: Final[dict[str, dict[str, str]]] = {
    "es": {
        "qualified": "Ya tienes todas las habilidades esenciales para {target}.",
        "planned": "Con {courses} cubres {skills} para {target}.",
        "infeasible": "No hay un plan que cubra todas las habilidades para {target} "
        "con tus condiciones.",
        "no_course": "Ningún proveedor ofrece ahora un curso abierto que enseñe {skill}.",
        "budget": "Presupuesto: el curso más barato que enseña {skill} cuesta {cost}; "
        "tu presupuesto es {budget}.",
        "budget_total": "Presupuesto: el plan más barato que cubre todas las habilidades "
        "cuesta {cost}; tu presupuesto es {budget}.",
        "hours_per_week": "Horas: el curso más liviano que enseña {skill} pide {need:.1f} h "
        "por semana; tienes {have:.1f} h.",
        "modality_online": "Modalidad: {skill} solo se enseña en línea y necesitas internet "
        "y un celular o computadora.",
        "modality": "Modalidad: {skill} solo se enseña en modalidad {need}, que excluiste.",
        "distance": "Distancia: el curso más cercano que enseña {skill} está a {need:.0f} km; "
        "tu límite es {have:.0f} km.",
        "several": "{skill}: ningún curso cumple a la vez tus condiciones ({names}).",
    },
    "en": {
        "qualified": "You already have every essential skill for {target}.",
        "planned": "{courses} {cover} {skills} for {target}.",
        "infeasible": "No plan covers every skill for {target} within your constraints.",
        "no_course": "No provider currently offers an open course teaching {skill}.",
        "budget": "Budget: the cheapest course teaching {skill} costs {cost}; "
        "your budget is {budget}.",
        "budget_total": "Budget: the cheapest plan covering every skill costs {cost}; "
        "your budget is {budget}.",
        "hours_per_week": "Hours: the lightest course teaching {skill} needs {need:.1f} h a "
        "week; you have {have:.1f} h.",
        "modality_online": "Modality: {skill} is only taught online, and that needs internet "
        "and a phone or computer.",
        "modality": "Modality: {skill} is only taught {need}, which you excluded.",
        "distance": "Distance: the nearest course teaching {skill} is {need:.0f} km away; "
        "your limit is {have:.0f} km.",
        "several": "{skill}: no course meets all your constraints at once ({names}).",
    },
}
_CONSTRAINT_LABEL: Final[dict[str, dict[str, str]]] = {
    "es": {"budget": "presupuesto", "hours_per_week": "horas por semana",
           "modality": "modalidad", "distance": "distancia"},
    "en": {"budget": "budget", "hours_per_week": "hours per week",
           "modality": "modality", "distance": "distance"},
}  # fmt: skip
_MODALITY_LABEL: Final[dict[str, dict[Modality, str]]] = {
    "es": {Modality.IN_PERSON: "presencial", Modality.ONLINE: "en línea",
           Modality.HYBRID: "semipresencial"},
    "en": {Modality.IN_PERSON: "in person", Modality.ONLINE: "online",
           Modality.HYBRID: "hybrid"},
}  # fmt: skip


def planned_text(lang: Lang, n_courses: int, n_skills: int, target: str) -> str:
    """``Con 1 curso cubres la habilidad que te falta...`` with singular and plural right."""
    if lang == "en":
        courses = "1 course" if n_courses == 1 else f"{n_courses} courses"
        skills = (
            "the skill you are missing"
            if n_skills == 1
            else f"the {n_skills} skills you are missing"
        )
        cover = "covers" if n_courses == 1 else "cover"
        return TEXT["en"]["planned"].format(
            courses=courses, cover=cover, skills=skills, target=target
        )
    courses = "1 curso" if n_courses == 1 else f"{n_courses} cursos"
    skills = (
        "la habilidad que te falta"
        if n_skills == 1
        else f"las {n_skills} habilidades que te faltan"
    )
    return TEXT["es"]["planned"].format(courses=courses, skills=skills, target=target)


def blocker_for_skill(
    skill: SkillRef,
    options: list[CourseOption],
    limits: CourseConstraints,
    person: Person,
    lang: Lang,
) -> Blocker:
    """Why no course teaching ``skill`` fits, with the single relaxation that would fix it."""
    t = TEXT[lang]
    if not options:
        return Blocker(
            skill_id=skill.skill_id,
            label=skill.label,
            constraints=["no_course"],
            message=t["no_course"].format(skill=skill.label),
        )
    single: dict[str, list[CourseOption]] = {}
    for o in options:
        if len(o.blocked_by) == 1:
            single.setdefault(o.blocked_by[0], []).append(o)
    names: list[str] = []
    messages: list[str] = []
    needed: dict[str, float | str] = {}
    for name in ("budget", "hours_per_week", "modality", "distance"):
        opts = single.get(name)
        if not opts:
            continue
        names.append(name)
        if name == "budget":
            cheapest = min(o.cost for o in opts)
            needed[name] = float(cheapest)
            text = t["budget"].format(
                skill=skill.label, cost=soles(cheapest), budget=soles(limits.budget or 0)
            )
            messages.append(text)
        elif name == "hours_per_week":
            need = min(o.hours_per_week or 0.0 for o in opts)
            needed[name] = round(need, 2)
            messages.append(t["hours_per_week"].format(
                skill=skill.label, need=need, have=limits.hours_per_week or 0.0))  # fmt: skip
        elif name == "modality":
            mods = sorted({o.modality for o in opts})
            needed[name] = mods[0].value
            if Modality.ONLINE in mods and not person.remote_ready:
                messages.append(t["modality_online"].format(skill=skill.label))
            else:
                label = " / ".join(_MODALITY_LABEL[lang][m] for m in mods)
                messages.append(t["modality"].format(skill=skill.label, need=label))
        else:
            need = min(o.distance_km or 0.0 for o in opts)
            needed[name] = round(need, 1)
            messages.append(t["distance"].format(
                skill=skill.label, need=need, have=limits.max_distance_km or 0.0))  # fmt: skip
    if not names:  # every course breaks two or more constraints: name those of the best one
        best = min(options, key=lambda o: (len(o.blocked_by), *o.sort_key()))
        names = list(best.blocked_by)
        labels = ", ".join(_CONSTRAINT_LABEL[lang][n] for n in names)
        messages.append(t["several"].format(skill=skill.label, names=labels))
    return Blocker(
        skill_id=skill.skill_id,
        label=skill.label,
        constraints=names,
        message=" ".join(messages),
        needed=needed,
    )
