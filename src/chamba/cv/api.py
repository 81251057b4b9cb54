"""``/me/cv`` (read a CV file) and ``/me/resume`` (JSON Resume export and import): the
signed-in seeker's own profile only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, UploadFile

from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated
from chamba.cv import resume, service
from chamba.cv.errors import BadMultipart, CvTooLarge, CvUnreadable, CvUnsupported
from chamba.cv.parsing import MAX_BYTES
from chamba.cv.schemas import CvOut, ResumeImported
from chamba.deps import SessionDep
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NotASeeker
from chamba.problems import responses

router = APIRouter(tags=["profile"])
_errors = (NotAuthenticated, NotASeeker)


@router.post(
    "/me/cv",
    summary="Read my CV (PDF with text, or .docx, up to 5 MB): skills to confirm, work "
    "history, education, languages. The file is not kept.",
    responses=responses(*_errors, BadMultipart, CvTooLarge, CvUnsupported, CvUnreadable),
)
async def upload_cv(
    file: Annotated[UploadFile, File(description="The CV: PDF or .docx, at most 5 MB.")],
    person: CurrentPerson,
    user: CurrentUser,
    session: SessionDep,
) -> CvOut:
    data = await file.read(MAX_BYTES + 1)
    await file.close()
    return service.read_for_person(session, person, data, user.language)


@router.get(
    "/me/resume.json",
    summary="My profile as a JSON Resume (jsonresume.org)",
    responses=responses(*_errors),
)
def export_resume(person: CurrentPerson, user: CurrentUser, session: SessionDep) -> Any:
    return resume.export_resume(session, person, user.language)


@router.post(
    "/me/resume",
    summary="Fill my profile from a JSON Resume: summary, experience, education, languages; "
    "its skills are proposed for confirmation (contact details are not changed)",
    responses=responses(*_errors, CvUnreadable),
)
def import_resume(
    doc: Annotated[dict[str, Any], Body(description="A JSON Resume object.")],
    person: CurrentPerson,
    user: CurrentUser,
    session: SessionDep,
) -> ResumeImported:
    changed, skills = resume.import_resume(session, person, doc, user.language)
    return ResumeImported(changed=changed, skills=skills)
