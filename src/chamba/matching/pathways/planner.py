"""Pathways: the cheapest, quickest set of courses from a person to a target occupation or job.

Problem. The *missing* skills are the target's essential skills the person lacks (a job's
``essential`` :class:`~chamba.jobs.models.JobSkill` rows, an occupation's ``essential``
:class:`~chamba.taxonomy.models.OccupationSkill` rows); optional ones are reported as "nice to
have" and never required. Choose open courses that together teach every missing skill,
minimising

    objective = total cost (PEN) + λ · total hours,   λ = S/ 5 per hour of study

(:data:`LAMBDA_PEN_PER_HOUR`: roughly what an hour of a low-wage worker's time is worth, so
200 h of free study weighs like S/ 1000), subject to total cost ≤ budget, and per course: weekly
load ≤ the person's hours per week, modality allowed (online only for the remote-ready),
distance ≤ the travel radius. Ties in the objective go to the plan whose skills are in higher
demand in the person's department (:func:`chamba.insights.demand.demand_index`), weighted by
the job's importance.

Solver. Courses that break a per-course constraint are dropped; a course dominated by another
(covers a subset of its missing skills at no lower objective) is dropped. The rest is one
**integer program** (:func:`solve_milp`, HiGHS through :func:`scipy.optimize.milp`): a binary
variable per course, one covering row per missing skill (Σ courses teaching it ≥ 1), one budget
row (Σ cost ≤ budget), minimise the objective in integer cents with the demand bonus as a
tie-break worth less than a cent. It is exact at every size (the MIP gap is 0), so a plan is
never dearer than necessary and "over budget" is said only when no cover fits.
Two reference solvers stay for tests and the benchmark (``method="exact"`` / ``"greedy"``):
the branch-and-bound :func:`solve_exact` (exponential, fine below ~25 candidates) and the
greedy weighted set cover (:func:`solve_greedy`, :func:`solve_greedy_within_budget`), which is
within a factor H(n) ≤ 1 + ln n of the optimum without a budget and may miss fitting plans
under one.

Unlocks. Open, non-expired jobs within the travel radius, or remote when the person is
remote-ready, whose essential skills are all in person skills ∪ skills the plan's courses teach
but were not all in person skills before.

Wage difference. ``target_wage`` = median monthly wage (midpoint of ``wage_min``/``wage_max``)
of the unlocked jobs; when none unlock, the target job's midpoint or the median of open jobs of
the target occupation. ``baseline_wage`` = median of the jobs the person already qualifies for
(same reach); when there are none, the person's ``expected_wage`` (``baseline_source`` says
which). ``wage_difference`` = target − baseline, ``None`` when either is unknown.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from chamba.courses.models import CourseSkill, Modality
from chamba.errors import InvalidInput, NotFound
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.insights.demand import REMOTE_REGION, demand_index
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.course_options import (
    CourseConstraints,
    CourseOption,
    load_options,
    weeks_for,
)
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.vocab import Requirement

LAMBDA_PEN_PER_HOUR: Final = Decimal("5")
"""λ: soles an hour of study is worth in the objective ``cost + λ · hours``."""

Lang = Literal["es", "en"]
Method = Literal["auto", "milp", "exact", "greedy"]
Status = Literal["planned", "already_qualified", "infeasible"]

_LAMBDA_CENTS: Final = int(LAMBDA_PEN_PER_HOUR * 100)
_EXAMPLES: Final = 5


# ----------------------------------------------------------------------------- schemas


class SkillRef(BaseModel):
    """A skill in a pathway, with its weight and the demand for it."""

    model_config = ConfigDict(frozen=True)

    skill_id: str
    label: str
    importance: float = 1.0  # job's importance 0..1 (1 for occupations)
    demand: float = 0.0  # normalised demand 0..1 in the person's department
    remote_demand: float = 0.0  # normalised demand 0..1 among remote jobs


class PathwayStep(BaseModel):
    order: int
    course_id: int
    title: str
    provider: str | None
    modality: Modality
    cost: Decimal
    is_free: bool
    scholarship: bool
    hours: int
    weeks: int
    hours_per_week: float | None
    distance_km: float | None
    start_date: date | None
    skills: list[SkillRef]  # missing essential skills this course covers
    also_teaches: list[SkillRef]  # nice-to-have skills it teaches too


class UnlockedJob(BaseModel):
    job_id: int
    title: str
    ubigeo: str | None
    remote: bool
    distance_km: float | None
    wage: float | None  # midpoint, PEN / month


class Unlocks(BaseModel):
    count: int
    examples: list[UnlockedJob]


class Blocker(BaseModel):
    """Why a skill cannot be covered, and what would fix it."""

    skill_id: str | None  # None: the plan as a whole (total budget)
    label: str | None
    constraints: list[str]  # "budget", "hours_per_week", "modality", "distance", "no_course"
    message: str
    needed: dict[str, float | str] = {}  # e.g. {"budget": 450.0} or {"modality": "online"}


class ConstraintsOut(BaseModel):
    budget: Decimal | None
    hours_per_week: float | None
    modalities: list[Modality] | None
    max_distance_km: float | None


class Pathway(BaseModel):
    """A plan from a person to a target; see the module docstring for every definition."""

    person_id: int
    target_kind: Literal["occupation", "job"]
    target_id: str
    target_label: str
    status: Status
    feasible: bool
    message: str
    method: Literal["milp", "exact", "greedy", "none"]
    constraints: ConstraintsOut
    missing_essential: list[SkillRef]
    nice_to_have: list[SkillRef]
    steps: list[PathwayStep]
    total_cost: Decimal
    total_hours: int
    total_weeks: int  # one course after another
    parallel_weeks: int | None  # courses run side by side as weekly hours allow
    objective: Decimal  # total_cost + λ · total_hours
    unlocks: Unlocks
    target_wage: float | None
    baseline_wage: float | None
    baseline_source: Literal["qualified_jobs", "expected_wage", "none"]
    wage_difference: float | None
    blocked: list[Blocker]


# ----------------------------------------------------------------------------- solver


@dataclass(frozen=True)
class Candidate:
    """A course as the solver sees it: a bit mask of missing skills, money and objective."""

    mask: int
    cost_cents: int
    objective_cents: int  # cost + λ · hours, in cents
    bonus: float  # demand tie-break: higher is better


def _prune(cands: Sequence[Candidate]) -> list[int]:
    """Indices of candidates not dominated by another (superset of skills, objective ≤)."""
    order = sorted(range(len(cands)), key=lambda i: (cands[i].objective_cents, -cands[i].bonus, i))
    kept: list[int] = []
    for i in order:
        m = cands[i].mask
        if not any(
            cands[k].mask | m == cands[k].mask and cands[k].cost_cents <= cands[i].cost_cents
            for k in kept
        ):
            kept.append(i)
    return kept


def solve_milp(full: int, cands: Sequence[Candidate], budget_cents: int | None) -> list[int] | None:
    """Minimum-objective cover of the bits in ``full`` within the budget, as an integer program.

    Binary ``x_i`` per candidate; ``Σ_{i teaches b} x_i ≥ 1`` for every bit ``b`` of ``full``;
    ``Σ cost_i x_i ≤ budget``; minimise ``Σ (objective_i − ε·bonus_i) x_i`` where ``ε`` keeps the
    whole bonus below half a cent, so the bonus only breaks ties of the integer objective.

    Args:
        full: bit mask of the skills to cover.
        cands: candidate courses.
        budget_cents: most money in total (``None``: no limit).

    Returns:
        Indices of the chosen candidates (sorted), or ``None`` when no cover fits the budget.

    Example:
        >>> solve_milp(0b11, [Candidate(0b11, 900, 900, 0), Candidate(0b01, 100, 100, 0),
        ...                   Candidate(0b10, 100, 100, 0)], None)
        [1, 2]
    """
    bits = [b for b in range(full.bit_length()) if full >> b & 1]
    if not bits:
        return []
    n = len(cands)
    if n == 0:
        return None
    cover = np.array([[c.mask >> b & 1 for c in cands] for b in bits], dtype=float)  # (bits, n)
    if not cover.any(axis=1).all():
        return None
    rows = [LinearConstraint(cover, lb=1.0, ub=np.inf)]
    cost = np.array([c.cost_cents for c in cands], dtype=float)  # (n,)
    if budget_cents is not None:
        rows.append(LinearConstraint(cost[None, :], lb=-np.inf, ub=float(budget_cents)))
    bonus = np.array([max(c.bonus, 0.0) for c in cands], dtype=float)
    eps = 0.5 / (float(bonus.sum()) + 1.0)
    objective = np.array([c.objective_cents for c in cands], dtype=float) - eps * bonus
    res = milp(
        objective, constraints=rows, integrality=np.ones(n), bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "presolve": True},
    )  # fmt: skip
    if res.status != 0 or res.x is None:  # 2: infeasible; anything else is not an answer
        return None
    return [i for i in range(n) if res.x[i] > 0.5]


def solve_exact(
    full: int, cands: Sequence[Candidate], budget_cents: int | None
) -> list[int] | None:
    """Exact minimum-objective cover of the bits in ``full`` within the budget (branch-and-bound).

    Args:
        full: bit mask of the skills to cover.
        cands: candidate courses.
        budget_cents: most money in total (``None``: no limit).

    Returns:
        Indices of the chosen candidates, or ``None`` when no cover fits the budget.

    Example:
        >>> solve_exact(0b11, [Candidate(0b11, 900, 900, 0), Candidate(0b01, 100, 100, 0),
        ...                    Candidate(0b10, 100, 100, 0)], None)
        [1, 2]
    """
    bits = [b for b in range(full.bit_length()) if full >> b & 1]
    by_bit = {
        b: sorted((i for i, c in enumerate(cands) if c.mask >> b & 1),
                  key=lambda i: (cands[i].objective_cents, -cands[i].bonus))
        for b in bits
    }  # fmt: skip
    if any(not v for v in by_bit.values()):
        return None
    min_obj = {b: min(cands[i].objective_cents for i in v) for b, v in by_bit.items()}
    min_cost = {b: min(cands[i].cost_cents for i in v) for b, v in by_bit.items()}
    best: list[tuple[int, float, list[int]] | None] = [None]

    def rec(covered: int, chosen: list[int], obj: int, cost: int, bonus: float) -> None:
        if covered & full == full:
            cur = best[0]
            if cur is None or (obj, -bonus) < (cur[0], -cur[1]):
                best[0] = (obj, bonus, list(chosen))
            return
        left = [b for b in bits if not covered >> b & 1]
        cur = best[0]
        if cur is not None and obj + max(min_obj[b] for b in left) > cur[0]:
            return
        if budget_cents is not None and cost + max(min_cost[b] for b in left) > budget_cents:
            return
        pivot = min(left, key=lambda b: (len(by_bit[b]), b))
        for i in by_bit[pivot]:
            c = cands[i]
            if budget_cents is not None and cost + c.cost_cents > budget_cents:
                continue
            chosen.append(i)
            rec(covered | c.mask, chosen, obj + c.objective_cents, cost + c.cost_cents,
                bonus + c.bonus)  # fmt: skip
            chosen.pop()

    rec(0, [], 0, 0, 0.0)
    return None if best[0] is None else sorted(best[0][2])


def solve_greedy(full: int, cands: Sequence[Candidate]) -> list[int] | None:
    """Greedy weighted set cover (ratio ≤ 1 + ln n), then redundant courses removed.

    Args:
        full: bit mask of the skills to cover.
        cands: candidate courses.

    Returns:
        Indices of the chosen candidates, or ``None`` when some skill has no candidate.

    Example:
        >>> solve_greedy(0b11, [Candidate(0b11, 900, 900, 0), Candidate(0b01, 100, 100, 0),
        ...                     Candidate(0b10, 100, 100, 0)])
        [1, 2]
    """
    covered, chosen = 0, []
    while covered & full != full:
        best, best_key = -1, (-1.0, -math.inf, 0)
        for i, c in enumerate(cands):
            new = (c.mask & full & ~covered).bit_count()
            if not new:
                continue
            key = (new / max(c.objective_cents, 1), c.bonus, -i)
            if key > best_key:
                best, best_key = i, key
        if best < 0:
            return None
        chosen.append(best)
        covered |= cands[best].mask
    for i in sorted(chosen, key=lambda i: -cands[i].objective_cents):  # drop redundant ones
        rest = 0
        for k in chosen:
            if k != i:
                rest |= cands[k].mask
        if rest & full == full:
            chosen.remove(i)
    return sorted(chosen)


#: Shares of λ that the budget-aware greedy tries, from the true objective down to money only.
_GREEDY_HOUR_WEIGHTS: Final = (1.0, 0.5, 0.25, 0.125, 0.0)


def solve_greedy_within_budget(
    full: int, cands: Sequence[Candidate], budget_cents: int | None
) -> list[int] | None:
    """Greedy covers under a budget: hours weighted by each share of λ in turn (the last
    share, 0, is the cheapest cover greedy finds); the fitting cover of lowest true objective.

    Args:
        full: bit mask of the skills to cover.
        cands: candidate courses.
        budget_cents: most money in total (``None``: plain :func:`solve_greedy`).

    Returns:
        Indices of the chosen candidates, or ``None`` when no greedy cover fits the budget.

    Example:
        >>> cands = [Candidate(0b11, 0, 100_000, 0), Candidate(0b11, 20_000, 25_000, 0)]
        >>> solve_greedy(0b11, cands), solve_greedy_within_budget(0b11, cands, 50_000)
        ([1], [1])
        >>> solve_greedy_within_budget(0b11, cands, 10_000)
        [0]
    """
    if budget_cents is None:
        return solve_greedy(full, cands)
    best: tuple[int, list[int]] | None = None
    for share in _GREEDY_HOUR_WEIGHTS:
        weighted = [
            Candidate(
                c.mask,
                c.cost_cents,
                c.cost_cents + round(share * (c.objective_cents - c.cost_cents)),
                c.bonus,
            )
            for c in cands
        ]
        chosen = solve_greedy(full, weighted)
        if chosen is None:
            return None
        if sum(cands[i].cost_cents for i in chosen) > budget_cents:
            continue
        objective = sum(cands[i].objective_cents for i in chosen)
        if best is None or objective < best[0]:
            best = (objective, chosen)
    return None if best is None else best[1]


# ----------------------------------------------------------------------------- messages


def _money(amount: Decimal | float) -> str:
    value = Decimal(str(amount))
    return f"S/ {value:,.0f}" if value == value.to_integral_value() else f"S/ {value:,.2f}"


_TEXT: Final[dict[str, dict[str, str]]] = {
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


def _planned_text(lang: Lang, n_courses: int, n_skills: int, target: str) -> str:
    """``Con 1 curso cubres la habilidad que te falta...`` with singular and plural right."""
    if lang == "en":
        courses = "1 course" if n_courses == 1 else f"{n_courses} courses"
        skills = (
            "the skill you are missing"
            if n_skills == 1
            else f"the {n_skills} skills you are missing"
        )
        cover = "covers" if n_courses == 1 else "cover"
        return _TEXT["en"]["planned"].format(
            courses=courses, cover=cover, skills=skills, target=target
        )
    courses = "1 curso" if n_courses == 1 else f"{n_courses} cursos"
    skills = (
        "la habilidad que te falta"
        if n_skills == 1
        else f"las {n_skills} habilidades que te faltan"
    )
    return _TEXT["es"]["planned"].format(courses=courses, skills=skills, target=target)


def _blocker_for_skill(
    skill: SkillRef,
    options: list[CourseOption],
    limits: CourseConstraints,
    person: Person,
    lang: Lang,
) -> Blocker:
    """Why no course teaching ``skill`` fits, with the single relaxation that would fix it."""
    t = _TEXT[lang]
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
                skill=skill.label, cost=_money(cheapest), budget=_money(limits.budget or 0)
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


# ----------------------------------------------------------------------------- queries


def _open_job(as_of: datetime) -> list[ColumnElement[bool]]:
    return [Job.status == JobStatus.OPEN, or_(Job.expires_at.is_(None), Job.expires_at > as_of)]


def _midpoint(low: Decimal | None, high: Decimal | None) -> float | None:
    a = low if low is not None else high
    b = high if high is not None else low
    return None if a is None or b is None else float(a + b) / 2.0


def _median(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(float(np.median(vals)), 2) if vals else None


class _Reach:
    """Which jobs a person can take: within the radius, or remote when remote-ready."""

    def __init__(self, person: Person, radius_km: float | None) -> None:
        self.origin = person.ubigeo
        self.radius = radius_km
        self.remote_ok = person.remote_ready
        self._cache: dict[str, float | None] = {}

    def distance(self, ubigeo: str | None) -> float | None:
        if not self.origin or not ubigeo:
            return None
        if ubigeo not in self._cache:
            try:
                self._cache[ubigeo] = get_gazetteer().distance_km(self.origin, ubigeo)
            except UnknownUbigeo:
                self._cache[ubigeo] = None
        return self._cache[ubigeo]

    def ok(self, ubigeo: str | None, remote: bool) -> bool:
        if remote:
            return self.remote_ok
        d = self.distance(ubigeo)
        return d is not None and (self.radius is None or d <= self.radius)


def _person(session: Session, person_id: int) -> tuple[Person, set[str]]:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Person {person_id} not found")
    skills = set(
        session.scalars(select(PersonSkill.skill_id).where(PersonSkill.person_id == person_id))
    )
    return person, skills


def _target(
    session: Session, occupation_id: str | None, job_id: int | None, lang: Lang
) -> tuple[Literal["occupation", "job"], str, str, list[tuple[str, bool, float]], float | None]:
    """(kind, id, label, [(skill, essential, importance)], target wage)."""
    if (occupation_id is None) == (job_id is None):
        raise InvalidInput("Give exactly one target: occupation_id or job_id")
    if job_id is not None:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id} not found")
        rows = session.execute(
            select(JobSkill.skill_id, JobSkill.requirement, JobSkill.importance).where(
                JobSkill.job_id == job_id
            )
        ).all()
        skills = [(s, r == Requirement.ESSENTIAL, float(i or 1.0)) for s, r, i in rows]
        return "job", str(job_id), job.title, skills, _midpoint(job.wage_min, job.wage_max)
    assert occupation_id is not None
    occ = session.get(Occupation, occupation_id)
    if occ is None:
        raise NotFound(f"Occupation {occupation_id!r} not found")
    orows = session.execute(
        select(OccupationSkill.skill_id, OccupationSkill.relation).where(
            OccupationSkill.occupation_id == occupation_id
        )
    ).all()
    wages = session.execute(
        select(Job.wage_min, Job.wage_max).where(
            Job.occupation_id == occupation_id, Job.status == JobStatus.OPEN
        )
    ).all()
    wage = _median([_midpoint(a, b) for a, b in wages])
    skills = [(s, r == Requirement.ESSENTIAL, 1.0) for s, r in orows]
    return "occupation", occupation_id, occ.label(lang), skills, wage


def _labels(session: Session, ids: set[str], lang: Lang) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(ids))
    )
    return {i: (en if lang == "en" else es) for i, es, en in rows}


def _taught(session: Session, course_ids: list[int]) -> set[str]:
    if not course_ids:
        return set()
    return set(
        session.scalars(select(CourseSkill.skill_id).where(CourseSkill.course_id.in_(course_ids)))
    )


def _unlocked(
    session: Session, have: set[str], new: set[str], reach: _Reach, as_of: datetime
) -> list[UnlockedJob]:
    """Reachable open jobs whose essential skills ⊆ have ∪ new, needing at least one of new."""
    new = new - have
    if not new:
        return []
    needs_new = (
        select(JobSkill.job_id)
        .where(JobSkill.skill_id.in_(new), JobSkill.requirement == Requirement.ESSENTIAL)
        .distinct()
    )
    rows = session.execute(
        select(Job.id, Job.title, Job.ubigeo, Job.remote, Job.wage_min, Job.wage_max,
               JobSkill.skill_id)
        .join(JobSkill, and_(JobSkill.job_id == Job.id,
                             JobSkill.requirement == Requirement.ESSENTIAL))
        .where(*_open_job(as_of), Job.id.in_(needs_new))
    ).all()  # fmt: skip
    jobs: dict[int, tuple[str, str | None, bool, float | None]] = {}
    ok: dict[int, bool] = {}
    after = have | new
    for jid, title, ubigeo, remote, lo, hi, skill in rows:
        jobs[jid] = (title, ubigeo, bool(remote), _midpoint(lo, hi))
        ok[jid] = ok.get(jid, True) and skill in after
    out = [
        UnlockedJob(
            job_id=jid, title=t, ubigeo=u, remote=r, wage=w,
            distance_km=None if r else reach.distance(u),
        )
        for jid, (t, u, r, w) in jobs.items()
        if ok[jid] and reach.ok(u, r)
    ]  # fmt: skip
    out.sort(key=lambda j: (j.remote, j.distance_km or 0.0, j.job_id))
    return out


def _qualified_wages(
    session: Session, have: set[str], reach: _Reach, as_of: datetime
) -> list[float | None]:
    """Wage midpoints of reachable open jobs the person already qualifies for."""
    if not have:
        return []
    js = JobSkill.__table__
    essential = js.c.requirement == Requirement.ESSENTIAL.value
    has_any = exists().where(js.c.job_id == Job.id, essential)
    lacks = exists().where(js.c.job_id == Job.id, essential, js.c.skill_id.not_in(have))
    rows = session.execute(
        select(Job.ubigeo, Job.remote, Job.wage_min, Job.wage_max).where(
            *_open_job(as_of),
            has_any,
            ~lacks,
        )
    ).all()
    return [_midpoint(lo, hi) for u, r, lo, hi in rows if reach.ok(u, bool(r))]


# ----------------------------------------------------------------------------- planner


def _parallel_weeks(items: list[tuple[int, float | None]], hours: float | None) -> int | None:
    """Makespan when courses (weeks, hours a week) share the weekly hours (LPT on k lanes)."""
    if not items or hours is None:
        return None
    loads = [h for _, h in items if h]
    heaviest = max(loads, default=hours)
    lanes = max(1, min(len(items), int(hours // heaviest) if heaviest > 0 else len(items)))
    finish = [0] * lanes
    heapq.heapify(finish)
    for weeks in sorted((w for w, _ in items), reverse=True):
        heapq.heappush(finish, heapq.heappop(finish) + weeks)
    return max(finish)


def plan_pathway(
    session: Session,
    person_id: int,
    *,
    occupation_id: str | None = None,
    job_id: int | None = None,
    constraints: CourseConstraints | None = None,
    lang: Lang = "es",
    method: Method = "auto",
    as_of: datetime | None = None,
) -> Pathway:
    """Plan the courses that take a person to a target occupation or job.

    Args:
        session: database session (read only).
        person_id: the learner.
        occupation_id: target occupation (give this or ``job_id``).
        job_id: target job posting.
        constraints: limits; ``None`` uses :meth:`CourseConstraints.defaults_for` (no budget).
            ``budget`` is the most for the whole plan.
        lang: ``"es"`` or ``"en"`` for labels and messages.
        method: ``"auto"`` or ``"milp"`` (the integer program, exact at any size); the
            reference solvers ``"exact"`` (branch-and-bound) and ``"greedy"`` for comparisons.
        as_of: the moment deciding which jobs are expired and which start dates are next
            (default now, UTC).

    Returns:
        A :class:`Pathway`: ``status`` is ``"planned"``, ``"already_qualified"`` (no steps) or
        ``"infeasible"`` (no steps; ``blocked`` says which constraint blocks which skill).

    Raises:
        NotFound: unknown person, job or occupation.
        InvalidInput: no target or two targets, an unknown ``lang`` or ``method``, or a target
            that lists no skills at all.

    Example:
        >>> p = plan_pathway(session, 7, occupation_id="soldador",  # doctest: +SKIP
        ...                  constraints=CourseConstraints(Decimal("200"), 10, None, 30))
        >>> p.status, p.blocked[0].message  # doctest: +SKIP
        ('infeasible', 'Presupuesto: el curso más barato que enseña Soldadura cuesta S/ 450; ...')
    """
    if lang not in _TEXT:
        raise InvalidInput(f"lang must be 'es' or 'en', got {lang!r}")
    if method not in ("auto", "milp", "exact", "greedy"):
        raise InvalidInput(f"method must be 'auto', 'milp', 'exact' or 'greedy', got {method!r}")
    when = as_of or datetime.now(UTC)
    person, have = _person(session, person_id)
    kind, target_id, target_label, target_skills, target_wage = _target(
        session, occupation_id, job_id, lang
    )
    if not target_skills:
        raise InvalidInput(f"The {kind} {target_id} lists no skills; there is nothing to plan")
    limits = constraints if constraints is not None else CourseConstraints.defaults_for(person)
    t = _TEXT[lang]

    importance = {s: imp for s, _, imp in target_skills}
    essential = [s for s, e, _ in target_skills if e and s not in have]
    essential.sort(key=lambda s: (-importance[s], s))
    optional = sorted(s for s, e, _ in target_skills if not e and s not in have)
    labels = _labels(session, set(essential) | set(optional), lang)
    dept = (person.ubigeo or "")[:2]
    index = demand_index(session, as_of=as_of)

    def ref(s: str) -> SkillRef:
        return SkillRef(
            skill_id=s, label=labels.get(s, s), importance=importance.get(s, 1.0),
            demand=round(index.get((dept, s), 0.0), 4),
            remote_demand=round(index.get((REMOTE_REGION, s), 0.0), 4),
        )  # fmt: skip

    missing = [ref(s) for s in essential]
    nice = [ref(s) for s in optional]
    reach = _Reach(person, limits.max_distance_km)
    out_limits = ConstraintsOut(
        budget=limits.budget,
        hours_per_week=limits.hours_per_week,
        modalities=sorted(limits.modalities) if limits.modalities is not None else None,
        max_distance_km=limits.max_distance_km,
    )

    def result(status: Status, message: str, **kw: object) -> Pathway:
        base: dict[str, object] = {
            "person_id": person_id, "target_kind": kind, "target_id": target_id,
            "target_label": target_label, "status": status, "feasible": status != "infeasible",
            "message": message, "method": "none", "constraints": out_limits,
            "missing_essential": missing, "nice_to_have": nice, "steps": [],
            "total_cost": Decimal("0"), "total_hours": 0, "total_weeks": 0,
            "parallel_weeks": None, "objective": Decimal("0"),
            "unlocks": Unlocks(count=0, examples=[]), "target_wage": None,
            "baseline_wage": None, "baseline_source": "none", "wage_difference": None,
            "blocked": [],
        }  # fmt: skip
        base.update(kw)
        return Pathway.model_validate(base)

    if not essential:
        return result("already_qualified", t["qualified"].format(target=target_label))

    options = load_options(session, person, set(essential) | set(optional), limits,
                           as_of=when.date())  # fmt: skip
    bit = {s: i for i, s in enumerate(essential)}
    full = (1 << len(essential)) - 1
    fitting = [o for o in options if o.fits and any(s in bit for s in o.skills_taught)]

    def candidate(o: CourseOption) -> Candidate:
        mask = sum(1 << bit[s] for s in o.skills_taught if s in bit)
        cents = int(o.cost * 100)
        bonus = sum(importance.get(s, 1.0) * index.get((dept, s), 0.0) for s in o.skills_taught)
        return Candidate(mask, cents, cents + _LAMBDA_CENTS * o.hours, bonus)

    cands_all = [candidate(o) for o in fitting]
    keep = _prune(cands_all)
    cands = [cands_all[i] for i in keep]
    covered_any = 0
    for c in cands:
        covered_any |= c.mask
    budget_cents = int(limits.budget * 100) if limits.budget is not None else None

    blocked: list[Blocker] = []
    for s in essential:
        if not covered_any >> bit[s] & 1:
            teaching = [o for o in options if s in o.skills_taught]
            blocked.append(_blocker_for_skill(ref(s), teaching, limits, person, lang))
    chosen: list[int] | None = None
    used: Literal["milp", "exact", "greedy", "none"] = "none"
    if not blocked:
        if method == "exact":
            chosen, used = solve_exact(full, cands, budget_cents), "exact"
        elif method == "greedy":
            chosen, used = solve_greedy_within_budget(full, cands, budget_cents), "greedy"
        else:
            chosen, used = solve_milp(full, cands, budget_cents), "milp"
        if chosen is None:  # only the total budget can block now: price the cheapest cover
            money = [Candidate(c.mask, c.cost_cents, c.cost_cents, c.bonus) for c in cands]
            pick = solve_milp(full, money, None) or []
            cheapest = Decimal(sum(money[i].cost_cents for i in pick)) / 100
            blocked.append(Blocker(
                skill_id=None, label=None, constraints=["budget"],
                message=t["budget_total"].format(cost=_money(cheapest),
                                                 budget=_money(limits.budget or 0)),
                needed={"budget": float(cheapest)},
            ))  # fmt: skip
    if chosen is None:
        return result(
            "infeasible", t["infeasible"].format(target=target_label), blocked=blocked,
            method=used,
        )  # fmt: skip

    picked = [fitting[keep[i]] for i in chosen]
    picked.sort(key=lambda o: (o.next_start_date or date.max, o.level_rank, o.course_id))
    steps: list[PathwayStep] = []
    covered: set[str] = set()
    for n, o in enumerate(picked, start=1):
        steps.append(
            PathwayStep(
                order=n, course_id=o.course_id, title=o.title, provider=o.provider,
                modality=o.modality, cost=o.cost, is_free=o.is_free, scholarship=o.scholarship,
                hours=o.hours, weeks=weeks_for(o, limits.hours_per_week),
                hours_per_week=round(o.hours_per_week, 2) if o.hours_per_week else None,
                distance_km=round(o.distance_km, 1) if o.distance_km is not None else None,
                start_date=o.next_start_date,
                skills=[ref(s) for s in essential if s in o.skills_taught and s not in covered],
                also_teaches=[ref(s) for s in optional if s in o.skills_taught],
            )
        )  # fmt: skip
        covered |= set(o.skills_taught)
    total_cost = sum((s.cost for s in steps), Decimal("0"))
    total_hours = sum(s.hours for s in steps)
    new_skills = _taught(session, [o.course_id for o in picked])
    unlocked = _unlocked(session, have, new_skills, reach, when)
    gained = _median([j.wage for j in unlocked])
    target_w = gained if gained is not None else target_wage
    base_wage = _median(_qualified_wages(session, have, reach, when))
    source: Literal["qualified_jobs", "expected_wage", "none"] = "qualified_jobs"
    if base_wage is None:
        if person.expected_wage is not None:
            base_wage, source = float(person.expected_wage), "expected_wage"
        else:
            source = "none"
    diff = (
        round(target_w - base_wage, 2) if target_w is not None and base_wage is not None else None
    )
    return result(
        "planned",
        _planned_text(lang, len(steps), len(essential), target_label),
        method=used, steps=steps, total_cost=total_cost, total_hours=total_hours,
        total_weeks=sum(s.weeks for s in steps),
        parallel_weeks=_parallel_weeks([(s.weeks, s.hours_per_week) for s in steps],
                                       limits.hours_per_week),
        objective=total_cost + LAMBDA_PEN_PER_HOUR * total_hours,
        unlocks=Unlocks(count=len(unlocked), examples=unlocked[:_EXAMPLES]),
        target_wage=target_w, baseline_wage=base_wage, baseline_source=source,
        wage_difference=diff,
    )  # fmt: skip
