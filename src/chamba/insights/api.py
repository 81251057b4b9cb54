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
suppressed, and so are the counts that subtraction from a published total would give away
(:func:`chamba.insights.common.protect`). The funnel counts whole, closed calendar months
(UTC; see :mod:`chamba.insights.windows`): ``since``/``until`` are widened to whole months and
``until`` is at most the start of the current month; the report says which months it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from chamba.auth.deps import CurrentUser, require_roles
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.auth.models import Role, User
from chamba.courses.errors import CourseNotFound
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
from chamba.insights import service
from chamba.insights.errors import NotYourProvider
from chamba.insights.impact import FOLLOW_UP_DAYS
from chamba.insights.schemas import MIN_GROUP, DemandRow, FairnessReport, FunnelReport, ImpactReport
from chamba.insights.service import Table
from chamba.params import Moment
from chamba.problems import responses

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


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[Any]], name: str) -> Response:
    """A CSV download ``chamba-{name}.csv`` (UTF-8, header row, formula-like cells neutralised)."""
    return Response(
        service.csv_text(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="chamba-{name}.csv"'},
    )


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
    rows = service.demand_report(
        session, region=region, level=level, skill_ids=skill, min_group=min_group
    )
    return _answer(request, format, rows, "demand", service.demand_table)


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
    return _png(service.demand_chart(session, region, top=top, lang=lang))


# ----------------------------------------------------------------------------- funnel


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
    report = service.funnel_report(
        session, region=region, occupation=occupation, since=since, until=until,
        min_group=min_group,
    )  # fmt: skip
    return _answer(request, format, report, "funnel", service.funnel_table)


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
    return _png(
        service.funnel_chart(
            session, region=region, occupation=occupation, since=since, until=until, lang=lang
        )
    )


# ----------------------------------------------------------------------------- impact


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
    window_days: Annotated[
        int,
        Query(
            ge=1,
            le=730,
            description="Follow-up after the course, in days: one of "
            f"{', '.join(map(str, FOLLOW_UP_DAYS))} (any other is a 422).",
            json_schema_extra={"enum": list(FOLLOW_UP_DAYS)},
        ),
    ] = 180,
    min_group: MinGroup = MIN_GROUP,
    format: Format = None,
) -> Any:
    report = service.impact_report(
        session, user, course_id=course_id, provider_id=provider_id, region=region,
        since=since, until=until, window_days=window_days, min_group=min_group,
    )  # fmt: skip
    return _answer(request, format, report, "impact", service.impact_table)


# ----------------------------------------------------------------------------- fairness


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
    report = service.fairness_report(
        session, since=since, until=until, gap_threshold=gap_threshold, min_group=min_group
    )
    return _answer(request, format, report, "fairness", service.fairness_table)
