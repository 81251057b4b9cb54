"""Text folding: accents go, every other character stays."""

from __future__ import annotations

import sys
import unicodedata

from chamba.text import normalize, strip_accents


def test_strip_accents_drops_exactly_the_combining_marks_of_every_code_point() -> None:
    # GIVEN every code point (lone surrogates apart), decomposed
    text = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    decomposed = unicodedata.normalize("NFKD", text)
    # THEN the result is the decomposition without the characters that are combining marks
    assert strip_accents(text) == "".join(c for c in decomposed if not unicodedata.combining(c))


def test_normalize_folds_spanish_and_quechua_words() -> None:
    assert normalize("  Atención al Cliente! Ñaña, Qhichwa ") == "atencion al cliente nana qhichwa"
    assert strip_accents("Áncash Ñaña pingüino") == "Ancash Nana pinguino"
