"""``POST /skills/extract``: skills mentioned in a free text (any logged-in user)."""

from __future__ import annotations

from fastapi import APIRouter

from chamba.auth.deps import CurrentUser, limit_use
from chamba.auth.errors import NotAuthenticated, TooManyAttempts
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
from chamba.nlp import service
from chamba.nlp.schemas import ExtractedSkillOut, ExtractedSkills, TextIn
from chamba.problems import responses
from chamba.vocab import SkillLevel

router = APIRouter(tags=["skills"])


@router.post(
    "/skills/extract",
    summary="Skills mentioned in a text (Spanish or English, up to 20,000 characters)",
    description="Needs a login (any role), to limit abuse. Nothing is stored.",
    responses=responses(NotAuthenticated, InvalidInput, TooManyAttempts),
    dependencies=[limit_use("extract")],
)
def extract(data: TextIn, user: CurrentUser, session: SessionDep) -> ExtractedSkills:
    found = service.extract_skills(session, data.text, data.lang or user.language)
    return ExtractedSkills(
        skills=[
            ExtractedSkillOut(
                id=s.skill_id,
                label=s.label,
                esco_uri=s.esco_uri,
                confidence=s.confidence,
                evidence=s.evidence,
                level=SkillLevel(s.level) if s.level else None,
            )
            for s in found
        ]
    )
