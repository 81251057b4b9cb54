"""What Chamba reads in a CV."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from chamba.people.schemas import ProposedSkillOut


class LanguageFound(BaseModel):
    language: str
    #: The level as written in the CV ("básico", "nativo", "B2"...), when it says.
    level: str | None = None


class CvOut(BaseModel):
    """The skills proposed from a CV (to confirm with ``PUT /me/skills`` or the page) and what
    was found in its sections. The file itself is not kept."""

    kind: Literal["pdf", "docx"]
    pages: int | None = None
    characters: int
    skills: list[ProposedSkillOut]
    work_history: list[str] = Field(default_factory=list)
    education: list[str] = Field(default_factory=list)
    languages: list[LanguageFound] = Field(default_factory=list)


class ResumeImported(BaseModel):
    #: Profile fields the résumé filled.
    changed: list[str]
    #: Skills read from the résumé, proposed for confirmation (``PUT /me/skills``).
    skills: list[ProposedSkillOut]
