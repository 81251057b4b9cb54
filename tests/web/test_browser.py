"""Journeys in a real browser: Debian's Chromium driven by Playwright against the real app
served by uvicorn (fresh SQLite database), on a phone and a desktop viewport.

Every page visited with JavaScript is checked with axe-core (the ``axe.min.js`` bundled by
``axe-playwright-python``): zero serious or critical violations. Page weight is measured with the
Chrome DevTools protocol (bytes received, headers included). Screenshots go to
``tests/artifacts/screenshots/`` and the measurements to ``tests/artifacts/web_report.json``.

Chromium comes from the system (``scripts/test.sh`` installs it); ``playwright install`` is never
run. Each ``launch`` gets a fresh temporary profile from Playwright.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.live_server import MAILBOX

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = ROOT / "tests" / "support" / "live_server.py"
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
SAMPLE_TEXT = "vendía ropa en Gamarra, manejo Excel básico y atiendo público"
FIRST_LOAD_BUDGET = 100_000  # bytes, static files excluded
REPEAT_VIEW_BUDGET = 30_000  # bytes, everything
REPORT: dict[str, Any] = {"axe": {}, "page_weight": {}}
#: The live server's inbox file (set by the ``server`` fixture).
MAILBOX_FILE: list[Path] = [Path("/nonexistent")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port, with its own SQLite data folder."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (scripts/test.sh installs it as root)")
    folder = tmp_path_factory.mktemp("live")
    MAILBOX_FILE[:] = [folder / "data" / MAILBOX]
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("CHAMBA_DATABASE_URL", None)
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), str(port), str(folder / "data")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a loaded 2-core CI machine starts it slowly
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("server did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.2)
        yield base
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # Waits, not timing checks: on two busy CI cores a page may take longer than 5 s to settle.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "web_report.json").write_text(json.dumps(REPORT, indent=2, ensure_ascii=False))


class Visit:
    """One browser context on one viewport, with checks and screenshots."""

    def __init__(self, browser: Any, server: str, viewport: str, javascript: bool = True) -> None:
        self.viewport = viewport
        self.javascript = javascript
        self.context = browser.new_context(
            base_url=server,
            locale="es-PE",
            java_script_enabled=javascript,
            **VIEWPORTS[viewport],
        )
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def check(self, name: str) -> None:
        """Screenshot the page and, with JavaScript, run axe: no serious/critical violation."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        suffix = "" if self.javascript else "-nojs"
        self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.viewport}{suffix}-{name}.png"), full_page=True
        )
        if not self.javascript:
            return
        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(self.page).response["violations"]
        REPORT["axe"][f"{self.viewport}/{name}"] = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
        ]
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"axe on {name} ({self.viewport}): {serious}"

    def close(self) -> None:
        self.context.close()
        # HTTP error statuses (422 on validation, 404) are expected; anything else (a script
        # error, a CSP violation) is not.
        errors = [e for e in self.console_errors if not e.startswith("Failed to load resource")]
        assert errors == [], errors


@pytest.fixture(params=list(VIEWPORTS))
def visit(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Visit]:
    v = Visit(browser, server, request.param)
    yield v
    v.close()


@pytest.fixture(params=list(VIEWPORTS))
def visit_nojs(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Visit]:
    v = Visit(browser, server, request.param, javascript=False)
    yield v
    v.close()


def test_home_and_language_switch(visit: Visit) -> None:
    from playwright.sync_api import expect

    page = visit.page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trabajo que puedes hacer hoy")
    visit.check("home-es")
    # WHEN the visible switch is used  THEN English, and back to Spanish
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Work you can do today")
    visit.check("home-en")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # AND the choice sticks (cookie) on the next page
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Tus habilidades"
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuéntanos qué sabes hacer")


