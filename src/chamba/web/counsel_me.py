"""The seeker's side of counseling (``/consejeria-mia``): who may see my profile, grant or take
away that access, and read what counselors noted.

Calls :mod:`chamba.counseling.service` like the API's ``/me/counselors`` routes do.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from chamba.auth import service as auth_service
from chamba.auth.models import Role
from chamba.counseling import service as counseling_service
from chamba.counseling.errors import CounselorNotFound, GrantNotFound
from chamba.deps import SessionDep
from chamba.params import PathId
from chamba.people import service as people_service
from chamba.web.session import WebSeeker, see_other
from chamba.web.templating import render
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PAGE: Final = "/consejeria-mia"
#: Most counselors offered in the list (a small team per office).
MAX_COUNSELORS: Final = 200


@router.get(PAGE)
def my_counseling(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    hecho: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    person = people_service.person_of_user(session, user)
    active = counseling_service.grants(session, person)
    granted = {g.counselor_id for g in active}
    staff, _total = auth_service.list_users(session, role=Role.COUNSELOR, per_page=MAX_COUNSELORS)
    choices = [(c.id, c.name or f"#{c.id}") for c in staff if c.is_active and c.id not in granted]
    context = {
        "grants": active,
        "choices": choices,
        "notes": counseling_service.notes(session, person.id),
        "done": hecho,
    }
    return render(request, "consejeria_mia.html", context)


@router.post(PAGE)
def grant(user: WebSeeker, session: SessionDep, consejera: Annotated[str, Form()] = "") -> Response:
    person = people_service.person_of_user(session, user)
    try:
        counseling_service.grant_access(session, person, int(consejera))
    except (ValueError, CounselorNotFound):
        return see_other(f"{PAGE}?hecho=error")
    return see_other(f"{PAGE}?hecho=acceso")


@router.post(PAGE + "/{counselor_id}/quitar")
def revoke(counselor_id: PathId, user: WebSeeker, session: SessionDep) -> Response:
    person = people_service.person_of_user(session, user)
    try:
        counseling_service.revoke_access(session, person, counselor_id)
    except GrantNotFound:
        return see_other(f"{PAGE}?hecho=error")
    return see_other(f"{PAGE}?hecho=quitado")
