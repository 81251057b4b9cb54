"""Input and output of counselor access (the field names are the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chamba.fields import required_text

MAX_NOTE = 5_000
MAX_ID = 2**31 - 1  # ids are PostgreSQL ``integer`` columns


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A user id (PostgreSQL ``integer``): one no row can have is invalid input, not a 500.
    counselor_id: Annotated[int, Field(ge=1, le=MAX_ID)]


class GrantOut(BaseModel):
    counselor_id: int
    counselor_name: str | None
    granted_at: datetime
    revoked_at: datetime | None = None


class GrantList(BaseModel):
    items: list[GrantOut]


class PersonSummary(BaseModel):
    """A person who granted the counselor access (list view)."""

    person_id: int
    name: str | None
    ubigeo: str | None
    granted_at: datetime


class PersonPage(BaseModel):
    items: list[PersonSummary]
    total: int
    page: int
    per_page: int


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, required_text(MAX_NOTE, multiline=True), Field(max_length=MAX_NOTE)]


class NoteOut(BaseModel):
    id: int
    person_id: int
    counselor_id: int | None
    counselor_name: str | None
    body: str
    created_at: datetime


class NoteList(BaseModel):
    items: list[NoteOut]
