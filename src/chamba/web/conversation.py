"""The seeker's guided conversation page (``/conversacion``), without JavaScript.

One form carries the answer to the current question and a yes/no choice for each skill
proposed so far; posting it calls the same service as ``POST /api/v1/me/conversation``. The
page only ever shows and changes the signed-in seeker's own conversation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from chamba.conversation import service as conversation_service
from chamba.conversation.schemas import MAX_MESSAGE_CHARS, ConversationIn
from chamba.deps import SessionDep
from chamba.nlp.deps import LlmDep
from chamba.web.forms import FormState
from chamba.web.seeker import person_of
from chamba.web.session import WebSeeker, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
#: Prefix of the yes/no radio of each proposed skill (``skill-<id>`` = ``yes`` | ``no``).
CHOICE_PREFIX = "skill-"


def _decisions(form: FormData, proposed: set[str]) -> tuple[list[str], list[str]]:
    confirm, reject = [], []
    for key, value in form.multi_items():
        if not key.startswith(CHOICE_PREFIX) or not isinstance(value, str):
            continue
        skill_id = key[len(CHOICE_PREFIX) :]
        if skill_id not in proposed:
            continue  # a stale or forged choice: only this person's proposals count
        if value == "yes":
            confirm.append(skill_id)
        elif value == "no":
            reject.append(skill_id)
    return confirm, reject


@router.get("/conversacion")
def conversation_page(request: Request, user: WebSeeker, session: SessionDep) -> Response:
    lang = request_lang(request)
    person = person_of(session, user)
    state = conversation_service.view(session, person, lang)
    return render(request, "conversacion.html", {"conv": state, "form": FormState()})


@router.post("/conversacion")
async def conversation_answer(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    llm: LlmDep,
    respuesta: Annotated[str, Form()] = "",
    accion: Annotated[str, Form(max_length=20)] = "responder",
) -> Response:
    lang = request_lang(request)
    _ = gettext_for(request)
    person = person_of(session, user)
    current = conversation_service.view(session, person, lang)
    form = FormState({"respuesta": respuesta})
    form.max_length(
        "respuesta",
        MAX_MESSAGE_CHARS,
        _("Write at most %(limit)s characters.") % {"limit": MAX_MESSAGE_CHARS},
    )
    if not form.ok:
        context = {"conv": current, "form": form}
        return render(request, "conversacion.html", context, status_code=422)
    proposed = {p.id for p in current.proposals if p.status == "proposed"}
    confirm, reject = _decisions(await request.form(), proposed)
    skip = accion == "pasar"
    data = ConversationIn(
        message="" if skip else respuesta, skip=skip, confirm=confirm, reject=reject
    )
    conversation_service.converse(session, person, data, lang, llm)
    return see_other("/conversacion#pregunta")


@router.post("/conversacion/reiniciar")
def conversation_restart(user: WebSeeker, session: SessionDep) -> Response:
    conversation_service.restart(session, person_of(session, user))
    return see_other("/conversacion")
