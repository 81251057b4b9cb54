"""Explanations of ranked results, in the person's language (Spanish by default, or English).

Every result carries: matched skills, missing essential skills (for a seeker, each with the best
two courses that teach it, from :func:`~chamba.matching.course_options.course_options`), missing
optional skills, distance, wage and hours fit, and one or two plain sentences, e.g.

    Tienes 3 de 4 habilidades clave (te falta Soldadura: curso gratuito en SENATI, 60 h).
    Está a 4 km y paga S/ 1,500, más de lo que pides.

Data is read in bulk for the whole page: one query for skill labels, one for courses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.auth.models import User
from chamba.courses.models import Course, Modality
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.jobs.models import Job
from chamba.matching.course_options import CourseOption, course_options
from chamba.matching.embeddings import skill_labels
from chamba.matching.features import (
    COURSE_FEATURES,
    JOB_FEATURES,
    FeatureContext,
    effective_cost,
    load_course_skills,
)
from chamba.matching.schemas import (
    CostInfo,
    CourseSummary,
    Explanation,
    HoursFit,
    HoursInfo,
    Lang,
    MissingSkill,
    SkillRef,
    WageFit,
    WageInfo,
)
from chamba.people.models import Person
from chamba.search import stem, words

_WORD = re.compile(r"[^\W_]+")
COURSES_PER_MISSING_SKILL: Final = 2
ABOVE_SHARE: Final = Decimal("1.1")
"""A wage midpoint at least 10% over the ask is "above"; a top of range at the ask "meets"."""


# ---------------------------------------------------------------------- language and format


def resolve_lang(session: Session, person: Person | None, lang: str | None) -> Lang:
    """``lang`` when given (``es``/``en``), else the person's account language, else Spanish."""
    if lang:
        code = lang.strip().lower()[:2]
        return "en" if code == "en" else "es"
    if person is not None and person.user_id is not None:
        user_lang = session.scalar(select(User.language).where(User.id == person.user_id))
        if user_lang and user_lang.lower().startswith("en"):
            return "en"
    return "es"


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


def _join(items: Sequence[str], lang: Lang) -> str:
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


def shared_words(person_words: str | None, job: Job, limit: int = MAX_MATCHED_WORDS) -> list[str]:
    """Words of the posting (its title, then its description, as it writes them, lower case)
    that the person also used, one per stem, generic job-ad words left out.

    Example:
        >>> job = Job(title="Contador", description="Manejo del SIAF y contabilidad pública")
        >>> shared_words("sé SIAF, contabilidad y excel", job)
        ['siaf', 'contabilidad']
    """
    mine = {stem(w) for w in words(person_words)} - GENERIC_WORDS
    if not mine:
        return []
    out: list[str] = []
    seen: set[str] = set()
    for token in _WORD.findall(f"{job.title or ''} {job.description or ''}"):
        found = words(token)
        if len(token) < 3 or not found:
            continue
        root = stem(found[0])
        if root in mine and root not in seen:
            seen.add(root)
            out.append(token.lower())
            if len(out) >= limit:
                break
    return out


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


def _km(km: float, lang: Lang) -> str:
    if km < 1:
        return "less than 1 km" if lang == "en" else "menos de 1 km"
    return f"{km:,.0f} km"


def _label(labels: Mapping[str, tuple[str, str]], skill_id: str, lang: Lang) -> str:
    pair = labels.get(skill_id)
    if pair is None:
        return skill_id
    return pair[1] if lang == "en" else pair[0]


# ---------------------------------------------------------------------- facts


def wage_fit(job: Job, expected: Decimal | None) -> WageInfo:
    """How the job's pay compares with the person's ask."""
    lo, hi = job.wage_min, job.wage_max
    info = WageInfo(offered_min=lo, offered_max=hi, expected=expected)
    if (lo is None and hi is None) or expected is None or expected <= 0:
        return info
    top = Decimal(hi if hi is not None else lo)  # type: ignore[arg-type]
    bottom = Decimal(lo if lo is not None else hi)  # type: ignore[arg-type]
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
        return f"{format_money(hi if hi is not None else lo)} {month}"  # type: ignore[arg-type]
    if lang == "en":
        return f"{format_money(lo)} to {format_money(hi)} {month}"
    return f"de {format_money(lo)} a {format_money(hi)} {month}"


# ---------------------------------------------------------------------- sentences


#: Missing skills a summary names, the one a course teaches first (the explanation's list
#: keeps them all: long skill names make a summary hard to read).
NAMED_MISSING = 1


