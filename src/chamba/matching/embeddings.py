"""What gets embedded for jobs, people and courses, and the set of indexes matching reads.

``build_indexes`` is the full (re)build; incremental upkeep and persistence build on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.courses.models import Course, CourseSkill, CourseStatus
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.index import FlatIndex, VectorIndex
from chamba.nlp.encoder import TextEncoder
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Skill

BATCH = 2048


@dataclass
class MatchIndexes:
    """The encoder and one vector index per kind of item; ids are database ids."""

    encoder: TextEncoder
    jobs: VectorIndex
    people: VectorIndex
    courses: VectorIndex


def skill_labels(session: Session, skill_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(label_es, label_en) for each id."""
    ids = sorted(set(skill_ids))
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = session.execute(
            select(Skill.id, Skill.label_es, Skill.label_en).where(Skill.id.in_(chunk))
        )
        out.update({r.id: (r.label_es, r.label_en) for r in rows})
    return out


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


def _skill_map(session: Session, table: type, key: str, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    column = getattr(table, key)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for owner, skill in session.execute(
            select(column, table.skill_id).where(column.in_(chunk))  # type: ignore[attr-defined]
        ):
            out[owner].append(skill)
    return out


def _labels_for(session: Session, by_owner: dict[int, list[str]]) -> dict[int, list[str]]:
    labels = skill_labels(session, (s for skills in by_owner.values() for s in skills))
    return {
        owner: [labels[s][0] for s in sorted(skills) if s in labels]
        for owner, skills in by_owner.items()
    }


def job_texts(session: Session, jobs: Sequence[Job]) -> list[str]:
    ids = [j.id for j in jobs]
    labels = _labels_for(session, _skill_map(session, JobSkill, "job_id", ids))
    return [job_text(j, labels.get(j.id, [])) for j in jobs]


def person_texts(session: Session, people: Sequence[Person]) -> list[str]:
    ids = [p.id for p in people]
    labels = _labels_for(session, _skill_map(session, PersonSkill, "person_id", ids))
    return [person_text(p, labels.get(p.id, [])) for p in people]


def course_texts(session: Session, courses: Sequence[Course]) -> list[str]:
    ids = [c.id for c in courses]
    labels = _labels_for(session, _skill_map(session, CourseSkill, "course_id", ids))
    return [course_text(c, labels.get(c.id, [])) for c in courses]


def _fill(index: VectorIndex, encoder: TextEncoder, ids: list[int], texts: list[str]) -> None:
    for start in range(0, len(ids), BATCH):
        vectors = encoder.encode(texts[start : start + BATCH]).astype(np.float32)
        index.upsert(ids[start : start + BATCH], vectors)


def build_indexes(session: Session, encoder: TextEncoder) -> MatchIndexes:
    """Embed every open job, every person and every open course (a full rebuild)."""
    dim = encoder.dim
    indexes = MatchIndexes(
        encoder=encoder,
        jobs=FlatIndex(encoder.model_id, dim),
        people=FlatIndex(encoder.model_id, dim),
        courses=FlatIndex(encoder.model_id, dim),
    )
    jobs = list(session.scalars(select(Job).where(Job.status == JobStatus.OPEN).order_by(Job.id)))
    _fill(indexes.jobs, encoder, [j.id for j in jobs], job_texts(session, jobs))
    people = list(session.scalars(select(Person).order_by(Person.id)))
    _fill(indexes.people, encoder, [p.id for p in people], person_texts(session, people))
    courses = list(
        session.scalars(
            select(Course).where(Course.status == CourseStatus.OPEN).order_by(Course.id)
        )
    )
    _fill(indexes.courses, encoder, [c.id for c in courses], course_texts(session, courses))
    return indexes
