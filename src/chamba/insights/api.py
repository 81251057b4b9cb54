"""Insights routes: labour-market demand, placement funnel, training impact and fairness.

Who sees what (decided here; design §1 and §7):

==========================  =======  ========  ========  =========  =======  =====
route                       seeker   employer  provider  counselor  analyst  admin
==========================  =======  ========  ========  =========  =======  =====
``/insights/demand`` (+png) yes      yes       yes       yes        yes      yes
``/insights/funnel`` (+png) 403      403       403       yes        yes      yes
``/insights/impact``        403      403       own org   yes        yes      yes
``/insights/fairness``      403      403       403       yes        yes      yes
==========================  =======  ========  ========  =========  =======  =====

Demand is aggregate public labour-market information (which skills jobs ask for where), useful
to seekers choosing what to learn, employers and providers; it still needs an account (401
without) so that the routes are not an anonymous scraping target. The funnel and fairness
describe the platform's users and are for staff. A provider sees the impact of its own
organisation's courses: ``provider_id`` defaults to its organisation, another id (or another
provider's ``course_id``) is a 403.

Every route answers JSON, or CSV with ``?format=csv`` or ``Accept: text/csv`` (cells that a
spreadsheet would run as formulas are neutralised). Groups smaller than ``min_group`` (at least
:data:`~chamba.insights.schemas.MIN_GROUP`; callers may raise it, never lower it) are
suppressed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from chamba.auth.deps import CurrentUser, require_roles
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.auth.models import Role, User
from chamba.courses import service as course_service
from chamba.courses.errors import CourseNotFound
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
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
from chamba.params import Moment
from chamba.problems import responses
from chamba.taxonomy.service import neutralise_cell

router = APIRouter(prefix="/insights", tags=["insights"])

StaffUser = Annotated[User, Depends(require_roles(Role.COUNSELOR, Role.ANALYST, Role.ADMIN))]
ImpactUser = Annotated[
    User, Depends(require_roles(Role.PROVIDER, Role.COUNSELOR, Role.ANALYST, Role.ADMIN))
]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for a CSV download (or send `Accept: text/csv`)."),
]
MinGroup = Annotated[
    int,
    Query(ge=MIN_GROUP, le=1000, description=f"Smallest group shown (at least {MIN_GROUP})."),
]
Region = Annotated[
    str | None, Query(pattern=r"^\d{2}(\d{2}(\d{2})?)?$", description="Ubigeo prefix.")
]
Occupation = Annotated[str | None, Query(max_length=200)]
Lang = Annotated[Literal["es", "en"], Query(description="Language of the chart's labels.")]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV when asked for."}
}
_PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "A PNG chart."}
}
_auth = (NotAuthenticated, RoleRequired)
Result = TypeVar("Result")
Table = tuple[Sequence[str], Iterable[Sequence[Any]]]
"""CSV columns and the rows under them."""


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(_cell(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number, even a negative one, stays a number in a spreadsheet
    return neutralise_cell(str(value))


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[Any]], name: str) -> Response:
    """A CSV download (UTF-8, header row, formula-like cells neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="chamba-{name}.csv"'},
    )


def model_rows(models: Sequence[BaseModel], cls: type[BaseModel]) -> Table:
    """One column per field of ``cls``, in declaration order; one row per model."""
    columns = list(cls.model_fields)
    return columns, [[getattr(m, c) for c in columns] for m in models]


def _answer(
    request: Request,
    fmt: str | None,
    result: Result,
    name: str,
    table: Callable[[Result], Table],
) -> Result | Response:
    """``result`` for FastAPI to answer as JSON, or, when CSV is asked for (``fmt``, else the
    ``Accept`` header), the download ``chamba-{name}.csv`` of ``table(result)``."""
    if _wants_csv(request, fmt):
        return csv_response(*table(result), name)
    return result


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


# ----------------------------------------------------------------------------- demand


def _demand(
    session: SessionDep, region: str | None, level: str, skill: list[str] | None, min_group: int
) -> list[DemandRow]:
    return skill_demand(
        session,
        region=region,
        level=level,  # type: ignore[arg-type]
        skill_ids=skill or None,
        min_group=min_group,
    )


@router.get(
    "/demand",
    summary="Demand for skills per region, against supply (any signed-in user)",
    response_model=list[DemandRow],
    responses={**_CSV, **responses(NotAuthenticated, InvalidInput)},
)
def get_demand(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    region: Annotated[
        str | None,
        Query(pattern=r"^(\d{2}(\d{2}(\d{2})?)?|REMOTE)$", description="Ubigeo prefix or REMOTE."),
    ] = None,
    level: Literal["department", "province"] = "department",
    skill: Annotated[list[str] | None, Query(max_length=50, description="Skill ids.")] = None,
    min_group: MinGroup = MIN_GROUP,
    format: Format = None,
) -> Any:
    rows = _demand(session, region, level, skill, min_group)
    return _answer(request, format, rows, "demand", lambda rs: model_rows(rs, DemandRow))


