"""The export document (the field names are the API contract)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chamba.audit.schemas import AuditEntryOut
from chamba.auth.models import Role
from chamba.counseling.schemas import GrantOut, NoteOut
from chamba.json_types import JSONObject
from chamba.people.schemas import ProfileOut, SkillsOut


class AccountExport(BaseModel):
    id: int
    role: Role
    name: str | None
    email: str | None
    phone: str | None
    language: str
    is_active: bool
    organisation_id: int | None
    created_at: datetime
    last_login_at: datetime | None


class ProfileExport(ProfileOut):
    """The profile with the national id in full: the export is for its owner."""


class ApplicationExport(BaseModel):
    id: int
    job_id: int
    job_title: str | None
    status: str
    message: str | None
    created_at: datetime
    updated_at: datetime


class InteractionExport(BaseModel):
    id: int
    subject_type: str
    subject_id: int
    kind: str
    reason: str | None
    position: int | None
    score: float | None
    model_version: str | None
    context: JSONObject
    occurred_at: datetime


class NotificationExport(BaseModel):
    id: int
    kind: str
    title_es: str
    title_en: str
    body: str | None
    job_id: int | None
    created_at: datetime
    read_at: datetime | None


class LoginExport(BaseModel):
    """One login session: when, from where (address and browser/app), and how it ended."""

    id: int
    channel: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    user_agent: str | None
    ip: str | None


class DataExport(BaseModel):
    """Everything Chamba holds about the account holder (and nobody else)."""

    exported_at: datetime
    account: AccountExport
    #: ``None`` for accounts without a seeker profile (employers, providers, staff).
    profile: ProfileExport | None
    skills: SkillsOut | None
    applications: list[ApplicationExport]
    interactions: list[InteractionExport]
    counselor_grants: list[GrantOut]
    counselor_notes: list[NoteOut]
    #: The guided conversation (its questions, my answers, the skills it proposed), if any.
    conversation: JSONObject | None = None
    #: Who (by account id and role) read or changed my data, and what I did as staff.
    audit: list[AuditEntryOut]
    notifications: list[NotificationExport] = Field(default_factory=list)
    logins: list[LoginExport] = Field(default_factory=list)
