"""Employer, provider and job-search controls of issue 13 in a real browser on a phone: the
employer adds a skill on the confirm step and undoes a hire and a close; the job search's
occupation field; the provider edits a course and reads the graduates page's empty state.

Reuses the live server, Chromium and :class:`Visit` of :mod:`tests.web.test_browser` (a module
of its own, so its own server: closing and reopening a seeded job disturbs no other module).
Each page is checked with axe-core (no serious or critical violation) and weighed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from tests.support.live_server import EMPLOYER_EMAIL, STAFF_EMAILS
from tests.web.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    Visit,
    _api,
    _api_sign_up,
    _email,
    _log_in,
    _weigh_here,
    browser,
    server,
)

from chamba.auth.models import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Visit]:  # noqa: F811
    v = Visit(browser, server, "phone")
    yield v
    v.close()


def test_employer_adds_a_skill_on_the_confirm_step(phone: Visit) -> None:
    from playwright.sync_api import expect

    page = phone.page
    _log_in(phone, EMPLOYER_EMAIL)
    page.goto("/empleador/ofertas/nueva")
    page.get_by_label("Nombre del puesto").fill("Cajero para minimarket")
    page.get_by_label("Descripción").fill("Atención al cliente y manejo de caja.")
    page.get_by_role("button", name="Continuar: las habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma la oferta")
    # WHEN a skill that no one wrote is added by name
    page.get_by_label("Agregar una habilidad").fill("excel")
    page.get_by_role("button", name="Agregar", exact=True).click()
    # THEN it is ticked on the list, and the page stays accessible on a phone
    expect(page.get_by_label("Hojas de cálculo (Excel)", exact=True)).to_be_checked()
    phone.check("employer-skill-added")
    # WHEN nothing matches  THEN the message sits next to the field, what was typed kept
    page.get_by_label("Agregar una habilidad").fill("zzqxw")
    page.get_by_role("button", name="Agregar", exact=True).click()
    field = page.get_by_label("Agregar una habilidad")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("zzqxw")
    expect(page.locator("#nueva-error")).to_contain_text("No encontramos esa habilidad")
    expect(page.get_by_label("Hojas de cálculo (Excel)", exact=True)).to_be_checked()
    phone.check("employer-skill-not-found")


def test_employer_undoes_a_hire_and_reopens_a_closed_job(phone: Visit, server: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = phone.page
    # GIVEN a seeker who applied to a seeded job (through the API)
    found = page.request.get(f"{server}/api/v1/jobs?q=asistente").json()
    job_id = found["items"][0]["id"]
    email = _email("undo")
    access = _api_sign_up(server, email, "Luz")
    _api(server, f"/api/v1/jobs/{job_id}/applications", {}, access)
    # WHEN the employer hires Luz on a phone and confirms
    _log_in(phone, EMPLOYER_EMAIL)
    page.goto(f"/empleador/ofertas/{job_id}")
    for step in ("Revisar", "Invitar a entrevista", "Contratar"):
        page.locator(".card").filter(has_text="Luz").get_by_role("button", name=step).click()
    expect(page.locator("main")).to_contain_text("puedes deshacerlo dentro de las 24 horas")
    phone.check("employer-confirm-hire")
    page.get_by_role("button", name="Sí, contratar").click()
    # THEN the page offers to undo it
    card = page.locator(".card").filter(has_text="Luz")
    expect(page.locator(".notice")).to_contain_text("Si fue un error")
    expect(card.locator(".status")).to_have_text("Contratado")
    phone.check("employer-hired-undo")
    _weigh_here(phone, f"/empleador/ofertas/{job_id}")
    # WHEN it is undone  THEN Luz is back at the interview stage
    card.get_by_role("button", name="Deshacer la contratación").click()
    expect(page.locator(".notice")).to_contain_text("Se deshizo la contratación")
    expect(page.locator(".card").filter(has_text="Luz").locator(".status")).to_have_text(
        "Entrevista"
    )
    phone.check("employer-hire-undone")
    # WHEN the job is closed (asked once more)  THEN "Mis ofertas" offers to reopen it
    page.get_by_role("button", name="Cerrar esta oferta").click()
    expect(page.locator("main")).to_contain_text("puedes reabrirla dentro de las 24 horas")
    phone.check("employer-confirm-close")
    page.get_by_role("button", name="Sí, cerrar esta oferta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis ofertas")
    phone.check("employer-closed-reopen")
    # (the sort menu fits the phone: no sideways scrolling)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Reabrir «Asistente de ventas con Excel»").click()
    # THEN it is open again, the job page says so
    expect(page.locator(".notice")).to_contain_text("La oferta está abierta de nuevo")
    expect(page.get_by_role("button", name="Cerrar esta oferta")).to_be_visible()
    phone.check("employer-reopened")


def test_job_search_by_occupation(phone: Visit) -> None:
    from playwright.sync_api import expect

    page = phone.page
    page.goto("/empleos")
    # WHEN a seeker names an occupation that does not exist
    page.get_by_label("Ocupación").fill("zzqxw")
    page.get_by_role("button", name="Buscar", exact=True).click()
    # THEN the message is next to the field, and the page is accessible on a phone
    field = page.get_by_label("Ocupación")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ocupacion-error")).to_contain_text("Ninguna ocupación se llama así")
    phone.check("search-occupation-error")
    # WHEN an occupation by name  THEN the search runs with it, the field keeps the words
    page.get_by_label("Ocupación").fill("cajero")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_label("Ocupación")).to_have_value("cajero")
    expect(page.get_by_label("Ocupación")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#resultados")).to_be_visible()
    phone.check("search-occupation")
    _weigh_here(phone, "/empleos?ocupacion=cajero")


def test_provider_edits_a_course_and_reads_the_graduates_empty_state(phone: Visit) -> None:
    from playwright.sync_api import expect

    page = phone.page
    _log_in(phone, STAFF_EMAILS[Role.PROVIDER])
    # GIVEN no one completed the seeded course  THEN the graduates page says what to do
    page.goto("/proveedor/egresados")
    expect(page.get_by_role("heading", level=2)).to_have_text("Todavía no hay egresados")
    expect(page.locator("main")).to_contain_text("Comparte las páginas de tus cursos")
    expect(page.get_by_role("link", name="Manejo de caja para bodegas")).to_be_visible()
    phone.check("provider-no-graduates")
    _weigh_here(phone, "/proveedor/egresados")
    # WHEN the provider opens the course from "Mis cursos" and changes its hours
    page.goto("/proveedor/cursos")
    page.get_by_role("link", name="Editar el curso").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Editar el curso")
    expect(page.locator("main")).to_contain_text("Manejo de caja para bodegas")
    expect(page.get_by_label("Horas en total")).to_have_value("20")
    phone.check("provider-course-edit")
    _weigh_here(phone, urlparse(page.url).path)
    page.get_by_label("Horas en total").fill("24")
    page.get_by_role("button", name="Guardar los cambios").click()
    # THEN the course page shows the change
    expect(page.get_by_role("heading", level=1)).to_have_text("Manejo de caja para bodegas")
    expect(page.locator("main")).to_contain_text("24 horas")