def _describe_skills(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/descubre")
    page.get_by_label("¿Qué sabes hacer?").fill(SAMPLE_TEXT)
    page.get_by_role("button", name="Encontrar mis habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Las habilidades que encontramos")
    boxes = page.locator("#lista-habilidades input[type=checkbox]")
    expect(boxes).to_have_count(3)
    for i in range(3):
        expect(boxes.nth(i)).to_be_checked()
    expect(page.locator("#lista-habilidades q").filter(has_text="atiendo público")).to_be_visible()


def _confirmed(page: Any) -> list[str]:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Confirmar mis habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tus habilidades")
    return [t.strip() for t in page.locator("ul.confirmed li").all_inner_texts()]


def test_discover_with_javascript(visit: Visit) -> None:
    from playwright.sync_api import expect

    page = visit.page
    _describe_skills(page)
    visit.check("skills-found")
    # WHEN one skill is unticked and one added through the inline suggestions (htmx)
    page.get_by_label("Atención al cliente").uncheck()
    page.get_by_label("Habilidad que quieres agregar").press_sequentially("cocina peru", delay=15)
    suggestion = page.locator("#sugerencias button").filter(has_text="Cocina peruana")
    expect(suggestion).to_be_visible()
    visit.check("suggestions")
    suggestion.click()
    expect(page.locator("#lista-habilidades").get_by_label("Cocina peruana")).to_be_checked()
    expect(page.locator("#sugerencias")).to_contain_text("Agregada: Cocina peruana")
    visit.check("skill-added")
    # THEN the confirmed list has what is ticked
    confirmed = _confirmed(page)
    assert confirmed == ["Ventas en tienda", "Hojas de cálculo (Excel)", "Cocina peruana"]
    visit.check("confirmed")


def test_discover_without_javascript(visit_nojs: Visit) -> None:
    from playwright.sync_api import expect

    page = visit_nojs.page
    _describe_skills(page)
    page.get_by_label("Atención al cliente").uncheck()
    page.get_by_label("Habilidad que quieres agregar").fill("cocina peruana")
    page.get_by_role("button", name="Buscar", exact=True).click()
    # THEN the page comes back with the list as it was and the results as boxes to tick
    expect(page.get_by_label("Atención al cliente")).not_to_be_checked()
    result = page.locator("#sugerencias").get_by_label("Cocina peruana", exact=True)
    expect(result).not_to_be_checked()
    visit_nojs.check("search-results")
    result.check()
    confirmed = _confirmed(page)
    assert confirmed == ["Ventas en tienda", "Hojas de cálculo (Excel)", "Cocina peruana"]
    visit_nojs.check("confirmed")


def test_validation_messages_next_to_the_field(visit: Visit) -> None:
    from playwright.sync_api import expect

    page = visit.page
    page.goto("/descubre")
    page.get_by_role("button", name="Encontrar mis habilidades").click()
    field = page.get_by_label("¿Qué sabes hacer?")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#texto-error")).to_have_text(
        "Error: Escribe al menos una cosa que sabes hacer."
    )
    assert "texto-error" in (field.get_attribute("aria-describedby") or "")
    expect(page.locator(".error-summary")).to_be_focused()
    visit.check("error-empty")
    # GIVEN a text over the limit  THEN a message, and what was typed is kept
    long_text = ("atiendo en bodega y hago delivery en moto. " * 120).strip()
    field.fill(long_text)
    page.get_by_role("button", name="Encontrar mis habilidades").click()
    expect(page.locator("#texto-error")).to_contain_text("el máximo es 5,000")
    assert page.get_by_label("¿Qué sabes hacer?").input_value() == long_text
    visit.check("error-too-long")


def test_not_found_page(visit: Visit) -> None:
    from playwright.sync_api import expect

    response = visit.page.goto("/no-existe")
    assert response is not None
    assert response.status == 404
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("No encontramos esta página")
    visit.check("not-found")


