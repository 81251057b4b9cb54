"""Pydantic shapes a job posting and a course share: skill ids, place in and out, publisher."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chamba.geo.fields import Ubigeo

SkillId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:/-]+$")]
"""A taxonomy skill id (see ``GET /api/v1/skills``)."""


class LocationIn(BaseModel):
    """Where: an INEI ubigeo code, or a place such as ``"La Victoria, Lima"``."""

    model_config = ConfigDict(extra="forbid")

    ubigeo: Ubigeo = None


class LocationOut(BaseModel):
    ubigeo: str
    label: str | None = None
    department: str | None = None


class OrganisationRef(BaseModel):
    """The publishing organisation: public business data only."""

    id: int
    name: str
