"""Browsing on one's own: the job search (``/empleos``) and a course's page (``/cursos/{id}``).

The job search is the API's ``GET /api/v1/jobs`` (:func:`chamba.jobs.search.search_jobs`):
text, department, remote only, pay, hours, near the person. For a signed-in seeker each result
also says which of its key skills they have and which they lack, and whether they applied.

A course page shows the schedule, cost, place and skills of a course; a seeker can say "I am
interested" or "I enrolled" (:func:`chamba.activity.service.record_feedback`, as the API's
``POST /feedback``), which the provider sees for people who consented and which feeds the
learning data. Completion is recorded by the provider, not here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.models import SubjectType
from chamba.activity.schemas import FeedbackIn, FeedbackKind
from chamba.auth.models import Role, User
from chamba.courses import service as course_service
from chamba.deps import SessionDep
from chamba.jobs import search as jobs_search
from chamba.jobs.errors import InvalidJob
from chamba.jobs.schemas import JobSearch
from chamba.params import PathId
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.web import places
from chamba.web.forms import FormState
from chamba.web.session import OptionalWebUser, WebSeeker, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PER_PAGE: Final = 10
MAX_PAGE: Final = 500
Text = Annotated[str, Query(max_length=200)]
#: What a seeker may say from a course page (form value -> feedback kind).
COURSE_ACTIONS: Final[dict[str, FeedbackKind]] = {"interes": "saved", "inscrito": "enrolled"}


def _seeker_person(session: Session, user: User | None) -> Person | None:
    if user is None or user.role != Role.SEEKER:
        return None
    return people_service.person_of_user(session, user)


def _number(form: FormState, name: str, raw: str, message: str) -> Decimal | None:
    text = raw.strip().replace("S/", "").replace(",", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        form.error(name, message)
        return None
    if not value.is_finite() or value < 0 or value > 1_000_000:
        form.error(name, message)
        return None
    return value


@router.get("/empleos")
def job_search(
    request: Request,
    session: SessionDep,
    user: OptionalWebUser,
    q: Text = "",
    region: Annotated[str, Query(max_length=6)] = "",
    remoto: Annotated[str, Query(max_length=5)] = "",
    cerca: Annotated[str, Query(max_length=5)] = "",
    sueldo: Annotated[str, Query(max_length=20)] = "",
    horas: Annotated[str, Query(max_length=20)] = "",
    ocupacion: Text = "",
    pagina: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """Search open jobs; without any criterion, the newest first."""
    _ = gettext_for(request)
    lang = request_lang(request)
    form = FormState(
        {"q": q, "region": region, "remoto": remoto, "cerca": cerca, "sueldo": sueldo,
         "horas": horas, "ocupacion": ocupacion}
    )  # fmt: skip
    wage = _number(form, "sueldo", sueldo, _("Write the pay as a number, e.g. 1200."))
    hours = _number(form, "horas", horas, _("Write the hours as a number, e.g. 30."))
    occupations: list[str] | None = None
    try:
        occupations = jobs_search.resolve_occupation(session, ocupacion)
    except InvalidJob:
        occupations = []  # an unknown occupation matches no job
        form.error("ocupacion", _("No occupation has that name; try another word, e.g. cajero."))
    department = region.strip()[:2] if places.picker(region.strip()[:2]).department else None
    person = _seeker_person(session, user)
    near = person.ubigeo if person is not None and cerca and person.ubigeo else None
    query = JobSearch(
        q=q.strip() or None,
        region=department,
        remote=True if remoto else None,
        wage_min=wage,
        hours_max=int(hours) if hours is not None else None,
        occupations=occupations,
        near=near,
        distance_km=float(person.max_distance_km)
        if near and person is not None and person.max_distance_km
        else None,
        page=pagina,
        per_page=PER_PAGE,
    )
    page = jobs_search.search_jobs(session, query)
    have: set[str] = set()
    applied: dict[int, str] = {}
    if person is not None:
        have = {s.id for s in people_service.skills_view(session, person, lang).skills}
        applied = activity_service.applied_jobs(session, person)
    results = []
    for job in page.items:
        essential = [s for s in job.skills if s.requirement == "essential"]

        def label(skill: Any) -> str:
            return str(skill.label_en if lang == "en" else skill.label_es)

        results.append(
            {
                "job": job,
                "known": [label(s) for s in essential if s.id in have],
                "missing": [label(s) for s in essential if s.id not in have],
                "applied": applied.get(job.id),
            }
        )
    last = max(1, -(-page.total // PER_PAGE))
    params = [(k, v) for k, v in form.values.items() if v]
    base = "/empleos?" + "".join(f"{k}={quote(v)}&" for k, v in params)
    context: dict[str, Any] = {
        "form": form,
        "results": results,
        "total": page.total,
        "seeker": person is not None,
        "can_near": person is not None and bool(person.ubigeo),
        "departments": places.picker().departments,
        "base": base,
        "page": pagina,
        "last": last,
        "prev": pagina - 1 if pagina > 1 else None,
        "next": pagina + 1 if pagina < last else None,
    }
    return render(request, "empleos.html", context, status_code=200 if form.ok else 422)


# --- a course --------------------------------------------------------------------------------


def _course_context(
    request: Request, session: Session, user: User | None, course_id: int, done: str = ""
) -> dict[str, Any]:
    lang = request_lang(request)
    course = course_service.get_course(session, course_id)  # CourseNotFound: the 404 page
    shown = course_service.present(session, [course], lang=lang)[0]
    person = _seeker_person(session, user)
    said = activity_service.course_interest(session, person, course.id) if person else set()
    return {
        "course": shown,
        "seeker": person is not None,
        "said": said,
        "done": done if done in COURSE_ACTIONS else "",
        "open": shown.status.value == "open",
    }


@router.get("/cursos/{course_id}")
def course_page(
    request: Request,
    course_id: PathId,
    session: SessionDep,
    user: OptionalWebUser,
    hecho: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """A course: what it teaches, when, where, how long and at what cost."""
    context = _course_context(request, session, user, course_id, hecho)
    return render(request, "curso.html", context)


@router.post("/cursos/{course_id}/{accion}")
def course_action(
    request: Request, course_id: PathId, accion: str, session: SessionDep, user: WebSeeker
) -> Response:
    """ "Me interesa" (``interes``) or "Me inscribí" (``inscrito``) on a course."""
    kind = COURSE_ACTIONS.get(accion)
    course = course_service.get_course(session, course_id)
    if kind is None:
        return render(request, "error.html", {"status": 404}, status_code=404)
    person = people_service.person_of_user(session, user)
    data = FeedbackIn(subject_type=SubjectType.COURSE, subject_id=course.id, kind=kind)
    activity_service.record_feedback(session, person, data)
    request.app.state.metrics.feedback.labels(kind=kind).inc()
    return see_other(f"/cursos/{course.id}?hecho={accion}")