def _skills_sentence(
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
        detail = f"{'You are' if seeker else 'They are'} missing {_join(labels, lang)}."
    else:
        pronoun = "Te" if seeker else "Le"
        detail = f"{pronoun} falta{'n' if len(missing) > 1 else ''} {_join(labels, lang)}."
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


def _words_sentence(words: Sequence[str], lang: Lang, *, seeker: bool) -> str:
    if not words:
        return ""
    listed = _join(list(words), lang)
    if lang == "en":
        return f"{'Your' if seeker else 'Their'} own words match the posting: {listed}."
    return f"{'Tus' if seeker else 'Sus'} palabras coinciden con el aviso: {listed}."


def _place_wage_sentence(
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
            place = f"It is {_km(distance, lang)} away" if en else f"Está a {_km(distance, lang)}"
        else:
            place = f"Lives {_km(distance, lang)} away" if en else f"Vive a {_km(distance, lang)}"
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


# ---------------------------------------------------------------------- jobs and candidates


def _column(rows: np.ndarray, names: Sequence[str], name: str) -> np.ndarray:
    return rows[:, list(names).index(name)] if rows.size else np.zeros(0)


def explain_pairs(
    ctx: FeatureContext,
    people: Sequence[Person],
    jobs: Sequence[Job],
    features: np.ndarray,
    lang: Lang,
    *,
    seeker: bool,
    as_of: date | None = None,
) -> list[Explanation]:
    """Explanations for pairs ``(people[k], jobs[k])``.

    Args:
        ctx: the feature context (its skill caches are reused).
        people: one person per pair.
        jobs: one job per pair.
        features: ``(pairs, len(JOB_FEATURES))`` rows from the feature functions.
        lang: response language.
        seeker: True for a seeker's view (courses for missing skills, "you" wording); False for
            an employer's view of candidates.
        as_of: the day courses' next start dates count from.

    Returns:
        One :class:`Explanation` per pair.
    """
    if not jobs:
        return []
    job_skills = ctx.skills_of_jobs([j.id for j in jobs])
    person_skills = ctx.skills_of_people([p.id for p in people])
    labels = skill_labels(ctx.session, {s.skill_id for rows in job_skills.values() for s in rows})
    missing_by_pair: list[list[str]] = []
    for person, job in zip(people, jobs, strict=True):
        held = person_skills[person.id]
        missing_by_pair.append(
            [s.skill_id for s in job_skills[job.id] if s.essential and s.skill_id not in held]
        )
    options: dict[str, list[CourseOption]] = {}
    if seeker and people:
        wanted = list(dict.fromkeys(s for miss in missing_by_pair for s in miss))
        if wanted:
            options = course_options(
                ctx.session,
                people[0],
                wanted,
                per_skill=COURSES_PER_MISSING_SKILL,
                as_of=as_of or ctx.now.date(),
                cache=ctx.shared_cache(),
            )
    km_col = _column(features, JOB_FEATURES, "distance_km")
    slot_col = _column(features, JOB_FEATURES, "slot_overlap")
    out: list[Explanation] = []
    for k, (person, job) in enumerate(zip(people, jobs, strict=True)):
        held = person_skills[person.id]
        rows = job_skills[job.id]
        matched = [SkillRef(id=s.skill_id, label=_label(labels, s.skill_id, lang))
                   for s in rows if s.skill_id in held]  # fmt: skip
        missing = [
            MissingSkill(
                id=sid,
                label=_label(labels, sid, lang),
                courses=[course_summary(o) for o in options.get(sid, [])],
            )
            for sid in missing_by_pair[k]
        ]
        optional = [SkillRef(id=s.skill_id, label=_label(labels, s.skill_id, lang))
                    for s in rows if not s.essential and s.skill_id not in held]  # fmt: skip
        n_ess = sum(1 for s in rows if s.essential)
        km = float(km_col[k]) if km_col.size and km_col[k] >= 0 else None
        distance = None if job.remote else (round(km, 1) if km is not None else None)
        where = None
        if distance is not None and not (precise(job.ubigeo) and precise(person.ubigeo)):
            # a department or province is not a point: name it rather than invent kilometres
            where = place_label(job.ubigeo if seeker else person.ubigeo)
            distance = None if where is not None else distance
        words = shared_words(person.self_description, job)
        wage = wage_fit(job, person.expected_wage)
        hours = hours_fit(
            job.hours_per_week,
            person.availability_hours,
            float(slot_col[k]) if slot_col.size and person.availability_slots else None,
        )
        skills_sentence = _skills_sentence(
            len(matched), n_ess, n_ess - len(missing), missing, lang, seeker=seeker
        )
        if not skills_sentence and not words:
            skills_sentence = (
                "The posting lists no skills." if lang == "en" else "El aviso no lista habilidades."
            )
        sentences = [
            skills_sentence,
            _words_sentence(words, lang, seeker=seeker),
            _place_wage_sentence(
                distance, bool(job.remote), wage, lang, seeker=seeker, where=where
            ),
        ]
        summary = " ".join(p for p in sentences if p)
        out.append(
            Explanation(
                matched_skills=matched,
                missing_essential=missing,
                missing_optional=optional,
                distance_km=distance,
                place=where,
                matched_words=words,
                remote=bool(job.remote),
                wage=wage,
                hours=hours,
                summary=summary,
            )
        )
    return out


def explain_jobs(
    ctx: FeatureContext,
    person: Person,
    jobs: Sequence[Job],
    features: np.ndarray,
    lang: Lang,
) -> list[Explanation]:
    """Explanations of jobs for a seeker (with courses for each missing essential skill)."""
    return explain_pairs(ctx, [person] * len(jobs), jobs, features, lang, seeker=True)


def explain_candidates(
    ctx: FeatureContext,
    job: Job,
    people: Sequence[Person],
    features: np.ndarray,
    lang: Lang,
) -> list[Explanation]:
    """Explanations of candidates for an employer (no contact data, no courses)."""
    return explain_pairs(ctx, people, [job] * len(people), features, lang, seeker=False)


# ---------------------------------------------------------------------- courses


def explain_courses(
    ctx: FeatureContext,
    person: Person,
    courses: Sequence[Course],
    features: np.ndarray,
    lang: Lang,
    *,
    needs: Mapping[str, float],
    budget: Decimal | None = None,
) -> list[Explanation]:
    """Explanations of courses: the new skills they teach that the person's target jobs want,
    cost against budget, modality, distance and weekly load."""
    if not courses:
        return []
    en = lang == "en"
    held = ctx.skills_of_people([person.id])[person.id]
    taught = load_course_skills(ctx.session, [c.id for c in courses])
    labels = skill_labels(ctx.session, {s for v in taught.values() for s in v})
    km_col = _column(features, COURSE_FEATURES, "distance_km")
    out: list[Explanation] = []
    for k, course in enumerate(courses):
        skills = taught.get(course.id, [])
        new = [s for s in skills if s not in held]
        wanted = sorted((s for s in new if needs.get(s, 0.0) > 0), key=lambda s: -needs[s])
        shown = wanted or new
        refs = [SkillRef(id=s, label=_label(labels, s, lang)) for s in shown]
        named = [r.label for r in refs[:NAMED_MISSING]]
        if len(refs) > NAMED_MISSING:
            more = len(refs) - NAMED_MISSING
            named.append(f"{more} more" if en else f"{more} más")
        names = _join(named, lang)
        if wanted:
            first = (
                f"It teaches {names}. The jobs for you ask for it."
                if en
                else f"Enseña {names}. Los empleos para ti lo piden."
            )
        elif new:
            first = (
                f"It teaches {names}. It is new for you."
                if en
                else f"Enseña {names}. Es nuevo para ti."
            )
        else:
            first = (
                "It strengthens skills you already have."
                if en
                else "Refuerza habilidades que ya tienes."
            )
        cost = Decimal(str(round(effective_cost(course), 2)))
        modality = Modality(course.modality)
        km = float(km_col[k]) if km_col.size and km_col[k] >= 0 else None
        if course.is_free:
            price = "It is free." if en else "Es gratis."
        else:
            price = (
                f"It costs {format_money(course.cost)}" if en
                else f"Cuesta {format_money(course.cost)}"
            )  # fmt: skip
            if course.scholarship:
                price += ", with grants" if en else ", con becas"
            price += "."
        if modality == Modality.ONLINE:
            where = "It is online." if en else "Es en línea."
        else:
            word = {
                Modality.IN_PERSON: "in person" if en else "presencial",
                Modality.HYBRID: "part online" if en else "semipresencial",
            }[modality]
            away = ""
            if km is not None:
                away = f", {_km(km, lang)} away" if en else f", a {_km(km, lang)}"
            where = f"It is {word}{away}." if en else f"Es {word}{away}."
        load = f"It takes {course.hours} h" if en else f"Dura {course.hours} h"
        if course.weeks:
            per_week = course.hours / max(1, course.weeks)
            load += f", {per_week:.0f} h a week" if en else f", {per_week:.0f} h por semana"
        second = f"{price} {where} {load}."
        weekly = round(course.hours / course.weeks) if course.weeks else None
        out.append(
            Explanation(
                matched_skills=refs,
                distance_km=None if km is None or math.isnan(km) else round(km, 1),
                remote=modality == Modality.ONLINE,
                hours=hours_fit(weekly, person.availability_hours, None),
                cost=CostInfo(
                    cost=cost,
                    is_free=bool(course.is_free),
                    scholarship=bool(course.scholarship),
                    budget=budget,
                    within_budget=None if budget is None else cost <= budget,
                ),
                summary=f"{first} {second}",
            )
        )
    return out
