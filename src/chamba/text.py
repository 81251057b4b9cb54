"""Text normalisation shared by every feature (search keys, lexicon matching, dedupe)."""

from __future__ import annotations

import re
import unicodedata

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
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Case-fold, strip accents and punctuation, collapse whitespace.

    Example:
        >>> normalize("  Atención  al Cliente! ")
        'atencion al cliente'
    """
    text = strip_accents(text).casefold()
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return _SPACES.sub(" ", text).strip()
