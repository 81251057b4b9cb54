"""``GET /me/export`` (all my data as JSON) and ``DELETE /me`` (erase my data)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from chamba.audit.deps import AuditDep
from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated
from chamba.deps import SessionDep
from chamba.observability.logging import request_id_of
from chamba.people.errors import StaffErasureRefused
from chamba.privacy import service
from chamba.privacy.schemas import DataExport
from chamba.problems import responses

router = APIRouter(tags=["privacy"])


@router.get(
    "/me/export",
    summary="Everything Chamba holds about me, as JSON",
    responses=responses(NotAuthenticated),
)
def export(
    user: CurrentUser, session: SessionDep, response: Response, audit: AuditDep
) -> DataExport:
    response.headers["Content-Disposition"] = 'attachment; filename="chamba-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    data = service.export(session, user)
    audit.record(user, "person.exported", "user", user.id)
    return data


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase my personal data and close my account (cannot be undone)",
    description=(
        "Deletes the profile, skills, applications, counselor grants and notes; keeps "
        "anonymised interactions (no link to the person) for learning; scrubs and deactivates "
        "the account and ends every login. Staff accounts are closed by an administrator."
    ),
    responses=responses(NotAuthenticated, StaffErasureRefused),
)
def erase(user: CurrentUser, session: SessionDep, request: Request) -> Response:
    service.erase(session, user, request_id=request_id_of(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
