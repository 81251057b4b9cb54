"""The training provider's pages: my courses, publish a course from free text (skills taught
suggested, then confirmed), demand for skills in the provider's region, and the outcomes of the
provider's own graduates.

Authorisation is the API's: only providers (``current_web_user(Role.PROVIDER)``); a provider
account without an organisation gets one on its first course
(:func:`chamba.orgs.service.organisation_for_account`, as ``POST /courses`` does). Impact is
always limited to the provider's own organisation (the insights API's rule).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.errors import NotEnrolled
from chamba.auth.models import User
from chamba.courses import service as course_service
from chamba.courses.deps import owned_course
from chamba.courses.errors import CourseNotFound, InvalidCourse
from chamba.courses.models import Course, Modality
from chamba.courses.schemas import CourseCreate
from chamba.deps import SessionDep
from chamba.fields import parse_date
from chamba.insights.schemas import MIN_GROUP
from chamba.nlp.deps import EncoderDep
from chamba.nlp.service import extract_skills
from chamba.orgs import service as org_service
from chamba.orgs.models import OrgKind
from chamba.params import MAX_ID, PathId
from chamba.people import service as people_service
from chamba.web import discover as discover_service
from chamba.web import panorama, places, posting
from chamba.web.forms import FormState, Messages
from chamba.web.posting import ConfirmedForm, FormList, FormText
from chamba.web.session import WebProvider, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
#: The new-course page: where the language switch of the pages answering its POSTs points.
NEW = "/proveedor/cursos/nuevo"

MAX_SUGGESTED: Final = 15
MODALITIES: Final = tuple(m.value for m in Modality)
#: Schedule choices of the form, and the weekly slots each one stands for.
SCHEDULES: Final[dict[str, list[str]]] = {
    "semana_manana": [f"{d}_morning" for d in ("mon", "tue", "wed", "thu", "fri")],
    "semana_tarde": [f"{d}_afternoon" for d in ("mon", "tue", "wed", "thu", "fri")],
    "semana_noche": [f"{d}_evening" for d in ("mon", "tue", "wed", "thu", "fri")],
    "fin_de_semana": ["sat_morning", "sat_afternoon", "sun_morning", "sun_afternoon"],
}


def courses_of(session: Session, user: User) -> list[Course]:
    """The courses of the provider's organisation, newest first."""
    if user.organisation_id is None:
        return []
    return course_service.of_provider(session, user.organisation_id)


def provider_region(session: Session, user: User) -> str | None:
    """The department of the provider's organisation (``None`` when it has no place)."""
    if user.organisation_id is None:
        return None
    org = org_service.get_organisation(session, user.organisation_id)
    return org.ubigeo[:2] if org is not None and org.ubigeo else None


