"""People: create and upsert by national id or (source, external id). Never commits; flushes.

A person with a national id (DNI/CE) is found by its blind index whatever the source, so the
same person imported twice from different files stays one person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from chamba.db import blind_index, utcnow
from chamba.errors import Conflict
from chamba.people import repository
from chamba.people.models import Person, PersonSkill
from chamba.people.schemas import PersonIn
from chamba.vocab import SkillLevel, SkillSource

Outcome = Literal["created", "updated", "unchanged"]
_KEEP_WHEN_BLANK = ("has_internet", "device", "consent_visible")


@dataclass(frozen=True, slots=True)
class Match:
    """The existing person an item matches (None: new), or why it cannot be imported."""

    person: Person | None
    conflict: str | None = None


def national_id_index(national_id: str | None) -> str | None:
    """The blind index stored next to an encrypted national id."""
    return blind_index(national_id) if national_id else None


def match_existing(session: Session, items: Sequence[PersonIn], *, source: str) -> list[Match]:
    """Find the stored person of each item: by national id first, then (source, external id)."""
    by_ext = repository.by_external_ids(
        session, source, {i.external_id for i in items if i.external_id}
    )
    indexes = {i: national_id_index(item.national_id) for i, item in enumerate(items)}
    by_nid = repository.by_national_id_indexes(session, {k for k in indexes.values() if k})
    matches = []
    for i, item in enumerate(items):
        ext = by_ext.get(item.external_id) if item.external_id else None
        index = indexes[i]
        nid = by_nid.get(index) if index else None
        if ext is not None and nid is not None and ext is not nid:
            matches.append(Match(None, "this national id belongs to another stored person"))
        elif ext is not None and index and ext.national_id_index not in (None, index):
            matches.append(Match(None, "differs from the national id stored for this person"))
        else:
            matches.append(Match(nid or ext))
    return matches


def _values(data: PersonIn) -> dict[str, Any]:
    return {
        "full_name": data.full_name,
        "email": data.email,
        "phone": data.phone,
        "national_id": data.national_id,
        "national_id_index": national_id_index(data.national_id),
        "gender": data.gender,
        "birth_year": data.birth_year,
        "ubigeo": data.ubigeo,
        "languages": list(data.languages),
        "education_level": data.education_level,
        "years_experience": data.years_experience,
        "self_description": data.self_description,
        "interests": list(data.interests),
        "availability_hours": data.availability_hours,
        "availability_slots": list(data.availability_slots),
        "has_internet": data.has_internet,
        "device": data.device,
        "expected_wage": data.expected_wage,
        "max_distance_km": data.max_distance_km,
        "consent_visible": data.consent_visible,
    }


def _apply(person: Person, data: PersonIn, *, new: bool) -> bool:
    changed = False
    values: Mapping[str, Any] = _values(data)
    for key, value in values.items():
        if value is None and key in _KEEP_WHEN_BLANK:
            continue
        if key == "national_id" and value is None and not new:
            continue  # never forget a national id because a later file lacks it
        if key == "national_id_index" and value is None and not new:
            continue
        if new or getattr(person, key) != value:
            if key == "consent_visible":
                person.consent_at = utcnow() if value else None
            setattr(person, key, value)
            changed = True
    wanted: dict[str, SkillLevel | None] = {c.skill: c.level for c in data.skills}
    current = {} if new else {s.skill_id: s for s in person.skills}
    keep = [s for s in current.values() if s.source != SkillSource.DECLARED]
    rows = list(keep)
    for skill_id, level in wanted.items():
        row = current.get(skill_id)
        if row is not None and row.source != SkillSource.DECLARED:
            continue  # an extracted or certified skill already says more
        if row is None:
            row = PersonSkill(skill_id=skill_id, level=level, source=SkillSource.DECLARED)
            changed = True
        elif row.level != level:
            row.level = level
            changed = True
        rows.append(row)
    declared_now = {s.skill_id for s in current.values() if s.source == SkillSource.DECLARED}
    if declared_now - wanted.keys():
        changed = True
    if new or changed:
        person.skills = rows
    return changed


def upsert_people(session: Session, items: Sequence[PersonIn], *, source: str) -> list[Outcome]:
    """Create or update people; each item needs an external id. Skills must be skill ids.

    Raises:
        Conflict: an item's national id and external id point at two different people.
    """
    matches = match_existing(session, items, source=source)
    outcomes: list[Outcome] = []
    seen: dict[str, Person] = {}
    for item, match in zip(items, matches, strict=True):
        if not item.external_id:
            raise ValueError("every item needs an external_id")
        if match.conflict:
            raise Conflict(f"person {item.external_id!r}: national id {match.conflict}")
        person = match.person or seen.get(item.external_id)
        if person is None:
            person = Person(external_id=item.external_id, source=source)
            _apply(person, item, new=True)
            session.add(person)
            seen[item.external_id] = person
            outcomes.append("created")
        else:
            outcomes.append("updated" if _apply(person, item, new=False) else "unchanged")
    session.flush()
    return outcomes


def create_person(session: Session, data: PersonIn, *, source: str | None = None) -> Person:
    """Create one person (skills must be skill ids). Flushes to assign its id."""
    person = Person(external_id=data.external_id, source=source)
    _apply(person, data, new=True)
    session.add(person)
    session.flush()
    return person


def get_by_national_id(session: Session, national_id: str) -> Person | None:
    """The person with this (normalised) DNI/CE, found through the blind index."""
    index = blind_index(national_id)
    return repository.by_national_id_indexes(session, [index]).get(index)
