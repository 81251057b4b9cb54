"""The words of explanations (es/en): money, places, distances, wage and hours fit, course
summaries, shared words, and the one or two plain sentences of a match."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Final

from chamba.courses.models import Modality
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.matching.course_options import CourseOption
from chamba.matching.repository import JobFields
from chamba.matching.schemas import (
    CourseSummary,
    HoursFit,
    HoursInfo,
    Lang,
    MissingSkill,
    WageFit,
    WageInfo,
)
from chamba.search import stem, words

_WORD = re.compile(r"[^\W_]+")
COURSES_PER_MISSING_SKILL: Final = 2
ABOVE_SHARE: Final = Decimal("1.1")
"""A wage midpoint at least 10% over the ask is "above"; a top of range at the ask "meets"."""


def format_money(amount: Decimal | float | int) -> str:
    """Soles the way Peru writes them: ``S/ 1,130`` (``S/ 1,130.50`` with céntimos).

    Example:
        >>> format_money(Decimal("1500")), format_money(1130.5)
        ('S/ 1,500', 'S/ 1,130.50')
    """
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"S/ {int(value):,}"
    return f"S/ {value:,.2f}"


def join_names(items: Sequence[str], lang: Lang) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = " and " if lang == "en" else " y "
    return ", ".join(items[:-1]) + word + items[-1]


#: Words of the job-ad register that say nothing about what a job is (as stems).
GENERIC_WORDS: Final = frozenset(
    stem(w)
    for w in words(
        "experiencia conocimiento conocimientos manejo trabajo trabajar capacidad habilidad "
        "habilidades basico intermedio avanzado curso cursos anos cargo puesto funciones "
        "requisitos deseable indispensable persona personal area general minimo"
    )
)
MAX_MATCHED_WORDS: Final = 6


def own_stems(person_words: str | None) -> frozenset[str]:
    """The stems of a person's words that :func:`shared_words` looks for (generic job-ad words
    left out); an explained page computes them once for all its jobs."""
    return frozenset(stem(w) for w in words(person_words)) - GENERIC_WORDS


@lru_cache(maxsize=1 << 16)
def _token_root(token: str) -> str | None:
    """The stem :func:`shared_words` compares for one word of a posting (``None``: too short,
    or a stop word or number); postings share most words, so each is folded once a process."""
    found = words(token)
    if len(token) < 3 or not found:
        return None
    return stem(found[0])


def shared_words(
    person_words: str | None | frozenset[str], job: JobFields, limit: int = MAX_MATCHED_WORDS
) -> list[str]:
    """Words of the posting (its title, then its description, as it writes them, lower case)
    that the person also used, one per stem, generic job-ad words left out. ``person_words``
    may be their :func:`own_stems` already.

    Example:
        >>> job = Job(title="Contador", description="Manejo del SIAF y contabilidad pública")
        >>> shared_words("sé SIAF, contabilidad y excel", job)
        ['siaf', 'contabilidad']
    """
    mine = person_words if isinstance(person_words, frozenset) else own_stems(person_words)
    if not mine:
        return []
    out: list[str] = []
    for root, token in _posting_roots(f"{job.title or ''} {job.description or ''}"):
        if root in mine:
            out.append(token)
            if len(out) >= limit:
                break
    return out


@lru_cache(maxsize=4096)
def _posting_roots(text: str) -> tuple[tuple[str, str], ...]:
    """Each stem :func:`shared_words` compares in a posting's text, once, in the order it first
    appears, with that first word as written (lower case): remembered per process by the text
    itself (an edited posting is a new text), so an explained job's text is read once, not
    once per person it is explained to."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for token in _WORD.findall(text):
        root = _token_root(token)
        if root is not None and root not in seen:
            seen.add(root)
            out.append((root, token.lower()))
    return tuple(out)


def place_label(code: str | None) -> str | None:
    """The name of a place as people say it ("Cusco", "Miraflores, Lima, Lima")."""
    if not code:
        return None
    try:
        return get_gazetteer().get(code).label
    except (UnknownUbigeo, ValueError, TypeError):
        return None


def precise(code: str | None) -> bool:
    """Whether a place is known to the district, with the district's own point."""
    if not code or len(code) != 6:
        return False
    try:
        return get_gazetteer().get(code).coord_precision == "district"
    except (UnknownUbigeo, ValueError, TypeError):
        return False


