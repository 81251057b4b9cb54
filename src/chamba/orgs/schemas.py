"""Pydantic input of organisations (employers and training providers)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chamba.fields import Email, LongText, Name, OptionalName, Ruc
from chamba.geo.fields import Ubigeo
from chamba.orgs.models import OrgKind


class OrganisationIn(BaseModel):
    """An employer or provider as given by a person or a file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    kind: OrgKind
    ruc: Ruc = None
    sector: OptionalName = Field(None, max_length=40)
    ubigeo: Ubigeo = None
    website: OptionalName = None
    description: LongText = None
    contact_email: Email = None
    external_id: OptionalName = Field(None, max_length=200)
