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
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from chamba.courses.models import Course, Modality
from chamba.matching.context import FeatureContext
from chamba.matching.course_options import CourseOption, course_options
from chamba.matching.features import COURSE_FEATURES, JOB_FEATURES, effective_cost
from chamba.matching.repository import JobFields, load_course_skills, user_language
from chamba.matching.schemas import (
    CostInfo,
    Explanation,
    Lang,
    MissingSkill,
    SkillRef,
)
from chamba.matching.wording import (
    COURSES_PER_MISSING_SKILL,
    NAMED_MISSING,
    course_summary,
    format_money,
    hours_fit,
    join_names,
    km_text,
    label_of,
    own_stems,
    place_label,
    place_wage_text,
    precise,
    shared_words,
    skills_text,
    wage_fit,
    words_text,
)
from chamba.people.models import Person

# ---------------------------------------------------------------------- language and format


def resolve_lang(session: Session, person: Person | None, lang: str | None) -> Lang:
    """``lang`` when given (``es``/``en``), else the person's account language, else Spanish."""
    if lang:
        code = lang.strip().lower()[:2]
        return "en" if code == "en" else "es"
    if person is not None and person.user_id is not None:
        user_lang = user_language(session, person.user_id)
        if user_lang and user_lang.lower().startswith("en"):
            return "en"
    return "es"


# ---------------------------------------------------------------------- jobs and candidates


def _column(rows: np.ndarray, names: Sequence[str], name: str) -> np.ndarray:
    return rows[:, list(names).index(name)] if rows.size else np.zeros(0)


def explain_pairs(
    ctx: FeatureContext,
    people: Sequence[Person],
    jobs: Sequence[JobFields],
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
    labels = ctx.skill_labels({s.skill_id for rows in job_skills.values() for s in rows})
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
    # each missing skill's courses summarised once a page (its jobs share the summaries)
    summaries = {sid: [course_summary(o) for o in found] for sid, found in options.items()}
    km_col = _column(features, JOB_FEATURES, "distance_km")
    slot_col = _column(features, JOB_FEATURES, "slot_overlap")
    out: list[Explanation] = []
    stems: dict[int, frozenset[str]] = {}  # each person's words, stemmed once
    for k, (person, job) in enumerate(zip(people, jobs, strict=True)):
        held = person_skills[person.id]
        rows = job_skills[job.id]
        matched = [SkillRef(id=s.skill_id, label=label_of(labels, s.skill_id, lang))
                   for s in rows if s.skill_id in held]  # fmt: skip
        missing = [
            MissingSkill(
                id=sid,
                label=label_of(labels, sid, lang),
                courses=list(summaries.get(sid, ())),
            )
            for sid in missing_by_pair[k]
        ]
        optional = [SkillRef(id=s.skill_id, label=label_of(labels, s.skill_id, lang))
                    for s in rows if not s.essential and s.skill_id not in held]  # fmt: skip
        n_ess = sum(1 for s in rows if s.essential)
        km = float(km_col[k]) if km_col.size and km_col[k] >= 0 else None
        distance = None if job.remote else (round(km, 1) if km is not None else None)
        where = None
        if distance is not None and not (precise(job.ubigeo) and precise(person.ubigeo)):
            # a department or province is not a point: name it rather than invent kilometres
            where = place_label(job.ubigeo if seeker else person.ubigeo)
            distance = None if where is not None else distance
        if person.id not in stems:
            stems[person.id] = own_stems(person.self_description)
        words = shared_words(stems[person.id], job)
        wage = wage_fit(job, person.expected_wage)
        hours = hours_fit(
            job.hours_per_week,
            person.availability_hours,
            float(slot_col[k]) if slot_col.size and person.availability_slots else None,
        )
        skills_sentence = skills_text(
            len(matched), n_ess, n_ess - len(missing), missing, lang, seeker=seeker
        )
        if not skills_sentence and not words:
            skills_sentence = (
                "The posting lists no skills." if lang == "en" else "El aviso no lista habilidades."
            )
        sentences = [
            skills_sentence,
            words_text(words, lang, seeker=seeker),
            place_wage_text(distance, bool(job.remote), wage, lang, seeker=seeker, where=where),
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
    jobs: Sequence[JobFields],
    features: np.ndarray,
    lang: Lang,
) -> list[Explanation]:
    """Explanations of jobs for a seeker (with courses for each missing essential skill)."""
    return explain_pairs(ctx, [person] * len(jobs), jobs, features, lang, seeker=True)


def explain_candidates(
    ctx: FeatureContext,
    job: JobFields,
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
    labels = ctx.skill_labels({s for v in taught.values() for s in v})
    km_col = _column(features, COURSE_FEATURES, "distance_km")
    out: list[Explanation] = []
    for k, course in enumerate(courses):
        skills = taught.get(course.id, [])
        new = [s for s in skills if s not in held]
        wanted = sorted((s for s in new if needs.get(s, 0.0) > 0), key=lambda s: -needs[s])
        shown = wanted or new
        refs = [SkillRef(id=s, label=label_of(labels, s, lang)) for s in shown]
        named = [r.label for r in refs[:NAMED_MISSING]]
        if len(refs) > NAMED_MISSING:
            more = len(refs) - NAMED_MISSING
            named.append(f"{more} more" if en else f"{more} más")
        names = join_names(named, lang)
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
                away = f", {km_text(km, lang)} away" if en else f", a {km_text(km, lang)}"
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
