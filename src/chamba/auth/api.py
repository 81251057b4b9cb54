"""Routes of logins and tokens (``/auth``): log in, refresh, log out, change or reset a password.

Opening accounts (``/auth/register``, ``/admin/users``) is :mod:`chamba.accounts.api`."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from chamba.auth import contact as contact_service
from chamba.auth import reset as reset_service
from chamba.auth import service
from chamba.auth.deps import ClientDep, CurrentLogin, CurrentUser
from chamba.auth.errors import (
    Forbidden,
    InvalidContactCode,
    InvalidCredentials,
    InvalidRefreshToken,
    NotAuthenticated,
    TooManyAttempts,
    WeakPassword,
    WrongCurrentPassword,
)
from chamba.auth.schemas import (
    Accepted,
    LoginIn,
    LogoutIn,
    PasswordChangeIn,
    PasswordResetIn,
    RefreshIn,
    SignupConfirmIn,
    TokenPair,
    UserOut,
)
from chamba.db import kept_on
from chamba.deps import SessionDep, SettingsDep
from chamba.problems import responses

router = APIRouter(tags=["auth"])


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
    "/auth/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Confirm a new account with the code sent to its e-mail or phone",
    description=(
        "A self-registered account logs in only after this: its e-mail or phone, the code sent "
        "there (valid `CHAMBA_CONTACT_CODE_MINUTES`, 5 tries) and the password chosen at "
        "sign-up. Any mistake gets the same answer. Then log in (`POST /auth/login`)."
    ),
    responses=responses(InvalidContactCode, TooManyAttempts),
)
def confirm_signup(
    data: SignupConfirmIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> Response:
    with kept_on(session, InvalidContactCode):
        contact_service.confirm_signup(
            session, email=data.email, phone=data.phone, code=data.code,
            password=data.password, address=client.address, settings=settings,
        )  # fmt: skip
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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


@router.get("/auth/me", summary="The current user", responses=responses(NotAuthenticated))
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
