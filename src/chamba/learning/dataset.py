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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.courses.models import Course
from chamba.jobs.models import Job
from chamba.learning import repository
from chamba.learning.as_of import (
    AsOfData,
    AsOfVectors,
    FloatArray,
    IntArray,
    Subject,
    as_of_job_features,
    epoch,
)
from chamba.matching.context import FeatureContext
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.features import COURSE_FEATURES, JOB_FEATURES, course_features
from chamba.people.models import Person

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


def _group_key(person_key: str, context: object, when: datetime) -> tuple[str, str]:
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
    rows = repository.interaction_log(session, subject)
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
        t = epoch(r.occurred_at)
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
        t = epoch(r.occurred_at)
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
    items: dict[int, Any] = repository.rows_by_id(session, model, item_ids)
    person_ids = sorted({p for p, _ in group_info})
    people = repository.rows_by_id(session, Person, person_ids)
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


def purge_person(root: Path, person_id: int) -> list[str]:
    """Delete every snapshot under ``root`` that holds examples of ``person_id`` (after the
    person erased their data); returns the ids deleted. A new snapshot is built from the
    database, where the person no longer is. Models trained on a deleted snapshot keep its id
    in their metadata but no copy of the examples."""
    import shutil

    removed: list[str] = []
    if not root.is_dir():
        return removed
    for folder in sorted(p for p in root.iterdir() if (p / "arrays.npz").is_file()):
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            held = bool(np.any(npz["person_id"] == person_id))
        if held:
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed


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
