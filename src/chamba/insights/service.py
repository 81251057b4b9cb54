"""Insights use cases: demand, funnel, impact and fairness reports, their charts and the
tables of their CSV exports. Read only. The API routes and the analyst pages call these.

Who may see a report is decided by the route's role dependency; the one rule that depends on the
object asked for (a provider sees the impact of its own organisation's courses only) is
:func:`impact_scope`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from chamba.auth.models import Role, User
from chamba.courses import service as course_service
from chamba.insights import charts
from chamba.insights.demand import skill_demand
from chamba.insights.errors import NoOrganisation, NotYourProvider
from chamba.insights.fairness import fairness
from chamba.insights.funnel import funnel
from chamba.insights.impact import impact
from chamba.insights.schemas import (
    MIN_GROUP,
    DemandRow,
    FairnessReport,
    FairnessRow,
    FunnelReport,
    ImpactReport,
)
from chamba.taxonomy.service import neutralise_cell

Table = tuple[Sequence[str], Iterable[Sequence[Any]]]
"""CSV columns and the rows under them."""
Lang = Literal["es", "en"]


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- reports


def demand_report(
    session: Session,
    *,
    region: str | None = None,
    level: Literal["department", "province"] = "department",
    skill_ids: Sequence[str] | None = None,
    min_group: int = MIN_GROUP,
) -> list[DemandRow]:
    """Demand for skills per region against supply (see :func:`~.demand.skill_demand`)."""
    return skill_demand(
        session, region=region, level=level, skill_ids=list(skill_ids) if skill_ids else None,
        min_group=min_group,
    )  # fmt: skip


def funnel_report(
    session: Session,
    *,
    region: str | None = None,
    occupation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = MIN_GROUP,
) -> FunnelReport:
    """The placement funnel, overall and per department (times without offset are UTC)."""
    return funnel(
        session, region=region, occupation=occupation, since=_utc(since), until=_utc(until),
        min_group=min_group,
    )  # fmt: skip


def impact_scope(
    session: Session, user: User, provider_id: int | None, course_id: int | None
) -> int | None:
    """The provider id to filter by; a provider is held to its own organisation.

    Raises:
        CourseNotFound: ``course_id`` names no course.
        NoOrganisation: a provider account without an organisation.
        NotYourProvider: a provider asking about another organisation or its course.
    """
    course = course_service.get_course(session, course_id) if course_id is not None else None
    if user.role != Role.PROVIDER:
        return provider_id
    if user.organisation_id is None:
        raise NoOrganisation()
    if provider_id is not None and provider_id != user.organisation_id:
        raise NotYourProvider()
    if course is not None and course.provider_id != user.organisation_id:
        raise NotYourProvider("This course belongs to another provider.")
    return user.organisation_id


def impact_report(
    session: Session,
    user: User,
    *,
    course_id: int | None = None,
    provider_id: int | None = None,
    region: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window_days: int = 180,
    min_group: int = MIN_GROUP,
) -> ImpactReport:
    """Outcomes of course completers against a comparison group, as ``user`` may see them."""
    scope = impact_scope(session, user, provider_id, course_id)
    return impact(
        session, course_id=course_id, provider_id=scope, region=region, since=_utc(since),
        until=_utc(until), window_days=window_days, min_group=min_group,
    )  # fmt: skip


def fairness_report(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    gap_threshold: float = 0.10,
    min_group: int = MIN_GROUP,
) -> FairnessReport:
    """Exposure and outcome rates by gender, age, area and region."""
    return fairness(
        session, since=_utc(since), until=_utc(until), gap_threshold=gap_threshold,
        min_group=min_group,
    )  # fmt: skip


# ----------------------------------------------------------------------------- charts


def demand_chart(
    session: Session, region: str | None, *, top: int = 10, lang: Lang = "es"
) -> bytes:
    """PNG bar chart of the skills most in demand in ``region`` (None: all of Peru)."""
    rows = demand_report(session, region=region)
    if region is None:
        name = "Perú" if lang == "es" else "Peru"
    else:
        name = rows[0].region_name if rows else region
    what = "habilidades más pedidas" if lang == "es" else "skills most in demand"
    return charts.demand_chart(rows, top=top, lang=lang, title=f"{name}: {what}")


def funnel_chart(
    session: Session,
    *,
    region: str | None = None,
    occupation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    lang: Lang = "es",
) -> bytes:
    """PNG bar chart of the job funnel (a department's when ``region`` names one)."""
    report = funnel_report(session, region=region, occupation=occupation, since=since, until=until)
    group = report.overall
    if region is not None and len(region) == 2:
        group = next((g for g in report.regions if g.region_code == region), group)
    return charts.funnel_chart(group, lang=lang)


# ----------------------------------------------------------------------------- tables (CSV)


def model_rows(models: Sequence[BaseModel], cls: type[BaseModel]) -> Table:
    """One column per field of ``cls``, in declaration order; one row per model."""
    columns = list(cls.model_fields)
    return columns, [[getattr(m, c) for c in columns] for m in models]


def demand_table(rows: Sequence[DemandRow]) -> Table:
    return model_rows(rows, DemandRow)


def funnel_table(report: FunnelReport) -> Table:
    """One row per stage of the jobs and the courses funnel, overall and per region."""
    columns = ["region_code", "region_name", "funnel", "stage", "people", "suppressed",
               "rate_from_previous", "rate_from_start"]  # fmt: skip
    rows = [
        [g.region_code, g.region_name, which, s.stage, s.people, s.suppressed,
         s.rate_from_previous, s.rate_from_start]
        for g in [report.overall, *report.regions]
        for which, stages in (("jobs", g.jobs), ("courses", g.courses))
        for s in stages
    ]  # fmt: skip
    return columns, rows


def impact_table(report: ImpactReport) -> Table:
    """The completers and the comparison group, then one row per course, then the note."""
    columns = ["group", "course_id", "title", "provider_id", "people", "applied", "hired",
               "applied_rate", "hired_rate", "suppressed"]  # fmt: skip
    rows: list[list[Any]] = [
        [name, report.course_id, None, report.provider_id, g.people, g.applied, g.hired,
         g.applied_rate, g.hired_rate, g.suppressed]
        for name, g in (("completers", report.completers), ("comparison", report.comparison))
    ]  # fmt: skip
    rows += [
        ["course", c.course_id, c.title, c.provider_id, c.graduates, c.applied, c.hired,
         c.applied_rate, c.hired_rate, c.suppressed]
        for c in report.courses
    ]  # fmt: skip
    rows.append(["note", None, report.note, None, None, None, None, None, None, None])
    return columns, rows


def fairness_table(report: FairnessReport) -> Table:
    """The overall row, then one row per group."""
    return model_rows([report.overall, *report.rows], FairnessRow)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(csv_cell(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number, even a negative one, stays a number in a spreadsheet
    return neutralise_cell(str(value))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV (header row, formula-like cells neutralised) of a :data:`Table`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
