"""All SQL of the taxonomy: lookups, search candidates and bulk Core writes for imports."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row as ResultRow
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from chamba.taxonomy.models import IscoGroup, Occupation, OccupationSkill, Skill

SKILLS = cast(Table, Skill.__table__)
OCCUPATIONS = cast(Table, Occupation.__table__)
OCCUPATION_SKILLS = cast(Table, OccupationSkill.__table__)
ISCO_GROUPS = cast(Table, IscoGroup.__table__)

#: Rows per executemany batch; large enough to amortise round trips, small enough for memory.
BATCH = 2000

#: Separator between the normalised names inside ``search_text`` (never produced by normalize).
SEARCH_SEP = "|"

Row = dict[str, Any]


def get_skill(session: Session, skill_id: str) -> Skill | None:
    return session.get(Skill, skill_id)


def skills_by_id(session: Session, ids: Sequence[str]) -> dict[str, Skill]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Skill).where(Skill.id.in_(list(ids))))}


def occupations_by_id(session: Session, ids: Sequence[str]) -> dict[str, Occupation]:
    if not ids:
        return {}
    stmt = select(Occupation).where(Occupation.id.in_(list(ids)))
    return {o.id: o for o in session.scalars(stmt)}


def get_occupation(session: Session, occupation_id: str) -> Occupation | None:
    stmt = (
        select(Occupation)
        .where(Occupation.id == occupation_id)
        .options(selectinload(Occupation.skills))
    )
    return session.scalars(stmt).one_or_none()


def _token_filter(column: Any, token: str, word_prefix: bool) -> ColumnElement[bool]:
    if not word_prefix:
        return cast(ColumnElement[bool], column.like(f"%{token}%"))
    return or_(
        column.like(f"{token}%"),
        column.like(f"% {token}%"),
        column.like(f"%{SEARCH_SEP}{token}%"),
    )


def search_candidates(
    session: Session, table: Table, tokens: Sequence[str], *, word_prefix: bool
) -> list[tuple[str, str, str, str]]:
    """Rows ``(id, label_es, label_en, search_text)`` whose search text holds every token.

    Tokens are normalised words (letters, digits), so they hold no LIKE wildcards. With
    ``word_prefix`` each token must start a word; otherwise it may occur anywhere.
    """
    column = table.c.search_text
    stmt = select(table.c.id, table.c.label_es, table.c.label_en, column).where(
        and_(*(_token_filter(column, t, word_prefix) for t in tokens))
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(stmt)]


def all_search_texts(session: Session, table: Table) -> list[tuple[str, str]]:
    """``(id, search_text)`` of every row of ``table`` (for typo-tolerant search)."""
    stmt = select(table.c.id, table.c.search_text)
    return [(r[0], r[1] or "") for r in session.execute(stmt)]


def labels_of(session: Session, table: Table, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{id: (label_es, label_en)}`` of the rows of ``table`` among ``ids``."""
    if not ids:
        return {}
    stmt = select(table.c.id, table.c.label_es, table.c.label_en).where(table.c.id.in_(list(ids)))
    return {r[0]: (r[1], r[2]) for r in session.execute(stmt)}


def iter_skills(session: Session) -> Iterator[Skill]:
    yield from session.scalars(select(Skill).order_by(Skill.id))


def iter_occupations(session: Session) -> Iterator[Occupation]:
    stmt = select(Occupation).order_by(Occupation.id).options(selectinload(Occupation.skills))
    yield from session.scalars(stmt)


# --- bulk access for imports (Core, on the session's connection) -------------------------


def skill_signature(session: Session) -> tuple[int, str]:
    """(row count, latest ``updated_at``) of the skills: changes whenever the table does."""
    count, latest = session.execute(select(func.count(Skill.id), func.max(Skill.updated_at))).one()
    return int(count or 0), str(latest or "")


def skill_names(session: Session) -> list[tuple[str, str, str, list[str], list[str]]]:
    """(id, label_es, label_en, synonyms_es, synonyms_en) of every skill."""
    stmt = select(Skill.id, Skill.label_es, Skill.label_en, Skill.synonyms_es, Skill.synonyms_en)
    rows = session.execute(stmt)
    return [(i, es, en, syn_es or [], syn_en or []) for i, es, en, syn_es, syn_en in rows]


def occupation_signature(session: Session) -> tuple[int, str]:
    """(row count, latest ``updated_at``) of the occupations."""
    count, latest = session.execute(
        select(func.count(Occupation.id), func.max(Occupation.updated_at))
    ).one()
    return int(count or 0), str(latest or "")


def occupation_link_count(session: Session) -> int:
    """How many (occupation, skill) links there are."""
    return session.scalar(select(func.count()).select_from(OccupationSkill)) or 0


def catalogue_skill_ids(session: Session) -> set[str]:
    """The ids of the skills of the built-in catalogue (not imported from ESCO)."""
    return set(session.scalars(select(Skill.id).where(Skill.source != "esco")))


def occupation_skill_links(session: Session) -> list[ResultRow[Any]]:
    """(occupation_id, skill_id, relation) of every link."""
    stmt = select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
    return list(session.execute(stmt))


