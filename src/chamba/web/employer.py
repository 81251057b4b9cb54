"""The employer's pages: post a job from free text, my jobs, a job's explained candidates,
moving applications, closing a job.

Authorisation is the API's: only employers (``current_web_user(Role.EMPLOYER)``), and only the
employer whose organisation published a job sees its candidates or moves its applications
(:func:`chamba.jobs.deps.is_owner`; others get a 403 page). Candidates come from
:func:`chamba.matching.service.candidates_for_job` (people who consented to be seen, or who
applied); contact details only when :func:`chamba.activity.service.contact_allowed` says so.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypedDict

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.errors import InvalidTransition
from chamba.activity.models import Application, ApplicationStatus
from chamba.audit.deps import AuditDep
from chamba.deps import SessionDep
from chamba.jobs import service as job_service
from chamba.jobs.deps import owned_job
from chamba.jobs.errors import CannotReopen, InvalidJob
from chamba.jobs.facts import read_posting_facts
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.schemas import DraftIn, JobCreate
from chamba.matching.candidates import employer_candidates
from chamba.matching.deps import IndexesDep
from chamba.nlp.deps import EncoderDep, LlmDep
from chamba.nlp.encoder import TextEncoder
from chamba.nlp.llm import ChatClient
from chamba.orgs.models import OrgKind
from chamba.params import PathId
from chamba.taxonomy import service as taxonomy_service
from chamba.web import places, posting
from chamba.web.forms import FormState, valid_part
from chamba.web.i18n import Lang
from chamba.web.posting import ConfirmedForm, FormText
from chamba.web.session import WebEmployer, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
#: The new-posting page: where the language switch of the pages answering its POSTs points.
NEW = "/empleador/ofertas/nueva"

REQUIREMENTS: Final = ("essential", "optional")


#: Notices of the candidates page after a change (``?hecho=``).
DONE_NOTICES: Final = ("contratado", "deshecho", "reabierta", "rechazado", "rechazo-deshecho")


#: Orders of "Mis ofertas": most new applications (open first), newest, by title.
JOB_ORDERS: Final = ("nuevas", "recientes", "titulo")
JOBS_PER_PAGE: Final = 10


class _JobItem(TypedDict):
    """A row of the employer's job list."""

    job: Job
    applications: int
    new: int


