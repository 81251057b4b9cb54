"""The "discover your skills" journey: free text -> skills found -> a checklist to confirm.

Anonymous visitors get nothing saved. For a signed-in seeker the skills read from the text are
kept as proposals on their profile (:func:`chamba.people.service.propose_skills`) and the
confirmed checklist becomes their skill set (:func:`chamba.people.service.replace_skills`).
The checklist travels in the form itself: ``shown``
holds every skill on the list (ticked or not), ``skill`` the ticked ones, ``texto`` the original
text (re-read to show the evidence of each skill).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from fastapi import Request
from sqlalchemy.orm import Session

from chamba.auth.models import User
from chamba.nlp import service as nlp_service
from chamba.nlp.extraction import SkillExtractor
from chamba.people import service as people_service
from chamba.people.schemas import SkillChoice as ProfileSkillChoice
from chamba.taxonomy import service as taxonomy_service
from chamba.taxonomy.schemas import SearchHit
from chamba.web.i18n import Lang

#: Longest text accepted, in characters.
MAX_TEXT_CHARS: Final = 5000
#: Most skills one checklist carries (longer lists are cut).
MAX_SKILLS: Final = 100
#: Suggestions shown for a search.
SUGGESTIONS: Final = 8


@dataclass(frozen=True, slots=True)
class SkillChoice:
    """One line of the checklist."""

    id: str
    label: str
    checked: bool = True
    evidence: str | None = None
    level: str | None = None


def get_extractor(request: Request, session: Session) -> SkillExtractor:
    """The process-wide skill extractor (:func:`chamba.nlp.service.get_extractor`).

    Tests (and deployments) may put a ready one in ``app.state.skill_extractor``.
    """
    extractor: SkillExtractor | None = getattr(request.app.state, "skill_extractor", None)
    if extractor is not None:
        return extractor
    return nlp_service.get_extractor(session)


def dedupe(ids: Iterable[str]) -> list[str]:
    """Non-blank ids in first-seen order, at most :data:`MAX_SKILLS`."""
    out = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    return out[:MAX_SKILLS]


def found_skills(extractor: SkillExtractor, text: str, lang: Lang) -> list[SkillChoice]:
    """The skills mentioned in ``text``, ticked, with the words that show each."""
    return [
        SkillChoice(s.skill_id, s.label, True, s.evidence, s.level)
        for s in extractor.extract(text, lang)
    ]


def labels(session: Session, ids: Sequence[str], lang: Lang) -> dict[str, str]:
    """Label of each known skill id in ``lang``; unknown ids are left out."""
    found = taxonomy_service.skills_by_id(session, ids)
    return {i: found[i].label(lang) for i in ids if i in found}


def checklist(
    session: Session,
    extractor: SkillExtractor | None,
    text: str,
    shown: Sequence[str],
    ticked: Sequence[str],
    lang: Lang,
) -> list[SkillChoice]:
    """The checklist as the person left it: every skill shown, then newly ticked ones."""
    found = found_skills(extractor, text, lang) if extractor is not None and text.strip() else []
    evidence = {s.id: s for s in found}
    order = dedupe([*shown, *ticked])
    names = labels(session, order, lang)
    ticked_set = set(ticked)
    out = []
    for skill_id in order:
        if skill_id not in names:
            continue
        seen = evidence.get(skill_id)
        out.append(
            SkillChoice(
                skill_id,
                names[skill_id],
                skill_id in ticked_set,
                seen.evidence if seen else None,
                seen.level if seen else None,
            )
        )
    return out


def suggestions(
    session: Session, q: str, lang: Lang, exclude: Iterable[str] = ()
) -> list[SearchHit]:
    """Skills matching ``q`` (autocomplete), without those already on the list."""
    skip = set(exclude)
    hits = taxonomy_service.search_skills(session, q, limit=SUGGESTIONS + len(skip), lang=lang)
    return [h for h in hits if h.id not in skip][:SUGGESTIONS]


def proposed_for_seeker(session: Session, user: User, text: str, lang: Lang) -> list[SkillChoice]:
    """A seeker's checklist: the skills read from ``text`` (kept as proposals on the profile,
    each with its evidence), then the skills already confirmed; all ticked."""
    person = people_service.person_of_user(session, user)
    proposed = people_service.propose_skills(session, person, text, lang)
    out = [SkillChoice(p.skill_id, p.label, True, p.evidence, p.level) for p in proposed]
    seen = {c.id for c in out}
    for skill in people_service.skills_view(session, person, lang).skills:
        if skill.id not in seen:
            level = skill.level.value if skill.level else None
            out.append(SkillChoice(skill.id, skill.label, True, None, level))
    return out[:MAX_SKILLS]


def save_for_seeker(session: Session, user: User, skill_ids: Sequence[str]) -> None:
    """Make ``skill_ids`` the seeker's confirmed skills (levels read earlier are kept)."""
    person = people_service.person_of_user(session, user)
    people_service.replace_skills(session, person, [ProfileSkillChoice(id=i) for i in skill_ids])


def keep_pending_for_seeker(
    session: Session, user: User, skill_ids: Sequence[str], text: str, lang: Lang
) -> None:
    """Add the skills a person confirmed before having an account to their profile.

    The words they wrote are read again (proposals keep their evidence), then the confirmed
    skills join those already on the profile (a log-in never drops earlier skills).
    """
    person = people_service.person_of_user(session, user)
    if text.strip():
        people_service.propose_skills(session, person, text, lang)
    current = [s.id for s in people_service.skills_view(session, person, lang).skills]
    known = labels(session, skill_ids, lang)
    wanted = dedupe([*current, *(i for i in skill_ids if i in known)])
    people_service.replace_skills(session, person, [ProfileSkillChoice(id=i) for i in wanted])
