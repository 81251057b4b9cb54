"""The conversation, CV and report pages in a real browser on a phone, with and without
JavaScript, checked with axe-core (issue 16). Reuses the live server of tests.web.test_browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.cv_files import CV_LINES, docx_bytes
from tests.web.test_browser import (  # noqa: F401 - fixtures
    Visit,
    _email,
    _sign_up,
    browser,
    server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def phone(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Visit]:  # noqa: F811
    v = Visit(browser, server, "phone", javascript=request.param)
    yield v
    v.close()


def test_conversation_cv_and_report(phone: Visit, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = phone.page
    _sign_up(phone, _email("conversation"))
    # the conversation: answer, confirm a proposed skill
    page.goto("/conversacion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuéntanos de tu trabajo")
    phone.check("conversation")
    page.get_by_role("textbox").fill("Trabajé de cajera en una bodega")
    page.get_by_role("button", name="Responder").click()
    expect(page.locator("main")).to_contain_text("Dijiste:")
    phone.check("conversation-proposals")
    page.locator("#skill-cash_register-yes").check()
    page.get_by_role("button", name="Pasar esta pregunta").click()
    expect(page.locator("main")).to_contain_text("Habilidades que confirmaste")
    # the CV: upload a .docx, see what was read
    cv = tmp_path / "cv.docx"
    cv.write_bytes(docx_bytes(CV_LINES))
    page.goto("/cv")
    phone.check("cv")
    page.get_by_label("El archivo de tu CV").set_input_files(str(cv))
    page.get_by_role("button", name="Leer mi CV").click()
    expect(page.locator("main")).to_contain_text("Experiencia de trabajo")
    phone.check("cv-read")
    page.get_by_role("button", name="Guardar estas habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tu perfil")
    # the report: printable page with a PDF link
    page.goto("/reporte")
    expect(page.locator("main")).to_contain_text("Manejo de caja")
    expect(page.get_by_role("link", name="Descargar PDF")).to_be_visible()
    phone.check("report")
