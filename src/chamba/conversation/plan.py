"""The interviewer's question plan: kinds of work, then follow-ups about tasks, tools and time.

Many people in Peru have never had a formal job but have sold in a market, helped on the family
farm, cared for a relative or cooked for a soup kitchen. Asking about each kind of work in turn
(the open assistant tabiya-tech/compass also collects experiences one kind at a time before
exploring each) brings out skills a single "what can you do?" box misses. Each topic opens with
a question; when the answer is not a plain "no", its follow-ups ask what the tasks were, which
tools were used and for how long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from chamba.text import strip_accents

Phase = Literal["open", "tasks", "tools", "time"]
Lang = Literal["es", "en"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One kind of work: its opening question and the follow-ups asked after a yes."""

    key: str
    open_es: str
    open_en: str
    follow_ups: tuple[Phase, ...]
    tasks_es: str = "¿Qué hacías en un día normal? Cuéntame las tareas, una por una."
    tasks_en: str = "What did you do on a normal day? Tell me the tasks, one by one."

    def question(self, phase: Phase, lang: Lang) -> str:
        if phase == "open":
            return self.open_en if lang == "en" else self.open_es
        if phase == "tasks":
            return self.tasks_en if lang == "en" else self.tasks_es
        return FOLLOW_UPS[phase][1 if lang == "en" else 0]


FOLLOW_UPS: Final[dict[str, tuple[str, str]]] = {
    "tools": (
        "¿Qué herramientas, máquinas, aparatos o programas usabas?",
        "Which tools, machines, devices or programs did you use?",
    ),
    "time": (
        "¿Cuánto tiempo lo hiciste? Por ejemplo: seis meses, dos años.",
        "For how long did you do it? For example: six months, two years.",
    ),
}

TOPICS: Final[tuple[Topic, ...]] = (
    Topic(
        "jobs",
        "Hola. Vamos a conversar sobre lo que sabes hacer. ¿Has trabajado para alguien? Puede "
        "ser en una empresa, una tienda, una obra, una chacra o en una casa. ¿Qué hacías?",
        "Hello. Let's talk about what you can do. Have you worked for someone? It can be at a "
        "company, a shop, a building site, a farm or in a home. What did you do?",
        ("tasks", "tools", "time"),
    ),
    Topic(
        "business",
        "¿Has vendido algo o tenido tu propio negocio? Por ejemplo en la calle, en un mercado, "
        "en una feria o por internet. ¿Qué vendías o qué hacías?",
        "Have you sold things or had your own business? For example in the street, at a "
        "market, at a fair or online. What did you sell or do?",
        ("tasks", "tools", "time"),
        "¿Cómo lo hacías? Por ejemplo: comprar, preparar, vender, cobrar, llevar las cuentas.",
        "How did you do it? For example: buying, preparing, selling, charging, keeping accounts.",
    ),
    Topic(
        "family",
        "¿Has ayudado en la chacra, los animales, el taller o el negocio de tu familia? "
        "¿Qué hacías?",
        "Have you helped on your family's farm, with the animals, in the workshop or in the "
        "family business? What did you do?",
        ("tasks", "tools", "time"),
    ),
    Topic(
        "care",
        "¿Has cuidado a niños, a personas mayores o a personas enfermas, en tu casa o para "
        "otras familias? ¿Qué hacías por ellos?",
        "Have you looked after children, older people or sick people, at home or for other "
        "families? What did you do for them?",
        ("tasks", "time"),
        "¿Qué tareas hacías? Por ejemplo: dar de comer, bañar, dar medicinas, ayudar con tareas.",
        "Which tasks did you do? For example: feeding, bathing, giving medicines, homework.",
    ),
    Topic(
        "community",
        "¿Has ayudado en tu comunidad? Por ejemplo en un comedor popular, el vaso de leche, la "
        "iglesia, la junta vecinal, una faena o un club. ¿Qué hacías?",
        "Have you helped in your community? For example at a soup kitchen, the Vaso de Leche, "
        "a church, the neighbours' board, a work party or a club. What did you do?",
        ("tasks",),
    ),
    Topic(
        "courses",
        "¿Has llevado algún curso o taller, o aprendiste algo por tu cuenta, por ejemplo en "
        "YouTube? ¿Qué aprendiste a hacer?",
        "Have you taken a course or workshop, or learned something on your own, for example "
        "on YouTube? What did you learn to do?",
        ("time",),
    ),
    Topic(
        "other",
        "Ya casi terminamos. ¿Hay algo más que sepas hacer? Por ejemplo: idiomas como el "
        "quechua, manejar, usar el celular o la computadora, cocinar, coser, arreglar cosas.",
        "We are almost done. Is there anything else you can do? For example: languages such "
        "as Quechua, driving, using a phone or a computer, cooking, sewing, fixing things.",
        (),
    ),
)
TOPIC_KEYS: Final = tuple(t.key for t in TOPICS)

