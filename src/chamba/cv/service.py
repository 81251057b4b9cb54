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

#: Characters of a CV read for skills (a long CV's tail says little more).
MAX_SKILL_TEXT: Final = 20_000


def read_for_person(session: Session, person: Person, data: bytes, lang: str) -> CvOut:
    """Parse ``data`` (PDF or .docx) and propose its skills on ``person``'s profile.

    Raises:
        CvTooLarge, CvUnsupported, CvUnreadable: see :func:`chamba.cv.parsing.read_cv`.
    """
    parsed = read_cv(data)
    sections = split_sections(parsed.text)
    skills = people_service.propose_skills_out(
        session, person, parsed.text[:MAX_SKILL_TEXT], lang
    )
    return CvOut(
        kind=parsed.kind,
        pages=parsed.pages,
        characters=len(parsed.text),
        skills=skills,
        work_history=sections.work,
        education=sections.education,
        languages=[LanguageFound(language=n, level=v) for n, v in sections.languages],
    )
