"""Taxonomy routes: skill and occupation search (autocomplete) and lookup, in both languages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from chamba.deps import SessionDep
from chamba.nlp import service as nlp_service
from chamba.nlp.deps import EncoderDep
from chamba.problems import responses
from chamba.taxonomy import service as taxonomy_service
from chamba.taxonomy.errors import OccupationNotFound, SkillNotFound
from chamba.taxonomy.schemas import OccupationRead, SkillRead

router = APIRouter(tags=["taxonomy"])

Lang = Literal["es", "en"]


class SkillItem(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    esco_uri: str | None
    sector: str | None
    type: str
    matched: str


class OccupationItem(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    esco_uri: str | None
    isco_code: str | None
    matched: str


class SkillPage(BaseModel):
    items: list[SkillItem]


class OccupationPage(BaseModel):
    items: list[OccupationItem]


QueryText = Annotated[str, Query(max_length=200, description="Words in Spanish or English.")]
Limit = Annotated[int, Query(ge=1, le=100)]
TaxonomyId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/skills", response_model=SkillPage, summary="Search skills (autocomplete)")
def search_skills(
    session: SessionDep, encoder: EncoderDep, q: QueryText = "", limit: Limit = 20,
    lang: Lang = "es",
) -> SkillPage:  # fmt: skip
    """Skills whose labels or synonyms in either language match ``q``, best first; when few
    match by their words, close spellings and names that mean the same join them."""
    hits = taxonomy_service.search_skills(
        session, q, limit=limit, lang=lang,
        similar=lambda text, k: nlp_service.similar_skills(session, text, k, encoder=encoder),
    )  # fmt: skip
    rows = taxonomy_service.skills_by_id(session, [h.id for h in hits])
    return SkillPage(
        items=[
            SkillItem(
                id=h.id,
                label=h.label,
                label_es=h.label_es,
                label_en=h.label_en,
                esco_uri=rows[h.id].esco_uri,
                sector=rows[h.id].sector,
                type=rows[h.id].type.value,
                matched=h.matched,
            )
            for h in hits
            if h.id in rows
        ]
    )


@router.get(
    "/skills/{skill_id}",
    response_model=SkillRead,
    summary="One skill",
    responses=responses(SkillNotFound),
)
def get_skill(skill_id: TaxonomyId, session: SessionDep) -> SkillRead:
    return SkillRead.model_validate(taxonomy_service.get_skill(session, skill_id))


@router.get("/occupations", response_model=OccupationPage, summary="Search occupations")
def search_occupations(
    session: SessionDep, encoder: EncoderDep, q: QueryText = "", limit: Limit = 20,
    lang: Lang = "es",
) -> OccupationPage:  # fmt: skip
    """Occupations whose labels or synonyms in either language match ``q``, best first; when
    few match by their words, close spellings and names that mean the same join them."""
    hits = taxonomy_service.search_occupations(
        session, q, limit=limit, lang=lang,
        similar=lambda text, k: nlp_service.similar_occupations(session, text, k, encoder=encoder),
    )  # fmt: skip
    rows = taxonomy_service.occupations_by_id(session, [h.id for h in hits])
    return OccupationPage(
        items=[
            OccupationItem(
                id=h.id,
                label=h.label,
                label_es=h.label_es,
                label_en=h.label_en,
                esco_uri=rows[h.id].esco_uri,
                isco_code=rows[h.id].isco_code,
                matched=h.matched,
            )
            for h in hits
            if h.id in rows
        ]
    )


@router.get(
    "/occupations/{occupation_id}",
    response_model=OccupationRead,
    summary="One occupation with its skills",
    responses=responses(OccupationNotFound),
)
def get_occupation(occupation_id: TaxonomyId, session: SessionDep) -> OccupationRead:
    occupation = taxonomy_service.get_occupation(session, occupation_id)
    essential, optional = taxonomy_service.occupation_skill_ids(occupation)
    return OccupationRead(
        id=occupation.id,
        isco_code=occupation.isco_code,
        label_es=occupation.label_es,
        label_en=occupation.label_en,
        synonyms_es=occupation.synonyms_es,
        synonyms_en=occupation.synonyms_en,
        esco_uri=occupation.esco_uri,
        source=occupation.source,
        essential_skills=essential,
        optional_skills=optional,
    )
