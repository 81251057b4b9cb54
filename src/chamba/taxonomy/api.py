"""Taxonomy routes: one skill or occupation by its id, in both languages.

The search routes (``GET /skills``, ``GET /occupations``) rank names by meaning too, so they
live with the text model in :mod:`chamba.nlp.api`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from chamba.deps import SessionDep
from chamba.problems import responses
from chamba.taxonomy import service as taxonomy_service
from chamba.taxonomy.errors import OccupationNotFound, SkillNotFound
from chamba.taxonomy.schemas import OccupationRead, SkillRead

router = APIRouter(tags=["taxonomy"])

TaxonomyId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get(
    "/skills/{skill_id}",
    response_model=SkillRead,
    summary="One skill",
    responses=responses(SkillNotFound),
)
def get_skill(skill_id: TaxonomyId, session: SessionDep) -> SkillRead:
    return SkillRead.model_validate(taxonomy_service.get_skill(session, skill_id))


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
