"""Sign-up (``/registro``, then ``/registro/confirmar`` with the code sent to the address),
log-in (``/ingresar``) and log-out (``/salir``) pages.

They call :mod:`chamba.auth.service` like the API does (same rate limits, same password
policy) and keep the login in the session cookie (:mod:`chamba.web.session`). Refusals are
shown next to the fields in the person's language, with what they typed kept (never the
password).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from chamba.accounts import service as accounts_service
from chamba.auth import contact as contact_service
from chamba.auth import service as auth_service
from chamba.auth.errors import (
    Forbidden,
    InvalidContactCode,
    InvalidCredentials,
    SmsUnavailable,
    TooManyAttempts,
    WeakPassword,
)
from chamba.auth.models import Role, User
from chamba.auth.schemas import LoginIn, RegisterIn, SignupConfirmIn
from chamba.config import Settings
from chamba.deps import SessionDep, SettingsDep
from chamba.web import discover as discover_service
from chamba.web import pending
from chamba.web import session as web_session
from chamba.web.account_forms import (
    identifier,
    invalid_contact,
    sms_unavailable,
    too_many,
    weak_password,
)
from chamba.web.forms import FormState
from chamba.web.i18n import format_number
from chamba.web.session import OptionalWebUser, WebUser, safe_next, see_other, start_page
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
#: Roles a person may choose when signing up, in the order shown.
SIGNUP_ROLES = (Role.SEEKER, Role.EMPLOYER, Role.PROVIDER)


def _signup_context(form: FormState, next_url: str) -> dict[str, Any]:
    return {"form": form, "roles": [r.value for r in SIGNUP_ROLES], "next": next_url}


def _with_pending_skills(request: Request, session: Session, user: User, target: str) -> Response:
    """Redirect to ``target`` after a sign-up or log-in, first saving the skills this browser
    kept from ``/descubre`` (a seeker then sees them on the profile)."""
    kept = pending.read(request)
    if kept is None or user.role != Role.SEEKER:
        return see_other(target)
    lang = request_lang(request)
    discover_service.keep_pending_for_seeker(session, user, kept.skill_ids, kept.text, lang)
    response = see_other("/perfil?guardado=habilidades")
    pending.forget(request, response)
    return response


@router.get("/registro")
def signup_form(
    request: Request,
    user: OptionalWebUser,
    next: Annotated[str, Query(max_length=500)] = "",
    rol: Annotated[str, Query(max_length=20)] = "seeker",
) -> Response:
    if user is not None:
        return RedirectResponse(start_page(user), status_code=303)
    role = rol if rol in {r.value for r in SIGNUP_ROLES} else Role.SEEKER.value
    form = FormState({"rol": role})
    return render(request, "registro.html", _signup_context(form, safe_next(next, "")))


@router.post("/registro")
def signup_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    nombre: FormText = "",
    contacto: FormText = "",
    clave: FormText = "",
    rol: FormText = "seeker",
    next: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState({"nombre": nombre, "contacto": contacto, "rol": rol})
    form.require("nombre", _("Write your name."))
    form.require("contacto", _("Write your e-mail or your mobile number."))
    if not clave:
        form.error("clave", _("Choose a password."))
    if rol not in {r.value for r in SIGNUP_ROLES}:
        form.error("rol", _("Choose what you come to Chamba for."))
    data = None
    status = 422
    if form.ok:
        values = {"name": nombre, "password": clave, "role": rol, **identifier(contacto)}
        messages = {
            "name": ("nombre", _("Write your name (up to 200 characters).")),
            "password": ("clave", _("The password is too long.")),
        }
        contact = ("contacto", invalid_contact(request))
        data = form.parse(RegisterIn, values, messages, contact)
    if data is not None:
        client = web_session.client_of(request)
        try:
            accounts_service.register(session, data, client=client, settings=settings)
        except TooManyAttempts as exc:
            form.error("contacto", too_many(request, exc))
            status = 429
        except WeakPassword:
            form.error("clave", weak_password(request))
        except SmsUnavailable:
            form.error("contacto", sms_unavailable(request))
        else:
            # The same page whether the address was free or already someone's (its owner was
            # told): only the code sent to the address lets the account in.
            return _confirm_page(request, FormState({"contacto": contacto}), next, settings)
    context = _signup_context(form, safe_next(next, ""))
    return render(request, "registro.html", context, status_code=status, switch_path="/registro")


def _confirm_page(
    request: Request, form: FormState, next_url: str, settings: Settings, *, status: int = 200
) -> Response:
    minutes = format_number(settings.contact_code_minutes, request_lang(request))
    context = {"form": form, "next": safe_next(next_url, ""), "minutes": minutes}
    return render(request, "registro_confirmar.html", context, status_code=status,
                  switch_path="/registro/confirmar")  # fmt: skip


@router.get("/registro/confirmar")
def confirm_form(
    request: Request,
    settings: SettingsDep,
    user: OptionalWebUser,
    codigo: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    if user is not None:
        return RedirectResponse(start_page(user), status_code=303)
    return _confirm_page(request, FormState({"codigo": codigo}), "", settings)


@router.post("/registro/confirmar")
def confirm_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    contacto: FormText = "",
    codigo: FormText = "",
    clave: FormText = "",
    next: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState({"contacto": contacto, "codigo": codigo})
    form.require("contacto", _("Write your e-mail or your mobile number."))
    form.require("codigo", _("Write the code we sent you."))
    if not clave:
        form.error("clave", _("Write your password."))
    status = 422
    wrong = _(
        "This code does not work: check it, your e-mail or phone and your password. A code "
        "works for a short time; sign up again to get a new one."
    )
    if form.ok:
        client = web_session.client_of(request)
        try:
            data = SignupConfirmIn(code=codigo, password=clave, **identifier(contacto))
        except ValidationError:
            data = None
            form.error("codigo", wrong)
            status = 400
        if data is not None:
            try:
                contact_service.confirm_signup(
                    session, email=data.email, phone=data.phone, code=data.code,
                    password=data.password, address=client.address, settings=settings,
                )  # fmt: skip
                pair = auth_service.login(
                    session,
                    LoginIn(email=data.email, phone=data.phone, password=clave),
                    client=client,
                    settings=settings,
                    channel=auth_service.WEB,
                )
            except InvalidContactCode:
                form.error("codigo", wrong)
                status = 400
            except TooManyAttempts as exc:
                form.error("codigo", too_many(request, exc))
                status = 429
            else:
                web_session.start_session(request, pair, settings)
                user = auth_service.authenticate(session, pair.access_token, settings=settings).user
                first = "/descubre" if user.role == Role.SEEKER else start_page(user)
                return _with_pending_skills(request, session, user, safe_next(next, first))
    return _confirm_page(request, form, next, settings, status=status)


@router.get("/ingresar")
def login_form(
    request: Request,
    user: OptionalWebUser,
    next: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next, start_page(user)), status_code=303)
    context = {"form": FormState(), "next": safe_next(next, "")}
    return render(request, "ingresar.html", context)


@router.post("/ingresar")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    contacto: FormText = "",
    clave: FormText = "",
    next: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState({"contacto": contacto})
    form.require("contacto", _("Write your e-mail or your mobile number."))
    if not clave:
        form.error("clave", _("Write your password."))
    status = 422
    if form.ok:
        try:
            data = LoginIn(password=clave, **identifier(contacto))
        except ValidationError:
            data = None
            form.error("contacto", _("The e-mail or phone and the password do not match."))
        if data is not None:
            try:
                pair = auth_service.login(
                    session,
                    data,
                    client=web_session.client_of(request),
                    settings=settings,
                    channel=auth_service.WEB,
                )
            except InvalidCredentials:
                form.error("contacto", _("The e-mail or phone and the password do not match."))
                status = 401
            except TooManyAttempts as exc:
                form.error("contacto", too_many(request, exc))
                status = 429
            except Forbidden:
                form.error("contacto", _("This account is deactivated. Contact support."))
                status = 403
            else:
                web_session.start_session(request, pair, settings)
                authenticated = auth_service.authenticate(
                    session, pair.access_token, settings=settings
                )
                target = safe_next(next, start_page(authenticated.user))
                return _with_pending_skills(request, session, authenticated.user, target)
    context = {"form": form, "next": safe_next(next, "")}
    return render(request, "ingresar.html", context, status_code=status, switch_path="/ingresar")


@router.post("/salir")
def logout(request: Request, session: SessionDep, user: WebUser) -> Response:
    current = web_session.current_login(request)
    if current is not None:
        auth_service.logout(session, current)
    web_session.end_session(request)
    return see_other("/?sesion=cerrada")