@router.get("/empleador/ofertas")
def my_jobs(
    request: Request,
    user: WebEmployer,
    session: SessionDep,
    cerrada: Annotated[str, Query(max_length=12)] = "",
    orden: Annotated[str, Query(max_length=12)] = "nuevas",
    pagina: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """The employer's jobs: open first, sorted by new applications (or newest, or title),
    paged; each with its applications and how many are new (not yet reviewed)."""
    jobs = job_service.jobs_of_organisation(session, user.organisation_id)
    counts = activity_service.application_counts(session, [j.id for j in jobs])
    items: list[_JobItem] = [
        {"job": j, "applications": counts.get(j.id, (0, 0))[0], "new": counts.get(j.id, (0, 0))[1]}
        for j in jobs
    ]
    order = orden if orden in JOB_ORDERS else "nuevas"
    rank = {JobStatus.OPEN: 0, JobStatus.DRAFT: 1}
    if order == "titulo":
        items.sort(key=lambda r: r["job"].title.casefold())
    elif order == "recientes":
        items.sort(key=lambda r: r["job"].posted_at, reverse=True)
    else:  # open jobs with the most new applications first
        items.sort(key=lambda r: (rank.get(r["job"].status, 2), -r["new"], -r["job"].id))
    just_closed = next((j for j in jobs if str(j.id) == cerrada), None)
    last = max(1, -(-len(items) // JOBS_PER_PAGE))
    page = min(pagina, last)
    context = {
        "items": items[(page - 1) * JOBS_PER_PAGE : page * JOBS_PER_PAGE],
        "closed": cerrada,
        "reopen": just_closed if just_closed and job_service.can_reopen(just_closed) else None,
        "order": order,
        "orders": JOB_ORDERS,
        "base": f"/empleador/ofertas?orden={order}&",
        "page": page,
        "last": last,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
    }
    return render(request, "empleador_ofertas.html", context)


# --- post a job ------------------------------------------------------------------------------


@router.get("/empleador/ofertas/nueva")
def new_job_form(request: Request, user: WebEmployer) -> Response:
    return render(request, "empleador_nueva.html", {"form": FormState()})


def _check_text(request: Request, form: FormState) -> None:
    _ = gettext_for(request)
    posting.check_text(request, form, _("Write the job title."))


@router.post("/empleador/ofertas/nueva")
def new_job_skills(
    request: Request,
    user: WebEmployer,
    session: SessionDep,
    encoder: EncoderDep,
    titulo: FormText = "",
    descripcion: FormText = "",
) -> Response:
    """Title and description -> the skills read from them, to confirm."""
    lang = request_lang(request)
    form = FormState({"titulo": titulo, "descripcion": descripcion})
    _check_text(request, form)
    if not form.ok:
        return render(
            request, "empleador_nueva.html", {"form": form}, status_code=422, switch_path=NEW
        )
    found = job_service.suggest_skills(session, titulo, descripcion, lang, encoder=encoder)
    skills = [
        {"id": s.id, "label": s.label, "checked": True, "requirement": s.requirement.value,
         "evidence": s.evidence}
        for s in found
    ]  # fmt: skip
    facts = read_posting_facts(f"{titulo}\n{descripcion}")
    for name, value in (("horas", facts.hours_per_week), ("sueldo_min", facts.wage_min),
                        ("sueldo_max", facts.wage_max)):  # fmt: skip
        form.values[name] = "" if value is None else str(value).removesuffix(".00")
    context = _confirm_context(form, skills, places.picker_for(facts.ubigeo))
    return render(request, "empleador_confirmar.html", context, switch_path=NEW)


def _confirm_context(
    form: FormState,
    skills: list[dict[str, Any]],
    picker: places.PlacePicker,
    editable_description: bool = False,
) -> dict[str, Any]:
    return {
        "form": form,
        "skills": skills,
        "place": picker,
        "requirements": REQUIREMENTS,
        "editable_description": editable_description,
    }


def _values(
    form: FormState, skills: list[dict[str, Any]], picker: places.PlacePicker
) -> dict[str, Any]:
    """The confirm form as input of the API's schemas (:class:`JobCreate`, :class:`DraftIn`),
    its fields as typed: the schema parses and checks them."""
    return {
        "title": form.value("titulo"),
        "location": {"ubigeo": picker.ubigeo} if picker.ubigeo else None,
        "remote": bool(form.value("remoto")),
        "hours_per_week": form.value("horas"),
        "wage_min": form.value("sueldo_min"),
        "wage_max": form.value("sueldo_max"),
        "skills": [
            {"id": s["id"], "requirement": s["requirement"]} for s in skills if s["checked"]
        ],
    }


def _draft(
    session: Session,
    form: FormState,
    skills: list[dict[str, Any]],
    picker: places.PlacePicker,
    lang: Lang,
    llm: ChatClient | None,
    encoder: TextEncoder,
) -> None:
    """Put a description draft (:func:`chamba.jobs.service.draft_text`) in ``descripcion``,
    from the ticked skills and whatever hours, pay and place are already valid."""
    values = {**_values(form, skills, picker), "lang": lang}
    values["title"] = values["title"].strip() or "-"
    data = valid_part(DraftIn, values)
    draft = job_service.draft_text(session, data, lang, llm=llm, encoder=encoder)
    form.values["descripcion"] = draft.description


def _add_skill(
    request: Request, session: Session, form: FormState, skills: list[dict[str, Any]],
    query: str, lang: Lang,
) -> None:  # fmt: skip
    """Tick the skill best matching ``query`` (the skills search of the API), appended as
    essential; an error on ``nueva`` when nothing matches."""
    _ = gettext_for(request)
    query = query.strip()[:100]
    if not query:
        return
    hits = taxonomy_service.search_skills(session, query, limit=1, lang=lang)
    if not hits:
        form.values["nueva"] = query
        form.error("nueva", _("We did not find that skill. Try other words."))
        return
    for s in skills:
        if s["id"] == hits[0].id:
            s["checked"] = True
            return
    skills.append(
        {"id": hits[0].id, "label": hits[0].label, "checked": True, "requirement": "essential",
         "evidence": None}
    )  # fmt: skip


@router.post("/empleador/ofertas/publicar")
async def publish(
    request: Request,
    user: WebEmployer,
    session: SessionDep,
    encoder: EncoderDep,
    confirmed: ConfirmedForm,
    remoto: FormText = "",
    horas: FormText = "",
    sueldo_min: FormText = "",
    sueldo_max: FormText = "",
    accion: FormText = "publicar",
    nueva: FormText = "",
    llm: LlmDep = None,
) -> Response:
    """The confirmed posting: skills (essential or optional), place, hours, pay -> published.

    ``accion=redactar`` writes a description draft instead, shown in an editable box."""
    _ = gettext_for(request)
    lang = request_lang(request)
    raw = await request.form()
    titulo, descripcion = confirmed.titulo, confirmed.descripcion
    skills = confirmed.skills(session, lang)
    for s in skills:
        requirement = raw.get(f"req-{s['id']}")
        s["requirement"] = requirement if requirement in REQUIREMENTS else "essential"
    form = FormState(
        {"titulo": titulo, "descripcion": descripcion, "remoto": remoto, "horas": horas,
         "sueldo_min": sueldo_min, "sueldo_max": sueldo_max}
    )  # fmt: skip
    picker = confirmed.picker
    editable = raw.get("borrador") == "1"
    if accion == "redactar":
        _draft(session, form, skills, picker, lang, llm, encoder)
        context = _confirm_context(form, skills, picker, editable_description=True)
        return render(request, "empleador_confirmar.html", context, switch_path=NEW)
    if accion == "editar":  # back to the text, as typed
        return render(request, "empleador_nueva.html", {"form": form}, switch_path=NEW)
    if accion == "agregar":
        _add_skill(request, session, form, skills, nueva, lang)
        context = _confirm_context(form, skills, picker, editable)
        return render(request, "empleador_confirmar.html", context, switch_path=NEW)
    if accion == "lugar":
        context = _confirm_context(form, skills, picker, editable)
        return render(request, "empleador_confirmar.html", context, switch_path=NEW)
    _check_text(request, form)
    posting.require_skill(form, skills, _("Tick at least one skill the job needs."))
    amount = _("Write the amount in soles, for example 1200.")
    messages = {
        "hours_per_week": ("horas", _("Write the hours as a whole number from 1 to 84.")),
        "wage_min": ("sueldo_min", amount),
        "wage_max": ("sueldo_max", amount),
        "wage_max:WageRangeError": (
            "sueldo_max", _("The maximum cannot be less than the minimum.")
        ),
        "remote": ("departamento", _("Choose where the job is, or mark it as remote.")),
    }
    refused = _("We could not publish the job. Check the fields.")
    values = {**_values(form, skills, picker), "description": descripcion or None}
    data = form.parse(JobCreate, values, messages, ("titulo", refused))
    if data is not None and form.ok:
        job = posting.publish_for_organisation(
            session, user, form, kind=OrgKind.EMPLOYER, data=data,
            publish=lambda data, org_id: job_service.publish_job(
                session, data, organisation_id=org_id, lang=lang, encoder=encoder
            ),
            refused=InvalidJob, message=refused,
        )  # fmt: skip
        if job is not None:
            return see_other(f"/empleador/ofertas/{job.id}?publicada=1")
    context = _confirm_context(form, skills, picker, editable)
    return render(
        request, "empleador_confirmar.html", context, status_code=422,
        switch_path=NEW,
    )  # fmt: skip


# --- a job's candidates ------------------------------------------------------------------------


@router.get("/empleador/ofertas/{job_id}")
def job_candidates(
    request: Request,
    job_id: PathId,
    user: WebEmployer,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    publicada: Annotated[str, Query(max_length=10)] = "",
    error: Annotated[str, Query(max_length=20)] = "",
    hecho: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    lang = request_lang(request)
    job = owned_job(user, job_id, session)
    page = employer_candidates(session, indexes, job, viewer=user, audit=audit, limit=20, lang=lang)
    applications = {a.person_id: a for a in activity_service.applications_to(session, job)}
    candidates = []
    for item in page.items:
        application = applications.get(item.person_id or 0)
        moves = activity_service.employer_moves(application.status) if application else []
        undo = application is not None and activity_service.can_undo_hire(application)
        unreject = application is not None and activity_service.can_undo_rejection(application)
        candidates.append(
            {"item": item, "application": application, "moves": moves, "undo": undo,
             "undo_rejection": unreject}
        )  # fmt: skip
    shown = job_service.present(session, [job], lang=lang)[0]
    context = {
        "job": shown,
        "open": job.status == JobStatus.OPEN,
        "reopen": job_service.can_reopen(job),
        "candidates": candidates,
        "hints": page.hints,
        "published": bool(publicada),
        "error": error,
        "done": hecho if hecho in DONE_NOTICES else "",
    }
    return render(request, "empleador_candidatos.html", context)


@router.post("/empleador/postulaciones/{application_id}")
def move_application(
    request: Request,
    application_id: PathId,
    user: WebEmployer,
    session: SessionDep,
    audit: AuditDep,
    estado: FormText = "",
    confirmado: FormText = "",
) -> Response:
    """Review, interview, hire or reject (the API's ``PATCH /applications/{id}``). Hiring and
    rejecting are final: they are asked once more on a confirmation page."""
    application = activity_service.get_application(session, application_id)
    job = owned_job(user, application.job_id, session)
    target = f"/empleador/ofertas/{job.id}"
    try:
        new = ApplicationStatus(estado)
        if new == ApplicationStatus.WITHDRAWN:
            raise ValueError(estado)
        activity_service.check_move(application.status, new, by_applicant=False)
        if new in activity_service.FINAL and not confirmado:
            return _confirm_move(request, session, job, application, new)
        activity_service.move_application(session, application, new, by_applicant=False)
    except (ValueError, InvalidTransition):
        return see_other(f"{target}?error=estado#candidatos")
    if new == ApplicationStatus.HIRED:
        audit.record(user, "application.hired", "person", application.person_id)
        request.app.state.metrics.hires.inc()
        return see_other(f"{target}?hecho=contratado#candidato-{application.person_id}")
    if new == ApplicationStatus.REJECTED:
        audit.record(user, "application.rejected", "person", application.person_id)
        return see_other(f"{target}?hecho=rechazado#candidato-{application.person_id}")
    return see_other(f"{target}#candidato-{application.person_id}")


@router.post("/empleador/postulaciones/{application_id}/deshacer-rechazo")
def undo_rejection(
    application_id: PathId, user: WebEmployer, session: SessionDep, audit: AuditDep
) -> Response:
    """Undo a mistaken rejection (the API's ``POST /applications/{id}/undo-rejection``): back
    to where it was, the applicant told; only within a day of the rejection."""
    application = activity_service.get_application(session, application_id)
    job = owned_job(user, application.job_id, session)
    target = f"/empleador/ofertas/{job.id}"
    try:
        activity_service.undo_rejection(session, application)
    except InvalidTransition:
        return see_other(f"{target}?error=estado#candidatos")
    audit.record(user, "application.rejection_undone", "person", application.person_id)
    return see_other(f"{target}?hecho=rechazo-deshecho#candidato-{application.person_id}")


@router.post("/empleador/postulaciones/{application_id}/deshacer")
def undo_hire(
    request: Request,
    application_id: PathId,
    user: WebEmployer,
    session: SessionDep,
    audit: AuditDep,
) -> Response:
    """Undo a mistaken hire (the API's ``POST /applications/{id}/undo-hire``): back to
    interview, the applicant told; only within a day of the hire."""
    application = activity_service.get_application(session, application_id)
    job = owned_job(user, application.job_id, session)
    target = f"/empleador/ofertas/{job.id}"
    try:
        activity_service.undo_hire(session, application)
    except InvalidTransition:
        return see_other(f"{target}?error=estado#candidatos")
    audit.record(user, "application.hire_undone", "person", application.person_id)
    request.app.state.metrics.hires_undone.inc()
    return see_other(f"{target}?hecho=deshecho#candidato-{application.person_id}")


def _confirm_move(
    request: Request, session: Session, job: Job, application: Application,
    new: ApplicationStatus,
) -> Response:  # fmt: skip
    _ = gettext_for(request)
    _job, person = activity_service.parties_of(session, application)
    name = (person.full_name if person is not None else None) or _("this candidate")
    if new == ApplicationStatus.HIRED:
        heading = _("Hire %(name)s?") % {"name": name}
        message = _(
            "%(name)s will be told they were hired for “%(job)s”. If it was a mistake, you can "
            "undo it within 24 hours (they are told that too)."
        ) % {"name": name, "job": job.title}
        label = _("Yes, hire")
    else:
        heading = _("Turn down %(name)s?") % {"name": name}
        message = _(
            "%(name)s will be told they were not selected for “%(job)s”. If it was a mistake, "
            "you can undo it within 24 hours (they are told that too)."
        ) % {"name": name, "job": job.title}
        label = _("Yes, turn down")
    context = {
        "heading": heading, "message": message, "confirm_label": label,
        "action": f"/empleador/postulaciones/{application.id}", "fields": {"estado": new.value},
        "cancel_url": f"/empleador/ofertas/{job.id}#candidato-{application.person_id}",
    }  # fmt: skip
    return render(request, "confirmar_accion.html", context, switch_path=str(context["cancel_url"]))


@router.post("/empleador/ofertas/{job_id}/cerrar")
def close(
    request: Request,
    job_id: PathId,
    user: WebEmployer,
    session: SessionDep,
    audit: AuditDep,
    confirmado: FormText = "",
) -> Response:
    """Close a job (asked once more: applicants still waiting are told it closed)."""
    job = owned_job(user, job_id, session)
    if not confirmado:
        _ = gettext_for(request)
        waiting = activity_service.waiting_count(session, job)
        context = {
            "heading": _("Close “%(job)s”?") % {"job": job.title},
            "message": _(
                "It stops taking applications. %(n)s people still waiting for an answer will be "
                "told it closed. If it was a mistake, you can reopen it within 24 hours."
            )
            % {"n": waiting},
            "confirm_label": _("Yes, close this job"),
            "action": f"/empleador/ofertas/{job.id}/cerrar",
            "fields": {},
            "cancel_url": f"/empleador/ofertas/{job.id}",
        }
        return render(
            request, "confirmar_accion.html", context, switch_path=str(context["cancel_url"])
        )
    if job.status != JobStatus.CLOSED:
        audit.record(user, "job.closed", "job", job.id)
    job_service.close_job(session, job)
    return see_other(f"/empleador/ofertas?cerrada={job.id}")


@router.post("/empleador/ofertas/{job_id}/reabrir")
def reopen(
    request: Request,
    job_id: PathId,
    user: WebEmployer,
    session: SessionDep,
    audit: AuditDep,
) -> Response:
    """Undo a close (the API's ``POST /jobs/{id}/reopen``): open again, within a day."""
    job = owned_job(user, job_id, session)
    try:
        job_service.reopen_job(session, job)
    except CannotReopen:
        return see_other(f"/empleador/ofertas/{job.id}?error=reabrir")
    audit.record(user, "job.reopened", "job", job.id)
    return see_other(f"/empleador/ofertas/{job.id}?hecho=reabierta")
