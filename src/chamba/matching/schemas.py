"""Matching's I/O: what a seeker asks of their jobs page, and the pydantic pages of ranked,
explained jobs, candidates and courses."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chamba.activity.models import ApplicationStatus
from chamba.activity.schemas import Contact

Lang = Literal["es", "en"]
WageFit = Literal["above", "meets", "below", "unknown"]
HoursFit = Literal["fits", "exceeds", "unknown"]


@dataclass(frozen=True)
class JobsRequest:
    """What a seeker asks of their ranked jobs (:func:`~chamba.matching.service.jobs_for_person`);
    checked where it is served (a bad value raises ``InvalidMatchRequest`` there).

    Args:
        limit: page size (1..200).
        offset: ranks to skip.
        max_distance_km: radius for on-site jobs (default: the person's, else 50 km).
        remote: ``None`` both, ``True`` remote only, ``False`` on-site only. Remote jobs are
            shown only to people with internet and a device.
        min_wage: wage floor in PEN a month (default: 80% of the person's expected wage).
        include_expired: also rank jobs past their expiry date.
        now: the instant expiry and freshness are measured from (default: now).
        lang: ``"es"`` or ``"en"`` (default: the person's account language, else Spanish).
    """

    limit: int = 10
    offset: int = 0
    max_distance_km: float | None = None
    remote: bool | None = None
    min_wage: Decimal | float | None = None
    include_expired: bool = False
    now: datetime | None = None
    lang: str | None = None

    def key_part(self, language: str) -> tuple[Hashable, ...]:
        """Every field that changes the page, for the page cache's key, with the language the
        page is in (``language``: ``lang`` resolved) in place of ``lang``."""
        return (
            self.limit, self.offset, self.max_distance_km, self.remote, self.min_wage,
            self.include_expired, self.now, language,
        )  # fmt: skip


class SkillRef(BaseModel):
    """A skill with its label in the response language."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str


class CourseSummary(BaseModel):
    """A course that teaches a missing skill (from :func:`~chamba.matching.course_options`)."""

    course_id: int
    title: str
    provider: str | None
    modality: str
    cost: Decimal  # effective cost, PEN (0 when free)
    is_free: bool
    scholarship: bool
    hours: int
    weeks: int | None = None
    distance_km: float | None = None
    next_start_date: str | None = None
    fits: bool
    blocked_by: list[str] = Field(default_factory=list)


class MissingSkill(SkillRef):
    """A skill the job asks for and the person lacks, with the best courses that teach it."""

    courses: list[CourseSummary] = Field(default_factory=list)


class WageInfo(BaseModel):
    offered_min: Decimal | None = None
    offered_max: Decimal | None = None
    expected: Decimal | None = None
    fit: WageFit = "unknown"


class HoursInfo(BaseModel):
    job_hours: int | None = None
    available_hours: int | None = None
    slot_overlap: float | None = None  # share of the job's (or course's) slots the person has free
    fit: HoursFit = "unknown"


class CostInfo(BaseModel):
    """What a course costs the person (courses only)."""

    cost: Decimal
    is_free: bool
    scholarship: bool
    budget: Decimal | None = None
    within_budget: bool | None = None


class Explanation(BaseModel):
    """Why an item was recommended, in the person's language.

    For jobs and candidates: matched skills, missing essential (with courses, for seekers) and
    optional skills, distance, wage and hours. For courses, ``matched_skills`` are the new skills
    the course teaches that the person's target jobs ask for, and ``cost`` is filled in.
    """

    matched_skills: list[SkillRef] = Field(default_factory=list)
    missing_essential: list[MissingSkill] = Field(default_factory=list)
    missing_optional: list[SkillRef] = Field(default_factory=list)
    distance_km: float | None = None
    place: str | None = Field(
        default=None,
        description="Where the job (for an employer: the person) is, named instead of a "
        "distance when a place is known only to its department or province ('Cusco').",
    )
    matched_words: list[str] = Field(
        default_factory=list,
        description="Words of the posting that the person also used in their own words.",
    )
    remote: bool = False
    wage: WageInfo = Field(default_factory=WageInfo)
    hours: HoursInfo = Field(default_factory=HoursInfo)
    cost: CostInfo | None = None
    summary: str = ""


class MatchItem(BaseModel):
    """One ranked result. Exactly one of ``job_id``, ``person_id``, ``course_id`` is set."""

    job_id: int | None = None
    person_id: int | None = None
    course_id: int | None = None
    title: str
    score: float
    rank: int  # 1-based over the whole ranking (offset included)
    features: dict[str, float]
    explanation: Explanation


class MatchPage(BaseModel):
    """One page of a ranking.

    ``total_candidates`` counts every item that was ranked (so ``offset`` can page through
    them); ``total_filtered`` every item that passed the hard filters. ``hints`` are stable codes
    a page can turn into advice, e.g. ``"add_skills"`` or ``"no_location"``.
    """

    items: list[MatchItem]
    total_candidates: int
    total_filtered: int = 0
    scorer_version: str
    lang: Lang
    limit: int
    offset: int
    hints: list[str] = Field(default_factory=list)


class CandidateItem(MatchItem):
    """A ranked candidate; ``contact`` only when the employer may see it."""

    applied: bool = False
    application_status: ApplicationStatus | None = None
    contact: Contact | None = None


class CandidatePage(BaseModel):
    """A page of a job's candidates, as its employer sees them."""

    items: list[CandidateItem]
    total_candidates: int
    total_filtered: int
    scorer_version: str
    lang: Lang
    limit: int
    offset: int
    hints: list[str]
