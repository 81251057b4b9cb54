"""Pages: home, discover journey (without JavaScript and with htmx fragments), validation that
keeps what was typed, the 404 page, caching and compression."""

from __future__ import annotations

import re
from typing import Any

from chamba.web import csrf
from chamba.web.discover import MAX_TEXT_CHARS


def _checkboxes(html: str) -> dict[str, bool]:
    """``{skill id: checked}`` of the checklist."""
    found = {}
    for tag in re.findall(r'<input type="checkbox" name="skill"[^>]*>', html):
        value = re.search(r'value="([^"]+)"', tag)
        assert value
        found[value.group(1)] = " checked" in tag
    return found


def test_home_explains_chamba_in_spanish_first(web: Any) -> None:
    page = web.get("/")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="es">' in text
    assert 'class="skip-link" href="#contenido"' in text
    assert 'id="contenido"' in text
    assert "<header" in text
    assert "<main" in text
    assert "<footer" in text
    assert "<nav" in text
    for words in ("Cuéntanos qué sabes hacer", "Empleadores", "Centros de formación"):
        assert words in text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_root_no_longer_redirects_to_the_api(web: Any) -> None:
    page = web.get("/", follow_redirects=False)
    assert page.status_code == 200
    docs = web.get("/api/v1/docs")
    assert docs.status_code == 200
    # the docs page loads Swagger UI from the app itself, never from a CDN
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert web.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_discover_finds_skills_with_evidence(web: Any, token: str, sample_text: str) -> None:
    # GIVEN a seeker's words  WHEN posted  THEN the skills found are ticked, each with its quote
    page = web.post("/descubre", data={"texto": sample_text, csrf.FIELD_NAME: token})
    assert page.status_code == 200
    boxes = _checkboxes(page.text)
    assert {"retail_sales", "spreadsheets_excel", "customer_attention"} <= set(boxes)
    assert all(boxes.values())
    assert "<q>atiendo público</q>" in page.text
    assert "(básico)" in page.text
    assert 'name="texto" value="vendía ropa en Gamarra' in page.text


