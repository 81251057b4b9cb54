"""Record and read back the versions of the matching-relevant attributes of people and jobs.

**What is kept.** :data:`TRACKED`: exactly the person and job columns that features
(:mod:`chamba.matching.features`) and candidate filters read - place, hours, time slots, wage,
distance, remote readiness, education, interests, and the job's occupation, status, dates and
openings. Besides, what the text vectors (the ``semantic`` feature) are embedded from
(:func:`chamba.matching.embeddings.person_text`, ``job_text``), so a dataset can tell whether
the text of an impression's time is still the current one:

* a person: only :data:`PERSON_TEXT_KEY`, the SHA-256 of their self-description and sorted skill
  ids (:func:`person_text_hash`). The description is personal free text and is never stored; the
  digest only tells whether it (or the skills) changed;
* a job (business data, public in the posting): its ``title``, ``description`` and sorted
  ``skill_ids`` (:data:`JOB_TEXT_KEYS`), so the text of a past version can be embedded again.

No names, no contact data (data minimisation); a person's versions are deleted with the person
(``DELETE /me``).

**Recording.** :func:`install_history` hangs two listeners on a session factory or on one
session. The app and the CLI register it with :func:`chamba.db.on_session_factory` at start, so
every factory of :func:`chamba.db.session_factory` (requests, commands, event workers) records:

* ``before_flush``: a person or job about to be updated whose tracked attributes, embedded
  text or skills (``PersonSkill`` / ``JobSkill`` rows added, changed or removed through the
  ORM) changed and that has no version yet (it was bulk-loaded, e.g. by the demo or an
  importer) first gets a *baseline* version holding the values still in the database, valid
  from its ``created_at``;
* ``after_flush``: every inserted person or job gets a version valid from its ``created_at``;
  every updated one whose tracked values differ from its last version gets a new version valid
  from its ``updated_at`` (from the flush when its skill rows changed: adding a skill need not
  touch the owner's row, and a late start never lets a later text count as an earlier one);
  deleted ones lose their versions.

Versions are written on the session's connection, in the transaction of the change, so a
rollback drops them too. Bulk ``insert``/``update`` statements bypass the ORM and are not
recorded (nor are skill rows removed by a database cascade): a bulk-loaded row without
versions is its own only version (valid since it was created) until its first ORM update writes
the baseline.

**Reading.** :class:`Versions` loads the versions of many entities at once;
:meth:`Versions.as_of` returns an object with the attributes valid at an instant: the ORM row
itself when they equal its current values, else a detached copy (never added to a session).

Example:
    >>> install_history(session_factory(engine))  # doctest: +SKIP
    >>> versions = Versions(session, HistoryEntity.PERSON, [7])  # doctest: +SKIP
    >>> versions.as_of(person, t).expected_wage  # doctest: +SKIP
    Decimal('1200.00')
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar, cast

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Numeric,
    Table,
    event,
    inspect,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state

from chamba.db import UTCDateTime, utcnow
from chamba.jobs.models import Job, JobSkill
from chamba.learning import repository
from chamba.learning.models import HistoryEntity
from chamba.people.models import Person, PersonSkill

TRACKED: Final[Mapping[HistoryEntity, tuple[str, ...]]] = {
    HistoryEntity.PERSON: (
        "ubigeo",
        "availability_hours",
        "availability_slots",
        "expected_wage",
        "max_distance_km",
        "has_internet",
        "device",
        "education_level",
        "interests",
    ),
    HistoryEntity.JOB: (
        "ubigeo",
        "remote",
        "hours_per_week",
        "schedule",
        "wage_min",
        "wage_max",
        "education_required",
        "occupation_id",
        "status",
        "posted_at",
        "expires_at",
        "openings",
    ),
}
"""The versioned columns of each entity (what features and candidate filters read)."""

TEXT_COLUMNS: Final[Mapping[HistoryEntity, tuple[str, ...]]] = {
    HistoryEntity.PERSON: ("self_description",),
    HistoryEntity.JOB: ("title", "description"),
}
"""The free-text columns the text vectors are embedded from (read to fill the text keys)."""

PERSON_TEXT_KEY: Final = "text_sha256"
"""Key of a person version's digest of their embedded text inputs (:func:`person_text_hash`)."""

