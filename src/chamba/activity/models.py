"""Applications to jobs and the interaction log (feedback) that the learning loop reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, EncryptedString, JSONType, UTCDateTime, utcnow
from chamba.json_types import JSONObject
from chamba.vocab import db_enum


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    INTERVIEW = "interview"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        db_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.SUBMITTED
    )
    message: Mapped[str | None] = mapped_column(EncryptedString)
    #: The status before the employer's last move (so a mistaken rejection can be undone back
    #: to where it was); NULL before any move and after an undo.
    previous_status: Mapped[ApplicationStatus | None] = mapped_column(
        db_enum(ApplicationStatus, "application_previous_status")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("job_id", "person_id", name="uq_applications_job_person"),)


class SubjectType(StrEnum):
    JOB = "job"
    COURSE = "course"


class InteractionKind(StrEnum):
    SHOWN = "shown"
    OPENED = "opened"
    SAVED = "saved"
    DISMISSED = "dismissed"
    APPLIED = "applied"
    INTERVIEWED = "interviewed"
    HIRED = "hired"
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    USEFUL = "useful"
    NOT_USEFUL = "not_useful"


class Interaction(Base):
    """One logged interaction between a person and a recommended job or course.

    ``person_id`` becomes NULL when the person erases their data; ``person_key`` (a random
    pseudonym) keeps the anonymised history usable for learning.
    """

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    person_key: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[SubjectType] = mapped_column(db_enum(SubjectType, "subject_type"))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[InteractionKind] = mapped_column(db_enum(InteractionKind, "interaction_kind"))
    reason: Mapped[str | None] = mapped_column(EncryptedString)  # the person's words
    position: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(60))
    context: Mapped[JSONObject] = mapped_column(JSONType, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The seeker's own word ("I completed it", "I was hired"): kept, but not an outcome until
    #: the provider (completion) or the employer (hire) confirms it; insights and training
    #: data read only unclaimed rows.
    claimed: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        Index("ix_interactions_person_time", "person_id", "occurred_at"),
        # one person's rows of one kind (the jobs they dismissed, read by every match request)
        # without reading the many "shown" rows every match request adds (migration 0021)
        Index("ix_interactions_person_kind", "person_id", "kind"),
        Index("ix_interactions_subject", "subject_type", "subject_id"),
    )
