"""SQL of job postings."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chamba.jobs.models import Job


def by_external_ids(session: Session, source: str, external_ids: Collection[str]) -> dict[str, Job]:
    """Jobs of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    found: dict[str, Job] = {}
    ids = list(external_ids)
    for start in range(0, len(ids), 500):
        stmt = (
            select(Job)
            .where(Job.source == source, Job.external_id.in_(ids[start : start + 500]))
            .options(selectinload(Job.skills))
        )
        for job in session.scalars(stmt):
            assert job.external_id is not None
            found[job.external_id] = job
    return found


def get_by_external_id(session: Session, source: str, external_id: str) -> Job | None:
    """One job by (source, external id), skills loaded."""
    return by_external_ids(session, source, [external_id]).get(external_id)
