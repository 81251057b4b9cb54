"""The CV page (``/cv``): multipart upload with CSRF, clear messages, confirming only the
seeker's own proposals."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.cv_files import CV_LINES, DOCX, blank_pdf, docx_bytes

from chamba.auth.models import Role
from chamba.web import csrf

from .conftest import login_as


@pytest.fixture
def seeker(web: Any, fast_matching: Any, make_web_user: Any) -> Any:
    actor = make_web_user(Role.SEEKER)
    login_as(web, actor)
    return actor


def test_upload_then_confirm_without_javascript(web: Any, token: str, seeker: Any) -> None:
    assert 'enctype="multipart/form-data"' in web.get("/cv").text
    files = {"archivo": ("cv.docx", docx_bytes(CV_LINES), DOCX)}
    page = web.post("/cv", data={csrf.FIELD_NAME: token}, files=files)
    assert page.status_code == 200, page.text
    assert 'value="cash_register"' in page.text
    assert "Experiencia de trabajo" in page.text
    assert "quechua (nativo)" in page.text
    # WHEN she keeps one and unticks the other (and forges a third)
    data = {
        csrf.FIELD_NAME: token,
        "shown": ["cash_register", "customer_attention"],
        "skill": ["cash_register", "welding"],
    }
    page = web.post("/cv/confirmar", data=data, follow_redirects=False)
    assert page.status_code == 303
    profile = web.get("/perfil").text
    assert "Manejo de caja" in profile
    assert "Soldadura" not in profile


def test_a_scan_says_so_next_to_the_field(web: Any, token: str, seeker: Any) -> None:
    files = {"archivo": ("scan.pdf", blank_pdf(), "application/pdf")}
    page = web.post("/cv", data={csrf.FIELD_NAME: token}, files=files)
    assert page.status_code == 422
    assert "parece un escaneo" in page.text
    assert 'aria-invalid="true"' in page.text


def test_no_file_is_asked_for(web: Any, token: str, seeker: Any) -> None:
    page = web.post("/cv", data={csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert "Elige el archivo" in page.text


def test_upload_without_csrf_is_refused(web: Any, seeker: Any) -> None:
    files = {"archivo": ("cv.docx", docx_bytes(CV_LINES), DOCX)}
    assert web.post("/cv", files=files).status_code == 403


def test_employers_cannot_use_it(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get("/cv", follow_redirects=False).status_code in (303, 403)


# --- the skills report page -------------------------------------------------------------------


def test_the_report_page_and_its_pdf(web: Any, seeker: Any) -> None:
    page = web.get("/reporte")
    assert page.status_code == 200
    assert "Lo que sé hacer" in page.text or "Mis habilidades" in page.text
    assert 'href="/reporte.pdf"' in page.text
    pdf = web.get("/reporte.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_the_report_is_only_for_the_signed_in_seeker(web: Any, make_web_user: Any) -> None:
    assert web.get("/reporte", follow_redirects=False).status_code == 303
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get("/reporte.pdf", follow_redirects=False).status_code in (303, 403)
