"""Change (or add) the account's e-mail or phone (``/cuenta/contacto``): the current password
first, then the code sent to the new address. They call :mod:`chamba.auth.contact` like the API
does: the same answer whether the new address is free or taken, the old one told, other logins
ended, the change audited. And change the password (``/cuenta/clave``): the current one again,
every other login ended (:func:`chamba.auth.service.change_password`, as the API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from chamba.audit.deps import AuditDep
from chamba.auth import contact as contact_service
from chamba.auth import service as auth_service
from chamba.auth.errors import (
    InvalidContactCode,
    SmsUnavailable,
    TooManyAttempts,
    WeakPassword,
    WrongCurrentPassword,
)
from chamba.auth.models import User
from chamba.auth.schemas import ContactChangeIn, ContactConfirmIn
from chamba.config import Settings
from chamba.deps import SessionDep, SettingsDep
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
from chamba.web.session import WebUser, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
PATH = "/cuenta/contacto"


def _page(
    request: Request,
    user: User,
    settings: Settings,
    *,
    form: FormState | None = None,
    code_form: FormState | None = None,
    sent: bool = False,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "account_email": user.email,
        "account_phone": user.phone,
        "form": form or FormState(),
        "code_form": code_form or FormState(),
        "sent": sent,
        "minutes": format_number(settings.contact_code_minutes, request_lang(request)),
    }
    return render(request, "cuenta_contacto.html", context, status_code=status,
                  switch_path=PATH)  # fmt: skip


@router.get(PATH)
def contact_form(
    request: Request,
    user: WebUser,
    settings: SettingsDep,
    enviado: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    return _page(request, user, settings, sent=enviado == "1")


@router.post(PATH)
def contact_submit(
    request: Request,
    user: WebUser,
    session: SessionDep,
    settings: SettingsDep,
    nuevo: FormText = "",
    clave: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState({"nuevo": nuevo})
    form.require("nuevo", _("Write your new e-mail or mobile number."))
    if not clave:
        form.error("clave", _("Write your password."))
    if form.ok:
        values = {"current_password": clave, **identifier(nuevo)}
        data = form.parse(ContactChangeIn, values, {}, ("nuevo", invalid_contact(request)))
        if data is not None:
            try:
                contact_service.request_change(
                    session, user, data.current_password, email=data.email, phone=data.phone,
                    settings=settings,
                )  # fmt: skip
            except WrongCurrentPassword:
                form.error("clave", _("The password is not right; nothing was changed."))
                return _page(request, user, settings, form=form, status=403)
            except TooManyAttempts as exc:
                form.error("clave", too_many(request, exc))
                return _page(request, user, settings, form=form, status=429)
            except SmsUnavailable:
                form.error("nuevo", sms_unavailable(request))
                return _page(request, user, settings, form=form, status=422)
            return see_other(f"{PATH}?enviado=1")
    return _page(request, user, settings, form=form, status=422)


@router.post(f"{PATH}/confirmar")
def contact_confirm(
    request: Request,
    user: WebUser,
    session: SessionDep,
    settings: SettingsDep,
    audit: AuditDep,
    codigo: FormText = "",
) -> Response:
    _ = gettext_for(request)
    code_form = FormState({"codigo": codigo})
    wrong = _(
        "This code does not work (wrong, used, replaced by a newer one, or expired). Ask for "
        "a new one with the form above."
    )
    login = web_session.current_login(request)
    try:
        data = ContactConfirmIn(code=codigo)
    except ValidationError:
        code_form.error("codigo", _("Write the code we sent you."))
        return _page(request, user, settings, code_form=code_form, sent=True, status=422)
    assert login is not None  # WebUser found it
    try:
        used = contact_service.confirm_change(session, login, data.code)
    except InvalidContactCode:
        code_form.error("codigo", wrong)
        return _page(request, user, settings, code_form=code_form, sent=True, status=400)
    audit.record(user, f"user.{used.channel}_changed", "user", user.id)
    return see_other("/cuenta/contacto?cambiado=1")


PASSWORD_PATH = "/cuenta/clave"


def _password_page(request: Request, form: FormState, *, status: int = 200) -> Response:
    return render(request, "cuenta_clave.html", {"form": form}, status_code=status,
                  switch_path=PASSWORD_PATH)  # fmt: skip


@router.get(PASSWORD_PATH)
def password_form(request: Request, user: WebUser) -> Response:
    return _password_page(request, FormState())


@router.post(PASSWORD_PATH)
def password_submit(
    request: Request,
    user: WebUser,
    session: SessionDep,
    settings: SettingsDep,
    clave: FormText = "",
    nueva: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState()
    if not clave:
        form.error("clave", _("Write your password."))
    if not nueva:
        form.error("nueva", _("Choose a password."))
    if not form.ok:
        return _password_page(request, form, status=422)
    login = web_session.current_login(request)
    assert login is not None  # WebUser found it
    try:
        auth_service.change_password(session, login, clave, nueva, settings=settings)
    except WrongCurrentPassword:
        form.error("clave", _("The password is not right; nothing was changed."))
        return _password_page(request, form, status=403)
    except TooManyAttempts as exc:
        form.error("clave", too_many(request, exc))
        return _password_page(request, form, status=429)
    except WeakPassword:
        form.error("nueva", weak_password(request))
        return _password_page(request, form, status=422)
    return see_other(f"{PASSWORD_PATH}?cambiada=1")


@router.post("/cuenta/salir-en-todos")
def logout_everywhere(request: Request, user: WebUser, session: SessionDep) -> Response:
    """End every login of the account, this browser's included."""
    auth_service.logout_everywhere(session, user)
    web_session.end_session(request)
    return see_other("/?sesion=cerrada")
