"""Seekers and learners: profile, skills, availability, remote readiness and consent.

Contact data, name and national id are encrypted at rest (Ley 29733); ``*_index`` columns are
keyed hashes so that imports can find an existing person without decrypting every row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chamba.db import BLIND_INDEX_OF, Base, EncryptedString, JSONType, UTCDateTime, utcnow
from chamba.vocab import EducationLevel, SkillLevel, SkillSource, db_enum


class Device(StrEnum):
    NONE = "none"
    PHONE = "phone"
    COMPUTER = "computer"


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    full_name: Mapped[str | None] = mapped_column(EncryptedString)
    email: Mapped[str | None] = mapped_column(EncryptedString)
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    national_id: Mapped[str | None] = mapped_column(EncryptedString)  # DNI / CE
    national_id_index: Mapped[str | None] = mapped_column(
        String(64), unique=True, info={BLIND_INDEX_OF: "national_id"}
    )
    #: True when an import from an institution vouches for the national id; a seeker's own
    #: entry is a claim (False), and is indexed only while no one else holds that number.
    national_id_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    gender: Mapped[str | None] = mapped_column(String(20))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    ubigeo: Mapped[str | None] = mapped_column(String(6), index=True)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    education_level: Mapped[EducationLevel | None] = mapped_column(
        db_enum(EducationLevel, "education_level")
    )
    years_experience: Mapped[float | None] = mapped_column(Float)
    self_description: Mapped[str | None] = mapped_column(EncryptedString)  # their own words
    interests: Mapped[list[str]] = mapped_column(JSONType, default=list)
    availability_hours: Mapped[int | None] = mapped_column(Integer)
    availability_slots: Mapped[list[str]] = mapped_column(JSONType, default=list)
    has_internet: Mapped[bool] = mapped_column(default=False)
    device: Mapped[Device] = mapped_column(db_enum(Device, "device"), default=Device.NONE)
    expected_wage: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # PEN per month
    max_distance_km: Mapped[float | None] = mapped_column(Float)
    consent_visible: Mapped[bool] = mapped_column(default=False)
    #: Employers may see contact details without an application (``consent_visible`` needed).
    consent_contact: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    skills: Mapped[list[PersonSkill]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_people_source_ext"),
        CheckConstraint(
            "availability_hours IS NULL OR availability_hours BETWEEN 0 AND 112",
            name="availability_hours_range",
        ),
        CheckConstraint("expected_wage IS NULL OR expected_wage >= 0", name="wage_non_negative"),
    )

    @property
    def remote_ready(self) -> bool:
        """Can work remotely: has internet and a phone or computer."""
        return self.has_internet and self.device != Device.NONE


class PersonSkill(Base):
    __tablename__ = "person_skills"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[SkillLevel | None] = mapped_column(db_enum(SkillLevel, "skill_level"))
    source: Mapped[SkillSource] = mapped_column(db_enum(SkillSource, "skill_source"))
    confidence: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(EncryptedString)  # the person's words
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    confirmed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="skills", lazy="raise")
