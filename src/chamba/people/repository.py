"""SQL of people."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from chamba.people.models import Person


def _load(session: Session, condition: ColumnElement[bool]) -> list[Person]:
    stmt = select(Person).where(condition).options(selectinload(Person.skills))
    return list(session.scalars(stmt))


def by_external_ids(
    session: Session, source: str, external_ids: Collection[str]
) -> dict[str, Person]:
    """People of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    ids = list(external_ids)
    found: dict[str, Person] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for person in _load(session, (Person.source == source) & Person.external_id.in_(chunk)):
            assert person.external_id is not None
            found[person.external_id] = person
    return found


def by_national_id_indexes(session: Session, indexes: Collection[str]) -> dict[str, Person]:
    """People keyed by the blind index of their national id (any source)."""
    keys = list(indexes)
    found: dict[str, Person] = {}
    for start in range(0, len(keys), 500):
        for person in _load(session, Person.national_id_index.in_(keys[start : start + 500])):
            assert person.national_id_index is not None
            found[person.national_id_index] = person
    return found
