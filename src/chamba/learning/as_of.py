"""Features as they were at an instant: skills, applications, attribute versions and text
vectors valid at the time of an impression (see :mod:`chamba.learning.dataset`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.jobs.models import Job
from chamba.learning import repository
from chamba.learning.history import (
    JOB_TEXT_KEYS,
    PERSON_TEXT_KEY,
    Versions,
    detached_copy,
    person_text_hash,
)
from chamba.learning.models import HistoryEntity
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import BATCH, MatchIndexes, job_text, person_text
from chamba.matching.features import JOB_FEATURES, job_features, lexical_of
from chamba.matching.repository import skill_labels
from chamba.people.models import Person

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Subject = Literal["job", "course"]


def epoch(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(round(when.timestamp()))


class AsOfData:
    """Time-stamped facts for as-of features: skills by creation time, applications by job,
    and the versions of the people's and jobs' attributes."""

    def __init__(self, session: Session, person_ids: list[int], job_ids: list[int]) -> None:
        self.person_versions = Versions(session, HistoryEntity.PERSON, person_ids)
        self.job_versions = Versions(session, HistoryEntity.JOB, job_ids)
        self.job_skills: dict[int, list[str]] = defaultdict(list)  # current, for job texts
        for jid, sid in repository.job_skill_ids(session, job_ids):
            self.job_skills[jid].append(sid)
        self.skills: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pid, sid, created in repository.person_skill_times(session, person_ids):
            self.skills[pid].append((epoch(created) if created else 0, sid))
        apps: dict[int, list[int]] = defaultdict(list)
        for jid, created in repository.application_times(session, job_ids):
            apps[jid].append(epoch(created) if created else 0)
        self.applications = {j: np.sort(np.array(t, dtype=np.int64)) for j, t in apps.items()}

    def person_at(self, person: Person, t: int, examples: int = 1) -> Person:
        """``person`` with the attributes valid at epoch second ``t`` (a detached copy if
        they differ from the current ones)."""
        return self.person_versions.as_of(person, t, examples)

    def jobs_at(self, jobs: list[Job], t: int) -> list[Job]:
        """``jobs`` with the attributes valid at epoch second ``t``."""
        return [self.job_versions.as_of(j, t) for j in jobs]

    def history_report(self) -> dict[str, dict[str, int]]:
        """Examples whose person / job attributes came from a version valid at their time
        (``as_of``) or from the fallback (``fallback``: current row or first version)."""
        return {
            v.entity.value: {"as_of": v.as_of_count, "fallback": v.fallback_count}
            for v in (self.person_versions, self.job_versions)
        }

    def skills_at(self, person_id: int, t: int) -> set[str]:
        """Skills the person held at epoch second ``t`` (created at or before it)."""
        return {sid for created, sid in self.skills.get(person_id, ()) if created <= t}

    def person_text_changed(self, person: Person, t: int) -> bool:
        """Whether the person's embedded text (description, skills) at ``t`` differs from the
        current one (``False`` without versions: the current row is the only version)."""
        found = self.person_versions.attrs_at(person.id, t)
        if found is None:
            return False
        current = person_text_hash(person.self_description, self.current_skills(person.id))
        return bool(found[1].get(PERSON_TEXT_KEY) != current)

    def current_skills(self, person_id: int) -> list[str]:
        """Every skill the person holds now (what the index's vector was embedded from)."""
        return [sid for _, sid in self.skills.get(person_id, ())]

    def job_text_at(self, job: Job, t: int) -> tuple[int, str, str, tuple[str, ...]] | None:
        """``(version index, title, description, skill ids)`` of the job's text at ``t`` when it
        differs from the current one; ``None`` when it is the current one, unknown (no version,
        or one recorded before texts were versioned) or the same."""
        found = self.job_versions.attrs_at(job.id, t)
        if found is None or any(k not in found[1] for k in JOB_TEXT_KEYS):
            return None
        k, attrs = found
        then = (attrs["title"], attrs["description"], tuple(sorted(attrs["skill_ids"])))
        now = (job.title or "", job.description or "", tuple(sorted(set(self.job_skills[job.id]))))
        return None if then == now else (k, *then)

    def applications_before(self, job_ids: list[int], t: int) -> FloatArray:
        """Applications (not withdrawn) created strictly before ``t``, per job. (n,)"""
        out = np.zeros(len(job_ids))
        for k, j in enumerate(job_ids):
            times = self.applications.get(j)
            if times is not None:
                out[k] = np.searchsorted(times, t, side="left")
        return out


class AsOfVectors:
    """Text vectors of people and jobs as their text was at an instant (module docstring).

    Collect every ``(person, jobs, t)`` of a dataset with :meth:`request`, embed the distinct
    as-of texts in batches with :meth:`embed`, then :meth:`apply` to each block of features.

    Args:
        session: database session (skill labels).
        indexes: the vector indexes (their encoder embeds the as-of texts).
        facts: the versions and skill times.

    Attributes:
        counts: examples that got an as-of ``person`` or ``job`` vector, any (``examples``),
            and the distinct texts embedded (``texts``).
    """

    def __init__(self, session: Session, indexes: MatchIndexes, facts: AsOfData) -> None:
        self.session, self.indexes, self.facts = session, indexes, facts
        self._person: dict[tuple[int, int], tuple[Person, frozenset[str]]] = {}
        self._job: dict[tuple[int, int], tuple[Job, int, str, str, tuple[str, ...]]] = {}
        self._texts: dict[tuple[str, int, int], str] = {}  # (kind, id, t or version) -> text
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self.counts = {"examples": 0, "person": 0, "job": 0, "texts": 0}

    def request(self, person: Person, jobs: list[Job], t: int) -> None:
        """Note the as-of texts the features of ``person`` x ``jobs`` at ``t`` need."""
        if (person.id, t) not in self._person and self.facts.person_text_changed(person, t):
            self._person[(person.id, t)] = (person, frozenset(self.facts.skills_at(person.id, t)))
        for job in jobs:
            found = self.facts.job_text_at(job, t)
            if found is not None:
                self._job[(job.id, t)] = (job, *found)

    def embed(self) -> None:
        """Build the as-of texts and embed the distinct ones in batches."""
        wanted = {s for _, skills in self._person.values() for s in skills}
        wanted |= {s for *_, skills in self._job.values() for s in skills}
        labels = skill_labels(self.session, wanted)

        def names(skills: Iterable[str]) -> list[str]:
            return [labels[s][0] for s in sorted(skills) if s in labels]

        for (pid, t), (person, skills) in self._person.items():
            # what is known at t: the skills then; the description then is not kept
            person_then = detached_copy(person, {"self_description": None})
            self._texts[("person", pid, t)] = person_text(person_then, names(skills))
        for (jid, t), (job, _, title, description, job_skills) in self._job.items():
            job_then = detached_copy(job, {"title": title, "description": description})
            self._texts[("job", jid, t)] = job_text(job_then, names(job_skills))
        todo = sorted({text for text in self._texts.values() if text.strip()})
        encoder = self.indexes.encoder
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = np.asarray(encoder.encode(batch), dtype=np.float32)  # (b, dim)
            self._vectors.update(zip(batch, vectors, strict=True))
        self.counts["texts"] = len(todo)

    def _vector(self, kind: str, entity_id: int, t: int, dim: int) -> npt.NDArray[np.float32]:
        text = self._texts[(kind, entity_id, t)]
        return self._vectors.get(text, np.zeros(dim, dtype=np.float32))  # "": no vector

    def apply(
        self,
        ctx: FeatureContext,
        X: FloatArray,
        column: int,
        person: Person,
        items: list[Any],
        t: int,
        subject: Subject,
    ) -> None:
        """Recompute ``X[:, column]`` (semantic) where the person's or a job's text at ``t``
        differs from the current one, with the as-of vectors (in place)."""
        as_of_person = (person.id, t) in self._person
        as_of_jobs = (
            np.array([(j.id, t) in self._job for j in items], dtype=bool)
            if subject == "job"
            else np.zeros(len(items), dtype=bool)
        )
        if not (as_of_person or as_of_jobs.any()):
            return
        pv = ctx.person_vectors([person])  # (1, dim)
        iv = ctx.job_vectors(items) if subject == "job" else ctx.course_vectors(items)  # (n, dim)
        if pv.shape[1] != iv.shape[1]:
            return
        if as_of_person:
            pv = self._vector("person", person.id, t, pv.shape[1])[None, :]
        rows = np.ones(len(items), dtype=bool) if as_of_person else as_of_jobs
        for k in np.flatnonzero(as_of_jobs):
            iv[k] = self._vector("job", items[k].id, t, iv.shape[1])
        if subject == "job":  # as in features._pair_matrix
            pvs = np.repeat(pv, len(items), axis=0)  # (n, dim)
            X[rows, column] = np.einsum("kd,kd->k", pvs, iv)[rows]
        else:  # as in features.course_features
            X[rows, column] = (iv @ pv[0])[rows]
        self.counts["person"] += len(items) if as_of_person else 0
        self.counts["job"] += int(as_of_jobs.sum())
        self.counts["examples"] += int(rows.sum())


def as_of_job_features(
    ctx: FeatureContext, facts: AsOfData, person: Person, jobs: list[Job], t: int
) -> FloatArray:
    """:func:`job_features` as they were at epoch second ``t`` (see the module docstring).

    Returns:
        ``(len(jobs), len(JOB_FEATURES))`` float64.
    """
    ctx.now = datetime.fromtimestamp(t, UTC)
    ctx.person_skills[person.id] = facts.skills_at(person.id, t)
    words_changed = facts.person_text_changed(person, t)
    texts_then = [facts.job_text_at(j, t) for j in jobs]
    person = facts.person_at(person, t, len(jobs))
    jobs = facts.jobs_at(jobs, t)
    X = job_features(ctx, person, jobs)  # (n, F)
    if words_changed or any(texts_then):
        # the lexical match reads the postings' words of then, and her skills of then when her
        # words of then are not kept (descriptions are never stored)
        then = [
            Job(id=j.id, title=x[1], description=x[2]) if x is not None else j
            for j, x in zip(jobs, texts_then, strict=True)
        ]
        X[:, JOB_FEATURES.index("lexical")] = lexical_of(
            ctx, person, then, own_words=not words_changed
        )
    openings = np.array([max(1, j.openings or 1) for j in jobs], dtype=np.float64)
    apps = facts.applications_before([j.id for j in jobs], t)
    X[:, JOB_FEATURES.index("congestion")] = np.log1p(apps / openings)
    return X
