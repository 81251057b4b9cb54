"""Routes that open and administer accounts: self-registration (``/auth/register``), the
confirmation of a password reset (audited) and account administration (``/admin/users``).
They record audits and create profiles, so they sit above ``auth``, ``people`` and ``audit``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from chamba.accounts import service as accounts_service
from chamba.audit.deps import AuditDep
from chamba.auth import reset as reset_service
from chamba.auth import service as auth_service
from chamba.auth.deps import AdminUser, ClientDep
from chamba.auth.errors import (
    AccountExists,
    InvalidResetToken,
    NotAuthenticated,
    RoleRequired,
    SelfLockout,
    StaffRoleRefused,
    TooManyAttempts,
    UserNotFound,
    WeakPassword,
)
from chamba.auth.models import Role
from chamba.auth.schemas import (
    Accepted,
    PasswordResetConfirmIn,
    RegisterIn,
    UserCreate,
    UserOut,
    UserPage,
    UserUpdate,
)
from chamba.db import kept_on
from chamba.deps import SessionDep, SettingsDep
from chamba.errors import InvalidInput
from chamba.params import Page, UserId
from chamba.problems import responses

router = APIRouter(tags=["auth"])
#: The answer to every accepted registration, new account or not.
REGISTERED = (
    "Registration received. If this e-mail or phone was free, your account is ready: log in "
    "with it. If it already had an account, nothing changed and its owner was told."
)


@router.post(
    "/auth/register",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Register a seeker, employer or provider",
    description=(
        "Answers the same whether or not the e-mail or phone already has an account, so the "
        "answer tells no one who is registered: a new account is created (log in to use it); "
        "for an address already in use nothing is created and its owner is told by e-mail."
    ),
    responses=responses(StaffRoleRefused, WeakPassword, TooManyAttempts),
)
def register(
    data: RegisterIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> Accepted:
    with kept_on(session, StaffRoleRefused, WeakPassword, InvalidInput):
        accounts_service.register(session, data, client=client, settings=settings)
    return Accepted(detail=REGISTERED)


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Choose a new password with the token of a reset e-mail; every login ends",
    responses=responses(InvalidResetToken, WeakPassword),
)
def confirm_password_reset(
    data: PasswordResetConfirmIn, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> Response:
    user = reset_service.confirm_reset(session, data.token, data.new_password, settings=settings)
    audit.record(user, "user.password_reset", "user", user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_admin_errors = (NotAuthenticated, RoleRequired)


@router.post(
    "/admin/users",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account of any role (admins only)",
    tags=["admin"],
    responses=responses(*_admin_errors, AccountExists, WeakPassword, InvalidInput),
)
def create_user(
    data: UserCreate, admin: AdminUser, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> UserOut:
    user = accounts_service.create_user(session, data, settings=settings)
    audit.record(admin, "user.created", "user", user.id)
    return UserOut.model_validate(user)


@router.get(
    "/admin/users",
    summary="List accounts, oldest first (admins only)",
    tags=["admin"],
    responses=responses(*_admin_errors),
)
def list_users(
    admin: AdminUser,
    session: SessionDep,
    audit: AuditDep,
    role: Role | None = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPage:
    users, total = auth_service.list_users(session, role=role, page=page, per_page=per_page)
    audit.record(admin, "user.list", "user")
    return UserPage(
        items=[UserOut.model_validate(u) for u in users], total=total, page=page, per_page=per_page
    )


@router.patch(
    "/admin/users/{user_id}",
    summary="Change an account's role or deactivate it (admins only)",
    tags=["admin"],
    responses=responses(*_admin_errors, UserNotFound, SelfLockout),
)
def update_user(
    user_id: UserId, data: UserUpdate, admin: AdminUser, session: SessionDep, audit: AuditDep
) -> UserOut:
    user, actions = auth_service.change_user(session, admin, user_id, data)
    for action in actions:
        audit.record(admin, action, "user", user.id)
    return UserOut.model_validate(user)
