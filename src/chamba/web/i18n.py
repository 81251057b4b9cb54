"""Languages of the web UI: gettext catalogues, choosing a language, formatting with Babel.

Catalogues live in ``translations/<lang>/LC_MESSAGES/messages.po`` next to this module. They are
compiled to ``.mo`` in memory on first use (``babel.messages`` reads the ``.po`` and writes the
``.mo`` into a buffer), so there is no build step. Message ids are English; Spanish is the
default language of the site.

The language of a request is chosen by, in order: ``?lang=``, the ``lang`` cookie set by the
language switch, the ``Accept-Language`` header, and finally Spanish.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import lru_cache
from gettext import GNUTranslations
from pathlib import Path
from typing import Final, Literal

from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_currency_symbol

Lang = Literal["es", "en"]

DEFAULT_LANG: Final[Lang] = "es"
#: Every language of the UI with its name in that language (shown as is in the switch).
LANGUAGES: Final[dict[Lang, str]] = {"es": "Español", "en": "English"}
#: Babel locale used to format numbers, money and dates in each language.
LOCALES: Final[dict[Lang, str]] = {"es": "es_PE", "en": "en"}
LANG_COOKIE: Final = "lang"
LANG_PARAM: Final = "lang"
TRANSLATIONS_DIR: Final = Path(__file__).parent / "translations"
DOMAIN: Final = "messages"

Number = int | float | Decimal


def as_lang(value: str | None) -> Lang | None:
    """``value`` as a supported language (``"es"``, ``"en"``), or ``None``."""
    if value is None:
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if code == "es":
        return "es"
    if code == "en":
        return "en"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first; ``q=0`` tags are dropped.

    Example:
        >>> parse_accept_language("en-US;q=0.8, es-PE, fr;q=0")
        ['es-PE', 'en-US']
    """
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0]
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_lang(
    query: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> Lang:
    """The language to use: ``?lang=``, then the cookie, then ``Accept-Language``, then Spanish.

    Example:
        >>> negotiate_lang(None, None, "en-GB,en;q=0.9")
        'en'
    """
    for candidate in (query, cookie):
        lang = as_lang(candidate)
        if lang is not None:
            return lang
    for tag in parse_accept_language(accept_language):
        if tag == "*":
            break
        lang = as_lang(tag)
        if lang is not None:
            return lang
    return DEFAULT_LANG


def po_path(lang: Lang) -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def get_translations(lang: Lang) -> GNUTranslations:
    """The compiled catalogue of ``lang`` (read from its ``.po`` and compiled in memory once)."""
    with po_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[lang], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


# --- formatting ----------------------------------------------------------------------------


def format_number(value: Number, lang: Lang = DEFAULT_LANG, digits: int | None = None) -> str:
    """A number in the conventions of ``lang`` (Peru: ``12,345.5``).

    Args:
        value: the number.
        lang: the UI language.
        digits: fixed number of decimals; ``None`` keeps up to three.
    """
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def format_money(value: Number, lang: Lang = DEFAULT_LANG) -> str:
    """An amount in soles as Peru writes it, in both languages: ``S/ 1,130.00``.

    Babel's ``es_PE`` locale gives the symbol ``S/`` and a no-break space; English uses the same
    symbol (Babel's English would write ``PEN``, which people in Peru do not use).

    Example:
        >>> format_money(1130)
        'S/\\xa01,130.00'
    """
    symbol = get_currency_symbol("PEN", LOCALES["es"])
    return f"{symbol}\xa0{format_number(value, lang, digits=2)}"


def format_date(
    value: dt.date | dt.datetime, lang: Lang = DEFAULT_LANG, style: str = "long"
) -> str:
    """A date in words: ``5 de marzo de 2026`` / ``March 5, 2026`` (``style`` ``long``), or
    ``5 mar. 2026`` / ``Mar 5, 2026`` (``medium``)."""
    return babel_format_date(value, format=style, locale=LOCALES[lang])