def km_text(km: float, lang: Lang) -> str:
    if km < 1:
        return "less than 1 km" if lang == "en" else "menos de 1 km"
    return f"{km:,.0f} km"


def label_of(labels: Mapping[str, tuple[str, str]], skill_id: str, lang: Lang) -> str:
    pair = labels.get(skill_id)
    if pair is None:
        return skill_id
    return pair[1] if lang == "en" else pair[0]


# ---------------------------------------------------------------------- facts


def wage_fit(job: JobFields, expected: Decimal | None) -> WageInfo:
    """How the job's pay compares with the person's ask."""
    lo, hi = job.wage_min, job.wage_max
    info = WageInfo(offered_min=lo, offered_max=hi, expected=expected)
    if (lo is None and hi is None) or expected is None or expected <= 0:
        return info
    top = Decimal(hi if hi is not None else lo or 0)  # (one of the two is set)
    bottom = Decimal(lo if lo is not None else hi or 0)
    fit: WageFit
    if (top + bottom) / 2 >= expected * ABOVE_SHARE:
        fit = "above"
    elif top >= expected:
        fit = "meets"
    else:
        fit = "below"
    info.fit = fit
    return info


def hours_fit(job_hours: int | None, available: int | None, overlap: float | None) -> HoursInfo:
    fit: HoursFit = "unknown"
    if job_hours is not None and available is not None:
        fit = "fits" if job_hours <= available else "exceeds"
    return HoursInfo(
        job_hours=job_hours,
        available_hours=available,
        slot_overlap=None if overlap is None else round(overlap, 3),
        fit=fit,
    )


def course_summary(option: CourseOption) -> CourseSummary:
    return CourseSummary(
        course_id=option.course_id,
        title=option.title,
        provider=option.provider,
        modality=str(option.modality),
        cost=option.cost,
        is_free=option.is_free,
        scholarship=option.scholarship,
        hours=option.hours,
        weeks=option.weeks,
        distance_km=None if option.distance_km is None else round(option.distance_km, 1),
        next_start_date=option.next_start_date.isoformat() if option.next_start_date else None,
        fits=option.fits,
        blocked_by=list(option.blocked_by),
    )


def _course_phrase(course: CourseSummary, lang: Lang) -> str:
    """ "un curso gratis en línea, de 60 h" (the provider is on the card, not in the summary:
    long names make the sentence hard to read)."""
    online = course.modality == Modality.ONLINE
    if lang == "en":
        price = "free" if course.is_free else format_money(course.cost)
        kind = f"a {price} online course" if online else f"a {price} course"
        return f"{kind} of {course.hours} h"
    kind = "un curso gratis" if course.is_free else f"un curso de {format_money(course.cost)}"
    if online:
        kind += " en línea"
    return f"{kind}, de {course.hours} h"


def _wage_text(wage: WageInfo, lang: Lang = "es") -> str | None:
    lo, hi = wage.offered_min, wage.offered_max
    if lo is None and hi is None:
        return None
    month = "a month" if lang == "en" else "al mes"
    if lo is None or hi is None or lo == hi:
        return f"{format_money(hi if hi is not None else lo or 0)} {month}"
    if lang == "en":
        return f"{format_money(lo)} to {format_money(hi)} {month}"
    return f"de {format_money(lo)} a {format_money(hi)} {month}"


# ---------------------------------------------------------------------- sentences


#: Missing skills a summary names, the one a course teaches first (the explanation's list
#: keeps them all: long skill names make a summary hard to read).
NAMED_MISSING = 1


