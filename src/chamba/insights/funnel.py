"""The placement funnel: how many people go from a recommendation to a job (or a course).

Decisions:

- **Source**: the interaction log (``shown``, ``opened``, ``applied``, ``interviewed``, ``hired``
  on jobs; ``shown``, ``enrolled``, ``completed`` on courses). Applying logs ``applied`` and
  an employer's moves log ``interviewed`` and ``hired`` (see ``chamba.activity.service``), so
  the log covers applications made on the platform.
- **People, furthest stage**: each person counts once, at every stage up to the furthest one
  they reached in the window (someone hired counts as shown, opened, applied and interviewed
  too, even when an earlier step was not logged). Counts therefore never grow down the funnel,
  and rates stay in 0..1.
- **Regions** are the person's department (first two ubigeo digits). People without a place,
  and people who erased their data (pseudonymous interactions only), count in the overall
  funnel but in no region.
- ``occupation`` narrows the *job* funnel to jobs of that occupation; the course funnel is
  unaffected by it.
- **Privacy** (design §7): a count from 1 to ``min_group - 1`` is ``None`` with ``suppressed``,
  and so is every later stage of the same funnel (a zero after a hidden count would say what
  nobody of a small group did); a rate that needs a hidden count is ``None``. Regions without
  any activity are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chamba.activity.models import InteractionKind, SubjectType
from chamba.errors import InvalidInput
from chamba.insights import repository as repo
from chamba.insights.common import protect, rate, region_name, suppress_chain
from chamba.insights.schemas import (
    ALL_REGIONS,
    MIN_GROUP,
    FunnelGroup,
    FunnelReport,
    StageCount,
)

__all__ = ["funnel", "stages"]


def _check(
    region: str | None, since: datetime | None, until: datetime | None, min_group: int
) -> None:
    if min_group < 1:
        raise InvalidInput(f"min_group must be at least 1, got {min_group}")
    if region is not None and not (region.isdigit() and len(region) in (2, 4, 6)):
        raise InvalidInput(f"region must be a 2, 4 or 6 digit ubigeo prefix, got {region!r}")
    if since is not None and until is not None and since >= until:
        raise InvalidInput("since must be before until")


def cumulative(reached: dict[int, int], count: int) -> list[int]:
    """People at each of ``count`` stages or later, from ``{furthest stage index: people}``."""
    return [sum(n for s, n in reached.items() if s >= i) for i in range(count)]


def stages(
    reached: dict[int, int],
    names: Sequence[InteractionKind],
    min_group: int,
    shown: list[int | None] | None = None,
) -> list[StageCount]:
    """Cumulative stage counts from ``{furthest stage index: people}``, suppressed and rated
    (``shown``: counts already suppressed, e.g. by :func:`~chamba.insights.common.protect`)."""
    if shown is None:
        shown = suppress_chain(cumulative(reached, len(names)), min_group)
    return [
        StageCount(
            stage=str(name),
            people=shown[i],
            suppressed=shown[i] is None,
            rate_from_previous=rate(shown[i], shown[i - 1]) if i else None,
            rate_from_start=rate(shown[i], shown[0]) if i else None,
        )
        for i, name in enumerate(names)
    ]


def _by_region(rows: Iterable[tuple[str | None, int, int]]) -> dict[str | None, dict[int, int]]:
    out: dict[str | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for dept, stage, n in rows:
        out[dept][stage] += n
    return out


def funnel(
    session: Session,
    *,
    region: str | None = None,
    occupation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = MIN_GROUP,
) -> FunnelReport:
    """People at each stage of the job and course funnels, overall and per department.

    Args:
        session: database session.
        region: only people living in this ubigeo prefix (2, 4 or 6 digits).
        occupation: only jobs of this occupation id (job funnel only).
        since: interactions at or after this moment.
        until: interactions before this moment.
        min_group: smallest count shown (design §7).

    Returns:
        A :class:`FunnelReport`: ``overall`` (region ``"ALL"``) and one group per department
        with any activity, sorted by code.

    Raises:
        InvalidInput: on a malformed region, an empty window or ``min_group`` < 1.

    Example:
        >>> report = funnel(session, region="11")  # doctest: +SKIP
        >>> [(s.stage, s.people) for s in report.overall.jobs]  # doctest: +SKIP
        [('shown', 240), ('opened', 120), ('applied', 45), ('interviewed', 20), ('hired', None)]
    """
    _check(region, since, until, min_group)
    jobs = _by_region(
        repo.funnel_counts(
            session, subject_type=SubjectType.JOB, stages=repo.JOB_STAGES, region=region,
            occupation=occupation, since=since, until=until,
        )
    )  # fmt: skip
    courses = _by_region(
        repo.funnel_counts(
            session, subject_type=SubjectType.COURSE, stages=repo.COURSE_STAGES, region=region,
            occupation=occupation, since=since, until=until,
        )
    )  # fmt: skip

    def group(
        code: str,
        job_reached: dict[int, int],
        course_reached: dict[int, int],
        shown: tuple[list[int | None], list[int | None]] | None = None,
    ) -> FunnelGroup:
        return FunnelGroup(
            region_code=code,
            region_name=region_name(code),
            jobs=stages(job_reached, repo.JOB_STAGES, min_group, shown and shown[0]),
            courses=stages(course_reached, repo.COURSE_STAGES, min_group, shown and shown[1]),
        )

    def total(by: dict[str | None, dict[int, int]]) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for reached in by.values():
            for s, n in reached.items():
                out[s] += n
        return out

    codes = sorted(c for c in set(jobs) | set(courses) if c is not None)

    def regional(by: dict[str | None, dict[int, int]], names: Sequence[InteractionKind]) -> Any:
        # Region cells are parts of the published total: no hidden cell (nor the people in no
        # region) may be recovered by subtraction.
        raw = [cumulative(by.get(c, {}), len(names)) for c in codes]
        return protect(raw, cumulative(total(by), len(names)), min_group)

    job_cells = regional(jobs, repo.JOB_STAGES)
    course_cells = regional(courses, repo.COURSE_STAGES)
    return FunnelReport(
        since=since,
        until=until,
        region=region,
        occupation=occupation,
        min_group=min_group,
        # Filtered to a region, the total is that region's (not "all of Peru").
        overall=group(region or ALL_REGIONS, total(jobs), total(courses)),
        regions=[
            group(c, jobs.get(c, {}), courses.get(c, {}), (job_cells[k], course_cells[k]))
            for k, c in enumerate(codes)
        ],
    )
