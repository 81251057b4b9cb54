"""Authentication dependencies: ``CurrentUser``, ``OptionalUser`` and ``require_roles``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from chamba.auth import ratelimit, service
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.auth.models import Role, User
from chamba.config import Settings
from chamba.db import utcnow
from chamba.deps import SessionDep, SettingsDep

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def client_of(request: Request) -> service.Client:
    """The client address (the direct peer; run uvicorn with --proxy-headers behind a proxy)."""
    return service.Client(
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


ClientDep = Annotated[service.Client, Depends(client_of)]


def current_login(
    credentials: BearerDep, session: SessionDep, settings: SettingsDep
) -> service.Authenticated:
    """The valid access token's user and login session, or a 401 problem."""
    if credentials is None:
        raise NotAuthenticated()
    return service.authenticate(session, credentials.credentials, settings=settings)


CurrentLogin = Annotated[service.Authenticated, Depends(current_login)]


async def current_user(login: CurrentLogin) -> User:
    """The logged-in user (``async``: no thread of the pool for a look-up)."""
    return login.user


def optional_user(
    credentials: BearerDep, session: SessionDep, settings: SettingsDep
) -> User | None:
    """The user when a token is sent; None when none is (an invalid token is still a 401)."""
    if credentials is None:
        return None
    return service.authenticate(session, credentials.credentials, settings=settings).user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def limit_use(scope: str) -> Any:
    """A route dependency counting one use of a costly operation by the current user (see
    :func:`chamba.auth.ratelimit.usage_limit`); a 429 problem past the limit. Declare
    ``TooManyAttempts`` among the route's responses.

    Example:
        ``@router.post("/skills/extract", dependencies=[limit_use("extract")])``
    """

    def check(user: CurrentUser, session: SessionDep, settings: SettingsDep) -> None:
        count_use_of(scope, user, session, settings)

    return Depends(check)


def count_use_of(scope: str, user: User, session: Session, settings: Settings) -> None:
    """What :func:`limit_use`'s dependency does, for a dependency that does more on the same
    thread of the pool (see :func:`chamba.people.deps.counted_seeker_row`)."""
    ratelimit.count_use(
        session, scope, user_id=user.id, address=None, settings=settings, now=utcnow()
    )


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only users with one of ``roles`` through (else a 403 problem).

    Example:
        ``AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]``
    """
    allowed = frozenset(roles)

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise RoleRequired(r.value for r in allowed)
        return user

    return check


AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]
