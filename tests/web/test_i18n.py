"""Languages: negotiation, catalogues, Babel formatting for es-PE and en."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from chamba.web.i18n import (
    LANGUAGES,
    format_date,
    format_money,
    format_number,
    get_translations,
    negotiate_lang,
    parse_accept_language,
)
from chamba.web.templating import get_environment


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "es"),
        (None, None, "en-US,en;q=0.9", "en"),
        (None, None, "fr-FR, en;q=0.5, es;q=0.8", "es"),
        (None, None, "de, fr", "es"),
        (None, None, "en;q=0, es-PE", "es"),
        (None, None, "*", "es"),
        (None, "en", "es-PE", "en"),
        ("es", "en", "en", "es"),
        ("EN", None, None, "en"),
        ("qu", "en", None, "en"),
        ("garbage", "zz", "en-GB", "en"),
    ],
)
def test_negotiation_order(query: Any, cookie: Any, header: Any, expected: str) -> None:
    # GIVEN ?lang=, the cookie and Accept-Language  WHEN negotiating  THEN that order wins
    assert negotiate_lang(query, cookie, header) == expected


def test_accept_language_is_ranked_by_quality() -> None:
    assert parse_accept_language("en;q=0.2, es-PE;q=0.9, fr") == ["fr", "es-PE", "en"]
    assert parse_accept_language("es;q=abc, en") == ["en"]
    assert parse_accept_language("") == []


def test_catalogues_compile_at_run_time() -> None:
    # GIVEN only .po files  WHEN loaded  THEN Spanish translates and English keeps the id
    assert get_translations("es").gettext("Home") == "Inicio"
    assert get_translations("en").gettext("Home") == "Home"
    assert get_translations("es").ngettext(
        "You confirmed %(count)s skill.", "You confirmed %(count)s skills.", 2
    ) == ("Confirmaste %(count)s habilidades.")


@pytest.mark.parametrize(
    ("lang", "money", "number", "long_date", "medium_date"),
    [
        ("es", "S/\xa01,130.00", "12,345.5", "5 de marzo de 2026", "5 mar. 2026"),
        ("en", "S/\xa01,130.00", "12,345.5", "March 5, 2026", "Mar 5, 2026"),
    ],
)
def test_formatting(lang: Any, money: str, number: str, long_date: str, medium_date: str) -> None:
    assert format_money(1130, lang) == money
    assert format_money(Decimal("1130"), lang) == money
    assert format_number(12345.5, lang) == number
    assert format_number(1234, lang, digits=2) == "1,234.00"
    assert format_date(dt.date(2026, 3, 5), lang) == long_date
    assert format_date(dt.date(2026, 3, 5), lang, "medium") == medium_date


def test_formatting_filters_in_templates() -> None:
    # GIVEN each language's environment  WHEN formatting in a template  THEN Babel's rules apply
    source = "{{ 1130|money }} | {{ 5000|number }} | {{ d|date }}"
    day = dt.date(2026, 7, 28)
    es = get_environment("es").from_string(source).render(d=day)
    en = get_environment("en").from_string(source).render(d=day)
    assert es == "S/\xa01,130.00 | 5,000 | 28 de julio de 2026"
    assert en == "S/\xa01,130.00 | 5,000 | July 28, 2026"


def test_page_language_by_header_cookie_and_query(web: Any) -> None:
    # GIVEN no preference  THEN Spanish
    page = web.get("/")
    assert '<html lang="es">' in page.text
    assert "Inicio" in page.text
    assert page.headers["content-language"] == "es"
    assert "Accept-Language" in page.headers["vary"]
    # GIVEN an English browser  THEN English, and no cookie is set for a header
    page = web.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "Skip to main content" in page.text
    assert "lang" not in page.cookies
    # WHEN the switch is used  THEN the choice is remembered in a cookie
    page = web.get("/?lang=en")
    assert page.cookies.get("lang") == "en"
    page = web.get("/descubre", headers={"Accept-Language": "es-PE"})
    assert '<html lang="en">' in page.text
    # AND switching back works
    page = web.get("/descubre?lang=es")
    assert '<html lang="es">' in page.text
    assert page.cookies.get("lang") == "es"


def test_language_switch_is_visible_and_keeps_the_page(web: Any) -> None:
    page = web.get("/habilidades?q=excel")
    for code, name in LANGUAGES.items():
        assert f'lang="{code}" hreflang="{code}"' in page.text
        assert f">{name}</a>" in page.text
    assert 'href="/habilidades?q=excel&amp;lang=en"' in page.text
