"""Routes that open and administer accounts: self-registration (``/auth/register``), the
confirmation of a password reset (audited) and account administration (``/admin/users``).
They record audits and create profiles, so they sit above ``auth``, ``people`` and ``audit``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from chamba.accounts import service as accounts_service
from chamba.audit.deps import AuditDep
from chamba.auth import contact as contact_service
from chamba.auth import reset as reset_service
from chamba.auth import service as auth_service
from chamba.auth.deps import AdminUser, ClientDep, CurrentLogin
from chamba.auth.errors import (
    AccountExists,
    InvalidContactCode,
    InvalidResetToken,
    NotAuthenticated,
    RoleRequired,
    SelfLockout,
    SmsUnavailable,
    StaffRoleRefused,
    TooManyAttempts,
    UserNotFound,
    WeakPassword,
    WrongCurrentPassword,
)
from chamba.auth.models import Role
from chamba.auth.schemas import (
    Accepted,
    ContactChangeIn,
    ContactConfirmIn,
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
REGISTERED = contact_service.SIGNUP_ACCEPTED


@router.post(
    "/auth/register",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Register a seeker, employer or provider",
    description=(
        "Answers the same whether or not the e-mail or phone already has an account, so the "
        "answer tells no one who is registered: a new account is created and a code is sent to "
        "its e-mail or phone (confirm it with `POST /auth/confirm` before logging in); for an "
        "address already in use nothing is created and its owner is told by e-mail. One "
        "contact per sign-up (an e-mail or a mobile): add the other with `POST /me/contact`."
    ),
    responses=responses(StaffRoleRefused, WeakPassword, TooManyAttempts, SmsUnavailable),
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


@router.post(
    "/me/contact",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Change (or add) my e-mail or phone: the current password, then a code to the new one",
    description=(
        "Asks for the current password again. A code goes to the new address (valid "
        "`CHAMBA_CONTACT_CODE_MINUTES`); the account keeps its e-mail and phone until "
        "`POST /me/contact/confirm` brings the code back. Answers the same whether or not the "
        "new address already has an account (then nothing is sent)."
    ),
    responses=responses(NotAuthenticated, WrongCurrentPassword, TooManyAttempts, SmsUnavailable),
)
def request_contact_change(
    data: ContactChangeIn, login: CurrentLogin, session: SessionDep, settings: SettingsDep
) -> Accepted:
    with kept_on(session, WrongCurrentPassword):
        contact_service.request_change(
            session, login.user, data.current_password, email=data.email, phone=data.phone,
            settings=settings,
        )  # fmt: skip
    return Accepted(detail=contact_service.CHANGE_ACCEPTED)


@router.post(
    "/me/contact/confirm",
    summary="Confirm my new e-mail or phone with the code sent to it; my other logins end",
    description=(
        "The new address replaces the old one, which is told of the change; every other login "
        "of the account ends. A wrong code counts (5 tries)."
    ),
    responses=responses(NotAuthenticated, InvalidContactCode),
)
def confirm_contact_change(
    data: ContactConfirmIn, login: CurrentLogin, session: SessionDep, audit: AuditDep
) -> UserOut:
    with kept_on(session, InvalidContactCode):
        used = contact_service.confirm_change(session, login, data.code)
    audit.record(login.user, f"user.{used.channel}_changed", "user", login.user.id)
    return UserOut.model_validate(login.user)


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
