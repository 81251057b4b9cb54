"""Pydantic input and output of applications and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chamba.activity.models import ApplicationStatus, InteractionKind, SubjectType
from chamba.fields import optional_text
from chamba.jobs.models import JobStatus

MAX_ID = 2**31 - 1
MAX_MESSAGE = 2000


class ApplicationIn(BaseModel):
    """An application to a job, with an optional message to the employer."""

    model_config = ConfigDict(extra="forbid")

    message: Annotated[str | None, optional_text(MAX_MESSAGE, multiline=True)] = None


class ApplicationStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["reviewing", "interview", "hired", "rejected", "withdrawn"]


class ApplicationOut(BaseModel):
    """An application as its applicant sees it."""

    id: int
    job_id: int
    job_title: str
    job_status: JobStatus
    status: ApplicationStatus
    message: str | None
    created_at: datetime
    updated_at: datetime


class Contact(BaseModel):
    """How to reach a person: shown to an employer only for applicants (who chose to be
    contacted by applying) or people who consented to be contacted."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


class JobApplicationOut(BaseModel):
    """An application as the job's employer sees it (no national id, ever)."""

    id: int
    job_id: int
    person_id: int
    status: ApplicationStatus
    message: str | None
    created_at: datetime
    updated_at: datetime
    #: ``None`` once the applicant withdrew.
    contact: Contact | None


class ApplicationList(BaseModel):
    items: list[ApplicationOut]


class JobApplicationList(BaseModel):
    items: list[JobApplicationOut]


FeedbackKind = Literal[
    "useful", "not_useful", "saved", "dismissed", "opened", "enrolled", "completed", "hired"
]


class FeedbackIn(BaseModel):
    """Feedback on a recommended job or course.

    ``enrolled`` and ``completed`` apply to courses, ``hired`` to jobs; the rest to both.
    ``reason`` explains a dismissal or a "not useful" in the person's words.
    """

    model_config = ConfigDict(extra="forbid")

    subject_type: SubjectType
    subject_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    kind: FeedbackKind
    reason: Annotated[str | None, optional_text(500, multiline=True)] = None


class FeedbackOut(BaseModel):
    id: int
    subject_type: SubjectType
    subject_id: int
    kind: InteractionKind
    reason: str | None
    occurred_at: datetime
    #: Skills added to the profile as certified (a completed course).
    skills_added: list[str] = Field(default_factory=list)
