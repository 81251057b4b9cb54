"""SQL of people."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.sql.elements import ColumnElement

from chamba.auth.models import User
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Skill


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


def by_user_id(session: Session, user_id: int) -> Person | None:
    """The person linked to an account, skills loaded (fresh from the database)."""
    stmt = (
        select(Person)
        .where(Person.user_id == user_id)
        .options(selectinload(Person.skills))
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


CONTACT_UNREAD: Final = tuple(
    defer(column) for column in (Person.full_name, Person.email, Person.phone, Person.national_id)
)
"""Load options for a person's row read to rank matches for them: their name, contact data and
national id (encrypted: each costs a decryption) are not read until something asks for one."""

_ROW_OF_USER: Final = (
    select(Person).where(Person.user_id == bindparam("user_id")).options(*CONTACT_UNREAD)
)
"""Built once: every match request runs it (building a select costs about as much as running
it on an index). A match ranking reads no contact data: it is left unread
(:data:`CONTACT_UNREAD`)."""


def row_of_user(session: Session, user_id: int) -> Person | None:
    """The person linked to an account, its row only (skills are loaded when first read)."""
    return session.scalars(_ROW_OF_USER, {"user_id": user_id}).one_or_none()


def by_id(session: Session, person_id: int) -> Person | None:
    """A person with skills loaded (fresh from the database)."""
    stmt = (
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.skills))
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


def by_ids(session: Session, person_ids: Collection[int]) -> dict[int, Person]:
    """People keyed by id (unknown ids are simply absent; skills not loaded)."""
    if not person_ids:
        return {}
    stmt = select(Person).where(Person.id.in_(list(person_ids)))
    return {p.id: p for p in session.scalars(stmt)}


def skills_by_ids(session: Session, ids: Collection[str]) -> dict[str, Skill]:
    """Skills of the taxonomy keyed by id (unknown ids are simply absent)."""
    keys = list(ids)
    found: dict[str, Skill] = {}
    for start in range(0, len(keys), 500):
        for skill in session.scalars(select(Skill).where(Skill.id.in_(keys[start : start + 500]))):
            found[skill.id] = skill
    return found


def skill_levels(session: Session, person_id: int) -> dict[str, str | None]:
    """The person's skills now (proposals included): ``{skill id: level or None}``."""
    rows = session.execute(
        select(PersonSkill.skill_id, PersonSkill.level).where(PersonSkill.person_id == person_id)
    ).all()
    return {row.skill_id: row.level for row in rows}


def accounts_by_ids(session: Session, user_ids: Collection[int]) -> dict[int, User]:
    """The accounts with these ids (the login contact of people who have one)."""
    if not user_ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(user_ids))))}
