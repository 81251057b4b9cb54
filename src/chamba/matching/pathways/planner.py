"""The planner: from a person and a target to a :class:`Pathway` (see the package docstring)."""

from __future__ import annotations

import heapq
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, Literal

from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.insights.demand import REMOTE_REGION, demand_index
from chamba.matching.course_options import (
    CourseConstraints,
    CourseOption,
    load_options,
    weeks_for,
)
from chamba.matching.pathways.messages import TEXT, blocker_for_skill, planned_text, soles
from chamba.matching.pathways.repository import (
    load_person,
    load_target,
    median,
    midpoint,
    qualified_job_rows,
    skill_labels,
    taught_by,
    unlockable_rows,
)
from chamba.matching.pathways.schemas import (
    Blocker,
    ConstraintsOut,
    Lang,
    Method,
    Pathway,
    PathwayStep,
    SkillRef,
    Status,
    UnlockedJob,
    Unlocks,
)
from chamba.matching.pathways.solver import (
    LAMBDA_CENTS,
    LAMBDA_PEN_PER_HOUR,
    Candidate,
    prune,
    solve_exact,
    solve_greedy_within_budget,
    solve_milp,
)
from chamba.people.models import Person

_EXAMPLES: Final = 5


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


def _unlocked(
    session: Session, have: set[str], new: set[str], reach: _Reach, as_of: datetime
) -> list[UnlockedJob]:
    """Reachable open jobs whose essential skills ⊆ have ∪ new, needing at least one of new."""
    new = new - have
    if not new:
        return []
    rows = unlockable_rows(session, new, as_of)
    jobs: dict[int, tuple[str, str | None, bool, float | None]] = {}
    ok: dict[int, bool] = {}
    after = have | new
    for jid, title, ubigeo, remote, lo, hi, skill in rows:
        jobs[jid] = (title, ubigeo, bool(remote), midpoint(lo, hi))
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
    rows = qualified_job_rows(session, have, as_of)
    return [midpoint(lo, hi) for u, r, lo, hi in rows if reach.ok(u, bool(r))]


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
    if lang not in TEXT:
        raise InvalidInput(f"lang must be 'es' or 'en', got {lang!r}")
    if method not in ("auto", "milp", "exact", "greedy"):
        raise InvalidInput(f"method must be 'auto', 'milp', 'exact' or 'greedy', got {method!r}")
    when = as_of or datetime.now(UTC)
    person, have = load_person(session, person_id)
    kind, target_id, target_label, target_skills, target_wage = load_target(
        session, occupation_id, job_id, lang
    )
    if not target_skills:
        raise InvalidInput(f"The {kind} {target_id} lists no skills; there is nothing to plan")
    limits = constraints if constraints is not None else CourseConstraints.defaults_for(person)
    t = TEXT[lang]

    importance = {s: imp for s, _, imp in target_skills}
    essential = [s for s, e, _ in target_skills if e and s not in have]
    essential.sort(key=lambda s: (-importance[s], s))
    optional = sorted(s for s, e, _ in target_skills if not e and s not in have)
    labels = skill_labels(session, set(essential) | set(optional), lang)
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
        return Candidate(mask, cents, cents + LAMBDA_CENTS * o.hours, bonus)

    cands_all = [candidate(o) for o in fitting]
    keep = prune(cands_all)
    cands = [cands_all[i] for i in keep]
    covered_any = 0
    for c in cands:
        covered_any |= c.mask
    budget_cents = int(limits.budget * 100) if limits.budget is not None else None

    blocked: list[Blocker] = []
    for s in essential:
        if not covered_any >> bit[s] & 1:
            teaching = [o for o in options if s in o.skills_taught]
            blocked.append(blocker_for_skill(ref(s), teaching, limits, person, lang))
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
                message=t["budget_total"].format(cost=soles(cheapest),
                                                 budget=soles(limits.budget or 0)),
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
    new_skills = taught_by(session, [o.course_id for o in picked])
    unlocked = _unlocked(session, have, new_skills, reach, when)
    gained = median([j.wage for j in unlocked])
    target_w = gained if gained is not None else target_wage
    base_wage = median(_qualified_wages(session, have, reach, when))
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
        planned_text(lang, len(steps), len(essential), target_label),
        method=used, steps=steps, total_cost=total_cost, total_hours=total_hours,
        total_weeks=sum(s.weeks for s in steps),
        parallel_weeks=_parallel_weeks([(s.weeks, s.hours_per_week) for s in steps],
                                       limits.hours_per_week),
        objective=total_cost + LAMBDA_PEN_PER_HOUR * total_hours,
        unlocks=Unlocks(count=len(unlocked), examples=unlocked[:_EXAMPLES]),
        target_wage=target_w, baseline_wage=base_wage, baseline_source=source,
        wage_difference=diff,
    )  # fmt: skip
