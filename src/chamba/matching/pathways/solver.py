"""The solvers: which candidate courses cover every missing skill at the least objective.

:func:`solve_milp` (the integer program, exact) serves; :func:`solve_exact` (branch-and-bound)
and the greedy set covers stay as references for tests and the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

LAMBDA_PEN_PER_HOUR: Final = Decimal("5")
"""λ: soles an hour of study is worth in the objective ``cost + λ · hours``."""

LAMBDA_CENTS: Final = int(LAMBDA_PEN_PER_HOUR * 100)


@dataclass(frozen=True)
class Candidate:
    """A course as the solver sees it: a bit mask of missing skills, money and objective."""

    mask: int
    cost_cents: int
    objective_cents: int  # cost + λ · hours, in cents
    bonus: float  # demand tie-break: higher is better


def prune(cands: Sequence[Candidate]) -> list[int]:
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
