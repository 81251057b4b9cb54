"""What a pathway is: the plan, its steps, what it unlocks and what blocks it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chamba.courses.models import Modality

Lang = Literal["es", "en"]
Method = Literal["auto", "milp", "exact", "greedy"]
Status = Literal["planned", "already_qualified", "infeasible"]


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
    """A plan from a person to a target (every definition: :mod:`chamba.matching.pathways`)."""

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
