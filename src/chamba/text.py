"""Text normalisation shared by every feature (search keys, lexicon matching, dedupe)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


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
