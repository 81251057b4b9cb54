"""The labour-market overview: staff only (seekers, employers, providers get a 403 page);
charts with alt text and a table; CSV downloads; suppressed groups shown as "menos de N"."""

from __future__ import annotations

from typing import Any

import pytest

from chamba.auth.models import Role

from .conftest import login_as


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COUNSELOR, Role.ADMIN])
def test_staff_see_the_overview(web: Any, make_web_user: Any, role: Role) -> None:
    login_as(web, make_web_user(role))
    page = web.get("/panorama?region=15")
    assert page.status_code == 200
    assert '<img src="/panorama/demanda.png?region=15" alt="' in page.text
    assert '<img src="/panorama/embudo.png?region=15" alt="' in page.text
    assert page.text.count("<table>") >= 3
    assert "menos de 10" in page.text
    for path in ("/panorama/embudo.csv", "/panorama/impacto.csv", "/panorama/equidad.csv"):
        csv = web.get(path)
        assert csv.status_code == 200, path
        assert csv.headers["content-type"].startswith("text/csv")
    assert web.get("/panorama/embudo.png").headers["content-type"] == "image/png"


@pytest.mark.parametrize("role", [Role.SEEKER, Role.EMPLOYER, Role.PROVIDER])
def test_others_are_refused(web: Any, make_web_user: Any, role: Role) -> None:
    login_as(web, make_web_user(role))
    assert web.get("/panorama").status_code == 403
    assert web.get("/panorama/embudo.csv").status_code == 403
    assert web.get("/panorama/equidad.csv").status_code == 403


def test_anonymous_is_sent_to_log_in(web: Any) -> None:
    login_as(web, None)
    for path in ("/panorama", "/panorama/demanda.csv"):
        page = web.get(path, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/ingresar")


def test_overview_and_its_charts_speak_one_language(
    web: Any, make_web_user: Any, seeded_session: Any, monkeypatch: Any
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    from chamba.insights import charts
    from chamba.people.models import Person

    # GIVEN people whose gender and region are not stated, who joined in a closed month (the
    # overview counts closed months only)
    make_web_user(Role.SEEKER)
    seeded_session.execute(update(Person).values(created_at=datetime(2025, 1, 15, tzinfo=UTC)))
    seeded_session.commit()
    login_as(web, make_web_user(Role.ANALYST))
    # WHEN the analyst reads the overview in Spanish  THEN no "Spanish / English" label
    page = web.get("/panorama").text
    assert "Sin dato / Unknown" not in page
    assert "Todo el Perú / All of Peru" not in page
    assert "Género: Sin dato" in page
    # AND the funnel chart is titled and labelled in the reader's language only
    drawn: list[tuple[Any, ...]] = []
    monkeypatch.setattr(charts, "_png", lambda *args: drawn.append(args) or b"png")
    web.get("/panorama/embudo.png")
    web.get("/panorama/embudo.png?lang=en")
    (labels_es, _, title_es, _, words_es), (labels_en, _, title_en, _, words_en) = drawn
    assert (title_es, words_es["hidden"], labels_es[0]) == ("Todo el Perú", "oculto", "Recomendado")
    assert (title_en, words_en["hidden"], labels_en[0]) == ("All of Peru", "hidden", "Recommended")


def test_a_follow_up_off_the_menu_is_a_bad_request_page(web: Any, make_web_user: Any) -> None:
    # GIVEN an analyst
    login_as(web, make_web_user(Role.ANALYST))
    # WHEN the impact is asked for over 181 days (next to 180: the subtraction attack), on the
    # page and as CSV
    # THEN both answer a 400 page; a follow-up of the menu is served
    assert web.get("/panorama?seguimiento=181").status_code == 400
    assert web.get("/panorama/impacto.csv?seguimiento=181").status_code == 400
    assert web.get("/panorama/impacto.csv?seguimiento=365").status_code == 200