def _weigh(context: Any, path: str) -> dict[str, Any]:
    """Bytes received (CDP ``encodedDataLength``) to load ``path`` in a new tab."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.send("Network.enable")
    page.goto(path, wait_until="networkidle")
    page.close()
    static = {urls[k]: v for k, v in sizes.items() if "/static/" in urls.get(k, "")}
    total = int(sum(sizes.values()))
    return {
        "total_bytes": total,
        "static_bytes": int(sum(static.values())),
        "other_bytes": total - int(sum(static.values())),
        "requests": len(urls),
        "static_fetched": {u.split("?")[0]: int(b) for u, b in static.items() if b},
    }


@pytest.mark.parametrize("path", ["/", "/descubre"])
def test_page_weight(browser: Any, server: str, path: str) -> None:
    # GIVEN an empty cache  WHEN the page loads  THEN under 100 KB without the static files
    context = browser.new_context(base_url=server, **VIEWPORTS["phone"])
    try:
        first = _weigh(context, path)
        # WHEN it is opened again  THEN the static files come from the cache: under 30 KB
        repeat = _weigh(context, path)
    finally:
        context.close()
    REPORT["page_weight"][path] = {"first": first, "repeat": repeat}
    assert first["static_bytes"] > 0, first  # the static files were counted on first load
    assert first["other_bytes"] < FIRST_LOAD_BUDGET, first
    assert repeat["total_bytes"] < REPEAT_VIEW_BUDGET, repeat
    assert repeat["static_fetched"] == {}, repeat


# --- accounts, the seeker's journey and the employer's ----------------------------------------

PASSWORD = "cafe con leche 42"
SEEDED_EMPLOYER = "tienda@example.pe"  # tests/support/live_server.py seeds it
NEW_PAGES_WEIGHED: list[str] = []
_emails = iter(range(1, 10_000))


def _email(kind: str) -> str:
    return f"{kind}{next(_emails)}-{time.monotonic_ns()}@example.pe"


def _api(server: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    request = urllib.request.Request(
        server + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST" if "skills" not in path else "PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    # The API commits after its response is sent: give SQLite a moment before the next write.
    time.sleep(0.3)
    return json.loads(raw) if raw else None


def _code_sent_to(address: str) -> str:
    """The code in the newest message the live server sent to ``address`` (its inbox)."""
    deadline = time.monotonic() + 30  # sent after the request's commit
    while time.monotonic() < deadline:
        if MAILBOX_FILE[0].exists():
            for line in reversed(MAILBOX_FILE[0].read_text(encoding="utf-8").splitlines()):
                message = json.loads(line)
                found = re.search(r"\b(\d{8})\b", message["body"])
                if message["to"] == address and found:
                    return found[1]
        time.sleep(0.2)
    raise AssertionError(f"no code was sent to {address}")


def _api_sign_up(server: str, email: str, name: str) -> str:
    """Sign up through the API and confirm with the code sent; the access token."""
    _api(server, "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": name})
    confirm = {"email": email, "password": PASSWORD, "code": _code_sent_to(email)}
    _api(server, "/api/v1/auth/confirm", confirm)
    token = _api(server, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    return str(token["access_token"])


def _confirm_sign_up(page: Any, email: str) -> None:
    """On the page after "Crear mi cuenta": the code sent to the address, with the password."""
    from playwright.sync_api import expect

    expect(page.get_by_label("Correo o número de celular")).to_have_value(email)
    page.get_by_label("Código").fill(_code_sent_to(email))
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Confirmar y entrar").click()


def _sign_up(visit: Visit, email: str) -> None:
    from playwright.sync_api import expect

    page = visit.page
    page.goto("/registro")
    visit.check("signup")
    page.get_by_label("Tu nombre").fill("Rosa Quispe")
    page.get_by_label("Correo o número de celular").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear mi cuenta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma tu cuenta")
    visit.check("signup-confirm")
    _confirm_sign_up(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuéntanos qué sabes hacer")
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def _seeker_journey(visit: Visit) -> None:
    from playwright.sync_api import expect

    page = visit.page
    _sign_up(visit, _email("seeker"))
    visit.check("describe")
    # describe -> confirm: saved on the profile
    _describe_skills(page)
    page.get_by_role("button", name="Confirmar mis habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tu perfil")
    expect(page.locator(".notice")).to_contain_text("Guardamos tus habilidades")
    expect(page.locator("ul.tags")).to_contain_text("Atención al cliente")
    # profile: the place (dependent selects), hours, pay, remote, consent
    page.get_by_label("Departamento").select_option("15")
    if not visit.javascript:
        page.get_by_role("button", name="Mostrar provincias y distritos").click()
    page.get_by_label("Provincia").select_option("1501")
    if not visit.javascript:
        page.get_by_role("button", name="Mostrar provincias y distritos").click()
    page.get_by_label("Distrito").select_option("150101")
    page.get_by_label("Horas a la semana").fill("40")
    for slot in ("mon_morning", "tue_morning", "wed_morning", "thu_morning", "fri_morning"):
        page.locator(f"#f-{slot}").check()
    page.get_by_label("Sueldo que esperas al mes (S/)").fill("1200")
    page.get_by_label("Tengo internet en casa o en mi celular").check()
    page.get_by_label("Un celular con internet").check()
    page.get_by_label("Los empleadores pueden encontrar mi perfil", exact=False).check()
    visit.check("profile")
    page.get_by_role("button", name="Guardar y ver empleos para mí").click()
    # recommendations, each explained
    expect(page.get_by_role("heading", level=1)).to_have_text("Para ti")
    first = page.locator("#empleos ~ ol .card").first
    expect(first.locator(".reasons")).to_contain_text("Sabes:")
    card = page.locator(".card").filter(has_text="Vendedora de tienda")
    expect(card).to_contain_text("Te falta: Manejo de caja")
    expect(card).to_contain_text("S/")
    expect(card).to_contain_text("km de ti")
    visit.check("for-you")
    card.get_by_role("link", name="Vendedora de tienda", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vendedora de tienda")
    visit.check("job")
    # what am I missing? the pathway
    page.get_by_role("link", name="¿Qué me falta?").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tu camino hacia")
    expect(page.locator("main")).to_contain_text("Manejo de caja para bodegas")
    visit.check("pathway")
    page.get_by_role("link", name="Volver al empleo").click()
    # apply in one tap -> my applications
    page.get_by_role("button", name="Postular", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis postulaciones")
    expect(page.locator(".application")).to_contain_text("Vendedora de tienda")
    expect(page.locator(".application .status")).to_have_text("Enviada")
    visit.check("applications")


def test_the_seekers_menu_fits_one_line_on_a_desktop(visit: Visit) -> None:
    # GIVEN a signed-up seeker (the longest menu: six pages and "Salir")
    _sign_up(visit, _email("menu"))
    items = visit.page.locator(".main-nav li")
    # THEN on a desktop every item sits on the same line (on a phone it may wrap)
    tops = {round(box["y"]) for i in range(items.count()) if (box := items.nth(i).bounding_box())}
    if visit.viewport == "desktop":
        assert len(tops) == 1, tops
    visit.check("seeker-menu")


def test_seeker_journey(visit: Visit) -> None:
    _seeker_journey(visit)


def test_seeker_journey_without_javascript(visit_nojs: Visit) -> None:
    _seeker_journey(visit_nojs)


def test_employer_posts_a_job_and_hires(visit: Visit, server: str) -> None:
    from playwright.sync_api import expect

    page = visit.page
    page.goto("/empleador/ofertas")  # anonymous: sent to log in, then back
    expect(page).to_have_url(f"{server}/ingresar?next=/empleador/ofertas")
    visit.check("login")
    page.get_by_label("Correo o número de celular").fill(SEEDED_EMPLOYER)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis ofertas")
    visit.check("employer-jobs")
    page.get_by_role("link", name="Publicar oferta").first.click()
    page.get_by_label("Nombre del puesto").fill("Cajero para minimarket")
    page.get_by_label("Descripción").fill("Atención al cliente y manejo de caja. Excel deseable.")
    visit.check("employer-new")
    page.get_by_role("button", name="Continuar: las habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma la oferta")
    expect(page.get_by_label("Manejo de caja", exact=True)).to_be_checked()
    page.get_by_label("Departamento").select_option("15")
    page.get_by_label("Provincia").select_option("1501")
    page.get_by_label("Distrito").select_option("150101")
    page.get_by_label("Horas a la semana").fill("48")
    page.get_by_label("Sueldo al mes desde (S/)").fill("1200")
    visit.check("employer-confirm")
    page.get_by_role("button", name="Publicar la oferta").click()
    expect(page.locator(".notice")).to_have_text("Tu oferta está publicada.")
    job_id = int(page.url.split("/empleador/ofertas/")[1].split("?")[0])
    # GIVEN a seeker applies (through the API)
    email = _email("applicant")
    access = _api_sign_up(server, email, "Ana")
    _api(server, "/api/v1/me/skills", {"skills": [{"id": "cash_register"}]}, access)
    _api(server, f"/api/v1/jobs/{job_id}/applications", {}, access)
    # THEN the employer sees the applicant, explained, with contact, and hires
    page.reload()
    card = page.locator(".card").filter(has_text="Ana")
    expect(card).to_contain_text("Postuló")
    expect(card).to_contain_text(email)
    expect(card.locator(".reasons")).to_contain_text("Sabe: Manejo de caja")
    visit.check("employer-candidates")
    for step in ("Revisar", "Invitar a entrevista", "Contratar"):
        page.locator(".card").filter(has_text="Ana").get_by_role("button", name=step).click()
    # hiring is final: confirmed once more
    expect(page.get_by_role("heading", level=1)).to_contain_text("¿Contratar a")
    page.get_by_role("button", name="Sí, contratar").click()
    expect(page.locator(".card").filter(has_text="Ana").locator(".status")).to_have_text(
        "Contratado"
    )
    visit.check("employer-hired")


def _login_context(browser: Any, server: str) -> Any:
    """A phone context logged in as a new seeker with a profile (through the pages)."""
    context = browser.new_context(base_url=server, locale="es-PE", **VIEWPORTS["phone"])
    page = context.new_page()
    page.goto("/registro")
    page.get_by_label("Tu nombre").fill("Peso Pluma")
    email = _email("weight")
    page.get_by_label("Correo o número de celular").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear mi cuenta").click()
    _confirm_sign_up(page, email)
    page.wait_for_url("**/descubre")
    page.close()
    return context


@pytest.mark.parametrize(
    "path", ["/registro", "/ingresar", "/para-ti", "/perfil", "/empleos/1", "/postulaciones"]
)
def test_page_weight_of_account_pages(browser: Any, server: str, path: str) -> None:
    context = (
        _login_context(browser, server)
        if path not in ("/registro", "/ingresar")
        else (browser.new_context(base_url=server, **VIEWPORTS["phone"]))
    )
    try:
        first = _weigh(context, path)
        repeat = _weigh(context, path)
    finally:
        context.close()
    REPORT["page_weight"][path] = {"first": first, "repeat": repeat}
    assert first["other_bytes"] < FIRST_LOAD_BUDGET, first
    assert repeat["total_bytes"] < REPEAT_VIEW_BUDGET, repeat


# --- the provider's, counselor's, analyst's and admin's journeys -------------------------------

STAFF = {
    "provider": "cetpro@example.pe",  # tests/support/live_server.py seeds them
    "counselor": "consejera@example.pe",
    "analyst": "analista@example.pe",
    "admin": "admin@example.pe",
}


def _log_in(visit: Visit, email: str) -> None:
    page = visit.page
    page.goto("/ingresar")
    page.get_by_label("Correo o número de celular").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_load_state()


def _weigh_here(visit: Visit, path: str) -> None:
    """First (empty cache) and repeat load of ``path`` with this visit's login, in budget."""
    fresh = visit.context.browser.new_context(
        base_url=visit.page.url.split("/", 3)[0] + "//" + visit.page.url.split("/", 3)[2],
        storage_state=visit.context.storage_state(),
        **VIEWPORTS[visit.viewport],
    )
    try:
        first = _weigh(fresh, path)
        repeat = _weigh(fresh, path)
    finally:
        fresh.close()
    REPORT["page_weight"][path] = {"first": first, "repeat": repeat}
    assert first["other_bytes"] < FIRST_LOAD_BUDGET, first
    assert repeat["total_bytes"] < REPEAT_VIEW_BUDGET, repeat


