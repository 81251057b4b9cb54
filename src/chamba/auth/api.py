"""Routes of accounts and tokens (``/auth``) and of account administration (``/admin/users``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from chamba.audit.deps import AuditDep
from chamba.auth import reset as reset_service
from chamba.auth import service
from chamba.auth.deps import AdminUser, ClientDep, CurrentLogin, CurrentUser
from chamba.auth.errors import (
    AccountExists,
    Forbidden,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    NotAuthenticated,
    RoleRequired,
    SelfLockout,
    StaffRoleRefused,
    TooManyAttempts,
    UserNotFound,
    WeakPassword,
    WrongCurrentPassword,
)
from chamba.auth.models import Role
from chamba.auth.schemas import (
    Accepted,
    LoginIn,
    LogoutIn,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenPair,
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
        service.register(session, data, client=client, settings=settings)
    return Accepted(detail=REGISTERED)


@router.post(
    "/auth/login",
    summary="Log in with e-mail or phone and password",
    responses=responses(InvalidCredentials, Forbidden, TooManyAttempts),
)
def login(
    data: LoginIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> TokenPair:
    with kept_on(session, InvalidCredentials):
        return service.login(session, data, client=client, settings=settings)


@router.post(
    "/auth/refresh",
    summary="Exchange a refresh token for a new token pair",
    responses=responses(InvalidRefreshToken),
)
def refresh(data: RefreshIn, session: SessionDep, settings: SettingsDep) -> TokenPair:
    with kept_on(session, InvalidRefreshToken):
        return service.refresh(session, data.refresh_token, settings=settings)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: the access and refresh tokens stop working",
    responses=responses(NotAuthenticated),
)
def logout(login: CurrentLogin, session: SessionDep, data: LogoutIn | None = None) -> Response:
    service.logout(session, login, refresh_token=data.refresh_token if data else None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out on every device: every login of this account ends",
    responses=responses(NotAuthenticated),
)
def logout_everywhere(login: CurrentLogin, session: SessionDep) -> Response:
    service.logout_everywhere(session, login.user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change my password (the current one is asked again); other logins end",
    responses=responses(NotAuthenticated, WrongCurrentPassword, WeakPassword, TooManyAttempts),
)
def change_password(
    data: PasswordChangeIn, login: CurrentLogin, session: SessionDep, settings: SettingsDep
) -> Response:
    with kept_on(session, WrongCurrentPassword):
        service.change_password(
            session, login, data.current_password, data.new_password, settings=settings
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Forgot my password: e-mail me a link to choose a new one",
    description=(
        "Answers the same whether an account uses the address or not. For an active account "
        "with this e-mail, a message with a single-use link (valid "
        "`CHAMBA_PASSWORD_RESET_MINUTES`) is sent; a newer request replaces it."
    ),
    responses=responses(TooManyAttempts),
)
def request_password_reset(
    data: PasswordResetIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> Accepted:
    reset_service.request_reset(session, data.email, address=client.address, settings=settings)
    return Accepted(detail=reset_service.ACCEPTED)


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


@router.get("/auth/me", summary="The current user", responses=responses(NotAuthenticated))
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


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
    user = service.create_user(session, data, settings=settings)
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
    users, total = service.list_users(session, role=role, page=page, per_page=per_page)
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
    user, actions = service.change_user(session, admin, user_id, data)
    for action in actions:
        audit.record(admin, action, "user", user.id)
    return UserOut.model_validate(user)
