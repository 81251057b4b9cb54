"""Training examples from the interaction log: graded, grouped, time-split, leak-free.

**Examples.** One example per *impression*: a job (or course) shown to a person in one query
group. Its grade is the best outcome that followed it:

=====================  =====  ====================================================
outcome (jobs)         grade  outcome (courses)
=====================  =====  ====================================================
hired                  4      completed (3)
interviewed            3
applied                2      enrolled (2)
saved, opened, useful  1      saved, opened, useful (1)
shown only             0      shown only (0)
dismissed, not_useful  0      and ``negative = True`` (unless a grade >= 2 followed)
=====================  =====  ====================================================

An outcome (opened, applied, hired, ...) is credited to the latest impression of the same item
to the same person (``person_key``) at or before the outcome; outcomes without an earlier
impression (a job found by search) are not recommendation examples and are dropped.

**Query groups.** Impressions are grouped per person and session: ``context["session"]`` when
the log carries it, else the person's calendar day (UTC). A group's time is its first
impression.

**Split.** By group time: groups before the 70 % time quantile train, up to the 85 % quantile
validate, the rest test. Every example of a group falls in one split.

**No leakage.** Features are computed *as of the group's time*: ``FeatureContext(now=t)``
(freshness measured from then); congestion counts only applications created before ``t``;
the person's skills are those with ``PersonSkill.created_at <= t`` (a skill certified by a
course completed later does not count). The person's and the jobs' matching attributes (place,
hours, time slots, wage ask and offer, remote readiness, education, interests, occupation,
openings, posting date) are the version valid at ``t`` in ``attribute_history``
(:mod:`chamba.learning.history`), overlaid on detached copies, so a profile or posting edited
after the impression does not leak its new values. A person or job without a version at or
before ``t`` falls back to its current row (no version at all: it was never changed through the
ORM, so the current row is the one valid since its creation) or to its first version;
``metadata["attribute_history"]`` counts the examples served each way.

**Semantic feature.** The ``semantic`` feature compares text vectors; the index holds those of
the *current* texts. Each version also records what the text was embedded from
(:mod:`chamba.learning.history`), and an example whose text at ``t`` differs from the current
one gets an *as-of vector* instead of the index's, embedded with the indexes' encoder (one
batched pass over the distinct texts of the whole dataset, before the features):

* a job: its title, description and skills of the version valid at ``t`` are stored, so its
  text then (:func:`~chamba.matching.embeddings.job_text`) is embedded again;
* a person: only a SHA-256 of their self-description and skill ids is stored (the description
  is personal free text). When the digest valid at ``t`` differs from the current one, the
  vector is built from what is known to hold at ``t`` only: the labels of the skills held then
  (:meth:`AsOfData.skills_at`), *without* the self-description, which is no longer known. Those
  examples lose the description's signal (and differ from what was served), but never see a
  text written after the impression. A version recorded before texts were versioned (no
  digest) counts as different too; a job version without its text is read as the current text
  (nothing else is known of it).

Otherwise (the text at ``t`` is the current one, or the entity has no versions at all: never
changed through the ORM) the index vector is used. ``metadata["semantic_as_of"]`` counts the
examples that needed an as-of person or job vector and the distinct texts embedded. Courses have
no versions (their text is read as it is now). Interactions of people who erased their data
(``person_id`` NULL) cannot be featurised and are dropped.

**Snapshot.** :func:`save_snapshot` writes ``<data_dir>/datasets/<id>/arrays.npz`` and
``metadata.json``; the id is the sha256 of the arrays (name, dtype, shape and bytes), so the same
log gives the same id.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.activity.models import Application, ApplicationStatus, Interaction, SubjectType
from chamba.courses.models import Course
from chamba.jobs.models import Job, JobSkill
from chamba.learning.history import (
    JOB_TEXT_KEYS,
    PERSON_TEXT_KEY,
    Versions,
    detached_copy,
    person_text_hash,
)
from chamba.learning.models import HistoryEntity
from chamba.matching.embeddings import BATCH, MatchIndexes, job_text, person_text, skill_labels
from chamba.matching.features import (
    COURSE_FEATURES,
    JOB_FEATURES,
    FeatureContext,
    course_features,
    job_features,
    lexical_of,
)
from chamba.people.models import Person, PersonSkill

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Subject = Literal["job", "course"]
ProgressFn = Callable[[str, int, int], None]

JOB_GRADES: Final[Mapping[str, int]] = {
    "shown": 0,
    "opened": 1,
    "saved": 1,
    "useful": 1,
    "applied": 2,
    "interviewed": 3,
    "hired": 4,
}
COURSE_GRADES: Final[Mapping[str, int]] = {
    "shown": 0,
    "opened": 1,
    "saved": 1,
    "useful": 1,
    "enrolled": 2,
    "completed": 3,
}
NEGATIVE_KINDS: Final = frozenset({"dismissed", "not_useful"})
SPLITS: Final = ("train", "validation", "test")
SPLIT_QUANTILES: Final = (0.70, 0.85)
ARRAYS: Final = (
    "features",
    "grade",
    "negative",
    "group",
    "position",
    "time",
    "person_id",
    "item_id",
    "split",
)
"""Arrays of a dataset, all with one row per example (``features``: ``(n, n_features)``)."""


@dataclass
class Dataset:
    """Examples as columns (one row per impression), ordered by group then position.

    Attributes:
        features: ``(n, F)`` float32 in the order of ``feature_names``.
        grade: ``(n,)`` int64 best outcome (see the module docstring).
        negative: ``(n,)`` bool, dismissed / not useful without a later strong outcome.
        group: ``(n,)`` int64 query group, ``0..G-1`` in time order.
        position: ``(n,)`` int64 logged rank (1 = top; 0 unknown).
        time: ``(n,)`` int64 epoch seconds of the group (the as-of instant of the features).
        person_id: ``(n,)`` int64.
        item_id: ``(n,)`` int64 job or course id.
        split: ``(n,)`` int64 0 train, 1 validation, 2 test.
    """

    subject: Subject
    feature_names: tuple[str, ...]
    features: npt.NDArray[np.float32]
    grade: IntArray
    negative: npt.NDArray[np.bool_]
    group: IntArray
    position: IntArray
    time: IntArray
    person_id: IntArray
    item_id: IntArray
    split: IntArray
    metadata: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.grade.size)

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if self.group.size else 0

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name (:data:`ARRAYS`)."""
        return {name: getattr(self, name) for name in ARRAYS}

    def mask(self, split: str) -> npt.NDArray[np.bool_]:
        """Rows of one split (``"train"``, ``"validation"``, ``"test"``). (n,)"""
        out: npt.NDArray[np.bool_] = self.split == SPLITS.index(split)
        return out

    def subset(self, mask: npt.NDArray[np.bool_]) -> Dataset:
        """The rows of ``mask`` (groups keep their ids)."""
        kw = {name: getattr(self, name)[mask] for name in ARRAYS}
        return Dataset(self.subject, self.feature_names, metadata=dict(self.metadata), **kw)

    def content_hash(self) -> str:
        """sha256 over every array's name, dtype, shape and bytes (the snapshot id)."""
        h = hashlib.sha256()
        h.update(json.dumps([self.subject, list(self.feature_names)]).encode())
        for name in ARRAYS:
            a = np.ascontiguousarray(getattr(self, name))
            h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()


