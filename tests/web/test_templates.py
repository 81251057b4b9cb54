"""Every user-visible text of the templates goes through gettext, and both catalogues are
complete."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

from chamba.web.catalog import extract_messages, read_catalog
from chamba.web.i18n import LANGUAGES
from chamba.web.templating import TEMPLATES_DIR

HOLE = "\x00"  # stands for anything Jinja renders (expressions, tags, {% trans %} blocks)
#: Attributes a person sees or hears.
VISIBLE_ATTRIBUTES = frozenset(
    {"alt", "title", "placeholder", "aria-label", "aria-roledescription", "aria-valuetext", "label"}
)
LETTER = re.compile(r"[^\W\d_]")


def _without_gettext(source: str) -> str:
    """The template with every Jinja construct, and the whole of each {% trans %} block,
    replaced by :data:`HOLE`: what remains is literal text."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    out: list[str] = []
    trans_depth = 0
    tag: list[str] = []
    in_block = False
    for _, kind, value in env.lex(source):
        if kind == "block_begin":
            in_block, tag = True, []
        elif kind == "name" and in_block and not tag:
            tag.append(value)
            trans_depth += {"trans": 1, "endtrans": -1}.get(value, 0)
        elif kind == "block_end":
            in_block = False
        if kind == "data" and trans_depth == 0:
            out.append(value)
        else:
            out.append(HOLE)
    return "".join(out)


class _LiteralText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in ("submit", "button")
            )
            if visible and value and LETTER.search(value.replace(HOLE, "")):
                self.found.append(f"{tag}[{name}]={value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.replace(HOLE, " ").strip()
        if not self._skip and LETTER.search(text):
            self.found.append(repr(text))


def untranslated_text(source: str) -> list[str]:
    """Literal, user-visible text of a template that is not inside ``_()`` or ``{% trans %}``."""
    parser = _LiteralText()
    parser.feed(_without_gettext(source))
    parser.close()
    return parser.found


def test_scanner_finds_literal_text() -> None:
    assert untranslated_text("<p>Hola {{ name }}</p>") == ["'Hola'"]
    assert untranslated_text('<img alt="foto" src="{{ x }}">') == ["img[alt]='foto'"]
    assert untranslated_text('<input type="submit" value="Send">') == ["input[value]='Send'"]
    assert untranslated_text("<p>{% trans %}Hola {{ n }}{% endtrans %}</p>") == []
    assert untranslated_text("<p>{{ _('Hola') }} · 2 (+)</p>{# note #}") == []
    assert untranslated_text("<script>var x = 1;</script>") == []


TEMPLATES = sorted(p.name for p in Path(TEMPLATES_DIR).glob("*.html"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_have_no_text_outside_gettext(name: str) -> None:
    # GIVEN a template  WHEN its literal text is scanned  THEN nothing readable is left
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert untranslated_text(source) == []


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalogue_translates_every_message(lang: str) -> None:
    # GIVEN the messages of the templates and web code  THEN each has a translation
    catalog = read_catalog(lang)  # type: ignore[arg-type]
    missing = []
    for message in extract_messages():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            ok = all(strings)
        else:
            ok = bool(strings)
        if not ok or (entry is not None and entry.fuzzy):
            missing.append(message.id)
    assert missing == [], f"run `python -m chamba.web.catalog` and translate: {missing}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalogue_holds_no_message_the_web_no_longer_uses(lang: str) -> None:
    # GIVEN the messages of the templates and web code
    used = {message.id for message in extract_messages() if message.id}
    # THEN every live message of the catalogue is one of them (a dropped one is marked obsolete)
    catalog = read_catalog(lang)  # type: ignore[arg-type]
    stale = [m.id for m in catalog if m.id and m.id not in used]
    assert stale == [], f"run `python -m chamba.web.catalog`: unused {stale}"


def test_spanish_is_really_spanish() -> None:
    # GIVEN the Spanish catalogue  THEN it is not a copy of the English message ids
    catalog = read_catalog("es")
    same = [m.id for m in catalog if m.id and m.string == m.id and m.id not in ("Error:",)]
    assert same == []
