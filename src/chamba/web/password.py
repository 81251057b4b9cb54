"""Forgot-password pages: ask for a reset link (``/clave/olvide``) and choose a new password
with it (``/clave/nueva?token=...``). They call :mod:`chamba.auth.reset` like the API does: the
same answer whether the e-mail has an account, a single-use link, every login ended after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from chamba.auth import reset as reset_service
from chamba.auth.errors import InvalidResetToken, TooManyAttempts, WeakPassword
from chamba.auth.schemas import PasswordResetConfirmIn, PasswordResetIn
from chamba.deps import SessionDep, SettingsDep
from chamba.web import session as web_session
from chamba.web.account_forms import too_many, weak_password
from chamba.web.forms import FormState
from chamba.web.i18n import format_number
from chamba.web.session import see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
#: A reset token as the e-mail's link carries it (43 URL-safe characters).
Token = Annotated[str, Query(max_length=200)]


@router.get("/clave/olvide")
def forgot_form(request: Request) -> Response:
    return render(request, "clave_olvide.html", {"form": FormState()})


@router.post("/clave/olvide")
def forgot_submit(
    request: Request, session: SessionDep, settings: SettingsDep, correo: FormText = ""
) -> Response:
    _ = gettext_for(request)
    form = FormState({"correo": correo})
    try:
        data = PasswordResetIn(email=correo)
    except ValidationError:
        form.error("correo", _("Write a valid e-mail (name@example.com)."))
        return render(request, "clave_olvide.html", {"form": form}, status_code=422,
                      switch_path="/clave/olvide")  # fmt: skip
    address = web_session.client_of(request).address
    try:
        reset_service.request_reset(session, data.email, address=address, settings=settings)
    except TooManyAttempts as exc:
        form.error("correo", too_many(request, exc))
        return render(request, "clave_olvide.html", {"form": form}, status_code=429,
                      switch_path="/clave/olvide")  # fmt: skip
    minutes = format_number(settings.password_reset_minutes, request_lang(request))
    return render(request, "clave_enviada.html", {"minutes": minutes},
                  switch_path="/clave/olvide")  # fmt: skip


@router.get("/clave/nueva")
def new_password_form(request: Request, token: Token = "") -> Response:
    context = {"form": FormState(), "token": token, "invalid": False}
    return render(request, "clave_nueva.html", context)


@router.post("/clave/nueva")
def new_password_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: FormText = "",
    clave: FormText = "",
) -> Response:
    _ = gettext_for(request)
    form = FormState()
    context: dict[str, Any] = {"form": form, "token": token, "invalid": False}
    try:
        data = PasswordResetConfirmIn(token=token, new_password=clave)
    except ValidationError as exc:
        if any(e["loc"] and e["loc"][0] == "token" for e in exc.errors(include_url=False)):
            context["invalid"] = True
            return render(request, "clave_nueva.html", context, status_code=400,
                          switch_path="/clave/olvide")  # fmt: skip
        form.error("clave", _("Choose a password."))
        return render(request, "clave_nueva.html", context, status_code=422,
                      switch_path="/clave/olvide")  # fmt: skip
    try:
        reset_service.confirm_reset(session, data.token, data.new_password, settings=settings)
    except InvalidResetToken:
        context["invalid"] = True
        return render(request, "clave_nueva.html", context, status_code=400,
                      switch_path="/clave/olvide")  # fmt: skip
    except WeakPassword:
        form.error("clave", weak_password(request))
        return render(request, "clave_nueva.html", context, status_code=422,
                      switch_path="/clave/olvide")  # fmt: skip
    web_session.end_session(request)
    return see_other("/ingresar?clave=nueva")
