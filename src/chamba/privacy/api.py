"""``GET /me/export`` (all my data as JSON) and ``DELETE /me`` (erase my data)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from chamba.audit.deps import AuditDep
from chamba.auth import service as auth_service
from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated, TooManyAttempts, WrongCurrentPassword
from chamba.auth.schemas import ReauthIn
from chamba.db import kept_on
from chamba.deps import SessionDep, SettingsDep
from chamba.observability.logging import request_id_of
from chamba.privacy import service
from chamba.privacy.errors import StaffErasureRefused
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
        "the account and ends every login. Staff accounts are closed by an administrator. "
        "The body repeats the account's current password (`current_password`): a stolen "
        "access token or an unattended device is not enough to erase an account; a wrong "
        "password counts as a failed login."
    ),
    responses=responses(
        NotAuthenticated, StaffErasureRefused, WrongCurrentPassword, TooManyAttempts
    ),
)
def erase(
    data: ReauthIn, user: CurrentUser, session: SessionDep, settings: SettingsDep, request: Request
) -> Response:
    if user.role not in service.SELF_ERASABLE:
        raise StaffErasureRefused(user.role.value)
    with kept_on(session, WrongCurrentPassword):
        auth_service.reauthenticate(session, user, data.current_password, settings=settings)
    service.erase(session, user, request_id=request_id_of(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
