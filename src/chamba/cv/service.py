"""Read a seeker's CV: its skills become proposals on their profile (to confirm), and its work
history, education and languages are shown. The file is never stored."""

from __future__ import annotations

from typing import Final

from sqlalchemy.orm import Session

from chamba.cv.parsing import read_cv
from chamba.cv.schemas import CvOut, LanguageFound
from chamba.cv.sections import split_sections
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.people.schemas import ProposedSkillOut
from chamba.vocab import SkillLevel

#: Characters of a CV read for skills (a long CV's tail says little more).
MAX_SKILL_TEXT: Final = 20_000


def read_for_person(session: Session, person: Person, data: bytes, lang: str) -> CvOut:
    """Parse ``data`` (PDF or .docx) and propose its skills on ``person``'s profile.

    Raises:
        CvTooLarge, CvUnsupported, CvUnreadable: see :func:`chamba.cv.parsing.read_cv`.
    """
    parsed = read_cv(data)
    sections = split_sections(parsed.text)
    proposed = people_service.propose_skills(session, person, parsed.text[:MAX_SKILL_TEXT], lang)
    return CvOut(
        kind=parsed.kind,
        pages=parsed.pages,
        characters=len(parsed.text),
        skills=[
            ProposedSkillOut(
                id=p.skill_id,
                label=p.label,
                esco_uri=p.esco_uri,
                confidence=p.confidence,
                evidence=p.evidence,
                level=SkillLevel(p.level) if p.level else None,
                already_on_profile=p.on_profile,
            )
            for p in proposed
        ],
        work_history=sections.work,
        education=sections.education,
        languages=[LanguageFound(language=n, level=v) for n, v in sections.languages],
    )