@router.get(
    "/demand/chart.png",
    summary="Bar chart of the skills most in demand in a region (any signed-in user)",
    response_class=Response,
    responses={**_PNG, **responses(NotAuthenticated, InvalidInput)},
)
def get_demand_chart(
    user: CurrentUser,
    session: SessionDep,
    region: Annotated[
        str | None,
        Query(pattern=r"^(\d{2}(\d{2})?|REMOTE)$", description="Department, province or REMOTE."),
    ] = None,
    top: Annotated[int, Query(ge=1, le=20)] = 10,
    lang: Lang = "es",
) -> Response:
    rows = _demand(session, region, "department", None, MIN_GROUP)
    if region is None:
        name = "Perú" if lang == "es" else "Peru"
    else:
        name = rows[0].region_name if rows else region
    what = "habilidades más pedidas" if lang == "es" else "skills most in demand"
    return _png(charts.demand_chart(rows, top=top, lang=lang, title=f"{name}: {what}"))


# ----------------------------------------------------------------------------- funnel


def _funnel(
    session: SessionDep,
    region: str | None,
    occupation: str | None,
    since: datetime | None,
    until: datetime | None,
    min_group: int = MIN_GROUP,
) -> FunnelReport:
    return funnel(
        session, region=region, occupation=occupation, since=_utc(since), until=_utc(until),
        min_group=min_group,
    )  # fmt: skip


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


@router.get(
    "/funnel",
    summary="Placement funnel, overall and per department (staff)",
    response_model=FunnelReport,
    responses={**_CSV, **responses(*_auth, InvalidInput)},
)
def get_funnel(
    request: Request,
    user: StaffUser,
    session: SessionDep,
    region: Region = None,
    occupation: Occupation = None,
    since: Moment | None = None,
    until: Moment | None = None,
    min_group: MinGroup = MIN_GROUP,
    format: Format = None,
) -> Any:
    report = _funnel(session, region, occupation, since, until, min_group)
    return _answer(request, format, report, "funnel", funnel_table)


@router.get(
    "/funnel/chart.png",
    summary="Bar chart of the job funnel (staff)",
    response_class=Response,
    responses={**_PNG, **responses(*_auth, InvalidInput)},
)
def get_funnel_chart(
    user: StaffUser,
    session: SessionDep,
    region: Region = None,
    occupation: Occupation = None,
    since: Moment | None = None,
    until: Moment | None = None,
    lang: Lang = "es",
) -> Response:
    report = _funnel(session, region, occupation, since, until)
    group = report.overall
    if region is not None and len(region) == 2:
        group = next((g for g in report.regions if g.region_code == region), group)
    return _png(charts.funnel_chart(group, lang=lang))


# ----------------------------------------------------------------------------- impact


def _impact_scope(
    session: SessionDep, user: User, provider_id: int | None, course_id: int | None
) -> int | None:
    """The provider id to filter by; a provider is held to its own organisation."""
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


@router.get(
    "/impact",
    summary="Outcomes of course completers against a comparison group (observational)",
    response_model=ImpactReport,
    responses={**_CSV, **responses(*_auth, NotYourProvider, CourseNotFound, InvalidInput)},
)
def get_impact(
    request: Request,
    user: ImpactUser,
    session: SessionDep,
    course_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    provider_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    region: Region = None,
    since: Moment | None = None,
    until: Moment | None = None,
    window_days: Annotated[int, Query(ge=1, le=730)] = 180,
    min_group: MinGroup = MIN_GROUP,
    format: Format = None,
) -> Any:
    scope = _impact_scope(session, user, provider_id, course_id)
    report = impact(
        session, course_id=course_id, provider_id=scope, region=region, since=_utc(since),
        until=_utc(until), window_days=window_days, min_group=min_group,
    )  # fmt: skip
    return _answer(request, format, report, "impact", impact_table)


# ----------------------------------------------------------------------------- fairness


def fairness_table(report: FairnessReport) -> Table:
    """The overall row, then one row per group."""
    return model_rows([report.overall, *report.rows], FairnessRow)


@router.get(
    "/fairness",
    summary="Exposure and outcome rates by gender, age, area and region (staff)",
    response_model=FairnessReport,
    responses={**_CSV, **responses(*_auth, InvalidInput)},
)
def get_fairness(
    request: Request,
    user: StaffUser,
    session: SessionDep,
    since: Moment | None = None,
    until: Moment | None = None,
    gap_threshold: Annotated[float, Query(ge=0, le=1)] = 0.10,
    min_group: MinGroup = MIN_GROUP,
    format: Format = None,
) -> Any:
    report = fairness(
        session,
        since=_utc(since),
        until=_utc(until),
        gap_threshold=gap_threshold,
        min_group=min_group,
    )
    return _answer(request, format, report, "fairness", fairness_table)
