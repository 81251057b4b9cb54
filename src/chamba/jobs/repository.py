"""SQL of job postings."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, column, func, or_, select, table, text
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from chamba import search
from chamba.db import schema_fact
from chamba.jobs.models import Job, JobStatus
from chamba.orgs.models import Organisation
from chamba.postings import repository as postings
from chamba.taxonomy.models import Occupation
from chamba.text import normalize


def by_external_ids(session: Session, source: str, external_ids: Collection[str]) -> dict[str, Job]:
    """Jobs of ``source`` keyed by external id, skills loaded (one query per 500 ids)."""
    return postings.by_external_ids(session, Job, source, external_ids)


def get_by_external_id(session: Session, source: str, external_id: str) -> Job | None:
    """One job by (source, external id), skills loaded."""
    return by_external_ids(session, source, [external_id]).get(external_id)


# --------------------------------------------------------------------------- API queries


def text_match(
    words: Sequence[str],
    search_title: InstrumentedAttribute[str],
    search_text: InstrumentedAttribute[str],
) -> tuple[list[ColumnElement[bool]], ColumnElement[int] | None]:
    """Conditions (every word in the search text) and a relevance score (title hits x2).

    ``search_title``/``search_text`` are the stored, normalised columns of
    :class:`chamba.search.SearchText`; ``words`` must be :func:`~chamba.text.normalize`-d the
    same way (so no ``%``/``_`` is left to escape). Only ``search_text`` filters, so a
    PostgreSQL trigram index on it can answer ``LIKE '%word%'``; ``search_title`` is only read
    to score the rows found.
    """
    if not words:
        return [], None
    conditions: list[ColumnElement[bool]] = []
    score: ColumnElement[int] | None = None
    for word in words:
        pattern = f"%{word}%"
        conditions.append(search_text.like(pattern))
        term = case((search_title.like(pattern), 2), else_=1)
        score = term if score is None else score + term
    return conditions, score


def has_text_index(session: Session) -> bool:
    """Whether this database has SQLite's FTS5 trigram index of ``jobs.search_text`` (where
    migration ``0020`` could create it). Read from ``sqlite_master`` once per engine (every
    search asked it), and again after a migration ran in this process
    (:func:`chamba.db.schema_fact`)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False

    def read() -> bool:
        found = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": Job.__tablename__ + search.TEXT_INDEX_SUFFIX},
        ).first()
        return found is not None

    return schema_fact(bind, "jobs_text_index", read)


def text_contains(fragment: str, *, indexed: bool) -> ColumnElement[bool]:
    """SQL: the job's ``search_text`` holds ``fragment`` (already folded, so no ``%``/``_`` to
    escape), exactly ``search_text LIKE '%fragment%'``.

    With ``indexed`` (:func:`has_text_index`) and a fragment of at least
    :data:`chamba.search.MIN_INDEXED_CHARS` characters, the rows come from the FTS5 trigram
    table: a phrase query of the fragment's trigrams at consecutive positions, which is the
    substring itself (the stored text and the fragment are both case-folded, as the tokenizer
    folds). Else a ``LIKE`` over every row (PostgreSQL's trigram index answers that one itself).
    """
    if indexed and len(fragment) >= search.MIN_INDEXED_CHARS:
        index = table(
            Job.__tablename__ + search.TEXT_INDEX_SUFFIX, column("rowid"), column("search_text")
        )
        phrase = '"' + fragment.replace('"', '""') + '"'
        return Job.id.in_(select(index.c.rowid).where(index.c.search_text.match(phrase)))
    return Job.search_text.like(f"%{fragment}%")


def open_at(now: datetime) -> ColumnElement[bool]:
    """SQL: the job is open and not expired at ``now``."""
    return and_(Job.status == JobStatus.OPEN, or_(Job.expires_at.is_(None), Job.expires_at > now))


def with_skills(session: Session, job_id: int) -> Job | None:
    """One job with its skills loaded, or None."""
    return postings.with_skills(session, Job, job_id)


def page_of(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    offset: int,
    limit: int,
) -> tuple[list[Job], int]:
    """One page of jobs (skills loaded) and the total count over ``conditions``."""
    return postings.page_of(session, Job, conditions, order, offset=offset, limit=limit)


def matching_rows(
    session: Session, conditions: Sequence[ColumnElement[bool]], *, limit: int | None = None
) -> list[Row[Any]]:
    """``(id, search_title, ubigeo, remote, posted_at)`` of the jobs meeting ``conditions``,
    newest first (the newest ``limit`` when given); their text is read apart
    (:func:`search_texts`), for the few that need it."""
    stmt = (
        select(Job.id, Job.search_title, Job.ubigeo, Job.remote, Job.posted_at)
        .where(*conditions)
        .order_by(Job.posted_at.desc(), Job.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt))


def ranking_rows(
    session: Session, conditions: Sequence[ColumnElement[bool]], *, limit: int
) -> tuple[list[Row[Any]], int]:
    """``(id, search_title, posted_at)`` of the newest ``limit`` jobs meeting ``conditions``,
    newest first (what a search ranks before it reads any posting's text), and how many jobs
    meet them in all: one pass over the rows (a window count), not a second query."""
    stmt = (
        select(Job.id, Job.search_title, Job.posted_at, func.count().over().label("total"))
        .where(*conditions)
        .order_by(Job.posted_at.desc(), Job.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(stmt))
    return rows, int(rows[0].total) if rows else 0


def search_texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """``{id: search_title + " " + search_text}`` of the jobs of ``ids`` (one query per 5,000)."""
    out: dict[int, str] = {}
    for k in range(0, len(ids), 5000):
        stmt = select(Job.id, Job.search_title, Job.search_text).where(
            Job.id.in_(list(ids[k : k + 5000]))
        )
        out.update((int(i), f"{title} {text}") for i, title, text in session.execute(stmt))
    return out


def any_match(session: Session, conditions: Sequence[ColumnElement[bool]]) -> bool:
    """Whether any job meets ``conditions``."""
    return session.scalar(select(Job.id).where(*conditions).limit(1)) is not None


def title_words(session: Session, limit: int = 50_000) -> list[str]:
    """The distinct words of the titles of open postings (the newest ``limit`` postings)."""
    stmt = (
        select(Job.search_title)
        .where(Job.status == JobStatus.OPEN)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    words: set[str] = set()
    for title in session.scalars(stmt):
        words.update(w for w in (title or "").split() if len(w) > 2)
    return sorted(words)


def employer_names(session: Session) -> list[tuple[int, str]]:
    """``(id, folded name)`` of every organisation that has posted a job."""
    stmt = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(select(Job.organisation_id).where(Job.organisation_id.is_not(None)))
    )
    return [(int(i), normalize(name or "")) for i, name in session.execute(stmt)]


def by_ids(session: Session, ids: Sequence[int]) -> list[Job]:
    """Jobs in the order of ``ids``, skills loaded."""
    if not ids:
        return []
    stmt = select(Job).where(Job.id.in_(list(ids))).options(selectinload(Job.skills))
    found = {j.id: j for j in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def occupation_exists(session: Session, occupation_id: str) -> bool:
    return session.get(Occupation, occupation_id) is not None


def of_organisation(session: Session, organisation_id: int, limit: int = 200) -> list[Job]:
    """An organisation's postings (drafts included), newest first."""
    stmt = (
        select(Job)
        .where(Job.organisation_id == organisation_id)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
