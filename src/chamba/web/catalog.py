"""Keep the translation catalogues in step with the templates and the web code.

``python -m chamba.web.catalog`` extracts every message of ``templates/*.html`` (``_()``,
``{% trans %}``) and of the web package's Python code (``_()``, ``N_()``), adds new messages to
each ``messages.po`` (empty in Spanish until translated; English copies the message id) and
marks messages no longer used as obsolete. A test fails while a message lacks a translation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

import chamba
from chamba.web.i18n import DOMAIN, LANGUAGES, LOCALES, Lang, po_path

WEB_DIR: Final = Path(__file__).parent
METHOD_MAP: Final = [("templates/**.html", "jinja2"), ("*.py", "python")]
OPTIONS: Final = {
    "templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
}
PLURAL_FORMS: Final = "nplurals=2; plural=(n != 1);"


def extract_messages() -> Catalog:
    """Every translatable message of the web UI, with where it is used."""
    catalog = Catalog(domain=DOMAIN, project="Chamba", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        WEB_DIR, method_map=METHOD_MAP, options_map=OPTIONS
    ):
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def read_catalog(lang: Lang) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=LOCALES[lang], domain=DOMAIN)


def update_catalogs() -> dict[Lang, int]:
    """Merge the extracted messages into each ``.po``; returns the untranslated count per
    language."""
    template = extract_messages()
    missing: dict[Lang, int] = {}
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            catalog = read_catalog(lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=LOCALES[lang], domain=DOMAIN, project="Chamba")
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.fuzzy = False
        catalog.project, catalog.version = "Chamba", chamba.__version__
        catalog.copyright_holder = "the Chamba authors"
        if lang == "en":
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
        missing[lang] = sum(1 for m in catalog if m.id and not _translated(m.string))
    return missing


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(bool(s) for s in string)
    return bool(string)


def main() -> None:  # pragma: no cover - developer tool
    for lang, count in update_catalogs().items():
        print(f"{lang}: {count} untranslated")  # noqa: T201


if __name__ == "__main__":  # pragma: no cover
    main()