_NEGATIVE = re.compile(r"^\s*(no|nunca|ninguno|ninguna|nada|tampoco|never|none|nothing)\b")
_NUMBER_WORDS: Final[dict[str, float]] = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15,
    "veinte": 20, "treinta": 30, "medio": 0.5, "a": 1, "an": 1, "one": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_UNIT_YEARS: Final[dict[str, float]] = {
    "ano": 1.0, "anos": 1.0, "year": 1.0, "years": 1.0,
    "mes": 1 / 12, "meses": 1 / 12, "month": 1 / 12, "months": 1 / 12,
    "semana": 1 / 52, "semanas": 1 / 52, "week": 1 / 52, "weeks": 1 / 52,
}  # fmt: skip
_DURATION = re.compile(
    r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s+"
    r"(anos|ano|meses|mes|semanas|semana|years|year|months|month|weeks|week)\b"
)


def is_negative(answer: str) -> bool:
    """A short "no" ("no", "nunca", "no, nada de eso"): the topic's follow-ups are skipped."""
    folded = strip_accents(answer).casefold()
    return bool(_NEGATIVE.match(folded)) and len(folded.split()) <= 8


def years_in(answer: str) -> float | None:
    """Total time named in an answer, in years ("dos años y seis meses" -> 2.5), or ``None``.

    Example:
        >>> years_in("unos 3 años"), years_in("seis meses"), years_in("poco")
        (3.0, 0.5, None)
    """
    folded = strip_accents(answer).casefold()
    total = 0.0
    found = False
    for number, unit in _DURATION.findall(folded):
        value = _NUMBER_WORDS.get(number)
        if value is None:
            value = float(number.replace(",", "."))
        total += value * _UNIT_YEARS[unit]
        found = True
    return round(total, 2) if found else None


def level_for(years: float | None) -> str | None:
    """A skill level from time spent: under a year basic, under five intermediate, else
    advanced."""
    if years is None:
        return None
    if years < 1:
        return "basic"
    return "intermediate" if years < 5 else "advanced"


def steps() -> list[tuple[str, Phase]]:
    """Every (topic, phase) the interview may ask, in order."""
    return [(t.key, p) for t in TOPICS for p in ("open", *t.follow_ups)]


def topic(key: str) -> Topic:
    return TOPICS[TOPIC_KEYS.index(key)]


def next_step(key: str, phase: Phase, *, skip_topic: bool) -> tuple[str, Phase] | None:
    """The step after (``key``, ``phase``); ``skip_topic`` jumps to the next topic's opening."""
    index = TOPIC_KEYS.index(key)
    current = topic(key)
    if not skip_topic:
        order: list[Phase] = ["open", *current.follow_ups]
        position = order.index(phase)
        if position + 1 < len(order):
            return key, order[position + 1]
    if index + 1 < len(TOPICS):
        return TOPICS[index + 1].key, "open"
    return None
