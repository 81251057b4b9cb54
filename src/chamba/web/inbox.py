"""The seeker's inbox ("Avisos"): new jobs that match them; mark one read.

Authorisation is the API's (:mod:`chamba.notifications.api`): a user only reaches their own
notifications; someone else's id is a 404, like an unknown one.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from chamba.deps import SessionDep
from chamba.notifications import service as notification_service
from chamba.params import PathId
from chamba.web.session import WebSeeker, see_other
from chamba.web.templating import render
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/avisos")
def inbox(request: Request, user: WebSeeker, session: SessionDep) -> Response:
    box = notification_service.inbox(session, user, limit=50)
    return render(request, "avisos.html", {"items": box.items, "unread_count": box.unread})


@router.post("/avisos/{notification_id}/leido")
def mark_read(notification_id: PathId, user: WebSeeker, session: SessionDep) -> Response:
    row = notification_service.mark_read(session, user, notification_id)
    return see_other(f"/avisos#aviso-{row.id}")