JOB_TEXT_KEYS: Final = ("title", "description", "skill_ids")
"""Keys of a job version's embedded text inputs (stored as they are: business data)."""

SKILL_ROWS: Final[Mapping[HistoryEntity, tuple[type[PersonSkill] | type[JobSkill], str]]] = {
    HistoryEntity.PERSON: (PersonSkill, "person_id"),
    HistoryEntity.JOB: (JobSkill, "job_id"),
}

MODELS: Final[Mapping[HistoryEntity, type[Person] | type[Job]]] = {
    HistoryEntity.PERSON: Person,
    HistoryEntity.JOB: Job,
}
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

T = TypeVar("T", Person, Job)


def _table(entity: HistoryEntity) -> Table:
    return cast(Table, MODELS[entity].__table__)


def _entity_of(obj: object) -> HistoryEntity | None:
    if isinstance(obj, Person):
        return HistoryEntity.PERSON
    if isinstance(obj, Job):
        return HistoryEntity.JOB
    return None


def _owner_of(obj: object) -> tuple[HistoryEntity, int] | None:
    """``(entity, owner id)`` of a ``PersonSkill`` / ``JobSkill`` row whose owner id is known."""
    for entity, (model, key) in SKILL_ROWS.items():
        if isinstance(obj, model):
            state = instance_state(obj)
            owner = state.dict.get(key)
            if owner is None and state.identity is not None:
                owner = state.identity[0]  # primary key (owner id, skill id)
            return (entity, int(owner)) if owner is not None else None
    return None


def encode(value: Any) -> Any:
    """A column value as JSON: decimals as ``"1200.00"``, enums by value, times in ISO 8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(column: ColumnElement[Any], value: Any) -> Any:
    """The inverse of :func:`encode` for ``column``."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, list):
        return list(value)
    return value


def attrs_of(entity: HistoryEntity, values: Any) -> dict[str, Any]:
    """The encoded tracked attributes of an ORM object or a row."""
    return {name: encode(getattr(values, name)) for name in TRACKED[entity]}


