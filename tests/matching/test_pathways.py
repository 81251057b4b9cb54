"""Pathways: least-cost course plans, blockers, unlocked jobs and wage difference."""

from __future__ import annotations

import importlib.util
import random
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.courses.models import Modality
from chamba.errors import InvalidInput, NotFound
from chamba.matching.course_options import CourseConstraints
from chamba.matching.pathways.planner import plan_pathway
from chamba.matching.pathways.solver import (
    LAMBDA_PEN_PER_HOUR,
    Candidate,
    solve_exact,
    solve_greedy,
    solve_greedy_within_budget,
    solve_milp,
)


def _world() -> ModuleType:
    name = "chamba_tests_pathway_world"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("pathway_world.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pw = _world()
sid = pw.sid
AS_OF = pw.AS_OF


def _limits(budget: int | None = None, km: float = 30.0) -> CourseConstraints:
    return CourseConstraints(
        budget=Decimal(budget) if budget is not None else None,
        hours_per_week=10,
        modalities={Modality.IN_PERSON, Modality.HYBRID},
        max_distance_km=km,
    )


def test_two_cheap_courses_beat_one_expensive(session: Session) -> None:
    # GIVEN Ica: A teaches welding+electricity for S/ 500 (40 h); B welding S/ 100 (30 h),
    # C electricity S/ 150 (30 h); D (online), E (20 h/week), F (Lima) do not fit the person
    w = pw.build(session)
    # WHEN a pathway to the welder occupation is planned
    p = plan_pathway(session, w.person.id, occupation_id="tpw_welder", as_of=AS_OF)
    # THEN B + C (objective 250 + 300 = 550 < 700), ordered by start date (C in August)
    assert p.status == "planned"
    assert p.feasible
    assert p.method == "milp"
    assert [s.title for s in p.steps] == ["C", "B"]
    assert [[k.skill_id for k in s.skills] for s in p.steps] == [[sid("elec")], [sid("weld")]]
    assert [k.skill_id for k in p.steps[0].also_teaches] == [sid("opt")]
    assert p.total_cost == Decimal("250")
    assert p.total_hours == 60
    assert p.total_weeks == 12
    assert p.parallel_weeks == 6  # 5 h/week each: both fit in 10 h
    assert p.objective == Decimal("250") + LAMBDA_PEN_PER_HOUR * 60
    assert {k.skill_id for k in p.missing_essential} == {sid("weld"), sid("elec")}
    assert [k.skill_id for k in p.nice_to_have] == [sid("opt")]
    assert p.message.startswith("Con 2 cursos cubres las")
    # AND one job unlocks (La Tinguiña, 3.9 km): Lima is too far, remote needs internet,
    # closed/expired jobs and the Excel job do not count
    assert p.unlocks.count == 1
    assert p.unlocks.examples[0].job_id == w.jobs["near"].id
    assert p.target_wage == 2000.0
    assert p.baseline_wage == 1100.0
    assert p.baseline_source == "qualified_jobs"
    assert p.wage_difference == 900.0


def test_one_course_when_it_is_cheaper(session: Session) -> None:
    # GIVEN course A now costs S/ 100 (objective 300 < 550)
    w = pw.build(session, a_cost=100)
    # WHEN planned
    p = plan_pathway(session, w.person.id, occupation_id="tpw_welder", as_of=AS_OF)
    # THEN A alone covers both skills
    assert [s.title for s in p.steps] == ["A"]
    assert [k.skill_id for k in p.steps[0].skills] == [sid("elec"), sid("weld")]
    assert p.total_cost == Decimal("100")
    assert p.total_hours == 40


def test_remote_ready_person_can_use_online_courses_and_remote_jobs(session: Session) -> None:
    # GIVEN the same world for a person with internet and a phone
    w = pw.build(session, remote=True)
    # WHEN planned with the profile's defaults
    p = plan_pathway(session, w.person.id, occupation_id="tpw_welder", as_of=AS_OF, lang="en")
    # THEN free online D replaces C (B + D: 250 + 100), and the remote job unlocks too
    assert sorted(s.title for s in p.steps) == ["B", "D"]
    assert p.total_cost == Decimal("100")
    assert p.total_hours == 50
    assert p.unlocks.count == 2
    assert [j.remote for j in p.unlocks.examples] == [False, True]
    assert p.target_wage == 2500.0
    assert p.message.startswith("2 courses cover the")


def test_total_budget_blocks(session: Session) -> None:
    # GIVEN a total budget of S/ 200 (the cheapest cover, B + C, costs S/ 250)
    w = pw.build(session)
    # WHEN planned
    p = plan_pathway(
        session, w.person.id, occupation_id="tpw_welder", constraints=_limits(200), as_of=AS_OF
    )
    # THEN it is infeasible and the total budget is named
    assert p.status == "infeasible"
    assert not p.feasible
    assert p.steps == []
    assert len(p.blocked) == 1
    b = p.blocked[0]
    assert b.skill_id is None
    assert b.constraints == ["budget"]
    assert b.needed == {"budget": 250.0}
    assert b.message == (
        "Presupuesto: el plan más barato que cubre todas las habilidades cuesta S/ 250; "
        "tu presupuesto es S/ 200."
    )
    # AND with S/ 250 it fits
    ok = plan_pathway(
        session, w.person.id, occupation_id="tpw_welder", constraints=_limits(250), as_of=AS_OF
    )
    assert ok.feasible
    assert ok.total_cost == Decimal("250")


def test_course_dearer_than_budget(session: Session) -> None:
    # GIVEN advanced welding is taught only by H at S/ 450
    w = pw.build(session)
    # WHEN planned with S/ 200, in Spanish and English
    es = plan_pathway(
        session, w.person.id, occupation_id="tpw_adv", constraints=_limits(200), as_of=AS_OF
    )
    en = plan_pathway(
        session, w.person.id, occupation_id="tpw_adv", constraints=_limits(200), as_of=AS_OF,
        lang="en",
    )  # fmt: skip
    # THEN the budget blocks that skill, with the relaxation
    assert es.status == "infeasible"
    assert es.blocked[0].skill_id == sid("adv")
    assert es.blocked[0].constraints == ["budget"]
    assert es.blocked[0].message == (
        "Presupuesto: el curso más barato que enseña Soldadura avanzada cuesta S/ 450; "
        "tu presupuesto es S/ 200."
    )
    assert en.blocked[0].message == (
        "Budget: the cheapest course teaching Advanced welding costs S/ 450; your budget is S/ 200."
    )


@pytest.mark.parametrize(
    ("occupation", "constraint", "needed", "message"),
    [
        ("tpw_heavy", "hours_per_week", 20.0,
         "Horas: el curso más liviano que enseña Maquinaria pesada pide 20.0 h por semana; "
         "tienes 10.0 h."),
        ("tpw_far", "distance", 265.0,
         "Distancia: el curso más cercano que enseña Minería está a 265 km; tu límite es 30 km."),
        ("tpw_web", "modality", "online",
         "Modalidad: Diseño web solo se enseña en línea y necesitas internet y un celular o "
         "computadora."),
    ],
)  # fmt: skip
def test_single_constraint_blocks(
    session: Session, occupation: str, constraint: str, needed: float | str, message: str
) -> None:
    # GIVEN a skill taught by one course that breaks exactly one constraint
    w = pw.build(session)
    # WHEN planned with the profile's defaults
    p = plan_pathway(session, w.person.id, occupation_id=occupation, as_of=AS_OF)
    # THEN that constraint is named with what would fix it
    assert p.status == "infeasible"
    [b] = p.blocked
    assert b.constraints == [constraint]
    got = b.needed[constraint]
    assert round(got, 0) == needed if isinstance(got, float) else got == needed
    assert b.message == message


def test_relaxing_distance_makes_it_feasible(session: Session) -> None:
    # GIVEN mining is taught only in Lima (265 km)
    w = pw.build(session)
    # WHEN the radius is 300 km
    p = plan_pathway(
        session, w.person.id, occupation_id="tpw_far", constraints=_limits(km=300), as_of=AS_OF
    )
    # THEN course J is the plan
    assert p.feasible
    assert [s.title for s in p.steps] == ["J"]
    assert p.steps[0].distance_km is not None
    assert p.steps[0].distance_km > 260


def test_no_course_teaches_a_skill(session: Session) -> None:
    # GIVEN pottery is taught by nobody
    w = pw.build(session)
    # WHEN planned
    p = plan_pathway(session, w.person.id, occupation_id="tpw_ghost", as_of=AS_OF, lang="en")
    # THEN the skill is named with no_course
    assert p.status == "infeasible"
    [b] = p.blocked
    assert b.skill_id == sid("ghost")
    assert b.constraints == ["no_course"]
    assert b.message == "No provider currently offers an open course teaching Pottery."


def test_already_qualified_and_job_target(session: Session) -> None:
    # GIVEN the Ica world
    w = pw.build(session)
    # WHEN the target is the clerk occupation (needs only what the person has)
    done = plan_pathway(session, w.person.id, occupation_id="tpw_clerk", as_of=AS_OF)
    # THEN an empty plan with a message
    assert done.status == "already_qualified"
    assert done.steps == []
    assert done.feasible
    assert "Ya tienes" in done.message
    # AND a job target works like its skills
    p = plan_pathway(session, w.person.id, job_id=w.jobs["near"].id, as_of=AS_OF)
    assert p.target_kind == "job"
    assert sorted(s.title for s in p.steps) == ["B", "C"]


def test_person_without_skills(session: Session) -> None:
    # GIVEN a person with no skills (customer service is taught by nobody)
    w = pw.build(session)
    nobody = pw.add_person(session, [])
    # WHEN planned
    p = plan_pathway(session, nobody.id, occupation_id="tpw_welder", as_of=AS_OF)
    # THEN every essential skill is missing and the untaught one is named
    assert len(p.missing_essential) == 3
    assert [b.skill_id for b in p.blocked] == [sid("known")]
    assert w.person.id != nobody.id


def test_bad_input(session: Session) -> None:
    # GIVEN the Ica world
    w = pw.build(session)
    pid = w.person.id
    # WHEN / THEN unknown ids are NotFound; bad targets and options are InvalidInput
    with pytest.raises(NotFound):
        plan_pathway(session, 987654321, occupation_id="tpw_welder")
    with pytest.raises(NotFound):
        plan_pathway(session, pid, occupation_id="no-such-occupation")
    with pytest.raises(NotFound):
        plan_pathway(session, pid, job_id=987654321)
    with pytest.raises(InvalidInput):
        plan_pathway(session, pid)
    with pytest.raises(InvalidInput):
        plan_pathway(session, pid, occupation_id="tpw_welder", job_id=w.jobs["near"].id)
    with pytest.raises(InvalidInput, match="lists no skills"):
        plan_pathway(session, pid, job_id=w.jobs["noskills"].id)
    with pytest.raises(InvalidInput, match="lists no skills"):
        plan_pathway(session, pid, occupation_id="tpw_blank")
    with pytest.raises(InvalidInput):
        plan_pathway(session, pid, occupation_id="tpw_welder", lang="fr")  # type: ignore[arg-type]


def random_problem(rng: random.Random, courses: tuple[int, int]) -> tuple[int, list[Candidate]]:
    """A covering problem: 1-5 skills to cover and a random number of courses in ``courses``,
    each teaching a random subset at S/ 0-500 plus 1-80 hours at λ."""
    full = (1 << rng.randint(1, 5)) - 1
    cands = [
        Candidate(rng.randint(1, full), c := rng.randint(0, 500) * 100,
                  c + 500 * rng.randint(1, 80), 0.0)
        for _ in range(rng.randint(*courses))
    ]  # fmt: skip
    return full, cands


def test_exact_solver_matches_brute_force() -> None:
    # GIVEN 200 random small covering problems
    rng = random.Random(3)
    for _ in range(200):
        full, cands = random_problem(rng, courses=(1, 9))
        n_courses = len(cands)
        budget = rng.choice([None, 30_000, 60_000])
        # WHEN solved exactly and by brute force
        best = None
        for subset in range(1, 1 << n_courses):
            chosen = [i for i in range(n_courses) if subset >> i & 1]
            mask = cost = obj = 0
            for i in chosen:
                mask |= cands[i].mask
                cost += cands[i].cost_cents
                obj += cands[i].objective_cents
            if mask & full == full and (budget is None or cost <= budget):
                best = obj if best is None else min(best, obj)
        got = solve_exact(full, cands, budget)
        # THEN the objectives agree, and greedy is never better than exact
        if best is None:
            assert got is None
            continue
        assert got is not None
        assert sum(cands[i].objective_cents for i in got) == best
        greedy = solve_greedy(full, cands)
        assert greedy is not None
        if budget is None:
            assert sum(cands[i].objective_cents for i in greedy) >= best


def _brute_force(full: int, cands: list[Candidate], budget: int | None) -> int | None:
    best = None
    for subset in range(1, 1 << len(cands)):
        mask = cost = obj = 0
        for i in range(len(cands)):
            if subset >> i & 1:
                mask |= cands[i].mask
                cost += cands[i].cost_cents
                obj += cands[i].objective_cents
        if mask & full == full and (budget is None or cost <= budget):
            best = obj if best is None else min(best, obj)
    return best


def test_milp_matches_brute_force_with_and_without_budget() -> None:
    # GIVEN 200 random small covering problems, a third without a budget
    rng = random.Random(11)
    for _ in range(200):
        full, cands = random_problem(rng, courses=(1, 9))
        budget = rng.choice([None, 30_000, 60_000])
        # WHEN the integer program solves them
        got = solve_milp(full, cands, budget)
        best = _brute_force(full, cands, budget)
        # THEN it finds a plan exactly when one exists, covering and fitting, at the optimum
        if best is None:
            assert got is None
            continue
        assert got is not None
        mask = 0
        for i in got:
            mask |= cands[i].mask
        assert mask & full == full
        assert budget is None or sum(cands[i].cost_cents for i in got) <= budget
        assert sum(cands[i].objective_cents for i in got) == best


def test_milp_is_never_worse_than_greedy_on_large_budgeted_problems() -> None:
    # GIVEN large budgeted problems (26-80 candidate courses), where branch-and-bound is too slow
    rng = random.Random(17)
    strictly_better = 0
    for _ in range(40):
        full, cands = random_problem(rng, courses=(26, 80))
        budget = rng.choice([20_000, 40_000, 80_000])
        milp_plan = solve_milp(full, cands, budget)
        greedy = solve_greedy_within_budget(full, cands, budget)
        # THEN whenever greedy finds a fitting plan, the MILP finds one at least as good
        if greedy is not None:
            assert milp_plan is not None
            g = sum(cands[i].objective_cents for i in greedy)
            m = sum(cands[i].objective_cents for i in milp_plan)
            assert m <= g
            strictly_better += m < g
        if milp_plan is not None:
            assert sum(cands[i].cost_cents for i in milp_plan) <= budget
    # AND on such problems the greedy is sometimes strictly worse (why the MILP serves)
    assert strictly_better > 0


def test_milp_breaks_objective_ties_by_demand_bonus() -> None:
    # GIVEN two courses with the same objective, one teaching skills in higher demand
    cands = [Candidate(0b1, 500, 900, 0.2), Candidate(0b1, 500, 900, 3.0)]
    # THEN the MILP picks the one in higher demand
    assert solve_milp(0b1, cands, None) == [1]
    # AND a budget below every course is infeasible
    assert solve_milp(0b1, cands, 100) is None


def test_budget_aware_greedy_trades_hours_for_money() -> None:
    # GIVEN one free but long course and one paid short one that each cover both skills
    cands = [Candidate(0b11, 0, 200_000, 0.0), Candidate(0b11, 30_000, 40_000, 0.0)]
    # WHEN the budget cannot pay the short one
    # THEN the plain greedy picks the over-budget course and the budget-aware one the free one
    assert solve_greedy(0b11, cands) == [1]
    assert solve_greedy_within_budget(0b11, cands, 20_000) == [0]
    assert solve_greedy_within_budget(0b11, cands, 50_000) == [1]
    assert solve_greedy_within_budget(0b11, cands, None) == [1]


def test_budget_aware_greedy_fits_the_budget_and_finds_most_exact_plans() -> None:
    # GIVEN 300 random covering problems with budgets
    rng = random.Random(5)
    exact_found = greedy_found = 0
    for _ in range(300):
        full, cands = random_problem(rng, courses=(2, 10))
        budget = rng.choice([20_000, 40_000, 80_000])
        exact = solve_exact(full, cands, budget)
        got = solve_greedy_within_budget(full, cands, budget)
        # THEN every greedy plan covers every skill within the budget, never beats exact...
        if got is not None:
            greedy_found += 1
            mask = 0
            for i in got:
                mask |= cands[i].mask
            assert mask & full == full
            assert sum(cands[i].cost_cents for i in got) <= budget
            assert exact is not None
            assert sum(cands[i].objective_cents for i in got) >= sum(
                cands[i].objective_cents for i in exact
            )
        exact_found += exact is not None
        # ...and it finds a plan whenever the cheapest greedy cover fits
        cheapest = solve_greedy(full, [Candidate(c.mask, c.cost_cents, c.cost_cents, 0.0)
                                       for c in cands])  # fmt: skip
        if cheapest is not None and sum(cands[i].cost_cents for i in cheapest) <= budget:
            assert got is not None
    # AND it finds most of the plans the exact solver finds
    assert exact_found > 100
    assert greedy_found >= 0.97 * exact_found  # the budget-blind greedy found 199 of 214


def test_demo_world_plans_are_feasible(tmp_path: Path) -> None:
    # GIVEN a generated demo Peru of 200 people in its own SQLite file
    from chamba.api.app import prepare_database
    from chamba.db import make_engine
    from chamba.demo.common import REFERENCE_DATE
    from chamba.demo.generator import generate_demo
    from chamba.people.models import Person
    from chamba.taxonomy.models import Occupation

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    prepare_database(engine)
    generate_demo(engine, size=200, n_courses=600, out_dir=tmp_path / "gt")
    rng = random.Random(11)
    with Session(engine) as session:
        people = list(session.scalars(select(Person).limit(60)))
        occupations = list(session.scalars(select(Occupation.id)))
        planned = 0
        for person in people:
            limits = CourseConstraints.defaults_for(person)
            limits.budget = rng.choice([None, Decimal("300"), Decimal("1500")])
            if rng.random() < 0.5:  # a wide radius and every modality, so that plans exist
                limits.max_distance_km, limits.modalities = 1500.0, set(Modality)
            # WHEN a pathway to a random occupation is planned
            p = plan_pathway(
                session, person.id, occupation_id=rng.choice(occupations),
                constraints=limits, as_of=REFERENCE_DATE,
            )  # fmt: skip
            # THEN every plan respects its constraints and its totals add up
            if p.status != "planned":
                assert p.steps == []
                assert p.status == "already_qualified" or p.blocked
                continue
            planned += 1
            assert p.total_cost == sum((s.cost for s in p.steps), Decimal("0"))
            assert p.total_hours == sum(s.hours for s in p.steps)
            assert p.total_weeks == sum(s.weeks for s in p.steps)
            if limits.budget is not None:
                assert p.total_cost <= limits.budget
            for s in p.steps:
                assert limits.modalities is not None
                assert s.modality in limits.modalities
                if limits.hours_per_week and s.hours_per_week:
                    assert s.hours_per_week <= limits.hours_per_week + 1e-6
                if s.distance_km is not None and limits.max_distance_km is not None:
                    assert s.distance_km <= limits.max_distance_km + 0.1
            covered = {k.skill_id for s in p.steps for k in s.skills}
            assert covered == {k.skill_id for k in p.missing_essential}
        assert planned > 0
    engine.dispose()
