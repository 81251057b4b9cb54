"""What the people table and the candidate ranking read of people (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final, NamedTuple

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Integer,
    Row,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, defer

from chamba.activity.models import Application, Interaction, InteractionKind, SubjectType
from chamba.matching.repository import _applicants, chunks
from chamba.people.models import Device, Person, PersonSkill
from chamba.people.repository import CONTACT_UNREAD

_SEALED_PERSON_COLUMNS: Final = (
    "full_name", "email", "phone", "national_id", "self_description",
)  # fmt: skip
"""Encrypted columns a candidate ranking does not read from the rows (a person's own words it
reads as counted terms, kept per process: :meth:`FeatureContext.own_terms`)."""


def seeker_row(session: Session, person_id: int) -> Person | None:
    """A seeker's row to rank matches for: the session's when it holds it, else read without
    their name, contact data and national id (:data:`~chamba.people.repository.CONTACT_UNREAD`:
    a ranking reads none of them, and each would cost a decryption)."""
    return session.get(Person, person_id, options=CONTACT_UNREAD)


def load_people(session: Session, ids: Sequence[int], *, own_words: bool = False) -> list[Person]:
    """:func:`load_rows` of people without their encrypted columns (name, contact data,
    national id, and unless ``own_words`` their own words): those are neither read nor
    decrypted (reading one of them from these rows raises, until a load of the same person
    that reads it fills it in)."""
    found: dict[int, Person] = {}
    items = [int(i) for i in ids]
    sealed = [c for c in _SEALED_PERSON_COLUMNS if not (own_words and c == "self_description")]
    stmt = select(Person).options(*(defer(getattr(Person, c), raiseload=True) for c in sealed))
    for chunk in chunks(items):
        for row in session.scalars(stmt.where(Person.id.in_(chunk))):
            found[row.id] = row
    return [found[i] for i in items if i in found]


class VisiblePersonColumns(NamedTuple):
    """What the people table (:mod:`chamba.matching.people_table`) keeps of a person."""

    id: int
    ubigeo: str | None
    max_distance_km: float | None
    availability_hours: int | None
    expected_wage: Decimal | None
    has_internet: bool | None
    device: Device | None


_VISIBLE_PERSON_COLUMNS: Final = (
    Person.id, Person.ubigeo, Person.max_distance_km, Person.availability_hours,
    Person.expected_wage, Person.has_internet, Person.device,
)  # fmt: skip


def visible_people_columns(
    session: Session, ids: Sequence[int] | None = None
) -> list[VisiblePersonColumns]:
    """The table columns of every person who consented to be seen (or of those among
    ``ids``), by id."""
    base = select(*_VISIBLE_PERSON_COLUMNS).where(Person.consent_visible.is_(True))
    if ids is None:
        return [VisiblePersonColumns(*r) for r in session.execute(base.order_by(Person.id))]
    rows: list[VisiblePersonColumns] = []
    for chunk in chunks(sorted({int(i) for i in ids})):
        found = session.execute(base.where(Person.id.in_(chunk)))
        rows.extend(VisiblePersonColumns(*r) for r in found)
    rows.sort(key=lambda r: r.id)
    return rows


def visible_people_skills(
    session: Session, ids: Sequence[int] | None = None
) -> list[tuple[int, str]]:
    """``(person_id, skill_id)`` of every skill of every consenting person (or of those among
    ``ids``)."""
    link = (
        select(PersonSkill.person_id, PersonSkill.skill_id)
        .join(Person, Person.id == PersonSkill.person_id)
        .where(Person.consent_visible.is_(True))
    )
    if ids is None:
        return [(int(p), s) for p, s in session.execute(link)]
    out: list[tuple[int, str]] = []
    for chunk in chunks(sorted({int(i) for i in ids})):
        out.extend((int(p), s) for p, s in session.execute(link.where(Person.id.in_(chunk))))
    return out


def applicant_places(
    session: Session, job_id: int
) -> Sequence[Row[tuple[int, str | None, float | None]]]:
    """``(id, ubigeo, max_distance_km)`` of every person who applied to ``job_id`` and did not
    withdraw, by id (whether or not they consented to be seen)."""
    return session.execute(
        select(Person.id, Person.ubigeo, Person.max_distance_km)
        .where(Person.id.in_(_applicants(job_id)))
        .order_by(Person.id)
    ).all()


def self_descriptions(session: Session, person_ids: Sequence[int]) -> dict[int, str | None]:
    """``{person_id: their own words}`` of those of ``person_ids`` that exist (decrypted)."""
    out: dict[int, str | None] = {}
    for chunk in chunks(person_ids):
        stmt = select(Person.id, Person.self_description).where(Person.id.in_(chunk))
        out.update((int(i), text) for i, text in session.execute(stmt))
    return out


def _match_state_statement() -> CompoundSelect[Any]:
    """One statement for :func:`person_match_state` (built once): the person's skills, the
    jobs they dismissed and their applications as one ``UNION ALL``, told apart by ``part``
    (0, 1, 2); enum columns as their stored text, absent columns as typed NULLs."""
    person = bindparam("person_id", type_=Integer)
    no_text, no_int = cast(null(), String), cast(null(), Integer)
    skills = select(
        literal_column("0", Integer).label("part"), PersonSkill.skill_id.label("skill"),
        no_int.label("job"), PersonSkill.confirmed.label("confirmed"),
        cast(PersonSkill.level, String).label("value"),
    ).where(PersonSkill.person_id == person)  # fmt: skip
    dismissed = select(
        literal_column("1", Integer), no_text, Interaction.subject_id,
        cast(null(), Boolean), no_text,
    ).where(
        Interaction.person_id == person,
        Interaction.subject_type == SubjectType.JOB,
        Interaction.kind == InteractionKind.DISMISSED,
    )  # fmt: skip
    applied = select(
        literal_column("2", Integer), no_text, Application.job_id, cast(null(), Boolean),
        cast(Application.status, String),
    ).where(Application.person_id == person)  # fmt: skip
    return union_all(skills, dismissed, applied)


_MATCH_STATE: Final = _match_state_statement()


def person_match_state(
    session: Session, person_id: int
) -> tuple[tuple[tuple[str, bool, str | None], ...], tuple[int, ...], tuple[tuple[int, str], ...]]:
    """What a person's ranked page depends on beyond their row, read now (one statement):
    their skills ``(skill_id, confirmed, level)``, the jobs they dismissed and their
    applications ``(job_id, status)``, each sorted (:mod:`chamba.matching.page_cache`)."""
    skills: list[tuple[str, bool, str | None]] = []
    dismissed: set[int] = set()
    applied: list[tuple[int, str]] = []
    for part, skill, job, confirmed, value in session.execute(
        _MATCH_STATE, {"person_id": person_id}
    ):
        if part == 0:
            skills.append((str(skill), bool(confirmed), value))
        elif part == 1:
            dismissed.add(int(job))
        else:
            applied.append((int(job), str(value)))
    return tuple(sorted(skills)), tuple(sorted(dismissed)), tuple(sorted(applied))
