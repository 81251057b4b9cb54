"""The text model's routes: ``POST /skills/extract`` (skills mentioned in a free text, any
logged-in user) and the taxonomy search ``GET /skills`` / ``GET /occupations``, which ranks
names by their words, close spellings and meaning (the encoder)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from chamba.auth.deps import CurrentUser, limit_use
from chamba.auth.errors import NotAuthenticated, TooManyAttempts
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
from chamba.nlp import service
from chamba.nlp.deps import EncoderDep
from chamba.nlp.schemas import ExtractedSkillOut, ExtractedSkills, TextIn
from chamba.problems import responses
from chamba.taxonomy import service as taxonomy_service
from chamba.taxonomy.schemas import (
    OccupationItem,
    OccupationPage,
    SearchHit,
    SkillItem,
    SkillPage,
)
from chamba.taxonomy.service import Lang
from chamba.vocab import SkillLevel

router = APIRouter(tags=["skills"])

QueryText = Annotated[str, Query(max_length=200, description="Words in Spanish or English.")]
Limit = Annotated[int, Query(ge=1, le=100)]
Item = TypeVar("Item", SkillItem, OccupationItem)


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


def _items(
    hits: Sequence[SearchHit],
    rows: Mapping[str, Any],  # a Skill or an Occupation by id
    make: Callable[..., Item],
    extra: Callable[[Any], dict[str, Any]],
) -> list[Item]:
    """The hits still in the taxonomy, best first, as ``make`` items: the fields every hit
    has, plus ``extra(row)`` (what only skills or only occupations carry)."""
    return [
        make(
            id=h.id, label=h.label, label_es=h.label_es, label_en=h.label_en,
            esco_uri=rows[h.id].esco_uri, matched=h.matched, **extra(rows[h.id]),
        )
        for h in hits
        if h.id in rows
    ]  # fmt: skip


@router.get(
    "/skills", tags=["taxonomy"], response_model=SkillPage, summary="Search skills (autocomplete)"
)
def search_skills(
    session: SessionDep, encoder: EncoderDep, q: QueryText = "", limit: Limit = 20,
    lang: Lang = "es",
) -> SkillPage:  # fmt: skip
    """Skills whose labels or synonyms in either language match ``q``, best first; when few
    match by their words, close spellings and names that mean the same join them."""
    hits = taxonomy_service.search_skills(
        session, q, limit=limit, lang=lang,
        similar=lambda text, k: service.similar_skills(session, text, k, encoder=encoder),
    )  # fmt: skip
    rows = taxonomy_service.skills_by_id(session, [h.id for h in hits])
    return SkillPage(
        items=_items(hits, rows, SkillItem, lambda r: {"sector": r.sector, "type": r.type.value})
    )


@router.get(
    "/occupations", tags=["taxonomy"], response_model=OccupationPage, summary="Search occupations"
)
def search_occupations(
    session: SessionDep, encoder: EncoderDep, q: QueryText = "", limit: Limit = 20,
    lang: Lang = "es",
) -> OccupationPage:  # fmt: skip
    """Occupations whose labels or synonyms in either language match ``q``, best first; when
    few match by their words, close spellings and names that mean the same join them."""
    hits = taxonomy_service.search_occupations(
        session, q, limit=limit, lang=lang,
        similar=lambda text, k: service.similar_occupations(session, text, k, encoder=encoder),
    )  # fmt: skip
    rows = taxonomy_service.occupations_by_id(session, [h.id for h in hits])
    return OccupationPage(
        items=_items(hits, rows, OccupationItem, lambda r: {"isco_code": r.isco_code})
    )