def occupation_names(session: Session, *, by_id: bool = False) -> list[ResultRow[Any]]:
    """(id, label_es, label_en, synonyms_es, synonyms_en, source) of every occupation, in
    stored order or ordered by id."""
    stmt = select(
        Occupation.id, Occupation.label_es, Occupation.label_en, Occupation.synonyms_es,
        Occupation.synonyms_en, Occupation.source,
    )  # fmt: skip
    return list(session.execute(stmt.order_by(Occupation.id) if by_id else stmt))


def connection(session: Session) -> Connection:
    """The session's connection, after flushing pending ORM changes."""
    session.flush()
    return session.connection()


def load_rows(
    conn: Connection, table: Table, columns: Sequence[str], key: str = "id"
) -> dict[Any, Row]:
    """Every row of ``table`` as ``{key: {column: value}}``."""
    cols = [table.c[c] for c in dict.fromkeys([key, *columns])]
    return {r[key]: dict(r) for r in conn.execute(select(*cols)).mappings()}


def load_relations(conn: Connection) -> dict[tuple[str, str], str]:
    """Every occupation-skill relation as ``{(occupation_id, skill_id): relation}``."""
    t = OCCUPATION_SKILLS
    stmt = select(t.c.occupation_id, t.c.skill_id, t.c.relation)
    return {(o, s): str(getattr(r, "value", r)) for o, s, r in conn.execute(stmt)}


def _batches(rows: Sequence[Row], size: int = BATCH) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _by_keys(rows: Sequence[Row]) -> dict[tuple[str, ...], list[Row]]:
    """Rows grouped by their set of keys (executemany takes its columns from the first row)."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> int:
    """Insert rows with executemany in batches; rows may differ in columns. Returns how many."""
    for group in _by_keys(rows).values():
        for batch in _batches(group):
            conn.execute(insert(table), list(batch))
    return len(rows)


def update_rows(conn: Connection, table: Table, rows: Sequence[Row], key: str = "id") -> int:
    """Update rows by primary key with executemany; rows of one call may differ in columns."""
    for keys, group in _by_keys(rows).items():
        stmt = update(table).where(table.c[key] == bindparam("b_key"))
        params = [{"b_key": r[key], **{k: r[k] for k in keys if k != key}} for r in group]
        for batch in _batches(params):
            conn.execute(stmt, list(batch))
    return len(rows)


def insert_relations(conn: Connection, pairs: Mapping[tuple[str, str], str]) -> int:
    rows = [{"occupation_id": o, "skill_id": s, "relation": r} for (o, s), r in pairs.items()]
    return insert_rows(conn, OCCUPATION_SKILLS, rows)


def update_relations(conn: Connection, pairs: Mapping[tuple[str, str], str]) -> int:
    t = OCCUPATION_SKILLS
    stmt = (
        update(t)
        .where(t.c.occupation_id == bindparam("b_o"), t.c.skill_id == bindparam("b_s"))
        .values(relation=bindparam("b_r"))
    )
    params = [{"b_o": o, "b_s": s, "b_r": r} for (o, s), r in pairs.items()]
    for batch in _batches(params):
        conn.execute(stmt, list(batch))
    return len(params)


def delete_relations(conn: Connection, pairs: Iterable[tuple[str, str]]) -> int:
    t = OCCUPATION_SKILLS
    stmt = delete(t).where(t.c.occupation_id == bindparam("b_o"), t.c.skill_id == bindparam("b_s"))
    params = [{"b_o": o, "b_s": s} for o, s in pairs]
    for batch in _batches(params):
        conn.execute(stmt, list(batch))
    return len(params)


#: Per engine, the tables referencing each taxonomy table (read once: migrations run first).
_REFERENCING: weakref.WeakKeyDictionary[Engine, dict[str, list[tuple[Table, str]]]] = (
    weakref.WeakKeyDictionary()
)


def tables_referencing(conn: Connection, target: Table) -> list[tuple[Table, str]]:
    """``(table, column)`` of every table of the database with a foreign key to ``target.id``.

    Read from the database itself (once per engine), so every feature's tables count without
    importing them.
    """
    known = _REFERENCING.setdefault(conn.engine, {})
    if target.name in known:
        return known[target.name]
    inspector = inspect(conn)
    found = []
    for name in sorted(inspector.get_table_names()):
        for fk in inspector.get_foreign_keys(name):
            if (
                fk["referred_table"] == target.name
                and fk["referred_columns"] == ["id"]
                and len(fk["constrained_columns"]) == 1
            ):
                table = Table(name, MetaData(), autoload_with=conn)
                found.append((table, fk["constrained_columns"][0]))
    known[target.name] = found
    return found


def repoint(conn: Connection, target: Table, old_id: str, new_id: str) -> None:
    """Move every reference from row ``old_id`` of ``target`` to ``new_id``, delete ``old_id``.

    Where a referencing row for ``new_id`` already exists (same other key columns), the row of
    ``old_id`` is dropped instead of moved.
    """
    for table, column in tables_referencing(conn, target):
        col = table.c[column]
        others = [c for c in table.primary_key.columns if c.name != column]
        if col.primary_key and others:
            twin = table.alias("twin")
            exists = (
                select(twin.c[column])
                .where(twin.c[column] == new_id, *(twin.c[o.name] == o for o in others))
                .exists()
            )
            conn.execute(delete(table).where(col == old_id, exists))
        conn.execute(update(table).where(col == old_id).values({column: new_id}))
    conn.execute(delete(target).where(target.c.id == old_id))
