"""Pydantic output of labour-market insights."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

REMOTE_REGION: Final = "REMOTE"
"""Pseudo-region code under which remote jobs (and remote-ready supply) are counted."""


class DemandRow(BaseModel):
    """Demand for one skill in one region (open, non-expired jobs) against its local supply.

    ``supply`` is ``None`` (and ``supply_suppressed`` true) when between 1 and ``min_group - 1``
    people hold the skill there, so that small groups are never shown (design §7); ``gap`` and
    ``gap_ratio`` are then ``None`` too.
    """

    model_config = ConfigDict(frozen=True)

    region_code: str  # 2-digit department, 4-digit province, or "REMOTE"
    region_name: str
    skill_id: str
    skill_label_es: str
    skill_label_en: str
    open_jobs: int  # open jobs listing the skill (essential or optional)
    essential_jobs: int  # of which list it as essential
    openings: int  # sum of the jobs' openings
    median_wage: float | None  # PEN / month, median of the jobs' wage midpoints
    supply: int | None
    supply_suppressed: bool = False
    gap: int | None  # openings - supply (positive: shortage)
    gap_ratio: float | None  # openings / supply; None when supply is 0 or suppressed
    remote_jobs: int  # open remote jobs listing the skill (national)


MIN_GROUP: Final = 10
"""Default smallest group shown by the funnel, impact and fairness analytics (design §7).

The API never lets a caller go below it (``min_group`` may only be raised)."""

ALL_REGIONS: Final = "ALL"
"""Region code of the overall (national) group in funnel reports."""


class StageCount(BaseModel):
    """People who reached one funnel stage (or a later one).

    ``people`` is ``None`` (``suppressed`` true) for 1 to ``min_group - 1`` people. Rates are
    ``None`` when a count they use is suppressed or the base is 0.
    """

    model_config = ConfigDict(frozen=True)

    stage: str
    people: int | None
    suppressed: bool = False
    rate_from_previous: float | None = None  # people / people at the stage before
    rate_from_start: float | None = None  # people / people at the first stage


class FunnelGroup(BaseModel):
    """The job funnel (shown → opened → applied → interviewed → hired) and the course funnel
    (shown → enrolled → completed) of one region, or of everyone (``region_code`` ``"ALL"``; a
    report filtered to a region has that region's code as its overall group)."""

    model_config = ConfigDict(frozen=True)

    region_code: str
    region_name: str
    jobs: list[StageCount]
    courses: list[StageCount]


class FunnelReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    since: datetime | None
    until: datetime | None
    region: str | None
    occupation: str | None
    min_group: int
    overall: FunnelGroup
    regions: list[FunnelGroup]


class OutcomeGroup(BaseModel):
    """People of one group and how many applied / were hired within the follow-up window.

    Counts of 1 to ``min_group - 1`` are ``None`` with ``suppressed`` true; rates built on a
    suppressed count are ``None``. For the comparison group, ``applied_rate``/``hired_rate`` are
    standardised to the completers' mix of (department, education) strata.
    """

    model_config = ConfigDict(frozen=True)

    people: int | None
    applied: int | None
    hired: int | None
    applied_rate: float | None
    hired_rate: float | None
    suppressed: bool = False


class CourseOutcome(BaseModel):
    """One course's graduates and their outcomes within the follow-up window."""

    model_config = ConfigDict(frozen=True)

    course_id: int
    title: str
    provider_id: int | None
    graduates: int | None
    applied: int | None
    hired: int | None
    applied_rate: float | None
    hired_rate: float | None
    suppressed: bool = False


class ImpactReport(BaseModel):
    """Outcomes of people who completed a course against similar people who did not.

    Observational, not causal: people who choose to finish a course differ from those who do
    not in ways these data do not see (motivation, networks, ...). See ``note``.
    """

    model_config = ConfigDict(frozen=True)

    observational: bool = True
    note: str
    course_id: int | None
    provider_id: int | None
    region: str | None
    since: datetime | None
    until: datetime | None
    as_of: datetime
    window_days: int
    min_group: int
    completers: OutcomeGroup
    comparison: OutcomeGroup
    comparison_coverage: float | None  # share of completers whose stratum has comparisons
    applied_rate_difference: float | None  # completers - comparison
    hired_rate_difference: float | None
    follow_up_incomplete: int | None  # completers left out: window not over yet (suppressed)
    courses: list[CourseOutcome]


class FairnessRow(BaseModel):
    """Exposure and outcome rates of one group, and their gaps to the overall rates.

    ``exposure_rate`` = people shown at least one job / people; ``application_rate`` = people
    who applied / people shown a job; ``hire_rate`` = people hired / people who applied. A gap
    is the group's rate minus the overall rate; ``flagged`` lists the rates whose gap is larger
    (in absolute value) than the report's ``gap_threshold``.
    """

    model_config = ConfigDict(frozen=True)

    dimension: str  # gender | age_band | area | region
    group: str
    group_name: str
    people: int | None
    exposed: int | None
    applied: int | None
    hired: int | None
    exposure_rate: float | None
    application_rate: float | None
    hire_rate: float | None
    exposure_gap: float | None
    application_gap: float | None
    hire_gap: float | None
    flagged: list[str]
    suppressed: bool = False


class FairnessReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    since: datetime | None
    until: datetime | None
    as_of: datetime
    min_group: int
    gap_threshold: float
    overall: FairnessRow
    rows: list[FairnessRow]
