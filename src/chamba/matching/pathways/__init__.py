"""Pathways (being split by concern: this re-export is gone in the next commit)."""

from chamba.matching.pathways.planner import (  # noqa: F401
    LAMBDA_PEN_PER_HOUR,
    Candidate,
    Pathway,
    _planned_text,
    plan_pathway,
    solve_exact,
    solve_greedy,
    solve_greedy_within_budget,
    solve_milp,
)
