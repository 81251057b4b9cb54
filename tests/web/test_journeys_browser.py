"""Each role's journey across its seams, in a real browser on a phone (issue 13).

Reuses the live server, Chromium and :class:`Visit` of :mod:`tests.web.test_browser` (the real
app with its real per-request database sessions: errors that only show when the request's
session is closed, as in production, show here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.live_server import EMPLOYER_EMAIL, STAFF_EMAILS
from tests.web.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    Visit,
    _confirm_sign_up,
    _describe_skills,
    _email,
    _log_in,
    _sign_up,
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


@pytest.fixture
def phone_nojs(browser: Any, server: str) -> Iterator[Visit]:  # noqa: F811
    v = Visit(browser, server, "phone", javascript=False)
    yield v
    v.close()


#: A page of each role (a person of another role gets the 403 page).
ROLE_PAGES = {
    Role.SEEKER: ["/para-ti", "/perfil", "/postulaciones", "/avisos"],
    Role.EMPLOYER: ["/empleador/ofertas", "/empleador/ofertas/nueva"],
    Role.PROVIDER: ["/proveedor/cursos", "/proveedor/demanda", "/proveedor/egresados"],
    Role.COUNSELOR: ["/consejeria/personas"],
    Role.ADMIN: ["/admin/usuarios", "/admin/auditoria", "/admin/modelos"],
}
#: Pages several roles share.
SHARED = {"/panorama": {Role.COUNSELOR, Role.ANALYST, Role.ADMIN, Role.PROVIDER}}


def _status_of(visit: Visit, path: str) -> tuple[int, str, str]:
    response = visit.page.goto(path)
    assert response is not None
    kind = response.headers.get("content-type", "")
    headings = visit.page.locator("h1")
    heading = headings.first.inner_text() if "html" in kind and headings.count() else ""
    return response.status, kind, heading


@pytest.mark.parametrize("role", [Role.SEEKER, Role.EMPLOYER, Role.ANALYST])
def test_other_roles_pages_answer_a_403_page_never_a_500(phone: Visit, role: Role) -> None:
    # GIVEN a logged-in person of one role
    if role == Role.SEEKER:
        _sign_up(phone, _email("cross"))
    else:
        _log_in(phone, EMPLOYER_EMAIL if role == Role.EMPLOYER else STAFF_EMAILS[role])
    # WHEN they open every other role's pages  THEN a Spanish HTML 403 page with a way back
    foreign = [p for r, pages in ROLE_PAGES.items() if r != role for p in pages]
    foreign += [p for p, roles in SHARED.items() if role not in roles]
    for path in foreign:
        status, kind, heading = _status_of(phone, path)
        assert (status, kind.split(";")[0], heading) == (
            403,
            "text/html",
            "Esta página no es para tu cuenta",
        ), path
        back = phone.page.get_by_role("link", name="Ir a tu página de inicio")
        assert back.count() == 1, path
    phone.check(f"forbidden-{role.value}")


def test_unknown_or_malformed_job_is_a_404_page(phone: Visit) -> None:
    # GIVEN a logged-in seeker  WHEN a job that does not exist (or is not a number) is opened
    _sign_up(phone, _email("nojob"))
    for path in ("/empleos/999999", "/empleos/abc", "/empleos/999999/ruta", "/empleos/abc/ruta"):
        status, kind, heading = _status_of(phone, path)
        # THEN the HTML 404 page, not a JSON error
        assert (status, kind.split(";")[0], heading) == (
            404,
            "text/html",
            "No encontramos esta página",
        ), path
    phone.check("job-not-found")


def test_skills_confirmed_before_sign_up_are_kept(phone_nojs: Visit) -> None:
    from playwright.sync_api import expect

    # GIVEN an anonymous visitor who confirms the skills read from their words (no JavaScript)
    page = phone_nojs.page
    _describe_skills(page)
    page.get_by_role("button", name="Confirmar mis habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tus habilidades")
    confirmed = [t.strip() for t in page.locator("ul.confirmed li").all_inner_texts()]
    assert len(confirmed) == 3
    # WHEN they follow "create your account" and sign up
    page.get_by_role("link", name="Crea tu cuenta").click()
    page.get_by_label("Tu nombre").fill("Rosa Quispe")
    email = _email("pending")
    page.get_by_label("Correo o número de celular").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear mi cuenta").click()
    _confirm_sign_up(page, email)
    # THEN the profile already holds the three skills (nothing to type again)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tu perfil")
    expect(page.locator(".notice")).to_contain_text("Guardamos tus habilidades")
    for label in confirmed:
        expect(page.locator("ul.tags")).to_contain_text(label)
    phone_nojs.check("pending-skills-kept")


def test_search_jobs_and_say_a_course_interests_you(phone: Visit, server: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = phone.page
    # GIVEN a new seeker  WHEN they search jobs by words on their phone
    _sign_up(phone, _email("browse"))
    page.get_by_role("link", name="Buscar empleos").first.click()
    page.get_by_label("¿Qué trabajo buscas?").fill("cajera")
    page.get_by_role("button", name="Buscar", exact=True).click()
    # THEN the matching job is listed, explained
    expect(page.get_by_role("link", name="Cajera de bodega")).to_be_visible()
    expect(page.locator("#resultados")).to_contain_text("1 empleo encontrado")
    phone.check("job-search")
    _weigh_here(phone, "/empleos?q=cajera")
    # WHEN they open a course and say it interests them
    found = page.request.get(f"{server}/api/v1/courses?q=caja").json()
    course_id = found["items"][0]["id"]
    page.goto(f"/cursos/{course_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manejo de caja para bodegas")
    phone.check("course")
    page.get_by_role("button", name="Me interesa").click()
    # THEN the page says so and no longer offers the button
    expect(page.locator(".notice")).to_contain_text("Anotamos tu interés")
    expect(page.get_by_role("button", name="Me interesa")).to_have_count(0)
    _weigh_here(phone, f"/cursos/{course_id}")


def test_provider_records_who_completed_a_course(phone: Visit, server: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = phone.page
    # GIVEN a seeker who says they enrolled in the seeded provider's course
    _sign_up(phone, _email("learner"))
    found = page.request.get(f"{server}/api/v1/courses?q=caja").json()
    course_id = found["items"][0]["id"]
    page.goto(f"/cursos/{course_id}")
    page.get_by_role("button", name="Me inscribí").click()
    expect(page.locator(".notice")).to_contain_text("Anotamos que te inscribiste")
    page.get_by_role("button", name="Salir").click()
    # WHEN the provider opens the course's people on a phone and records the completion
    _log_in(phone, STAFF_EMAILS[Role.PROVIDER])
    page.goto(f"/proveedor/cursos/{course_id}/personas")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manejo de caja para bodegas")
    phone.check("provider-people")
    page.get_by_role("button", name="Registrar que lo terminó").first.click()
    # THEN it is recorded (and certifies the skills)
    expect(page.locator(".notice")).to_contain_text("terminó el curso")
    _weigh_here(phone, f"/proveedor/cursos/{course_id}/personas")


def test_seeker_chooses_who_may_see_their_profile(phone_nojs: Visit) -> None:
    from playwright.sync_api import expect

    page = phone_nojs.page
    _sign_up(phone_nojs, _email("counsel"))
    page.goto("/perfil")
    page.get_by_role("link", name="Tu consejería", exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tu consejería")
    page.get_by_label("Consejero", exact=True).select_option(label="Consuelo")
    page.get_by_role("button", name="Dar acceso").click()
    expect(page.locator(".notice")).to_contain_text("ya puede ver tu perfil")
    page.get_by_role("button", name="Quitar el acceso").click()
    expect(page.locator(".notice")).to_contain_text("ya no puede ver tu perfil")
    phone_nojs.check("my-counseling")


def test_my_counseling_page_is_accessible_and_light(phone: Visit) -> None:
    _sign_up(phone, _email("counsel-axe"))
    phone.page.goto("/consejeria-mia")
    phone.check("my-counseling")
    _weigh_here(phone, "/consejeria-mia")