@router.get("/proveedor/cursos")
def my_courses(
    request: Request,
    user: WebProvider,
    session: SessionDep,
    publicado: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    courses = courses_of(session, user)
    published = next((c for c in courses if str(c.id) == publicado), None)
    return render(request, "proveedor_cursos.html", {"courses": courses, "published": published})


# --- publish a course ---------------------------------------------------------------------------


@router.get("/proveedor/cursos/nuevo")
def new_course_form(request: Request, user: WebProvider) -> Response:
    return render(request, "proveedor_nuevo.html", {"form": FormState()})


def _check_text(request: Request, form: FormState) -> None:
    _ = gettext_for(request)
    posting.check_text(request, form, _("Write the course title."))


def _details_context(
    form: FormState,
    skills: list[dict[str, Any]],
    picker: places.PlacePicker,
    chosen: list[str],
    editing: Course | None = None,
) -> dict[str, Any]:
    return {
        "editing": editing,
        "form": form,
        "skills": skills,
        "place": picker,
        "modalities": MODALITIES,
        "schedules": list(SCHEDULES),
        "chosen_schedules": chosen,
    }


@router.post("/proveedor/cursos/nuevo")
def new_course_skills(
    request: Request,
    user: WebProvider,
    session: SessionDep,
    encoder: EncoderDep,
    titulo: FormText = "",
    descripcion: FormText = "",
) -> Response:
    """Title and description -> the skills the course teaches (suggested), and its details."""
    lang = request_lang(request)
    form = FormState({"titulo": titulo, "descripcion": descripcion, "modalidad": "in_person"})
    _check_text(request, form)
    if not form.ok:
        return render(
            request, "proveedor_nuevo.html", {"form": form}, status_code=422, switch_path=NEW
        )
    text = ". ".join(t for t in (titulo, descripcion) if t.strip())
    found = extract_skills(session, text, lang, encoder=encoder)
    order = discover_service.dedupe(s.skill_id for s in sorted(found, key=lambda s: -s.confidence))[
        :MAX_SUGGESTED
    ]
    names = discover_service.labels(session, order, lang)
    evidence = {s.skill_id: s.evidence for s in found}
    skills = [
        {"id": i, "label": names[i], "checked": True, "evidence": evidence.get(i)}
        for i in order
        if i in names
    ]
    region = provider_region(session, user) or ""
    context = _details_context(form, skills, places.picker(region), [])
    return render(request, "proveedor_confirmar.html", context, switch_path=NEW)


def _day(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def _messages(request: Request) -> Messages:
    """Where each error of :class:`CourseCreate` goes on the form, in words."""
    _ = gettext_for(request)
    return {
        "modality": ("modalidad", _("Choose how the course is taught.")),
        "modality:LocationNeeded": (
            "departamento", _("Choose where the course is taught, or mark it online.")
        ),
        "hours": ("horas", _("Write the hours as a whole number from 1 to 5,000.")),
        "weeks": ("semanas", _("Write the weeks as a whole number from 1 to 260.")),
        "seats": ("vacantes", _("Write the seats as a whole number.")),
        "cost": ("costo", _("Write the amount in soles, for example 350.")),
        "is_free:CostOfAFreeCourse": ("costo", _("A free course cannot have a cost.")),
    }


@router.post("/proveedor/cursos/publicar")
def publish(
    request: Request,
    user: WebProvider,
    session: SessionDep,
    encoder: EncoderDep,
    confirmed: ConfirmedForm,
    modalidad: FormText = "",
    horas: FormText = "",
    semanas: FormText = "",
    costo: FormText = "",
    gratis: FormText = "",
    beca: FormText = "",
    horario: FormList = [],  # noqa: B006
    inicio: FormText = "",
    certificado: FormText = "",
    vacantes: FormText = "",
    accion: FormText = "publicar",
    curso: FormText = "",
) -> Response:
    """The confirmed course: skills taught, modality and place, hours, cost... -> published
    (or, with ``curso``, the provider's own published course edited)."""
    _ = gettext_for(request)
    lang = request_lang(request)
    editing: Course | None = None
    if curso:
        if not curso.isdigit() or not 1 <= int(curso) <= MAX_ID:
            raise CourseNotFound(0)
        editing = owned_course(user, int(curso), session)
    titulo, descripcion = confirmed.titulo, confirmed.descripcion
    skills = confirmed.skills(session, lang)
    form = FormState(
        {"titulo": titulo, "descripcion": descripcion, "modalidad": modalidad, "horas": horas,
         "semanas": semanas, "costo": costo, "gratis": gratis, "beca": beca, "inicio": inicio,
         "certificado": certificado, "vacantes": vacantes, "curso": curso}
    )  # fmt: skip
    chosen_schedules = [h for h in horario if h in SCHEDULES]
    picker = confirmed.picker
    if accion == "lugar":
        context = _details_context(form, skills, picker, chosen_schedules, editing)
        return render(request, "proveedor_confirmar.html", context, switch_path=NEW)
    _check_text(request, form)
    if not horas.strip():
        form.error("horas", _("Write the total hours of the course."))
    start: str | None = None
    if inicio.strip():  # one date, as the person writes it (the schema takes a list)
        day = _day(inicio)
        if day is None:
            form.error("inicio", _("Write the date as day/month/year, for example 15/03/2026."))
        else:
            start = day.isoformat()
    chosen = posting.require_skill(form, skills, _("Tick at least one skill the course teaches."))
    refused = (
        _("We could not save the course. Check the fields.")
        if editing is not None
        else _("We could not publish the course. Check the fields.")
    )
    values = {
        "title": titulo,
        "description": descripcion or None,
        "location": {"ubigeo": picker.ubigeo} if picker.ubigeo else None,
        "modality": modalidad,
        "hours": horas,
        "weeks": semanas,
        "cost": costo,
        "is_free": True if gratis else None,
        "scholarship": bool(beca),
        "schedule": [slot for h in chosen_schedules for slot in SCHEDULES[h]],
        "start_dates": [start] if start else [],
        "certificate": bool(certificado),
        "seats": vacantes,
        "skills": [{"id": s["id"]} for s in chosen],
    }
    if editing is not None:  # fields the form lacks are kept as they are
        values = course_service.merged_input(editing, values)
    data = form.parse(CourseCreate, values, _messages(request), ("titulo", refused))
    if data is not None and form.ok:
        if editing is not None:
            try:
                course_service.edit_course(
                    session, editing, data, organisation_id=user.organisation_id
                )
            except InvalidCourse:
                form.error("skills", refused)
            else:
                return see_other(f"/cursos/{editing.id}")
        else:
            course = posting.publish_for_organisation(
                session, user, form, kind=OrgKind.PROVIDER, data=data,
                publish=lambda data, org_id: course_service.publish_course(
                    session, data, provider_id=org_id, lang=lang, encoder=encoder
                ),
                refused=InvalidCourse, message=refused,
            )  # fmt: skip
            if course is not None:
                return see_other(f"/proveedor/cursos?publicado={course.id}")
    context = _details_context(form, skills, picker, chosen_schedules, editing)
    return render(
        request, "proveedor_confirmar.html", context, status_code=422,
        switch_path=NEW,
    )  # fmt: skip


@router.get("/proveedor/cursos/{course_id}/editar")
def edit_course_form(
    request: Request, course_id: PathId, user: WebProvider, session: SessionDep
) -> Response:
    """The provider's own published course in the confirm form, every field filled in."""
    course = owned_course(user, course_id, session)
    lang = request_lang(request)
    start = course.start_dates[0] if course.start_dates else ""
    form = FormState(
        {
            "titulo": course.title,
            "descripcion": course.description or "",
            "modalidad": str(course.modality),
            "horas": str(course.hours or ""),
            "semanas": str(course.weeks or ""),
            "costo": "" if course.cost is None else f"{course.cost.normalize():f}",
            "gratis": "1" if course.is_free and not course.cost else "",
            "beca": "1" if course.scholarship else "",
            "inicio": "/".join(reversed(str(start).split("-"))) if start else "",
            "certificado": "1" if course.certificate else "",
            "vacantes": "" if course.seats is None else str(course.seats),
            "curso": str(course.id),
        }
    )
    ids = [s.skill_id for s in course.skills]
    names = discover_service.labels(session, ids, lang)
    skills = [
        {"id": i, "label": names[i], "checked": True, "evidence": None} for i in ids if i in names
    ]
    slots = set(course.schedule or [])
    chosen = [h for h, wanted in SCHEDULES.items() if set(wanted) <= slots]
    context = _details_context(form, skills, places.picker_for(course.ubigeo), chosen, course)
    return render(request, "proveedor_confirmar.html", context)


# --- demand and outcomes --------------------------------------------------------------------------


@router.get("/proveedor/demanda")
def demand(
    request: Request, user: WebProvider, session: SessionDep, region: panorama.RegionQuery = ""
) -> Response:
    """Skills in demand in the provider's region (or another one chosen)."""
    code = panorama.department(region) if region else provider_region(session, user)
    context = panorama.demand_context(session, code, request_lang(request))
    return render(request, "proveedor_demanda.html", {"demand_ctx": context, **context})


@router.get("/proveedor/egresados")
def graduates(
    request: Request,
    user: WebProvider,
    session: SessionDep,
    days: panorama.FollowUpQuery = None,
) -> Response:
    """The outcomes of the provider's own graduates (its organisation's courses only)."""
    report = panorama.impact_rows(session, user.organisation_id or -1, None, days)
    courses = courses_of(session, user)
    counts = activity_service.completion_counts(session, courses)
    context = {
        "impact": report, "min_group": MIN_GROUP, "courses": courses,
        "awaiting": [(c, counts[c.id][0]) for c in courses if counts.get(c.id, (0, 0))[0]],
        "graduates": sum(recorded for _, recorded in counts.values()),
    }  # fmt: skip
    return render(request, "proveedor_egresados.html", context)


# --- the people of a course: enrolled, interested, completed ------------------------------------


@router.get("/proveedor/cursos/{course_id}/personas")
def course_people(
    request: Request,
    course_id: PathId,
    user: WebProvider,
    session: SessionDep,
    registrado: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Who enrolled (and who is interested and let organisations see them), and recording who
    completed: the completion that certifies the course's skills."""
    course = owned_course(user, course_id, session)
    learners = activity_service.course_learners(session, course)
    recorded = next((x.person for x in learners if x.person.id == registrado), None)
    context = {"course": course, "learners": learners, "recorded": recorded}
    return render(request, "proveedor_personas.html", context)


@router.post("/proveedor/cursos/{course_id}/personas/{person_id}/termino")
def record_completion(
    course_id: PathId, person_id: PathId, user: WebProvider, session: SessionDep
) -> Response:
    """ "Terminó el curso": certify the course's skills on the person's profile."""
    course = owned_course(user, course_id, session)
    person = people_service.get_person(session, person_id)
    if person is None:
        raise NotEnrolled(course.id, person_id)
    activity_service.record_completion(
        session, course, person, organisation_id=user.organisation_id
    )
    return see_other(f"/proveedor/cursos/{course.id}/personas?registrado={person.id}")
