"""The labour-market overview ("Panorama laboral") and its charts and CSV downloads.

Authorisation is the insights API's (:mod:`chamba.insights.api`): demand is for any signed-in
user; the funnel and fairness for staff (counselor, analyst, admin); impact for staff and for a
provider, who only ever sees its own organisation's courses. Small groups stay suppressed: the
reports come from the same functions as the API, with its ``MIN_GROUP``.

Every chart is a PNG with a text alternative next to it: a table with the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any, Final, TypedDict

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from chamba.auth.models import Role, User
from chamba.deps import SessionDep
from chamba.insights import api as insights_api
from chamba.insights import charts
from chamba.insights import service as insights_service
from chamba.insights.demand import skill_demand
from chamba.insights.fairness import fairness
from chamba.insights.funnel import funnel
from chamba.insights.impact import FOLLOW_UP_DAYS, impact
from chamba.insights.schemas import MIN_GROUP, DemandRow, FairnessRow, FunnelGroup
from chamba.web import places
from chamba.web.session import WebStaff, WebUser, current_web_user
from chamba.web.templating import render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

RegionQuery = Annotated[str, Query(max_length=6)]
WebImpactUser = Annotated[
    User,
    Depends(current_web_user(Role.PROVIDER, Role.COUNSELOR, Role.ANALYST, Role.ADMIN)),
]
TOP: Final = 10


def department(value: str) -> str | None:
    """A known department code (``"15"``), else ``None`` (the whole country)."""
    code = value.strip()[:2]
    return code if places.picker(code).department else None


def demand_rows(session: Session, region: str | None) -> list[DemandRow]:
    return skill_demand(session, region=region, level="department", min_group=MIN_GROUP)


def top_skills(rows: Sequence[DemandRow], lang: str, top: int = TOP) -> list[dict[str, Any]]:
    """The chart's numbers as table rows: skills by openings, summed over the regions."""
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"openings": 0, "jobs": 0, "supply": 0, "suppressed": False}
    )
    for r in rows:
        item = totals[r.skill_id]
        item["label"] = r.skill_label_en if lang == "en" else r.skill_label_es
        item["openings"] += r.openings
        item["jobs"] += r.open_jobs
        if r.supply is None:
            item["suppressed"] = item["suppressed"] or r.supply_suppressed
        else:
            item["supply"] += r.supply
    best = sorted(totals, key=lambda s: (-totals[s]["openings"], s))[:top]
    return [{"id": s, **totals[s]} for s in best if totals[s]["openings"] > 0]


def demand_context(session: Session, region: str | None, lang: str) -> dict[str, Any]:
    query = f"?region={region}" if region else ""
    return {
        "region": region or "",
        "region_name": places.label_of(region) if region else None,
        "departments": places.picker().departments,
        "demand": top_skills(demand_rows(session, region), lang),
        "demand_chart": f"/panorama/demanda.png{query}",
        "demand_csv": f"/panorama/demanda.csv{query}",
        "min_group": MIN_GROUP,
    }


def funnel_group(session: Session, region: str | None) -> FunnelGroup:
    report = funnel(session, region=region, min_group=MIN_GROUP)
    if region is not None:
        return next((g for g in report.regions if g.region_code == region), report.overall)
    return report.overall


#: Follow-up windows a viewer may choose for the impact of training, in days (90 first: a
#: young platform, or the demo's 180 days of history, has few people followed for longer).
FOLLOW_UPS: Final = (90, *(d for d in FOLLOW_UP_DAYS if d != 90))


def _on_the_menu(days: int | None) -> int | None:
    """A follow-up of the menu, else a bad query (a 400 page): the impact of training is
    counted over these follow-ups only (see :data:`chamba.insights.impact.FOLLOW_UP_DAYS`)."""
    if days is not None and days not in FOLLOW_UP_DAYS:
        raise ValueError(f"seguimiento must be one of {', '.join(map(str, FOLLOW_UP_DAYS))}")
    return days


FollowUpQuery = Annotated[
    int | None, Query(alias="seguimiento", ge=1, le=730), AfterValidator(_on_the_menu)
]


#: The public baseline next to the placement rate: Peru's job fairs ("ferias laborales"),
#: Lima 2022 — an external reference, measured differently (placements per offered vacancy).
class _Baseline(TypedDict):
    offers: int
    placements: int
    place: str
    year: int


JOB_FAIR_BASELINE: Final[_Baseline] = {
    "offers": 27_488,
    "placements": 1_133,
    "place": "Lima",
    "year": 2022,
}


def follow_up(days: int | None) -> int:
    """A follow-up window of :data:`FOLLOW_UPS` (else the first)."""
    return days if days in FOLLOW_UPS else FOLLOW_UPS[0]


