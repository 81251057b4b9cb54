"""Job postings and their required skills."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chamba.db import Base, JSONType, UTCDateTime, utcnow
from chamba.postings.models import Posting
from chamba.search import SearchText
from chamba.vocab import Requirement, SkillLevel, db_enum


class ContractType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    TEMPORARY = "temporary"  # seasonal, e.g. harvest campaigns
    INTERNSHIP = "internship"  # prácticas
    FREELANCE = "freelance"  # recibo por honorarios
    DAILY = "daily"  # jornal, pago diario (informal-sector trades)


class JobStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    FILLED = "filled"


class Job(Posting, SearchText, Base):
    """A job posting; ``search_title``/``search_text`` (:mod:`chamba.search`) serve text search.

    On PostgreSQL, migration ``0007`` adds a trigram index on ``search_text`` where the
    ``pg_trgm`` extension can be installed (not declared here: see ``db.OPTIONAL_INDEXES``).
    """

    __tablename__ = "jobs"

    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    occupation_id: Mapped[str | None] = mapped_column(
        ForeignKey("occupations.id", ondelete="SET NULL"), index=True
    )
    remote: Mapped[bool] = mapped_column(default=False)
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    #: Skill names the posting states that no taxonomy skill matches (shown, never matched).
    unlinked_skills: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    wage_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # PEN per month
    wage_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    contract_type: Mapped[ContractType | None] = mapped_column(
        db_enum(ContractType, "contract_type")
    )
    openings: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[JobStatus] = mapped_column(
        db_enum(JobStatus, "job_status"), default=JobStatus.OPEN, index=True
    )
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skills: Mapped[list[JobSkill]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_jobs_source_ext"),
        CheckConstraint("wage_min IS NULL OR wage_min >= 0", name="wage_min_non_negative"),
        CheckConstraint(
            "wage_min IS NULL OR wage_max IS NULL OR wage_max >= wage_min", name="wage_range"
        ),
        CheckConstraint("openings >= 1", name="openings_positive"),
        CheckConstraint(
            "hours_per_week IS NULL OR hours_per_week BETWEEN 1 AND 84", name="hours_range"
        ),
    )


class JobSkill(Base):
    __tablename__ = "job_skills"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    requirement: Mapped[Requirement] = mapped_column(db_enum(Requirement, "requirement"))
    importance: Mapped[float] = mapped_column(Float, default=1.0)  # 0..1
    #: The level the posting asks for ("Excel nivel intermedio"), when it says one.
    level: Mapped[SkillLevel | None] = mapped_column(db_enum(SkillLevel, "skill_level"))

    job: Mapped[Job] = relationship(back_populates="skills", lazy="raise")

    __table_args__ = (Index("ix_job_skills_skill", "skill_id"),)
