"""SQL of organisations."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.orgs.models import Organisation


def by_id(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def by_external_ids(
    session: Session, source: str, external_ids: Collection[str]
) -> dict[str, Organisation]:
    """Organisations of ``source`` keyed by external id (one query per 500 ids)."""
    found: dict[str, Organisation] = {}
    ids = list(external_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = select(Organisation).where(
            Organisation.source == source, Organisation.external_id.in_(chunk)
        )
        for org in session.scalars(stmt):
            assert org.external_id is not None
            found[org.external_id] = org
    return found
