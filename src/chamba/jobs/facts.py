"""Hours, pay and place written in an employer's free text, to pre-fill the posting form.

``"Cajero, 48 horas semanales, S/ 1,200 al mes, en San Juan de Lurigancho"`` ->
``PostingFacts(hours_per_week=48, wage_min=1200, wage_max=None, ubigeo="150132")``.
Amounts are read with :func:`chamba.fields.parse_money`, hours with
:func:`chamba.fields.parse_int` (1-84 a week) and the district with the gazetteer
(:func:`chamba.geo.service.get_gazetteer`): only a name after "en" that is exactly one district.
Nothing is guessed: what is not clearly written stays ``None`` and the employer fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chamba import fields
from chamba.geo.service import get_gazetteer

MAX_HOURS: Final = 84
#: "48 horas semanales", "40 h a la semana", "45 horas por semana"; not "8 horas diarias".
_HOURS = re.compile(
    r"\b(\d{1,2})\s*(?:h|hrs?|horas?|hours?)\b(?!\s*(?:diari|al d[ií]a|por d[ií]a|a day|daily))",
    re.IGNORECASE,
)
_AMOUNT = r"\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
#: "S/ 1,200", "S/. 1500", "1200 soles".
_MONEY = re.compile(rf"(?:S/\.?\s*({_AMOUNT})|\b({_AMOUNT})\s*(?:soles|PEN)\b)", re.IGNORECASE)
_PLACE = re.compile(r"\ben\s+([^\W\d_]+(?:\s+[^\W\d_]+){0,4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PostingFacts:
    hours_per_week: int | None = None
    wage_min: Decimal | None = None
    wage_max: Decimal | None = None
    ubigeo: str | None = None


def _hours(text: str) -> int | None:
    for match in _HOURS.finditer(text):
        try:
            return fields.parse_int(match.group(1), low=1, high=MAX_HOURS)
        except ValueError:
            continue
    return None


def _wages(text: str) -> tuple[Decimal | None, Decimal | None]:
    amounts: list[Decimal] = []
    for match in _MONEY.finditer(text):
        try:
            amount = fields.parse_money(match.group(1) or match.group(2))
        except ValueError:
            continue
        if amount is not None and amount > 0:
            amounts.append(amount)
    if not amounts:
        return None, None
    if len(amounts) == 1:
        return amounts[0], None
    low, high = sorted(amounts[:2])
    return low, high


def _district(text: str) -> str | None:
    geo = get_gazetteer()
    for match in _PLACE.finditer(text):
        words = match.group(1).split()
        for size in range(len(words), 0, -1):  # the longest name first
            found = geo.find(" ".join(words[:size]), level="district")
            if len(found) == 1:
                return found[0].code
            if found:
                break  # several districts of that name: leave it to the employer
    return None


def read_posting_facts(text: str) -> PostingFacts:
    """The hours a week, pay a month (one amount: from; two: from-to) and district in ``text``."""
    low, high = _wages(text)
    return PostingFacts(
        hours_per_week=_hours(text), wage_min=low, wage_max=high, ubigeo=_district(text)
    )
