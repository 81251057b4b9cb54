"""Organisations: employers and training providers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, UTCDateTime, utcnow
from chamba.vocab import db_enum


class OrgKind(StrEnum):
    EMPLOYER = "employer"
    PROVIDER = "provider"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(db_enum(OrgKind, "org_kind"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Peru's tax id (RUC, 11 digits); public business data.
    ruc: Mapped[str | None] = mapped_column(String(11))
    sector: Mapped[str | None] = mapped_column(String(40))
    ubigeo: Mapped[str | None] = mapped_column(String(6), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    #: Business contact (not personal data).
    contact_email: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_organisations_source_ext"),
    )
