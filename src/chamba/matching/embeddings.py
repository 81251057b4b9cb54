"""What gets embedded for jobs, people and courses, and the set of indexes matching reads.

``build_indexes`` is the full (re)build. Persistence and reconciliation live in
:mod:`chamba.matching.store`, incremental upkeep on commit in :mod:`chamba.matching.upkeep`;
both use the per-kind helpers here (:func:`indexed_versions`, :func:`load_texts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from chamba.courses.models import Course, CourseSkill
from chamba.jobs.models import Job, JobSkill
from chamba.matching.feature_cache import FeatureCache
from chamba.matching.index import IndexKind, VectorIndex, make_index
from chamba.matching.repository import (
    indexable_rows,
    indexable_updated_at,
    skill_labels,
    skills_by_owner,
)
from chamba.nlp.encoder import TextEncoder
from chamba.people.models import Person, PersonSkill

BATCH = 2048

Kind = Literal["jobs", "people", "courses"]
KINDS: tuple[Kind, ...] = ("jobs", "people", "courses")


@dataclass
class MatchIndexes:
    """The encoder and one vector index per kind of item; ids are database ids."""

    encoder: TextEncoder
    jobs: VectorIndex
    people: VectorIndex
    courses: VectorIndex
    cache: FeatureCache | None = None
    """Job-side data kept between requests; set by the :class:`~chamba.matching.store.
    IndexStore` that keeps these indexes (and so the cache) in sync, ``None`` otherwise."""

    def of(self, kind: Kind) -> VectorIndex:
        """The index of ``kind`` (``"jobs"``, ``"people"`` or ``"courses"``)."""
        index: VectorIndex = getattr(self, kind)
        return index


def _join(parts: Sequence[str | None]) -> str:
    return ". ".join(p.strip() for p in parts if p and p.strip())[:2000]


def job_text(job: Job, labels: Sequence[str]) -> str:
    """Text that represents a job: title, skills, then the start of its description."""
    return _join([job.title, ", ".join(labels), (job.description or "")[:600]])


def person_text(person: Person, labels: Sequence[str]) -> str:
    """Text that represents a person: their skills, then their own words."""
    return _join([", ".join(labels), (person.self_description or "")[:800]])


def course_text(course: Course, labels: Sequence[str]) -> str:
    return _join([course.title, ", ".join(labels), (course.description or "")[:600]])


def _labels_for(session: Session, by_owner: dict[int, list[str]]) -> dict[int, list[str]]:
    labels = skill_labels(session, (s for skills in by_owner.values() for s in skills))
    return {
        owner: [labels[s][0] for s in sorted(skills) if s in labels]
        for owner, skills in by_owner.items()
    }


def job_texts(session: Session, jobs: Sequence[Job]) -> list[str]:
    ids = [j.id for j in jobs]
    labels = _labels_for(session, skills_by_owner(session, JobSkill, "job_id", ids))
    return [job_text(j, labels.get(j.id, [])) for j in jobs]


def person_texts(session: Session, people: Sequence[Person]) -> list[str]:
    ids = [p.id for p in people]
    labels = _labels_for(session, skills_by_owner(session, PersonSkill, "person_id", ids))
    return [person_text(p, labels.get(p.id, [])) for p in people]


def course_texts(session: Session, courses: Sequence[Course]) -> list[str]:
    ids = [c.id for c in courses]
    labels = _labels_for(session, skills_by_owner(session, CourseSkill, "course_id", ids))
    return [course_text(c, labels.get(c.id, [])) for c in courses]


def version_of(updated_at: datetime | None) -> str:
    """The version string of a row: its ``updated_at`` as ISO 8601 ("" when unknown)."""
    return updated_at.isoformat() if updated_at is not None else ""


def indexed_versions(session: Session, kind: Kind) -> dict[int, str]:
    """``{id: version}`` of every row of ``kind`` that belongs in the index (one SELECT).

    Jobs and courses belong while open; every person belongs.
    """
    return {row[0]: version_of(row[1]) for row in indexable_updated_at(session, kind)}


def load_texts(
    session: Session, kind: Kind, ids: Iterable[int]
) -> tuple[list[int], list[str], list[str]]:
    """Texts of the rows of ``kind`` among ``ids`` that belong in the index.

    Returns:
        ``(ids, texts, versions)`` for the indexable rows, ids ascending; ids that are missing
        or not indexable (a closed job) are absent, so callers remove them.
    """
    wanted = sorted({int(i) for i in ids})
    rows = indexable_rows(session, kind, wanted)
    if kind == "jobs":
        texts = job_texts(session, rows)
    elif kind == "people":
        texts = person_texts(session, rows)
    else:
        texts = course_texts(session, rows)
    return [r.id for r in rows], texts, [version_of(r.updated_at) for r in rows]


def embed_into(
    index: VectorIndex, encoder: TextEncoder, ids: Sequence[int], texts: Sequence[str]
) -> None:
    """Encode ``texts`` in batches and upsert them under ``ids`` into ``index``."""
    for start in range(0, len(ids), BATCH):
        vectors = encoder.encode(texts[start : start + BATCH]).astype(np.float32)  # (b, dim)
        index.upsert(ids[start : start + BATCH], vectors)


def build_indexes(session: Session, encoder: TextEncoder, kind: IndexKind = "flat") -> MatchIndexes:
    """Embed every open job, every person and every open course (a full rebuild).

    Args:
        session: reads the rows.
        encoder: makes the vectors (wrap it in a ``CachedEncoder`` to reuse earlier ones).
        kind: index implementation, ``"flat"`` (exact), ``"ivf"`` or ``"hnsw"`` (ANN) or
            ``"auto"`` (by size: IVF from :data:`~chamba.matching.index.ANN_THRESHOLD`).

    Example:
        >>> indexes = build_indexes(session, get_encoder())  # doctest: +SKIP
        >>> indexes.jobs.search(indexes.people.get([person_id])[0], k=10)  # doctest: +SKIP
    """
    built: dict[str, VectorIndex] = {}
    for item in KINDS:
        ids = sorted(indexed_versions(session, item))
        index = make_index(encoder.model_id, encoder.dim, kind, expected=len(ids))
        for start in range(0, len(ids), BATCH):
            chunk_ids, texts, _ = load_texts(session, item, ids[start : start + BATCH])
            embed_into(index, encoder, chunk_ids, texts)
        built[item] = index
    return MatchIndexes(
        encoder=encoder, jobs=built["jobs"], people=built["people"], courses=built["courses"]
    )
