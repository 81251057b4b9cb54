"""``GET /me/report.pdf``: the signed-in seeker's own skills report as a PDF."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from chamba.auth.deps import CurrentUser
from chamba.auth.errors import NotAuthenticated
from chamba.deps import SessionDep
from chamba.matching.deps import IndexesDep
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NotASeeker
from chamba.problems import responses
from chamba.report.pdf import render_pdf
from chamba.report.service import Lang, build_report

router = APIRouter(tags=["profile"])


def pdf_response(content: bytes, lang: str) -> Response:
    name = "my-skills.pdf" if lang == "en" else "mis-habilidades.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/me/report.pdf",
    summary="My skills report (PDF): skills by sector in my words, languages, availability, "
    "next steps",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The report."},
        **responses(NotAuthenticated, NotASeeker),
    },
)
def report_pdf(
    person: CurrentPerson, user: CurrentUser, session: SessionDep, indexes: IndexesDep
) -> Response:
    lang: Lang = "en" if user.language == "en" else "es"
    report = build_report(session, indexes, person, lang)
    return pdf_response(render_pdf(report), lang)
