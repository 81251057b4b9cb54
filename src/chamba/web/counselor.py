"""The counselor's pages: people who granted access, a person's profile, their explained job
matches, a pathway to a chosen job, and notes.

Authorisation is the API's (:mod:`chamba.counseling.api`): only counselors, and only for people
with an active grant; any other id is a 404, the same as an id that does not exist, so that ids
cannot be probed. Every read and write about a person goes to the audit log, as in the API.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from chamba.activity import service as activity_service
from chamba.audit.deps import AuditDep
from chamba.counseling import service as counseling_service
from chamba.counseling.schemas import NoteIn
from chamba.deps import SessionDep
from chamba.jobs import service as job_service
from chamba.matching import service as matching_service
from chamba.matching.course_options import CourseConstraints
from chamba.matching.deps import IndexesDep
from chamba.matching.pathways.planner import plan_pathway
from chamba.matching.schemas import JobsRequest
from chamba.params import PathId
from chamba.people import service as people_service
from chamba.web.forms import FormState
from chamba.web.session import WebCounselor, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
MAX_NOTE: Final = 4000
PER_PAGE: Final = 50


@router.get("/consejeria/personas")
def my_people(
    request: Request,
    user: WebCounselor,
    session: SessionDep,
    audit: AuditDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    items, total = counseling_service.people_for_counselor(
        session, user, q=q.strip() or None, per_page=PER_PAGE
    )
    audit.record(user, "person.list", "counselor_grants", user.id)
    return render(
        request, "consejeria_personas.html", {"items": items, "total": total, "q": q.strip()}
    )


def _person_page(
    request: Request,
    user: WebCounselor,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    person_id: int,
    form: FormState,
    job: int | None,
    status_code: int = 200,
) -> Response:
    lang = request_lang(request)
    person = counseling_service.visible_person(session, user, person_id)
    profile = people_service.profile_view(session, person, lang)
    matches = matching_service.jobs_for_person(
        session, indexes, person.id, JobsRequest(limit=5, lang=lang)
    )
    courses = matching_service.courses_for_person(session, indexes, person.id, limit=3, lang=lang)
    applications = [
        {"job": j, "status": activity_service.status_for_applicant(a, j), "at": a.created_at}
        for a, j in activity_service.applications_of(session, person)
    ]
    pathway = None
    if job is not None:
        job_service.get_public_job(session, job)  # as the API: a draft is its employer's only
        limits = CourseConstraints.defaults_for(person)
        pathway = plan_pathway(session, person.id, job_id=job, constraints=limits, lang=lang)
        audit.record(user, "person.pathway_read", "person", person.id)
    audit.record(user, "person.profile_read", "person", person.id)
    audit.record(user, "person.matches_read", "person", person.id)
    audit.record(user, "person.notes_read", "person", person.id)
    audit.record(user, "person.applications_read", "person", person.id)
    context = {
        "person": profile,
        "matches": matches.items,
        "courses": courses.items,
        "applications": applications,
        "pathway": pathway,
        "target": job,
        "notes": counseling_service.notes(session, person.id),
        "form": form,
    }
    return render(
        request, "consejeria_persona.html", context, status_code=status_code,
        switch_path=f"/consejeria/personas/{person.id}",
    )  # fmt: skip


@router.get("/consejeria/personas/{person_id}")
def person_page(
    request: Request,
    person_id: PathId,
    user: WebCounselor,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    empleo: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Profile, explained matches, notes; with ``?empleo=`` the pathway to that job."""
    return _person_page(request, user, session, indexes, audit, person_id, FormState(), empleo)


@router.post("/consejeria/personas/{person_id}/notas")
def add_note(
    request: Request,
    person_id: PathId,
    user: WebCounselor,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    nota: FormText = "",
) -> Response:
    _ = gettext_for(request)
    person = counseling_service.visible_person(session, user, person_id)
    form = FormState({"nota": nota})
    form.require("nota", _("Write the note."))
    form.max_length("nota", MAX_NOTE, _("Write at most 4,000 characters."))
    data = None
    if form.ok:  # the API's own checks (control characters, lone surrogates, formulas)
        plain = _(
            "Write the note as plain text: no control characters, and do not start it with "
            "=, +, - or @."
        )
        data = form.parse(NoteIn, {"body": nota}, {}, ("nota", plain))
    if data is None:
        return _person_page(
            request, user, session, indexes, audit, person.id, form, None, status_code=422
        )
    counseling_service.add_note(session, user, person, data.body)
    audit.record(user, "person.note_created", "person", person.id)
    return see_other(f"/consejeria/personas/{person.id}?nota=1#notas")