def test_empty_text_is_refused_next_to_the_field(web: Any, token: str) -> None:
    page = web.post("/descubre", data={"texto": "   ", csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert 'id="texto-error"' in page.text
    assert 'aria-describedby="texto-hint texto-error" aria-invalid="true"' in page.text
    assert "Escribe al menos una cosa que sabes hacer." in page.text
    assert 'role="alert"' in page.text
    assert 'href="#texto"' in page.text


def test_too_long_text_is_refused_and_kept(web: Any, token: str) -> None:
    # GIVEN a text over the limit  WHEN posted  THEN a message with the counts, and the text kept
    text = "cocino <b>menú</b> " * 400
    assert len(text) > MAX_TEXT_CHARS
    page = web.post("/descubre?lang=en", data={"texto": text, csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert f"Your text has {len(text):,} characters; the limit is 5,000." in page.text
    assert "cocino &lt;b&gt;menú&lt;/b&gt; cocino" in page.text  # kept, and escaped
    assert 'aria-invalid="true"' in page.text


def test_search_without_javascript_keeps_the_checklist(web: Any, token: str) -> None:
    # GIVEN a checklist with one skill unticked  WHEN searching (no JS)  THEN the list is kept
    # as it was and the results come as unticked boxes
    data = {
        csrf.FIELD_NAME: token,
        "texto": "vendía ropa y manejo Excel",
        "shown": ["retail_sales", "spreadsheets_excel"],
        "skill": ["retail_sales"],
        "q": "cocina",
        "accion": "buscar",
    }
    page = web.post("/descubre/habilidades", data=data)
    assert page.status_code == 200
    boxes = _checkboxes(page.text)
    assert boxes["retail_sales"] is True
    assert boxes["spreadsheets_excel"] is False
    results = [k for k in boxes if k not in ("retail_sales", "spreadsheets_excel")]
    assert results
    assert not any(boxes[k] for k in results)
    assert 'value="cocina"' in page.text


def test_empty_search_gets_a_message_next_to_the_field(web: Any, token: str) -> None:
    data = {csrf.FIELD_NAME: token, "shown": ["retail_sales"], "skill": ["retail_sales"]}
    page = web.post("/descubre/habilidades", data={**data, "q": " ", "accion": "buscar"})
    assert page.status_code == 422
    assert 'id="q-error"' in page.text
    assert "Escribe la habilidad que buscas." in page.text
    assert _checkboxes(page.text) == {"retail_sales": True}


def test_confirm_lists_ticked_skills_only(web: Any, token: str) -> None:
    data = {
        csrf.FIELD_NAME: token,
        "shown": ["retail_sales", "spreadsheets_excel", "no-such-skill"],
        "skill": ["retail_sales", "no-such-skill", "peruvian_cuisine"],
        "accion": "confirmar",
    }
    page = web.post("/descubre/habilidades", data=data)
    assert page.status_code == 200
    assert "Confirmaste 2 habilidades." in page.text
    assert "Hojas de cálculo" not in page.text


def test_confirm_with_nothing_ticked_asks_for_one(web: Any, token: str) -> None:
    data = {csrf.FIELD_NAME: token, "shown": ["retail_sales"], "accion": "confirmar"}
    page = web.post("/descubre/habilidades", data=data)
    assert page.status_code == 422
    assert 'id="skills-error"' in page.text
    assert _checkboxes(page.text) == {"retail_sales": False}


def test_skill_search_page_and_htmx_fragment(web: Any) -> None:
    # GIVEN a plain GET search (no JS)  THEN a full page with boxes to tick
    page = web.get("/habilidades?q=excel")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "spreadsheets_excel" in _checkboxes(page.text)
    # GIVEN the same search from htmx  THEN only the suggestions, as buttons
    fragment = web.get("/habilidades?q=excel&skill=retail_sales", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'hx-get="/habilidades/agregar?id=spreadsheets_excel"' in fragment.text
    # skills already on the list are not suggested again
    fragment = web.get(
        "/habilidades?q=excel&shown=spreadsheets_excel", headers={"HX-Request": "true"}
    )
    assert "spreadsheets_excel" not in fragment.text
    added = web.get("/habilidades/agregar?id=spreadsheets_excel", headers={"HX-Request": "true"})
    assert _checkboxes(added.text) == {"spreadsheets_excel": True}
    assert 'hx-swap-oob="true"' in added.text
    assert (
        web.get("/habilidades/agregar?id=nope", headers={"HX-Request": "true"}).status_code == 404
    )


def test_404_page_in_the_users_language(web: Any) -> None:
    page = web.get("/no-existe")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No encontramos esta página" in page.text
    page = web.get("/no-existe", headers={"Accept-Language": "en"})
    assert "Page not found" in page.text
    # the API keeps problem+json
    api = web.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_get_on_a_post_only_page_sends_to_the_search(web: Any) -> None:
    response = web.get("/descubre/habilidades", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/habilidades"


def test_static_files_are_versioned_cached_and_compressed(web: Any) -> None:
    page = web.get("/")
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any("chamba.css?v=" in u for u in urls)
    assert any("htmx.min.js?v=" in u for u in urls)
    for url in urls:
        response = web.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert response.headers["content-encoding"] == "gzip"
    assert page.headers["content-encoding"] == "gzip"
    assert "no-cache" in page.headers["cache-control"]


def test_a_saturated_database_answers_a_busy_page_not_a_500(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from chamba.api.app import create_app, prepare_database
    from chamba.config import get_settings
    from chamba.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)

    @app.get("/prueba-ocupado")
    def busy_page() -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    # WHEN a page finds no free database connection in time
    response = TestClient(app, raise_server_exceptions=False).get("/prueba-ocupado")
    # THEN the person gets the HTML page that says to try again, as a 503 with Retry-After
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"]
    assert "Inténtalo otra vez en un momento." in response.text
    engine.dispose()
