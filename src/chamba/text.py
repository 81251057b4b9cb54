"""Text normalisation shared by every feature (search keys, lexicon matching, dedupe)."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
#: A UTF-16 surrogate code point. In a Python string one is always a lone half (a JSON
#: ``"\ud83d\ude00"`` escape pair decodes to one character): it cannot be encoded as UTF-8, so the
#: database, the hasher and every response would fail on it.
_SURROGATE = re.compile("[\\ud800-\\udfff]")
LONE_SURROGATE_MESSAGE = (
    "contains an invalid character (a lone UTF-16 surrogate, U+D800 to U+DFFF); remove it"
)


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a character no UTF-8 text can hold (a lone surrogate).

    Example:
        >>> has_lone_surrogate("Ayudante " + chr(0xD800)), has_lone_surrogate("Ayudante 😀")
        (True, False)
    """
    return _SURROGATE.search(text) is not None


def strip_accents(text: str) -> str:
    """Remove diacritics but keep ``ñ`` distinct from ``n`` is NOT attempted: ``ñ`` -> ``n``.

    Example:
        >>> strip_accents("Áncash Ñaña")
        'Ancash Nana'
    """
    return unicodedata.normalize("NFKD", text).translate(_combining_marks())


@cache
def _combining_marks() -> dict[int, None]:
    """Every combining code point mapped to ``None``: ``str.translate`` drops them in C (the same
    result as a Python loop over the characters testing ``unicodedata.combining``, which was
    most of the time of folding a posting's text)."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def normalize(text: str) -> str:
    """Case-fold, strip accents and punctuation, collapse whitespace.

    Example:
        >>> normalize("  Atención  al Cliente! ")
        'atencion al cliente'
    """
    text = strip_accents(text).casefold()
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return _SPACES.sub(" ", text).strip()
