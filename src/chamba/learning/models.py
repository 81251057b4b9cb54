"""Versions of the matching-relevant attributes of people and jobs (for leak-free datasets).

Only the fields that features and candidate filters read are kept (see
:data:`chamba.learning.history.TRACKED`): no free text, no contact data, no names (data
minimisation, Ley 29733). A person's rows are deleted with the person (erasure).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, JSONType, UTCDateTime
from chamba.json_types import JSONObject
from chamba.vocab import db_enum


class HistoryEntity(StrEnum):
    PERSON = "person"
    JOB = "job"


class AttributeHistory(Base):
    """One version of an entity's tracked attributes, valid from ``valid_from`` until the next.

    ``attrs`` holds JSON values: decimals as strings, enums as their values, times as ISO 8601.
    ``entity_id`` has no foreign key (it points at ``people`` or ``jobs``).
    """

    __tablename__ = "attribute_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[HistoryEntity] = mapped_column(db_enum(HistoryEntity, "history_entity"))
    entity_id: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    attrs: Mapped[JSONObject] = mapped_column(JSONType)

    __table_args__ = (Index("ix_attribute_history_entity", "entity", "entity_id", "valid_from"),)
