"""Training programmes published by providers, and the skills they teach."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chamba.db import Base, JSONType
from chamba.postings.models import Posting
from chamba.search import SearchText
from chamba.vocab import SkillLevel, db_enum


class Modality(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class CourseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Course(Posting, SearchText, Base):
    """A training programme; ``search_title``/``search_text`` (:mod:`chamba.search`) serve text
    search, with a PostgreSQL trigram index as on jobs (migration ``0007``).
    """

    __tablename__ = "courses"

    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    modality: Mapped[Modality] = mapped_column(db_enum(Modality, "modality"))
    hours: Mapped[int] = mapped_column(Integer)  # total hours of study
    weeks: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))  # PEN
    is_free: Mapped[bool] = mapped_column(default=False)
    scholarship: Mapped[bool] = mapped_column(default=False)
    start_dates: Mapped[list[str]] = mapped_column(JSONType, default=list)  # ISO dates
    certificate: Mapped[bool] = mapped_column(default=False)
    seats: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CourseStatus] = mapped_column(
        db_enum(CourseStatus, "course_status"), default=CourseStatus.OPEN, index=True
    )

    skills: Mapped[list[CourseSkill]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_courses_source_ext"),
        CheckConstraint("cost >= 0", name="cost_non_negative"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("seats IS NULL OR seats >= 0", name="seats_non_negative"),
    )


class CourseSkill(Base):
    __tablename__ = "course_skills"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[SkillLevel | None] = mapped_column(db_enum(SkillLevel, "skill_level"))

    course: Mapped[Course] = relationship(back_populates="skills", lazy="raise")

    __table_args__ = (Index("ix_course_skills_skill", "skill_id"),)