def skills_text(
    matched: int,
    n_essential: int,
    held_essential: int,
    missing: Sequence[MissingSkill],
    lang: Lang,
    *,
    seeker: bool,
) -> str:
    """Short sentences on skills: how many key skills, which are missing (at most
    :data:`NAMED_MISSING` named), and a course for one of them. Kept plain: summaries are
    checked for readability (Fernández-Huerta >= 70, tests/matching/test_readability.py)."""
    en = lang == "en"
    if n_essential == 0:
        if matched:
            if en:
                return f"{'You have' if seeker else 'Has'} {matched} of the skills it asks for."
            return f"{'Tienes' if seeker else 'Tiene'} {matched} de las habilidades que pide."
        return ""  # nothing to say about skills: the words and the place say why
    if n_essential == 1:
        held = held_essential == 1
        if en:
            who = (
                ("You have" if held else "You do not have")
                if seeker
                else ("Has" if held else "Does not have")
            )
            head = f"{who} the key skill"
        else:
            who = "Tienes" if seeker else "Tiene"
            head = f"{who if held else 'No ' + who.lower()} la habilidad clave"
    elif en:
        who = "You have" if seeker else "Has"
        head = f"{who} {held_essential} of the {n_essential} key skills"
    else:
        who = "Tienes" if seeker else "Tiene"
        head = f"{who} {held_essential} de las {n_essential} habilidades clave"
    if not missing:
        return head + "."
    # Only a course within the person's limits is named (the pathway plans with the same
    # limits, so the two never disagree; courses that do not fit stay in ``courses``).
    first = next((m for m in missing if any(c.fits for c in m.courses)), None)
    named = [first] if first is not None else []
    named += [m for m in missing if m is not first][: NAMED_MISSING - len(named)]
    labels = [m.label for m in named]
    more = len(missing) - len(labels)
    if more:
        labels.append(f"{more} more" if en else f"{more} más")
    if en:
        detail = f"{'You are' if seeker else 'They are'} missing {join_names(labels, lang)}."
    else:
        pronoun = "Te" if seeker else "Le"
        detail = f"{pronoun} falta{'n' if len(missing) > 1 else ''} {join_names(labels, lang)}."
    sentences = [head + ".", detail]
    if first is not None:
        phrase = _course_phrase(next(c for c in first.courses if c.fits), lang)
        if len(missing) == 1:
            sentences.append(f"There is {phrase}." if en else f"Hay {phrase}.")
        else:
            sentences.append(
                f"For the first there is {phrase}." if en else f"Para la primera hay {phrase}."
            )
    return " ".join(sentences)


def words_text(words: Sequence[str], lang: Lang, *, seeker: bool) -> str:
    if not words:
        return ""
    listed = join_names(list(words), lang)
    if lang == "en":
        return f"{'Your' if seeker else 'Their'} own words match the posting: {listed}."
    return f"{'Tus' if seeker else 'Sus'} palabras coinciden con el aviso: {listed}."


def place_wage_text(
    distance: float | None, remote: bool, wage: WageInfo, lang: Lang, *, seeker: bool,
    where: str | None = None,
) -> str:  # fmt: skip
    """``where`` (a place's name) replaces a distance the data cannot give to the km."""
    en = lang == "en"
    if remote:
        place = "It is remote" if en else "Es remoto"
    elif where is not None:
        if seeker:
            place = f"It is in {where}" if en else f"Está en {where}"
        else:
            place = f"Lives in {where}" if en else f"Vive en {where}"
    elif distance is not None:
        if seeker:
            place = (
                f"It is {km_text(distance, lang)} away"
                if en
                else f"Está a {km_text(distance, lang)}"
            )
        else:
            place = (
                f"Lives {km_text(distance, lang)} away"
                if en
                else f"Vive a {km_text(distance, lang)}"
            )
    else:
        place = ""
    if seeker:
        amount = _wage_text(wage, lang)
        if amount is None:
            pay = "does not state the pay" if en else "no dice el sueldo"
        else:
            pay = f"pays {amount}" if en else f"paga {amount}"
            pay += {
                "above": ", more than you ask for" if en else ", más de lo que pides",
                "meets": ", what you ask for" if en else ", lo que pides",
                "below": ", less than you ask for" if en else ", menos de lo que pides",
                "unknown": "",
            }[wage.fit]
    else:
        if wage.expected is None:
            pay = "does not say what they ask" if en else "no dice el sueldo que pide"
        else:
            pay = (
                f"asks {format_money(wage.expected)} a month"
                if en
                else f"pide {format_money(wage.expected)} al mes"
            )
            pay += {
                "above": ", less than you offer" if en else ", menos de lo que ofreces",
                "meets": ", within what you offer" if en else ", dentro de lo que ofreces",
                "below": ", more than you offer" if en else ", más de lo que ofreces",
                "unknown": "",
            }[wage.fit]
    if en and seeker:
        pay = "It " + pay  # "It pays S/ 1,500." reads as a sentence of its own
    pay = pay[0].upper() + pay[1:] + "."
    return f"{place}. {pay}" if place else pay
