"""The seeker's CV page (``/cv``): upload a PDF or .docx, see what was read, tick the skills
that are theirs. No JavaScript; the file is read in memory and not kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from chamba.cv import service as cv_service
from chamba.cv.errors import CvTooLarge, CvUnreadable, CvUnsupported
from chamba.cv.parsing import MAX_BYTES
from chamba.deps import SessionDep
from chamba.people import service as people_service
from chamba.web.forms import FormState
from chamba.web.seeker import person_of
from chamba.web.session import WebSeeker, see_other
from chamba.web.templating import gettext_for, render, request_lang
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
FormList = Annotated[list[str], Form()]


@router.get("/cv")
def cv_page(request: Request, user: WebSeeker) -> Response:
    return render(request, "cv.html", {"form": FormState(), "result": None})


@router.post("/cv")
async def cv_upload(request: Request, user: WebSeeker, session: SessionDep) -> Response:
    _ = gettext_for(request)
    form = FormState()
    upload = (await request.form()).get("archivo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.error("archivo", _("Choose your CV file (PDF or Word)."))
        return render(request, "cv.html", {"form": form, "result": None}, status_code=422)
    data = await upload.read(MAX_BYTES + 1)
    person = person_of(session, user)
    try:
        result = cv_service.read_for_person(session, person, data, request_lang(request))
    except CvTooLarge:
        form.error("archivo", _("The file is larger than 5 MB. Send a smaller one."))
    except CvUnsupported:
        form.error("archivo", _("Send your CV as a PDF or a Word (.docx) file."))
    except CvUnreadable as exc:
        form.error("archivo", _cv_message(exc.message, _))
    if not form.ok:
        return render(request, "cv.html", {"form": form, "result": None}, status_code=422)
    return render(request, "cv.html", {"form": form, "result": result}, switch_path="/cv")


def _cv_message(message: str, _: Callable[[str], str]) -> str:
    """The page's words for why a CV could not be read (the API's message says more)."""
    if "password" in message:
        return _("The file is protected with a password. Save it without one.")
    if "scan" in message:
        return _(
            "This PDF has no text: it looks like a scan or a photo. Send a Word file, or tell "
            "us your skills in the conversation."
        )
    if "pages" in message or "sheet" in message:
        return _("The file is too long or its pages are too large for a CV.")
    return _("We could not read this file. Save it again as PDF or Word and retry.")


@router.post("/cv/confirmar")
def cv_confirm(
    request: Request,
    user: WebSeeker,
    session: SessionDep,
    shown: FormList = [],  # noqa: B006 (FastAPI copies defaults)
    skill: FormList = [],  # noqa: B006
) -> Response:
    person = person_of(session, user)
    proposed = {s.skill_id for s in person.skills if not s.confirmed}
    ticked = [i for i in dict.fromkeys(skill) if i in proposed]
    dropped = [i for i in dict.fromkeys(shown) if i in proposed and i not in ticked]
    people_service.decide_proposals(session, person, dict.fromkeys(ticked), dropped)
    return see_other("/perfil?guardado=cv")
