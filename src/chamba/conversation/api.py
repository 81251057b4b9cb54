"""``/me/conversation``: the guided interview of the signed-in seeker (no one else's)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated
from chamba.conversation import service
from chamba.conversation.plan import Lang
from chamba.conversation.schemas import ConversationIn, ConversationOut
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
from chamba.nlp.deps import LlmDep
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NotASeeker, UnknownSkills
from chamba.problems import responses

router = APIRouter(tags=["conversation"])
_errors = (NotAuthenticated, NotASeeker)


def _lang(language: str | None) -> Lang:
    return "en" if language == "en" else "es"


@router.get(
    "/me/conversation",
    summary="Where my guided conversation stands (a new one starts at the first question)",
    responses=responses(*_errors),
)
def get_conversation(
    person: CurrentPerson, user: CurrentUser, session: SessionDep
) -> ConversationOut:
    return service.view(session, person, _lang(user.language))


@router.post(
    "/me/conversation",
    summary="Answer the current question and confirm or reject proposed skills",
    responses=responses(*_errors, InvalidInput, UnknownSkills),
)
def post_conversation(
    data: ConversationIn,
    person: CurrentPerson,
    user: CurrentUser,
    session: SessionDep,
    llm: LlmDep,
) -> ConversationOut:
    return service.converse(session, person, data, _lang(user.language), llm)


@router.delete(
    "/me/conversation",
    status_code=204,
    summary="Start my conversation again (confirmed skills stay on my profile)",
    responses=responses(*_errors),
)
def delete_conversation(person: CurrentPerson, session: SessionDep) -> Response:
    service.restart(session, person)
    return Response(status_code=204)