def _charts_drawn(page: Any) -> None:
    """Every chart on the page loaded (a PNG with a width)."""
    page.wait_for_load_state("load")
    images = page.locator("figure.chart img")
    assert images.count() > 0
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth") > 0


def test_provider_publishes_a_course_and_sees_demand(visit: Visit) -> None:
    from playwright.sync_api import expect

    phone = visit  # each role's journey runs on the phone and on the desktop viewport
    page = phone.page
    _log_in(phone, STAFF["provider"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis cursos")
    phone.check("provider-courses")
    page.get_by_role("link", name="Publicar un curso").first.click()
    page.get_by_label("Nombre del curso").fill("Atención al cliente en bodegas")
    page.get_by_label("Descripción").fill("Atención al cliente y manejo de caja.")
    page.get_by_role("button", name="Continuar: las habilidades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma el curso")
    expect(page.get_by_label("Manejo de caja", exact=True)).to_be_checked()
    page.locator("#modalidad-online").check()
    page.get_by_label("Horas en total").fill("30")
    page.get_by_label("Es gratis").check()
    phone.check("provider-confirm")
    page.get_by_role("button", name="Publicar el curso").click()
    expect(page.locator(".notice")).to_contain_text("Atención al cliente en bodegas")
    page.get_by_role("link", name="Demanda", exact=True).click()
    expect(page.locator("figure.chart img")).to_have_attribute("alt", re.compile("Gráfico"))
    expect(page.locator("table")).to_contain_text("Manejo de caja")
    _charts_drawn(page)
    phone.check("provider-demand")
    _weigh_here(phone, "/proveedor/demanda")
    _weigh_here(phone, "/proveedor/egresados")


def test_counselor_opens_a_person_and_leaves_a_note(visit: Visit) -> None:
    from playwright.sync_api import expect

    phone = visit
    page = phone.page
    _log_in(phone, STAFF["counselor"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Personas que te dieron acceso")
    page.get_by_label("Buscar por nombre").fill("rosa")
    page.get_by_role("button", name="Buscar").click()
    phone.check("counselor-people")
    page.get_by_role("link", name="Rosa Quispe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosa Quispe")
    note = f"Le sugerí el curso de caja ({visit.viewport})."
    page.get_by_label("Nota", exact=True).fill(note)
    page.get_by_role("button", name="Guardar la nota").click()
    expect(page.locator(".notice")).to_have_text("Guardamos tu nota.")
    expect(page.locator(".card").filter(has_text=note)).to_be_visible()
    phone.check("counselor-person")
    _weigh_here(phone, page.url.split(page.url.split("/consejeria")[0])[1].split("?")[0])


def test_analyst_downloads_a_csv(visit: Visit) -> None:
    from playwright.sync_api import expect

    phone = visit
    page = phone.page
    _log_in(phone, STAFF["analyst"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Panorama laboral")
    page.get_by_label("Región", exact=True).select_option("15")
    page.get_by_role("button", name="Mostrar").first.click()  # the region form's (impact has one)
    expect(page.locator("table").first).to_contain_text("Manejo de caja")
    _charts_drawn(page)
    phone.check("analyst-overview")
    with page.expect_download() as info:
        page.get_by_role("link", name="Descargar la demanda (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("region_code,")
    assert "cash_register" in text
    _weigh_here(phone, "/panorama?region=15")


def test_admin_changes_a_role(visit: Visit) -> None:
    from playwright.sync_api import expect

    desktop = visit
    # the phone run (first) makes Ana a counselor, the desktop run an analyst again
    role = "counselor" if visit.viewport == "phone" else "analyst"
    page = desktop.page
    _log_in(desktop, STAFF["admin"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuentas y roles")
    row = page.locator("tr").filter(has_text="Ana Lista")
    row.get_by_label("Rol de Ana Lista", exact=True).select_option(role)
    row.get_by_role("button", name="Cambiar el rol de Ana Lista").click()
    expect(page.locator(".notice")).to_have_text("Guardamos el cambio.")
    expect(
        page.locator("tr").filter(has_text="Ana Lista").get_by_label("Rol de Ana Lista", exact=True)
    ).to_have_value(role)
    desktop.check("admin-users")
    page.get_by_role("link", name="Registro de auditoría").click()
    expect(page.locator("table")).to_contain_text("cambió el rol de Ana Lista")
    desktop.check("admin-audit")
    page.get_by_role("link", name="Modelos").click()
    desktop.check("admin-models")
    _weigh_here(desktop, "/admin/usuarios")


def test_api_docs_render_offline(browser: Any, server: str) -> None:
    # GIVEN a browser that can reach nothing but the app (no CDN)
    from playwright.sync_api import expect

    context = browser.new_context(base_url=server)
    blocked: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    # WHEN the API docs open
    page.goto("/api/v1/docs")
    # THEN Swagger UI renders the API from the app's own files, asking nothing of the internet
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chamba API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert blocked == []
    context.close()
