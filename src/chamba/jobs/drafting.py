"""Draft a clear job description from a title and a few facts (template; chat model if set).

The employer confirms the skills first (essential or desirable); the draft lists them as
requirements with the hours, pay and place, in short plain sentences. With a chat model
configured (:mod:`chamba.nlp.llm`) the model may write the text instead, but its draft is used
only when it is plain text of a sensible length that names every essential skill; otherwise the
template's draft is returned. Either way the employer edits the text before publishing: nothing
is stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from chamba.nlp.llm import ChatClient, clean_text
from chamba.text import strip_accents

MAX_DRAFT_CHARS: Final = 3000
MIN_DRAFT_CHARS: Final = 40

_PROMPT = (
    "Eres redactor de avisos de empleo en Perú. Escribe en español muy sencillo, en frases "
    "cortas, un aviso de empleo con SOLO estos datos. Lista los requisitos y lo deseable tal "
    "como vienen. No inventes requisitos, sueldos ni beneficios. Texto plano, sin markdown ni "
    "HTML, de 60 a 200 palabras."
)


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What the draft may say (labels already in the employer's language)."""

    title: str
    essential: Sequence[str] = ()
    optional: Sequence[str] = ()
    hours_per_week: int | None = None
    wage_min: Decimal | None = None
    wage_max: Decimal | None = None
    place: str | None = None
    remote: bool = False
    #: The employer's own words, kept at the start of the draft.
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    written_by: Literal["template", "llm"]
    essential: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)


def _money(amount: Decimal) -> str:
    value = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return "S/ " + value.replace(",", " ")


def _pay(facts: DraftFacts, lang: str) -> str | None:
    low, high = facts.wage_min, facts.wage_max
    if low is None and high is None:
        return None
    if lang == "en":
        if low is not None and high is not None and low != high:
            return f"Pay: {_money(low)} to {_money(high)} a month."
        return f"Pay: {_money(low if low is not None else high or Decimal(0))} a month."
    if low is not None and high is not None and low != high:
        return f"Pago: de {_money(low)} a {_money(high)} al mes."
    return f"Pago: {_money(low if low is not None else high or Decimal(0))} al mes."


def template_draft(facts: DraftFacts, lang: str = "es") -> str:
    """The built-in draft: short sentences, requirements as lists.

    Example:
        >>> print(template_draft(DraftFacts("Cajera", ["Manejo de caja"], hours_per_week=30)))
        Buscamos cajera.
        <BLANKLINE>
        Requisitos:
        - Manejo de caja
        <BLANKLINE>
        Horario: 30 horas por semana.
        <BLANKLINE>
        Postula en Chamba.
    """
    en = lang == "en"
    title = " ".join(facts.title.split())
    lines = [f"We are looking for: {title}." if en else f"Buscamos {title[:1].lower()}{title[1:]}."]
    notes = " ".join(facts.notes.split())
    if notes:
        lines.append(notes)
    if facts.essential:
        lines += ["", "Requirements:" if en else "Requisitos:"]
        lines += [f"- {label}" for label in facts.essential]
    if facts.optional:
        lines += ["", "Nice to have:" if en else "Deseable:"]
        lines += [f"- {label}" for label in facts.optional]
    details = []
    if facts.hours_per_week:
        details.append(
            f"Hours: {facts.hours_per_week} a week."
            if en
            else f"Horario: {facts.hours_per_week} horas por semana."
        )
    pay = _pay(facts, lang)
    if pay:
        details.append(pay)
    if facts.remote:
        details.append("Remote work." if en else "Trabajo remoto.")
    if facts.place:
        details.append(f"Place: {facts.place}." if en else f"Lugar: {facts.place}.")
    if details:
        lines += ["", *details]
    lines += ["", "Apply on Chamba." if en else "Postula en Chamba."]
    return "\n".join(lines)


def _fold(text: str) -> str:
    return " ".join(strip_accents(text).casefold().split())


def _llm_draft(llm: ChatClient, facts: DraftFacts, template: str) -> str | None:
    reply = llm.complete(
        [
            {"role": "system", "content": _PROMPT},
            {"role": "user", "content": f"DATOS:\n{template}"},
        ],
        max_tokens=600,
    )
    if reply is None:
        return None
    text = clean_text(reply, MAX_DRAFT_CHARS + 1)
    if not MIN_DRAFT_CHARS <= len(text) <= MAX_DRAFT_CHARS:
        return None
    folded = _fold(text)
    if any(_fold(label) not in folded for label in facts.essential):
        return None  # a draft that drops a requirement is not a draft of this job
    return text


def draft_description(facts: DraftFacts, lang: str = "es", llm: ChatClient | None = None) -> Draft:
    """A description to edit: the chat model's when configured and sound, else the template's."""
    template = template_draft(facts, lang)
    written = _llm_draft(llm, facts, template) if llm is not None else None
    return Draft(
        text=written or template,
        written_by="llm" if written else "template",
        essential=list(facts.essential),
        optional=list(facts.optional),
    )
