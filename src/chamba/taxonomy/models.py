"""Skills, occupations and ISCO groups: the bilingual taxonomy everything else points at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chamba.db import Base, JSONType, UTCDateTime, utcnow
from chamba.vocab import Requirement, SkillType, db_enum


class Skill(Base):
    """A skill. ``id`` is stable: a catalogue slug, or ``esco:<uuid>`` for imported ESCO skills."""

    __tablename__ = "skills"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    label_es: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    synonyms_es: Mapped[list[str]] = mapped_column(JSONType, default=list)
    synonyms_en: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sector: Mapped[str | None] = mapped_column(String(40), index=True)
    type: Mapped[SkillType] = mapped_column(db_enum(SkillType, "skill_type"))
    esco_uri: Mapped[str | None] = mapped_column(String(200), unique=True)
    description_es: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    #: ``catalogue`` (Chamba's own) or ``esco`` (imported).
    source: Mapped[str] = mapped_column(String(20), default="catalogue")
    reuse_level: Mapped[str | None] = mapped_column(String(40))
    broader_uris: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Normalised labels and synonyms in both languages, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def label(self, lang: str = "es") -> str:
        return self.label_en if lang == "en" else self.label_es


class IscoGroup(Base):
    """An ISCO-08 group (1 to 4 digit code)."""

    __tablename__ = "isco_groups"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    label_es: Mapped[str | None] = mapped_column(String(300))
    label_en: Mapped[str | None] = mapped_column(String(300))
    esco_uri: Mapped[str | None] = mapped_column(String(200))


class Occupation(Base):
    __tablename__ = "occupations"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    isco_code: Mapped[str | None] = mapped_column(String(4), index=True)
    label_es: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    synonyms_es: Mapped[list[str]] = mapped_column(JSONType, default=list)
    synonyms_en: Mapped[list[str]] = mapped_column(JSONType, default=list)
    esco_uri: Mapped[str | None] = mapped_column(String(200), unique=True)
    description_es: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="catalogue")
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    skills: Mapped[list[OccupationSkill]] = relationship(
        back_populates="occupation", cascade="all, delete-orphan", lazy="raise"
    )

    def label(self, lang: str = "es") -> str:
        return self.label_en if lang == "en" else self.label_es


class OccupationSkill(Base):
    __tablename__ = "occupation_skills"

    occupation_id: Mapped[str] = mapped_column(
        ForeignKey("occupations.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    relation: Mapped[Requirement] = mapped_column(db_enum(Requirement, "requirement"))

    occupation: Mapped[Occupation] = relationship(back_populates="skills", lazy="raise")

    __table_args__ = (Index("ix_occupation_skills_skill", "skill_id"),)


def as_row(obj: Any) -> dict[str, Any]:
    """Column values of a mapped object, for exports."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
