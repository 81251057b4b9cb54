"""The seeker's pages: profile, "for you" recommendations, a job, its pathway, applications.

Thin pages: they validate the form, authorise like the API (a seeker only ever reaches their
own profile and applications; drafts are the employer's secret) and call the services. Every
recommendation shown is logged (``shown``) as the API logs it.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.errors import AlreadyApplied, JobNotOpen
from chamba.activity.models import SubjectType
from chamba.activity.schemas import FeedbackIn
from chamba.auth.models import User
from chamba.deps import SessionDep
from chamba.jobs import service as job_service
from chamba.jobs.deps import visible_job
from chamba.jobs.models import Job, JobStatus
from chamba.matching import service as matching_service
from chamba.matching.course_options import CourseConstraints
from chamba.matching.deps import IndexesDep
from chamba.matching.pathways.planner import plan_pathway
from chamba.matching.schemas import JobsRequest
from chamba.matching.shown import log_page_shown
from chamba.params import PathId
from chamba.people import service as people_service
from chamba.people.errors import NationalIdTaken
from chamba.people.models import Person
from chamba.people.schemas import ProfileIn
from chamba.vocab import DAYS, PARTS
from chamba.web import places
from chamba.web.forms import FormState
from chamba.web.i18n import Lang
from chamba.web.session import OptionalWebUser, WebSeeker, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
JOBS_SHOWN: Final = 10
COURSES_SHOWN: Final = 5
DEVICES: Final = ("none", "phone", "computer")
#: Reasons offered by "Not for me because..." (stored as ``<code>: <free text>``).
#: "Show farther jobs too": a radius that covers the whole country.
WIDEST_KM: Final = 2500.0
DISMISS_REASONS: Final = ("distance", "pay", "hours", "skills", "not_interested", "other")


def person_of(session: Session, user: User) -> Person:
    """The seeker's own profile (the API's ``CurrentPerson``)."""
    return people_service.person_of_user(session, user)


# --- profile -------------------------------------------------------------------------------


def _plain_amount(value: float | None) -> str:
    """``1200.0`` -> ``"1200"``, ``1200.5`` -> ``"1200.50"`` (as typed in a form)."""
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _profile_form(session: Session, person: Person, lang: Lang) -> FormState:
    profile = people_service.profile_view(session, person, lang)
    values = {
        "horas": str(profile.availability.hours_per_week or ""),
        "sueldo": _plain_amount(profile.expected_wage),
        "equipo": profile.remote.device.value if profile.remote.device else "none",
        "internet": "1" if profile.remote.has_internet else "",
        "visible": "1" if profile.consent_visible else "",
        "contacto_ok": "1" if profile.consent_contact else "",
    }
    form = FormState(values)
    form.values["franjas"] = " ".join(profile.availability.slots)
    return form


def _profile_context(
    form: FormState,
    picker: places.PlacePicker,
    skills: list[Any],
    saved: str = "",
    *,
    user: User,
) -> dict[str, Any]:
    return {
        # The contact employers may see is the account's, confirmed (changed on /cuenta/contacto).
        "contact": " · ".join(c for c in (user.phone, user.email) if c),
        "form": form,
        "place": picker,
        "days": DAYS,
        "parts": PARTS,
        "slots": set(form.value("franjas").split()),
        "devices": DEVICES,
        "skills": skills,
        "saved": saved,
    }


@router.get("/perfil")
def profile_page(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    guardado: Annotated[str, Query(max_length=30)] = "",
) -> Response:
    lang = request_lang(request)
    person = person_of(session, user)
    form = _profile_form(session, person, lang)
    skills = people_service.skills_view(session, person, lang).skills
    context = _profile_context(
        form, places.picker_for(person.ubigeo), skills, guardado, user=user
    )
    return render(request, "perfil.html", context)


@router.get("/lugares")
def place_selects(
    request: Request,
    departamento: Annotated[str, Query(max_length=2)] = "",
    provincia: Annotated[str, Query(max_length=4)] = "",
    distrito: Annotated[str, Query(max_length=6)] = "",
) -> Response:
    """(htmx) The three location selects for the current choice; a full page is not needed
    without JavaScript (the form posts ``accion=lugar`` instead)."""
    picker = places.picker(departamento, provincia, distrito)
    return render(request, "_lugar.html", {"place": picker, "form": FormState(), "fragment": True})


@router.post("/perfil")
def profile_submit(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    departamento: FormText = "",
    provincia: FormText = "",
    distrito: FormText = "",
    horas: FormText = "",
    franja: FormList = [],  # noqa: B006 - FastAPI copies defaults
    sueldo: FormText = "",
    internet: FormText = "",
    equipo: FormText = "none",
    visible: FormText = "",
    contacto_ok: FormText = "",
    accion: FormText = "guardar",
) -> Response:
    _ = gettext_for(request)
    lang = request_lang(request)
    person = person_of(session, user)
    slots = [s for s in franja if s in {f"{d}_{p}" for d in DAYS for p in PARTS}]
    form = FormState(
        {
            "horas": horas,
            "sueldo": sueldo,
            "internet": internet,
            "equipo": equipo if equipo in DEVICES else "none",
            "visible": visible,
            "contacto_ok": contacto_ok,
            "franjas": " ".join(slots),
        }
    )
    picker = places.picker(departamento, provincia, distrito)
    skills = people_service.skills_view(session, person, lang).skills
    if accion == "lugar":  # no JavaScript: refine the province and district lists
        return render(
            request,
            "perfil.html",
            _profile_context(form, picker, skills, user=user),
            switch_path="/perfil",
        )
    current = people_service.profile_view(session, person, lang)
    data = current.model_dump(
        include={
            "name", "email", "phone", "gender", "birth_year", "languages",
            "education_level", "years_experience", "self_description", "interests",
            "max_distance_km",
        }
    )  # fmt: skip
    data.update(
        ubigeo=picker.ubigeo,
        availability={"hours_per_week": horas, "slots": slots},
        remote={"has_internet": bool(internet), "device": form.value("equipo")},
        expected_wage=sueldo,
        consent_visible=bool(visible),
        consent_contact=bool(contacto_ok),
    )
    messages = {
        "availability": ("horas", _("Write the hours as a whole number from 0 to 112.")),
        "expected_wage": ("sueldo", _("Write the amount in soles, for example 1200.")),
    }
    refused = ("departamento", _("We could not save your profile. Check the fields."))
    profile = form.parse(ProfileIn, data, messages, refused)
    if profile is not None:
        try:
            people_service.update_profile(session, person, profile, user=user)
        except NationalIdTaken:
            form.invalid.append("national_id")
            form.error(*refused)
        else:
            return see_other("/para-ti?guardado=perfil")
    # Which fields, never what was typed in them (the log is not personal data).
    log.info("profile not saved: invalid %s", ", ".join(sorted(set(form.invalid))))
    context = _profile_context(form, picker, skills, user=user)
    return render(request, "perfil.html", context, status_code=422, switch_path="/perfil")


# --- recommendations -----------------------------------------------------------------------


@router.get("/para-ti")
def for_you(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    indexes: IndexesDep,
    guardado: Annotated[str, Query(max_length=30)] = "",
    descartado: Annotated[str, Query(max_length=10)] = "",
    distancia: Annotated[float | None, Query(gt=0, le=WIDEST_KM)] = None,
    sueldo: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
) -> Response:
    """Jobs and courses for the seeker; ``distancia`` / ``sueldo`` widen the travel radius or
    lower the wage floor for this visit (offered when they hide good matches)."""
    lang = request_lang(request)
    person = person_of(session, user)
    jobs = matching_service.jobs_for_person(
        session, indexes, person.id,
        JobsRequest(limit=JOBS_SHOWN, lang=lang, max_distance_km=distancia, min_wage=sueldo),
    )  # fmt: skip
    hidden = matching_service.hidden_matches(
        session, person.id, max_distance_km=distancia, min_wage=sueldo
    )
    courses = matching_service.courses_for_person(
        session, indexes, person.id, limit=COURSES_SHOWN, lang=lang
    )
    log_page_shown(session, person.id, jobs, SubjectType.JOB, "web/para-ti/jobs")
    log_page_shown(session, person.id, courses, SubjectType.COURSE, "web/para-ti/courses")
    hints = list(dict.fromkeys([*jobs.hints, *courses.hints]))
    context = {
        "jobs": jobs.items,
        "courses": courses.items,
        "hints": hints,
        "saved": guardado,
        "dismissed": bool(descartado),
        "name": user.name,
        "applied": activity_service.applied_jobs(session, person),
        "hidden": hidden,
        "widest_km": int(WIDEST_KM),
        "widened": distancia is not None or sueldo is not None,
    }
    return render(request, "para_ti.html", context)


# --- a job ---------------------------------------------------------------------------------


def _job_context(
    request: Request, session: Session, user: User | None, job: Job, form: FormState
) -> dict[str, Any]:
    lang = request_lang(request)
    shown = job_service.present(session, [job], lang=lang)[0]
    have: set[str] = set()
    application = None
    seeker = user is not None and user.role.value == "seeker"
    if seeker:
        assert user is not None
        person = person_of(session, user)
        have = {s.skill_id for s in person.skills if s.confirmed}
        application = activity_service.application_of(session, job, person)
    missing = [s for s in shown.skills if s.requirement == "essential" and s.id not in have]
    return {
        "job": shown,
        "have": have,
        "missing": missing,
        "seeker": seeker,
        "application": application,
        "open": job.status == JobStatus.OPEN,
        "reasons": DISMISS_REASONS,
        "form": form,
    }


@router.get("/empleos/{job_id}")
def job_page(
    request: Request,
    job_id: PathId,
    session: SessionDep,
    user: OptionalWebUser,
    postulado: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    job = visible_job(user, job_service.get_job(session, job_id))
    context = _job_context(request, session, user, job, FormState())
    context["just_applied"] = bool(postulado)
    return render(request, "empleo.html", context)


@router.post("/empleos/{job_id}/postular")
def apply(request: Request, job_id: PathId, user: WebSeeker, session: SessionDep) -> Response:
    """Apply in one tap (the API's ``POST /jobs/{id}/applications``)."""
    job = visible_job(user, job_service.get_job(session, job_id))
    person = person_of(session, user)
    try:
        activity_service.apply_to_job(session, person, job, None)
    except AlreadyApplied:
        return see_other("/postulaciones")
    except JobNotOpen:
        _ = gettext_for(request)
        form = FormState()
        form.error("postular", _("This job is no longer taking applications."))
        context = _job_context(request, session, user, job, form)
        context["just_applied"] = False
        return render(request, "empleo.html", context, status_code=409)
    request.app.state.metrics.applications.inc()
    return see_other("/postulaciones?nueva=" + str(job.id))


@router.post("/empleos/{job_id}/no-es-para-mi")
def dismiss(
    request: Request,
    job_id: PathId,
    user: WebSeeker,
    session: SessionDep,
    motivo: FormText = "",
    detalle: FormText = "",
) -> Response:
    """ "Not for me because..." (the API's ``POST /feedback`` with ``dismissed``)."""
    _ = gettext_for(request)
    job = visible_job(user, job_service.get_job(session, job_id))
    form = FormState({"motivo": motivo, "detalle": detalle})
    if motivo not in DISMISS_REASONS:
        form.error("motivo", _("Choose a reason."))
    form.max_length("detalle", 400, _("Write at most 400 characters."))
    if motivo == "other":
        form.require("detalle", _("Tell us the reason in a few words."))
    if form.ok:
        reason = motivo + (f": {detalle.strip()}" if detalle.strip() else "")
        data = FeedbackIn(
            subject_type=SubjectType.JOB, subject_id=job.id, kind="dismissed", reason=reason
        )
        activity_service.record_feedback(session, person_of(session, user), data)
        request.app.state.metrics.feedback.labels(kind="dismissed").inc()
        return see_other("/para-ti?descartado=1")
    context = _job_context(request, session, user, job, form)
    context["just_applied"] = False
    return render(
        request, "empleo.html", context, status_code=422, switch_path=f"/empleos/{job.id}"
    )


@router.get("/empleos/{job_id}/ruta")
def pathway_page(
    request: Request,
    job_id: PathId,
    user: WebSeeker,
    session: SessionDep,
    distancia: Annotated[float | None, Query(gt=0, le=WIDEST_KM)] = None,
) -> Response:
    """What is missing for a job: the courses, their cost and time, what they unlock. When the
    travel radius is what blocks a plan, the page offers the radius that would (``distancia``)."""
    lang = request_lang(request)
    job = visible_job(user, job_service.get_job(session, job_id))
    person = person_of(session, user)
    limits = CourseConstraints.defaults_for(person)
    if distancia is not None:
        limits.max_distance_km = distancia
    pathway = plan_pathway(session, person.id, job_id=job.id, constraints=limits, lang=lang)
    activity_service.log_shown(
        session, person.id,
        [activity_service.Shown(SubjectType.COURSE, s.course_id, s.order) for s in pathway.steps],
        model_version="pathway",
        context={"list": "web/pathway", "target": f"job:{job.id}"},
    )  # fmt: skip
    farther = [
        float(b.needed["distance"])
        for b in pathway.blocked
        if "distance" in b.constraints and isinstance(b.needed.get("distance"), int | float)
    ]
    context = {
        "pathway": pathway,
        "job_id": job.id,
        "radius_km": limits.max_distance_km,
        # +1 km: the needed distance is rounded to 0.1 km
        "widen_km": math.ceil(max(farther)) + 1 if farther else None,
        "widened": distancia is not None,
    }
    return render(request, "ruta.html", context)


# --- applications ---------------------------------------------------------------------------


@router.get("/postulaciones")
def my_applications(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    nueva: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    person = person_of(session, user)
    rows = activity_service.applications_of(session, person)
    items = [
        {"application": a, "job": j, "status": activity_service.status_for_applicant(a, j)}
        for a, j in rows
    ]
    return render(request, "postulaciones.html", {"items": items, "new": nueva})