def person_text_hash(self_description: str | None, skill_ids: Iterable[str]) -> str:
    """SHA-256 (hex) of a person's embedded text inputs: self-description and sorted skill ids.

    Tells whether the text changed without keeping it (personal free text).
    """
    payload = json.dumps([self_description or "", sorted(set(skill_ids))], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def text_attrs_of(entity: HistoryEntity, values: Any, skill_ids: Iterable[str]) -> dict[str, Any]:
    """The text keys of a version: a person's :data:`PERSON_TEXT_KEY`, a job's
    :data:`JOB_TEXT_KEYS`, from an ORM object or a row with the text columns."""
    if entity == HistoryEntity.PERSON:
        return {PERSON_TEXT_KEY: person_text_hash(values.self_description, skill_ids)}
    return {
        "title": values.title or "",
        "description": values.description or "",
        "skill_ids": sorted(set(skill_ids)),
    }


# ---------------------------------------------------------------------------------- recording


def _changed_ids(objects: Iterable[object]) -> dict[HistoryEntity, set[int]]:
    """Persistent people/jobs among ``objects`` with a pending change to a tracked column, a
    text column or their skills collection."""
    out: dict[HistoryEntity, set[int]] = defaultdict(set)
    for obj in objects:
        entity = _entity_of(obj)
        if entity is None:
            continue
        state = instance_state(obj)
        if state.identity is None:
            continue
        names = (*TRACKED[entity], *TEXT_COLUMNS[entity], "skills")
        # .history never loads an unloaded attribute
        if any(state.attrs[name].history.has_changes() for name in names):
            out[entity].add(int(state.identity[0]))
    return out


def _skill_owners(session: Session) -> dict[HistoryEntity, set[int]]:
    """Owners (known ids) of the skill rows added, changed or removed in this flush."""
    out: dict[HistoryEntity, set[int]] = defaultdict(set)
    for objects in (session.new, session.dirty, session.deleted):
        for obj in objects:
            owner = _owner_of(obj)
            if owner is not None:
                out[owner[0]].add(owner[1])
    return out


def _skills_changed(session: Session) -> dict[HistoryEntity, set[int]]:
    """People/jobs whose skills change in this flush (through their rows or collection)."""
    out = _skill_owners(session)
    for obj in session.dirty:
        entity = _entity_of(obj)
        state = instance_state(obj)
        if entity is not None and state.identity is not None:
            if state.attrs["skills"].history.has_changes():
                out[entity].add(int(state.identity[0]))
    return out


def _merge(*parts: Mapping[HistoryEntity, set[int]]) -> dict[HistoryEntity, set[int]]:
    out: dict[HistoryEntity, set[int]] = defaultdict(set)
    for part in parts:
        for entity, ids in part.items():
            out[entity] |= ids
    return out


def _read_rows(conn: Connection, entity: HistoryEntity, ids: Sequence[int]) -> list[Any]:
    table = _table(entity)
    cols = [table.c.id, table.c.created_at, table.c.updated_at]
    cols += [table.c[name] for name in (*TRACKED[entity], *TEXT_COLUMNS[entity])]
    return repository.rows_by_ids(conn, table, cols, ids)


def _read_skills(
    conn: Connection, entity: HistoryEntity, ids: Sequence[int]
) -> dict[int, list[str]]:
    model, key = SKILL_ROWS[entity]
    return repository.skills_by_owner(conn, cast(Table, model.__table__), key, ids)


def _version_attrs(
    conn: Connection, entity: HistoryEntity, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """The full version attributes (tracked columns and text keys) of ``rows``."""
    skills = _read_skills(conn, entity, [r.id for r in rows])
    return [{**attrs_of(entity, r), **text_attrs_of(entity, r, skills.get(r.id, ()))} for r in rows]


def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    changed = _merge(_changed_ids(session.dirty), _skills_changed(session))
    for obj in session.deleted:  # owners deleted in this flush lose their versions anyway
        entity, identity = _entity_of(obj), instance_state(obj).identity
        if entity is not None and identity is not None:
            changed[entity].discard(int(identity[0]))
    if not any(changed.values()):
        return
    conn = session.connection()
    for entity, id_set in changed.items():
        ids = sorted(id_set)
        known = repository.last_versions(conn, entity, ids)
        missing = [i for i in ids if i not in known]
        if not missing:
            continue
        rows = _read_rows(conn, entity, missing)  # still the values before this flush
        if rows:
            repository.add_versions(
                conn,
                [
                    {
                        "entity": entity,
                        "entity_id": r.id,
                        "valid_from": r.created_at or EPOCH,
                        "attrs": attrs,
                    }
                    for r, attrs in zip(rows, _version_attrs(conn, entity, rows), strict=True)
                ],
            )


def _after_flush(session: Session, _flush_context: Any) -> None:
    inserted: dict[HistoryEntity, set[int]] = defaultdict(set)
    deleted: dict[HistoryEntity, set[int]] = defaultdict(set)
    for obj in session.new:
        entity = _entity_of(obj)
        pk = instance_state(obj).dict.get("id") if entity is not None else None
        if entity is not None and pk is not None:
            inserted[entity].add(int(pk))
    for obj in session.deleted:
        entity = _entity_of(obj)
        identity = instance_state(obj).identity
        if entity is not None and identity is not None:
            deleted[entity].add(int(identity[0]))
    skilled = _skills_changed(session)
    changed = _merge(_changed_ids(session.dirty), skilled)
    if not (inserted or deleted or any(changed.values())):
        return
    conn = session.connection()
    now = utcnow()
    for entity in HistoryEntity:
        if deleted[entity]:
            repository.delete_versions(conn, entity, sorted(deleted[entity]))
        new_ids = inserted[entity]
        if new_ids:  # an id reused after a delete that bypassed the ORM: drop stale versions
            repository.delete_versions(conn, entity, sorted(new_ids))
        ids = sorted((new_ids | changed[entity]) - deleted[entity])
        if not ids:
            continue
        last = repository.last_versions(conn, entity, ids)
        values = []
        rows = _read_rows(conn, entity, ids)
        for r, attrs in zip(rows, _version_attrs(conn, entity, rows), strict=True):
            previous = last.get(r.id)
            if previous is not None and previous[1] == attrs:
                continue
            when = (r.created_at if r.id in new_ids else r.updated_at) or now
            if r.id not in new_ids and r.id in skilled[entity]:
                when = max(when, now)
            if previous is not None:
                when = max(when, previous[0])
            values.append({"entity": entity, "entity_id": r.id, "valid_from": when, "attrs": attrs})
        if values:
            repository.add_versions(conn, values)


_LISTENERS: Final = (("before_flush", _before_flush), ("after_flush", _after_flush))


def install_history(target: sessionmaker[Session] | type[Session] | Session) -> None:
    """Record attribute versions on every flush of sessions of ``target`` (idempotent).

    Args:
        target: a ``sessionmaker``, a ``Session`` subclass or one ``Session``.
    """
    for name, fn in _LISTENERS:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def uninstall_history(target: sessionmaker[Session] | type[Session] | Session) -> None:
    """Stop recording for ``target``."""
    for name, fn in _LISTENERS:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)


# ---------------------------------------------------------------------------------- reading


def _epoch(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(round(when.timestamp()))


class Versions:
    """The versions of many entities of one kind, loaded in bulk, for as-of lookups.

    Args:
        session: database session (read only).
        entity: ``HistoryEntity.PERSON`` or ``HistoryEntity.JOB``.
        ids: the entities to load.

    Attributes:
        as_of_count: lookups answered by a version valid at the instant.
        fallback_count: lookups answered without one: the current row (no version at all:
            never changed through the ORM) or the first version (the instant precedes it).
    """

    def __init__(self, session: Session, entity: HistoryEntity, ids: Sequence[int]) -> None:
        self.entity = entity
        self._columns = {name: _table(entity).c[name] for name in TRACKED[entity]}
        by_id: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        unique = sorted({int(i) for i in ids})
        for eid, valid_from, attrs in repository.versions_of(session, entity, unique):
            by_id[eid].append((_epoch(valid_from), attrs))
        self._times = {k: np.array([t for t, _ in v], dtype=np.int64) for k, v in by_id.items()}
        self._attrs = {k: [a for _, a in v] for k, v in by_id.items()}
        self._copies: dict[tuple[int, int], object] = {}
        self.as_of_count = 0
        self.fallback_count = 0

    def __len__(self) -> int:
        return sum(len(v) for v in self._attrs.values())

    def attrs_at(self, entity_id: int, t: int) -> tuple[int, dict[str, Any]] | None:
        """``(version index, encoded attributes)`` valid at epoch second ``t``.

        The first version when ``t`` precedes it; ``None`` when the entity has no versions.
        The attributes include the text keys (:data:`PERSON_TEXT_KEY`, :data:`JOB_TEXT_KEYS`)
        when the version recorded them.
        """
        times = self._times.get(int(entity_id))
        if times is None:
            return None
        k = int(np.searchsorted(times, t, side="right")) - 1
        return max(k, 0), self._attrs[int(entity_id)][max(k, 0)]

    def as_of(self, obj: T, t: int, examples: int = 1) -> T:
        """``obj`` with the tracked attributes valid at epoch second ``t``.

        Args:
            obj: a person or job (ORM row; never modified).
            t: the instant, in epoch seconds.
            examples: how many examples this lookup serves (for the counts).

        Returns:
            ``obj`` itself when its current values are the ones valid at ``t`` (or no version
            is known), else a detached copy with the versioned values.
        """
        found = self.attrs_at(obj.id, t)
        if found is None:
            self.fallback_count += examples
            return obj
        k, attrs = found
        times = self._times[int(obj.id)]
        if times[k] <= t:
            self.as_of_count += examples
        else:
            self.fallback_count += examples
        key = (int(obj.id), k)
        copy = self._copies.get(key)
        if copy is None:
            tracked = {n: v for n, v in attrs.items() if n in self._columns}  # not the text
            if tracked == attrs_of(self.entity, obj):
                copy = obj
            else:
                copy = detached_copy(
                    obj, {n: decode(self._columns[n], v) for n, v in tracked.items()}
                )
            self._copies[key] = copy
        return cast(T, copy)


def detached_copy(obj: T, overrides: Mapping[str, Any]) -> T:
    """A transient copy of ``obj``'s columns with ``overrides`` applied (never in a session)."""
    mapper = inspect(type(obj))
    values = {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}
    values.update(overrides)
    return type(obj)(**values)