def _epoch(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(round(when.timestamp()))


def _group_key(person_key: str, context: Any, when: datetime) -> tuple[str, str]:
    session = context.get("session") if isinstance(context, dict) else None
    if session:
        return person_key, f"s:{session}"
    return person_key, f"d:{when.astimezone(UTC).date().isoformat()}"


@dataclass
class _Impression:
    group: int
    item: int
    position: int
    time: int
    grade: int = 0
    negative: bool = False


def _impressions(
    session: Session, subject: Subject, grades: Mapping[str, int]
) -> tuple[list[_Impression], list[tuple[int, int]]]:
    """Impressions with credited outcomes, and each group's ``(person_id, time)``."""
    rows = session.execute(
        select(
            Interaction.person_id,
            Interaction.person_key,
            Interaction.subject_id,
            Interaction.kind,
            Interaction.position,
            Interaction.context,
            Interaction.occurred_at,
        )
        .where(
            Interaction.subject_type == SubjectType(subject),
            Interaction.person_id.is_not(None),
            Interaction.claimed.is_(False),  # a seeker's own "hired"/"completed" grades nothing
        )
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    groups: dict[tuple[str, str], int] = {}
    group_info: list[tuple[int, int]] = []
    impressions: list[_Impression] = []
    seen: dict[tuple[int, int], int] = {}  # (group, item) -> impression
    latest: dict[tuple[str, int], list[int]] = defaultdict(list)  # (person_key, item) -> imps
    outcomes = []
    for r in rows:
        kind = str(r.kind)
        if kind != "shown":
            outcomes.append(r)
            continue
        key = _group_key(r.person_key, r.context, r.occurred_at)
        g = groups.get(key)
        t = _epoch(r.occurred_at)
        if g is None:
            g = groups[key] = len(group_info)
            group_info.append((int(r.person_id), t))
        if (g, r.subject_id) in seen:
            continue
        seen[(g, r.subject_id)] = len(impressions)
        latest[(r.person_key, r.subject_id)].append(len(impressions))
        impressions.append(_Impression(g, int(r.subject_id), int(r.position or 0), t))
    for r in outcomes:
        kind = str(r.kind)
        if kind not in grades and kind not in NEGATIVE_KINDS:
            continue
        t = _epoch(r.occurred_at)
        candidates = [
            i for i in latest.get((r.person_key, r.subject_id), ()) if impressions[i].time <= t
        ]
        if not candidates:
            continue  # not the outcome of a recommendation
        imp = impressions[candidates[-1]]
        if kind in NEGATIVE_KINDS:
            imp.negative = True
        else:
            imp.grade = max(imp.grade, grades[kind])
    for imp in impressions:
        if imp.grade >= 2:
            imp.negative = False
        elif imp.negative:
            imp.grade = 0
    return impressions, group_info


class AsOfData:
    """Time-stamped facts for as-of features: skills by creation time, applications by job,
    and the versions of the people's and jobs' attributes."""

    def __init__(self, session: Session, person_ids: list[int], job_ids: list[int]) -> None:
        self.person_versions = Versions(session, HistoryEntity.PERSON, person_ids)
        self.job_versions = Versions(session, HistoryEntity.JOB, job_ids)
        self.job_skills: dict[int, list[str]] = defaultdict(list)  # current, for job texts
        for start in range(0, len(job_ids), 5000):
            chunk = job_ids[start : start + 5000]
            for jid, sid in session.execute(
                select(JobSkill.job_id, JobSkill.skill_id).where(JobSkill.job_id.in_(chunk))
            ):
                self.job_skills[jid].append(sid)
        self.skills: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for start in range(0, len(person_ids), 5000):
            chunk = person_ids[start : start + 5000]
            for pid, sid, created in session.execute(
                select(PersonSkill.person_id, PersonSkill.skill_id, PersonSkill.created_at).where(
                    PersonSkill.person_id.in_(chunk)
                )
            ):
                self.skills[pid].append((_epoch(created) if created else 0, sid))
        apps: dict[int, list[int]] = defaultdict(list)
        for start in range(0, len(job_ids), 5000):
            chunk = job_ids[start : start + 5000]
            for jid, created in session.execute(
                select(Application.job_id, Application.created_at).where(
                    Application.job_id.in_(chunk),
                    Application.status != ApplicationStatus.WITHDRAWN,
                )
            ):
                apps[jid].append(_epoch(created) if created else 0)
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
            copy = detached_copy(person, {"self_description": None})
            self._texts[("person", pid, t)] = person_text(copy, names(skills))
        for (jid, t), (job, _, title, description, skills) in self._job.items():
            copy = detached_copy(job, {"title": title, "description": description})
            self._texts[("job", jid, t)] = job_text(copy, names(skills))
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


def build_dataset(
    session: Session,
    indexes: MatchIndexes | None,
    *,
    subject: Subject = "job",
    progress: ProgressFn | None = None,
) -> Dataset:
    """Build the graded, grouped, time-split examples of ``subject`` from the interaction log.

    Args:
        session: database session (read only).
        indexes: vector indexes for the ``semantic`` feature (``None``: 0).
        subject: ``"job"`` (features :data:`JOB_FEATURES`) or ``"course"``
            (:data:`COURSE_FEATURES`, without the skill-gap and demand context: 0).
        progress: ``progress(stage, done, total)`` per group.

    Returns:
        A :class:`Dataset` (possibly empty).

    Example:
        >>> ds = build_dataset(session, indexes)  # doctest: +SKIP
        >>> ds.features.shape, int(ds.grade.max())  # doctest: +SKIP
        ((24310, 15), 4)
    """
    grades = JOB_GRADES if subject == "job" else COURSE_GRADES
    names = JOB_FEATURES if subject == "job" else COURSE_FEATURES
    impressions, group_info = _impressions(session, subject, grades)
    model: type[Job] | type[Course] = Job if subject == "job" else Course
    item_ids = sorted({imp.item for imp in impressions})
    items: dict[int, Any] = {}
    for start in range(0, len(item_ids), 5000):
        chunk = item_ids[start : start + 5000]
        for row in session.scalars(select(model).where(model.id.in_(chunk))):
            items[row.id] = row
    person_ids = sorted({p for p, _ in group_info})
    people: dict[int, Person] = {}
    for start in range(0, len(person_ids), 5000):
        chunk = person_ids[start : start + 5000]
        for p in session.scalars(select(Person).where(Person.id.in_(chunk))):
            people[p.id] = p
    facts = AsOfData(session, person_ids, item_ids if subject == "job" else [])
    ctx = FeatureContext(session, indexes)

    by_group: dict[int, list[_Impression]] = defaultdict(list)
    for imp in impressions:
        if imp.item in items and group_info[imp.group][0] in people:
            by_group[imp.group].append(imp)
    order = sorted(by_group, key=lambda g: (group_info[g][1], g))
    semantic = AsOfVectors(session, indexes, facts) if indexes is not None else None
    if semantic is not None:
        for g in order:
            pid, t = group_info[g]
            jobs = [items[i.item] for i in by_group[g]] if subject == "job" else []
            semantic.request(people[pid], jobs, t)
        semantic.embed()
    blocks: list[FloatArray] = []
    cols: dict[str, list[int]] = defaultdict(list)
    for new_id, g in enumerate(order):
        imps = sorted(by_group[g], key=lambda i: (i.position or 1 << 30, i.item))
        pid, t = group_info[g]
        person = people[pid]
        rows = [items[i.item] for i in imps]
        if subject == "job":
            X = as_of_job_features(ctx, facts, person, rows, t)
        else:
            ctx.now = datetime.fromtimestamp(t, UTC)
            ctx.person_skills[pid] = facts.skills_at(pid, t)
            X = course_features(ctx, facts.person_at(person, t, len(rows)), rows)
        if semantic is not None:
            semantic.apply(ctx, X, names.index("semantic"), person, rows, t, subject)
        blocks.append(X)
        for imp in imps:
            cols["grade"].append(imp.grade)
            cols["negative"].append(int(imp.negative))
            cols["group"].append(new_id)
            cols["position"].append(imp.position)
            cols["time"].append(t)
            cols["person_id"].append(pid)
            cols["item_id"].append(imp.item)
        if progress is not None and (new_id % 200 == 0 or new_id == len(order) - 1):
            progress("dataset", new_id + 1, len(order))

    n_features = len(names)
    features = (
        np.concatenate(blocks).astype(np.float32)
        if blocks
        else np.zeros((0, n_features), np.float32)
    )
    time = np.array(cols["time"], dtype=np.int64)
    group = np.array(cols["group"], dtype=np.int64)
    split = np.zeros(time.size, dtype=np.int64)
    bounds: list[int] = []
    if order:
        group_times = np.array([group_info[g][1] for g in order], dtype=np.float64)
        # boundaries on group times; "higher" keeps whole groups on one side
        bounds = [int(np.quantile(group_times, q, method="higher")) for q in SPLIT_QUANTILES]
        split = np.where(time < bounds[0], 0, np.where(time < bounds[1], 1, 2)).astype(np.int64)
    ds = Dataset(
        subject=subject,
        feature_names=tuple(names),
        features=features,
        grade=np.array(cols["grade"], dtype=np.int64),
        negative=np.array(cols["negative"], dtype=bool),
        group=group,
        position=np.array(cols["position"], dtype=np.int64),
        time=time,
        person_id=np.array(cols["person_id"], dtype=np.int64),
        item_id=np.array(cols["item_id"], dtype=np.int64),
        split=split,
    )
    ds.metadata = describe(ds, bounds)
    ds.metadata["attribute_history"] = facts.history_report()
    ds.metadata["semantic_as_of"] = (
        dict(semantic.counts)
        if semantic is not None
        else {"examples": 0, "person": 0, "job": 0, "texts": 0}
    )
    return ds


def describe(ds: Dataset, bounds: list[int]) -> dict[str, Any]:
    """Counts and boundaries of a dataset (the snapshot's ``metadata.json`` body)."""
    split_counts = {
        name: {
            "examples": int(ds.mask(name).sum()),
            "groups": int(np.unique(ds.group[ds.mask(name)]).size),
        }
        for name in SPLITS
    }
    return {
        "subject": ds.subject,
        "features": list(ds.feature_names),
        "examples": len(ds),
        "groups": ds.n_groups,
        "people": int(np.unique(ds.person_id).size),
        "grades": {str(g): int((ds.grade == g).sum()) for g in range(5)},
        "negatives": int(ds.negative.sum()),
        "splits": split_counts,
        "split_quantiles": list(SPLIT_QUANTILES),
        "split_boundaries": [datetime.fromtimestamp(b, UTC).isoformat() for b in bounds],
        "as_of": datetime.fromtimestamp(int(ds.time.max()), UTC).isoformat() if len(ds) else None,
        "grading": {
            "job": dict(JOB_GRADES),
            "course": dict(COURSE_GRADES),
            "negative": sorted(NEGATIVE_KINDS),
        },
    }


def _write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Like ``np.savez`` with fixed zip timestamps: equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                        buffer.getvalue())  # fmt: skip


def save_snapshot(ds: Dataset, root: Path) -> str:
    """Write ``root/<id>/arrays.npz`` and ``metadata.json``; returns the id (content sha256).

    Writing the same dataset twice is a no-op that returns the same id.
    """
    snapshot_id = ds.content_hash()
    folder = root / snapshot_id
    if (folder / "metadata.json").is_file():
        return snapshot_id
    tmp = root / f".{snapshot_id}.{os.getpid()}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    _write_npz(tmp / "arrays.npz", ds.arrays())
    meta = {
        "id": snapshot_id,
        "sha256": snapshot_id,
        "created": datetime.now(UTC).isoformat(),
        **ds.metadata,
    }
    (tmp / "metadata.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    try:
        os.replace(tmp, folder)
    except OSError:  # written meanwhile by another process: keep theirs
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return snapshot_id


def load_snapshot(root: Path, snapshot_id: str) -> Dataset:
    """Read a snapshot written by :func:`save_snapshot`.

    Raises:
        FileNotFoundError: no such snapshot.
        ValueError: the arrays do not hash to the id (corrupted).
    """
    folder = root / snapshot_id
    meta = json.loads((folder / "metadata.json").read_text())
    with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in ARRAYS}
    ds = Dataset(meta["subject"], tuple(meta["features"]), metadata=meta, **arrays)
    if ds.content_hash() != snapshot_id:
        raise ValueError(f"dataset snapshot {snapshot_id} is corrupted (hash mismatch)")
    return ds
