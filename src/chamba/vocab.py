"""Controlled vocabularies shared across features (stored as strings, validated by CHECKs)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum


class EducationLevel(StrEnum):
    """Highest education completed, ordered from least to most (Peru's system)."""

    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TECHNICAL = "technical"  # CETPRO / instituto técnico
    UNIVERSITY = "university"
    POSTGRADUATE = "postgraduate"

    @property
    def rank(self) -> int:
        return list(EducationLevel).index(self)


class SkillLevel(StrEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class SkillSource(StrEnum):
    DECLARED = "declared"
    EXTRACTED = "extracted"
    CERTIFIED = "certified"  # certified by completing a course


class SkillType(StrEnum):
    SKILL = "skill"
    KNOWLEDGE = "knowledge"
    TRANSVERSAL = "transversal"
    LANGUAGE = "language"


class Requirement(StrEnum):
    ESSENTIAL = "essential"
    OPTIONAL = "optional"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening", "night")
#: Weekly time slots a person can work or a job/course needs, e.g. ``"mon_morning"``.
TIME_SLOTS = tuple(f"{d}_{p}" for d in DAYS for p in PARTS)


def db_enum(enum_cls: type[StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR plus a CHECK constraint, same on SQLite and PostgreSQL."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def validate_slots(slots: Any) -> list[str]:
    """Check a list of time slots; raises ValueError naming the first bad one."""
    if not isinstance(slots, list | tuple):
        raise ValueError("time slots must be a list such as ['mon_morning', 'sat_afternoon']")
    out = []
    for slot in slots:
        if slot not in TIME_SLOTS:
            raise ValueError(
                f"unknown time slot {slot!r}: use day_part with day in {', '.join(DAYS)} "
                f"and part in {', '.join(PARTS)}"
            )
        out.append(str(slot))
    return sorted(set(out), key=TIME_SLOTS.index)
