"""Pathways: the cheapest, quickest set of courses from a person to a target occupation or job.

Problem. The *missing* skills are the target's essential skills the person lacks (a job's
``essential`` :class:`~chamba.jobs.models.JobSkill` rows, an occupation's ``essential``
:class:`~chamba.taxonomy.models.OccupationSkill` rows); optional ones are reported as "nice to
have" and never required. Choose open courses that together teach every missing skill,
minimising

    objective = total cost (PEN) + λ · total hours,   λ = S/ 5 per hour of study

(:data:`~.solver.LAMBDA_PEN_PER_HOUR`: roughly what an hour of a low-wage worker's time is worth, so
200 h of free study weighs like S/ 1000), subject to total cost ≤ budget, and per course: weekly
load ≤ the person's hours per week, modality allowed (online only for the remote-ready),
distance ≤ the travel radius. Ties in the objective go to the plan whose skills are in higher
demand in the person's department (:func:`chamba.insights.demand.demand_index`), weighted by
the job's importance.

Solver. Courses that break a per-course constraint are dropped; a course dominated by another
(covers a subset of its missing skills at no lower objective) is dropped. The rest is one
**integer program** (:func:`~.solver.solve_milp`, HiGHS through :func:`scipy.optimize.milp`):
a binary variable per course, one covering row per missing skill (Σ courses teaching it ≥ 1),
one budget row (Σ cost ≤ budget), minimise the objective in integer cents with the demand bonus
as a tie-break worth less than a cent. It is exact at every size (the MIP gap is 0), so a plan
is never dearer than necessary and "over budget" is said only when no cover fits.
Two reference solvers stay for tests and the benchmark (``method="exact"`` / ``"greedy"``):
the branch-and-bound :func:`~.solver.solve_exact` (exponential, fine below ~25 candidates) and the
greedy weighted set cover (:mod:`~.solver`), which is
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

Modules: :mod:`~.schemas` (the plan), :mod:`~.solver` (the integer program and the reference
solvers), :mod:`~.repository` (its SQL), :mod:`~.messages` (es/en words) and :mod:`~.planner`
(:func:`~chamba.matching.pathways.planner.plan_pathway`, the use case).
"""
