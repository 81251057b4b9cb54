"""A user's inbox: ``GET /me/notifications`` and ``POST /me/notifications/{id}/read``.

Every signed-in user has an inbox (seekers get job matches); a user only ever reaches their
own notifications: someone else's id answers 404, as an unknown one does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated
from chamba.deps import SessionDep
from chamba.notifications import service
from chamba.notifications.errors import NotificationNotFound
from chamba.notifications.schemas import NotificationList, NotificationOut
from chamba.problems import responses

router = APIRouter(tags=["notifications"])


@router.get(
    "/me/notifications",
    summary="My notifications, newest first",
    responses=responses(NotAuthenticated),
)
def my_notifications(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationList:
    return service.inbox(session, user, limit=limit)


@router.post(
    "/me/notifications/{notification_id}/read",
    summary="Mark one of my notifications read",
    responses=responses(NotAuthenticated, NotificationNotFound),
)
def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    user: CurrentUser,
    session: SessionDep,
) -> NotificationOut:
    return service.view(service.mark_read(session, user, notification_id), user.language)
