"""Web pages (HTML). Every POST of this router passes the CSRF check.

Pages work without JavaScript; htmx only enhances (inline skill suggestions). Routes and
templates are in Spanish, the UI language is chosen per request (see :mod:`chamba.web.i18n`).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from chamba.auth import ratelimit
from chamba.auth.errors import TooManyAttempts
from chamba.auth.models import Role, User
from chamba.db import utcnow
from chamba.deps import SessionDep
from chamba.web import csrf, pending
from chamba.web import discover as discover_service
from chamba.web.account_forms import too_many
from chamba.web.errors import CsrfRejected
from chamba.web.forms import FormState
from chamba.web.i18n import LANG_PARAM, as_lang, format_number
from chamba.web.session import OptionalWebUser, client_of, csrf_binding, see_other, start_page
from chamba.web.templating import gettext_for, render, request_lang, secret_of

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


async def verify_csrf(request: Request) -> None:
    """Reject an unsafe request whose form lacks the CSRF cookie's token, signed for the login
    the request carries (:func:`~chamba.web.session.csrf_binding`)."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    field = form.get(csrf.FIELD_NAME)
    secure = request.url.scheme == "https"
    cookie = request.cookies.get(csrf.cookie_name(csrf.COOKIE_NAME, secure=secure))
    value = field if isinstance(field, str) else None
    if not csrf.is_valid(secret_of(request), cookie, value, csrf_binding(request)):
        raise CsrfRejected()


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("/")
def home(request: Request, user: OptionalWebUser) -> Response:
    """The public home page; a logged-in user lands on their role's start page."""
    if user is not None and start_page(user) != "/":
        # A language chosen on the way (``/?lang=en``) goes along to the start page.
        chosen = as_lang(request.query_params.get(LANG_PARAM))
        target = start_page(user) + (f"?{LANG_PARAM}={chosen}" if chosen else "")
        return RedirectResponse(target, status_code=303)
    return render(request, "home.html")


def _is_seeker(user: User | None) -> bool:
    return user is not None and user.role == Role.SEEKER


@router.get("/descubre")
def discover_form(request: Request, user: OptionalWebUser) -> Response:
    context = {
        "form": FormState(),
        "max_chars": discover_service.MAX_TEXT_CHARS,
        "saving": _is_seeker(user),
    }
    return render(request, "descubre.html", context)


@router.post("/descubre")
def discover_submit(
    request: Request, session: SessionDep, user: OptionalWebUser, texto: FormText = ""
) -> Response:
    """Free text -> the checklist of skills found (or the form again with a message)."""
    _ = gettext_for(request)
    lang = request_lang(request)
    limit = discover_service.MAX_TEXT_CHARS
    form = FormState({"texto": texto})
    form.require("texto", _("Write at least one thing you know how to do."))
    form.max_length(
        "texto",
        limit,
        _("Your text has %(count)s characters; the limit is %(limit)s. Please shorten it.")
        % {"count": format_number(len(texto), lang), "limit": format_number(limit, lang)},
    )
    if form.ok:
        # Extraction is costly: limited per account, or per address when signed out.
        try:
            ratelimit.count_use(
                session,
                "discover",
                user_id=user.id if user is not None else None,
                address=client_of(request).address,
                settings=request.app.state.settings,
                now=utcnow(),
            )
        except TooManyAttempts as exc:
            form.error("texto", too_many(request, exc))
            context = {"form": form, "max_chars": limit, "saving": _is_seeker(user)}
            return render(request, "descubre.html", context, status_code=429)
    if not form.ok:
        context = {"form": form, "max_chars": limit, "saving": _is_seeker(user)}
        return render(request, "descubre.html", context, status_code=422)
    if user is not None and _is_seeker(user):
        # Signed-in seeker: the proposals are kept (unconfirmed) on the profile, and the
        # checklist also holds the skills already confirmed, so confirming saves the whole set.
        skills = discover_service.proposed_for_seeker(session, user, texto, lang)
    else:
        extractor = discover_service.get_extractor(request, session)
        skills = discover_service.found_skills(extractor, texto, lang)
    context = {"form": FormState(), "texto": texto, "skills": skills, "q": "", "results": []}
    return render(request, "habilidades.html", context, switch_path="/descubre")


@router.post("/descubre/habilidades")
def checklist_submit(
    request: Request,
    session: SessionDep,
    user: OptionalWebUser,
    texto: FormText = "",
    skill: FormList = [],  # noqa: B006 - FastAPI copies defaults
    shown: FormList = [],  # noqa: B006
    q: FormText = "",
    accion: FormText = "confirmar",
) -> Response:
    """The checklist form: ``accion=buscar`` searches skills to add (works without
    JavaScript), ``accion=confirmar`` shows the confirmed skills."""
    _ = gettext_for(request)
    lang = request_lang(request)
    texto = texto[: discover_service.MAX_TEXT_CHARS]
    extractor = discover_service.get_extractor(request, session) if texto.strip() else None
    skills = discover_service.checklist(session, extractor, texto, shown, skill, lang)
    form = FormState({"q": q})
    context = {"form": form, "texto": texto, "skills": skills, "q": "", "results": []}
    if accion == "buscar":
        if form.require("q", _("Write the skill you are looking for.")):
            exclude = [s.id for s in skills]
            context["results"] = discover_service.suggestions(session, q, lang, exclude)
            context["q"] = q.strip()
        status = 200 if form.ok else 422
        return render(request, "habilidades.html", context, status_code=status)
    chosen = [s for s in skills if s.checked]
    if not chosen:
        form.error("skills", _("Tick at least one skill, or search for one to add."))
        return render(request, "habilidades.html", context, status_code=422)
    if user is not None and _is_seeker(user):
        discover_service.save_for_seeker(session, user, [s.id for s in chosen])
        return see_other("/perfil?guardado=habilidades")
    response = render(request, "descubre_listo.html", {"skills": chosen}, switch_path="/descubre")
    pending.remember(request, response, [s.id for s in chosen], texto)
    return response


@router.get("/descubre/habilidades")
def checklist_page() -> Response:
    return RedirectResponse("/habilidades", status_code=303)


@router.get("/habilidades")
def skills_search(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query()] = "",
    skill: Annotated[list[str], Query()] = [],  # noqa: B006
    shown: Annotated[list[str], Query()] = [],  # noqa: B006
) -> Response:
    """Skill search: a full page, or (for htmx) only the suggestions."""
    lang = request_lang(request)
    query = q.strip()[:200]
    exclude = discover_service.dedupe([*shown, *skill])
    results = discover_service.suggestions(session, query, lang, exclude) if query else []
    context = {"q": query, "results": results}
    if is_htmx(request):
        return render(request, "_sugerencias.html", {**context, "fragment": True})
    page = {**context, "form": FormState({"q": q}), "texto": "", "skills": []}
    return render(request, "habilidades.html", page)


@router.get("/habilidades/agregar")
def skills_add(request: Request, session: SessionDep, id: str = "") -> Response:
    """(htmx) One checklist line for skill ``id``; without htmx, back to the search page."""
    lang = request_lang(request)
    names = discover_service.labels(session, [id], lang) if id else {}
    if id not in names:
        return render(request, "error.html", {"status": 404}, status_code=404)
    if not is_htmx(request):
        return RedirectResponse("/habilidades", status_code=303)
    choice = discover_service.SkillChoice(id, names[id])
    return render(request, "_skill_added.html", {"skill": choice})
