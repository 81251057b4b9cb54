"""The seeker's skills report: a printable page (``/reporte``) and its PDF (``/reporte.pdf``),
only ever of the signed-in seeker's own profile."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chamba.deps import SessionDep
from chamba.matching.deps import IndexesDep
from chamba.report.api import pdf_response
from chamba.report.pdf import render_pdf
from chamba.report.service import build_report, text
from chamba.web.seeker import person_of
from chamba.web.session import WebSeeker
from chamba.web.templating import render, request_lang

router = APIRouter(include_in_schema=False)


@router.get("/reporte")
def report_page(
    request: Request, user: WebSeeker, session: SessionDep, indexes: IndexesDep
) -> Response:
    lang = request_lang(request)
    report = build_report(session, indexes, person_of(session, user), lang)
    words = {key: text(key, lang) for key in ("intro", "said", "certified", "none_skills")}
    return render(request, "reporte.html", {"report": report, "words": words})


@router.get("/reporte.pdf")
def report_pdf(
    request: Request, user: WebSeeker, session: SessionDep, indexes: IndexesDep
) -> Response:
    lang = request_lang(request)
    report = build_report(session, indexes, person_of(session, user), lang)
    return pdf_response(render_pdf(report), lang)