def impact_rows(
    session: Session, provider_id: int | None, region: str | None, days: int | None = None
) -> Any:
    """Impact over the chosen follow-up; without a choice, 90 days, or 30 when too few people
    have been followed for 90 days yet (a young platform, the demo's six months of history)."""
    report = impact(
        session, provider_id=provider_id, region=region, min_group=MIN_GROUP,
        window_days=follow_up(days),
    )  # fmt: skip
    if days is None and not report.completers.people:
        shorter = impact(
            session, provider_id=provider_id, region=region, min_group=MIN_GROUP, window_days=30
        )
        if shorter.completers.people:
            return shorter
    return report


def placement_rate(group: FunnelGroup) -> float | None:
    """Share of the people who applied who were hired (``None`` when hidden or no one)."""
    people = {s.stage: s.people for s in group.jobs}
    applied, hired = people.get("applied"), people.get("hired")
    if not applied or hired is None:
        return None
    return hired / applied


# --- the page -------------------------------------------------------------------------------


@router.get("/panorama")
def overview(
    request: Request,
    user: WebStaff,
    session: SessionDep,
    region: RegionQuery = "",
    days: FollowUpQuery = None,
) -> Response:
    lang = request_lang(request)
    code = department(region)
    query = f"?region={code}" if code else ""
    report = fairness(session, min_group=MIN_GROUP)
    fair_rows: list[FairnessRow] = [report.overall, *report.rows]
    demand_ctx = demand_context(session, code, lang)
    context = {
        "demand_ctx": demand_ctx,
        "region": demand_ctx["region"],
        "departments": demand_ctx["departments"],
        "min_group": MIN_GROUP,
        "funnel": (group := funnel_group(session, code)),
        "placement_rate": placement_rate(group),
        "baseline": {
            **JOB_FAIR_BASELINE,
            "rate": JOB_FAIR_BASELINE["placements"] / JOB_FAIR_BASELINE["offers"],
        },
        "follow_ups": FOLLOW_UPS,
        "follow_up": follow_up(days),
        "funnel_chart": f"/panorama/embudo.png{query}",
        "query": query,
        "impact": impact_rows(session, None, code, days),
        "fairness": fair_rows,
        "gap_threshold": report.gap_threshold,
    }
    return render(request, "panorama.html", context)


# --- charts and downloads -------------------------------------------------------------------


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/panorama/demanda.png")
def demand_png(
    request: Request, user: WebUser, session: SessionDep, region: RegionQuery = ""
) -> Response:
    lang = request_lang(request)
    code = department(region)
    rows = demand_rows(session, code)
    where = places.label_of(code) if code else ("Peru" if lang == "en" else "Perú")
    title = f"{where}: " + ("skills most in demand" if lang == "en" else "habilidades más pedidas")
    return _png(charts.demand_chart(rows, top=TOP, lang=lang, title=title))


@router.get("/panorama/demanda.csv")
def demand_csv(user: WebUser, session: SessionDep, region: RegionQuery = "") -> Response:
    rows = demand_rows(session, department(region))
    return insights_api.csv_response(*insights_service.model_rows(rows, DemandRow), "demand")


@router.get("/panorama/embudo.png")
def funnel_png(
    request: Request, user: WebStaff, session: SessionDep, region: RegionQuery = ""
) -> Response:
    group = funnel_group(session, department(region))
    return _png(charts.funnel_chart(group, lang=request_lang(request)))


@router.get("/panorama/embudo.csv")
def funnel_csv(user: WebStaff, session: SessionDep, region: RegionQuery = "") -> Response:
    report = funnel(session, region=department(region), min_group=MIN_GROUP)
    return insights_api.csv_response(*insights_service.funnel_table(report), "funnel")


@router.get("/panorama/impacto.csv")
def impact_csv(
    user: WebImpactUser,
    session: SessionDep,
    region: RegionQuery = "",
    days: FollowUpQuery = None,
) -> Response:
    """Impact; a provider gets only its own organisation's courses (none: an empty report)."""
    provider_id = None
    if user.role == Role.PROVIDER:
        provider_id = user.organisation_id or -1
    report = impact_rows(session, provider_id, department(region), days)
    return insights_api.csv_response(*insights_service.impact_table(report), "impact")


@router.get("/panorama/equidad.csv")
def fairness_csv(user: WebStaff, session: SessionDep) -> Response:
    report = fairness(session, min_group=MIN_GROUP)
    rows = [report.overall, *report.rows]
    return insights_api.csv_response(*insights_service.model_rows(rows, FairnessRow), "fairness")
