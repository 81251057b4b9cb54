"""What posting a job (:mod:`chamba.web.employer`) and publishing a course
(:mod:`chamba.web.provider`) share: free text -> suggested skills to confirm -> published.

Both check the title and description the same way, get back the confirm page's skills
(``shown``: every skill the page listed, ``skill``: the ticked ones), need at least one skill
ticked, and publish for the account's organisation, which is made on its first posting
(:func:`chamba.orgs.service.organisation_for_account`, as the API does). The confirm pages share
``templates/_confirmar.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chamba.auth.models import User
from chamba.fields import MAX_TEXT, MAX_TITLE
from chamba.orgs import service as org_service
from chamba.orgs.models import OrgKind
from chamba.web import discover as discover_service
from chamba.web import places
from chamba.web.forms import FormState
from chamba.web.i18n import Lang
from chamba.web.templating import gettext_for

FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]

Data = TypeVar("Data", bound=BaseModel)
Published = TypeVar("Published")


@dataclass(frozen=True, slots=True)
class Confirmed:
    """What both confirm forms send back: the text, the skills the page listed (``shown``) and
    those ticked (``skill``), and the place picked."""

    titulo: str
    descripcion: str
    shown: list[str]
    skill: list[str]
    picker: places.PlacePicker

    def skills(self, session: Session, lang: Lang) -> list[dict[str, Any]]:
        """:func:`returned_skills` of the form."""
        return returned_skills(session, self.shown, self.skill, lang)


def confirmed_form(
    titulo: FormText = "",
    descripcion: FormText = "",
    shown: FormList = [],  # noqa: B006 - FastAPI copies defaults
    skill: FormList = [],  # noqa: B006
    departamento: FormText = "",
    provincia: FormText = "",
    distrito: FormText = "",
) -> Confirmed:
    picker = places.picker(departamento, provincia, distrito)
    return Confirmed(titulo, descripcion, shown, skill, picker)


ConfirmedForm = Annotated[Confirmed, Depends(confirmed_form)]


def check_text(request: Request, form: FormState, missing_title: str) -> None:
    """Errors on ``titulo`` (``missing_title`` when blank, or too long) and on a too long
    ``descripcion``."""
    _ = gettext_for(request)
    form.require("titulo", missing_title)
    # The API schemas' limits (chamba.fields), so the page and the API accept the same texts.
    too_long = _("Write at most %(limit)s characters.")
    form.max_length("titulo", MAX_TITLE, too_long % {"limit": MAX_TITLE})
    form.max_length("descripcion", MAX_TEXT, too_long % {"limit": MAX_TEXT})


def returned_skills(
    session: Session, shown: Sequence[str], ticked: Sequence[str], lang: Lang
) -> list[dict[str, Any]]:
    """The skills the confirm page listed, as its form sent them back: in the order shown
    (repeats and unknown ids dropped), ``checked`` when ticked, without evidence."""
    order = discover_service.dedupe(shown)
    names = discover_service.labels(session, order, lang)
    chosen = set(ticked)
    return [
        {"id": i, "label": names[i], "checked": i in chosen, "evidence": None}
        for i in order
        if i in names
    ]


def require_skill(
    form: FormState, skills: Sequence[dict[str, Any]], message: str
) -> list[dict[str, Any]]:
    """The ticked skills; an error on ``skills`` (``message``) when there is none."""
    chosen = [s for s in skills if s["checked"]]
    if not chosen:
        form.error("skills", message)
    return chosen


def publish_for_organisation(
    session: Session,
    user: User,
    form: FormState,
    *,
    kind: OrgKind,
    data: Data,
    publish: Callable[[Data, int], Published],
    refused: type[Exception],
    message: str,
) -> Published | None:
    """``publish(data, organisation id)`` for the account's organisation (of ``kind``: made,
    and remembered on ``user``, on its first posting, as the API does).

    ``None``, with ``message`` on the form's ``skills``, when the service raises ``refused``.
    """
    org = org_service.account_organisation(session, kind, user)
    try:
        return publish(data, org.id)
    except refused:
        form.error("skills", message)
        return None
