"""Readability of Spanish text: the Fernández-Huerta index (a Flesch adaptation for Spanish).

``L = 206.84 - 60 * (syllables / words) - 1.02 * (words / sentences)``. About 70-80 reads as
"fairly easy" (a primary-school reader follows it); 90+ "very easy". Syllables are counted with
Spanish rules: a run of vowels is one syllable unless two strong vowels (a, e, o, or an accented
í/ú) meet, which makes a hiatus. Figures ("1,200", "S/") are read at a glance and are not
counted as words.
"""

from __future__ import annotations

import re
from typing import Final

_WORD = re.compile(r"[a-záéíóúüñ]+", re.IGNORECASE)
#: Figures and the sol sign are read at a glance, not spelled out: they are not words here.
_FIGURES = re.compile(r"S/|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?…]+|\n+")
VOWELS: Final = frozenset("aeiouáéíóúü")
STRONG: Final = frozenset("aeoáéóíú")


def syllables(word: str) -> int:
    """Syllables of one Spanish word.

    Example:
        >>> [syllables(w) for w in ("casa", "cuidado", "día", "poeta", "trabajé", "y")]
        [2, 3, 2, 3, 3, 1]
    """
    word = word.casefold()
    if word == "y":
        return 1
    if word.endswith("y") and len(word) > 1 and word[-2] in VOWELS:
        word = word[:-1] + "i"  # "hoy", "muy": y closes a diphthong
    count = 0
    previous: str | None = None
    for char in word:
        if char in VOWELS:
            if previous is None or (previous in STRONG and char in STRONG):
                count += 1
            previous = char
        else:
            previous = None
    return max(count, 1)


def words(text: str) -> list[str]:
    return _WORD.findall(_FIGURES.sub(" ", text))


def sentence_count(text: str) -> int:
    parts = [p for p in _SENTENCE_END.split(text) if _WORD.search(p)]
    return max(len(parts), 1)


def fernandez_huerta(text: str) -> float:
    """The Fernández-Huerta index of ``text`` (higher is easier); 100.0 for an empty text.

    Example:
        >>> fernandez_huerta("Sabes cocinar. Te faltan dos cosas.") > 70
        True
    """
    found = words(text)
    if not found:
        return 100.0
    syllable_total = sum(syllables(w) for w in found)
    return round(
        206.84 - 60 * syllable_total / len(found) - 1.02 * len(found) / sentence_count(text), 1
    )
