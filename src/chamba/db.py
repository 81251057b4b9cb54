"""Database engine, sessions, the declarative base and column types shared by every feature.

SQLite (WAL) is the embedded default; PostgreSQL is used when ``CHAMBA_DATABASE_URL`` says so.
Schema changes go through Alembic migrations (``chamba/migrations``), applied by :func:`migrate`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from chamba.config import Settings, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

RowT = TypeVar("RowT")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The :class:`~sqlalchemy.Table` of a mapped class (SQLAlchemy types ``__table__`` as the
    wider ``FromClause``; every model here is mapped to one table)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


def mapper_of(model: type[Any]) -> Mapper[Any]:
    """The mapper of a mapped class (any class: ``page_of`` takes mixin-typed models)."""
    mapper = inspect(model, raiseerr=True)
    if not isinstance(mapper, Mapper):
        raise TypeError(f"{model.__name__} is not a mapped class")
    return mapper


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


@lru_cache(maxsize=4)
def _fernet(key: bytes, previous: tuple[bytes, ...] = ()) -> MultiFernet:
    return MultiFernet([Fernet(key), *(Fernet(k) for k in previous)])


def cipher() -> MultiFernet:
    """The cipher for personal data at rest: it encrypts with the current data key and reads
    data written with any of ``CHAMBA_PREVIOUS_DATA_KEYS`` too (until ``chamba keys rotate``)."""
    settings = get_settings()
    return _fernet(settings.fernet_key, tuple(settings.previous_fernet_keys))


def blind_index(value: str) -> str:
    """A keyed hash of a normalised identifier, for exact lookups of encrypted values (keyed
    by ``CHAMBA_BLIND_INDEX_KEY``, else the secret key; see :func:`rotate_blind_indexes`)."""
    key = get_settings().blind_index_secret
    return hmac.new(key, value.strip().casefold().encode(), hashlib.sha256).hexdigest()


#: ``Column.info`` key naming the encrypted column a blind-index column is computed from.
BLIND_INDEX_OF = "blind_index_of"


class EncryptedString(TypeDecorator[str]):
    """A string stored encrypted (Fernet: AES-128-CBC + HMAC) and decrypted on read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return cipher().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return cipher().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "Cannot decrypt personal data: CHAMBA_DATA_KEY/CHAMBA_SECRET_KEY differ from the "
                "key the data was written with"
            ) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (see _sqlite_begin):
    # pysqlite's own handling starts a transaction only before DML, which breaks SAVEPOINTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit is durable against a crash or kill -9 of the process; after a
    # power loss or an OS crash the last commits before it may be lost (never a corrupt file).
    # See docs/deploy.md; FULL would sync the WAL on every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _open_fts5_tables(cursor)
    cursor.close()


def _open_fts5_tables(cursor: Any) -> None:
    # An FTS5 table (job search's trigram index, migration 0020) reads its configuration the
    # first time a connection uses it, while a statement is prepared. For an INSERT into jobs
    # (whose trigger writes the index) in a deferred transaction that read would start the
    # transaction as a reader, and another writer's commit before the INSERT runs would make it
    # fail at once ("database is locked", which busy_timeout cannot help). Used here, outside
    # any transaction, each table is read once per connection instead. A table this SQLite
    # cannot open (no FTS5) is left for the statements that use it to report.
    import sqlite3

    found = cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    for (name,) in found:
        try:
            cursor.execute(f'SELECT rowid FROM "{name}" WHERE 0').fetchall()
        except sqlite3.Error:
            pass


#: How long a SQLite writer waits for another's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Execution option naming how a SQLite transaction begins (``"IMMEDIATE"`` or deferred).
SQLITE_BEGIN = "chamba_sqlite_begin"
#: Pass to ``Session.connection(execution_options=...)`` before the first statement of a
#: transaction that will write (see :func:`begin_write`).
WRITE_OPTIONS: dict[str, Any] = {SQLITE_BEGIN: "IMMEDIATE"}


def _sqlite_begin(connection: Any) -> None:
    # A deferred BEGIN reads from a snapshot; its first write fails at once ("database is
    # locked", which busy_timeout cannot help) when another connection committed since that
    # snapshot. A transaction that will write therefore begins IMMEDIATE: it waits (up to the
    # busy timeout) for the write lock first, and its reads and writes see one state. Readers
    # never wait: WAL lets them read while a writer holds the lock.
    mode = connection.get_execution_options().get(SQLITE_BEGIN)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def begin_write(session: Session) -> None:
    """Start ``session``'s transaction as a writer (SQLite: ``BEGIN IMMEDIATE``).

    Call it before the session's first statement in a unit of work that reads and then writes
    (a request with an unsafe method, an event consumer). On PostgreSQL it changes nothing. When
    the session already began, the call has no effect on how it began.
    """
    if not session.in_transaction():
        session.connection(execution_options=WRITE_OPTIONS)
        session.info[WRITER_KEY] = True


#: ``Session.info`` key set by :func:`begin_write` (the session's transaction is a writer).
WRITER_KEY = "chamba.db.writer"


def is_lock_conflict(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy": the unit of work may simply be retried."""
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database is busy" in message


def make_engine(url: str, *, pool_size: int | None = None, pool_timeout: float = 30.0) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout.

    Args:
        url: a SQLAlchemy URL.
        pool_size: connections kept by the pool (no overflow beyond it); ``None`` keeps
            SQLAlchemy's default (5 + 10 overflow), enough for scripts and tests. A server must
            give at least as many as threads can hold at once: see :func:`pool_size_for`.
        pool_timeout: seconds a checkout waits for a free connection before failing.
    """
    pool: dict[str, Any] = {}
    if pool_size is not None and ":memory:" not in url and url != "sqlite://":
        pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def pool_size_for(settings: Settings) -> int:
    """Connections a server process needs so that no thread ever waits for one.

    A request thread holds up to two connections at once (its transaction and, right after the
    commit, the short session that brings the match index up to date), and a few background
    threads (event relay, index follower, warm-up, metrics) hold one each. With fewer, threads
    that wait for a connection can occupy every thread of the pool while the threads holding
    connections wait for a thread to finish on: the server stalls until ``pool_timeout``.
    ``CHAMBA_DB_POOL_SIZE`` overrides it (then lower ``CHAMBA_THREADS`` with it).
    """
    return settings.db_pool_size or 2 * settings.threads + 6


@lru_cache(maxsize=4)
def _engine_for(url: str, pool_size: int | None, pool_timeout: float) -> Engine:
    return make_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database, its pool sized for the server."""
    settings = settings or get_settings()
    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _engine_for(settings.sqlalchemy_url, pool_size_for(settings), settings.db_pool_timeout)


def ping(engine: Engine) -> None:
    """Run ``SELECT 1`` on a fresh connection; raises when the database cannot answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``, their objects kept loaded after commit, set up by every
    :func:`on_session_factory` registered (the app and the CLI register the attribute history,
    :func:`chamba.learning.history.install_history`)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    for setup in _FACTORY_SETUPS:
        setup(factory)
    return factory


#: What :func:`session_factory` does to each factory it makes (see :func:`on_session_factory`).
_FACTORY_SETUPS: list[Callable[[sessionmaker[Session]], None]] = []


def on_session_factory(setup: Callable[[sessionmaker[Session]], None]) -> None:
    """Apply ``setup`` to every factory :func:`session_factory` makes from now on (idempotent).

    The kit knows no feature: a feature that listens on sessions (the attribute history of
    :mod:`chamba.learning.history`) is registered by the app and the CLI at start.
    """
    if setup not in _FACTORY_SETUPS:
        _FACTORY_SETUPS.append(setup)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error (all but what
    :func:`keep_so_far` kept). Services never commit."""
    session = session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        roll_back_unkept(session)
        raise
    finally:
        session.close()


#: ``Session.info`` key: the savepoints begun by :func:`keep_so_far`, innermost last.
KEPT_KEY = "chamba.db.kept"


def keep_so_far(session: Session) -> None:
    """Make what ``session`` wrote so far persist even if its unit of work then fails.

    For the records a refusal writes before it is raised (a counted failed login, a revoked or
    rotated login): the unit of work (:func:`session_scope`, the request's session dependency)
    then rolls back only what came after the last call, and commits the rest. Called by the
    request layer (:func:`kept_on`, the web's login check), never by a service.
    """
    session.info.setdefault(KEPT_KEY, []).append(session.begin_nested())


@contextmanager
def kept_on(session: Session, *errors: type[BaseException]) -> Iterator[None]:
    """What was written before one of ``errors`` is raised persists (:func:`keep_so_far`)."""
    try:
        yield
    except errors:
        keep_so_far(session)
        raise


def roll_back_unkept(session: Session) -> None:
    """The error path of a unit of work: roll back to the last :func:`keep_so_far` and commit
    what came before it; roll everything back when nothing was kept (or that fails)."""
    kept = session.info.pop(KEPT_KEY, None)
    if kept and kept[-1].is_active:
        try:
            kept[-1].rollback()
            session.commit()
            return
        except Exception:  # the kept part cannot be written either: drop it all
            pass
    session.rollback()


def alembic_config(url: str) -> Config:
    from alembic.config import Config


    config = Config()
    config.set_main_option("script_location", str(files("chamba") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: Indexes a migration creates only where the database allows it (PostgreSQL trigram indexes,
#: which need the ``pg_trgm`` extension): not declared on the models, so comparing the models
#: with a live schema (autogenerate, ``tests/kit/test_db.py``) skips them. See migration ``0007``.
OPTIONAL_INDEXES = frozenset({"ix_jobs_search_text_trgm", "ix_courses_search_text_trgm"})
#: Tables a migration creates only where the database allows it (SQLite's FTS5 trigram index of
#: ``jobs.search_text``, and FTS5's own ``<name>_data``, ``_idx``... tables): see migration
#: ``0020``. Left out of comparisons like :data:`OPTIONAL_INDEXES`.
OPTIONAL_TABLES = frozenset({"jobs_fts"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave :data:`OPTIONAL_INDEXES` and
    :data:`OPTIONAL_TABLES` out of comparisons."""
    if type_ == "table" and reflected and name:
        return not any(name == t or name.startswith(t + "_") for t in OPTIONAL_TABLES)
    return not (type_ == "index" and reflected and name in OPTIONAL_INDEXES)


_SCHEMA_FACTS: WeakKeyDictionary[Engine, dict[str, Any]] = WeakKeyDictionary()
FactT = TypeVar("FactT")


def schema_fact(bind: Engine | Connection, name: str, read: Callable[[], FactT]) -> FactT:
    """``read()``, asked once per engine: a fact about its database's schema that a
    migration may change (whether an optional table exists, say), so that requests do not
    ask the schema every time. Every fact is forgotten whenever a migration runs in this
    process (:func:`forget_schema_facts`, called by the migrations' environment), so a
    database migrated after its engine was made is asked again."""
    facts = _SCHEMA_FACTS.setdefault(bind.engine, {})
    if name not in facts:
        facts[name] = read()
    found: FactT = facts[name]
    return found


def forget_schema_facts() -> None:
    """Forget what :func:`schema_fact` read, of every engine (a migration ran)."""
    _SCHEMA_FACTS.clear()


def migrate(engine: Engine) -> None:
    """Apply every pending Alembic migration to the database behind ``engine``."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def short_string(length: int = 200) -> String:
    return String(length)


def page_of(
    session: Session,
    model: type[RowT],
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    offset: int,
    limit: int,
    options: Sequence[Any] = (),
) -> tuple[list[RowT], int]:
    """One page of ``model`` rows matching ``conditions`` and the total count over them."""
    pk = mapper_of(model).primary_key[0]
    total = session.scalar(select(func.count(pk)).where(*conditions)) or 0
    stmt = (
        select(model).where(*conditions).order_by(*order).offset(offset).limit(limit)
        .options(*options)
    )  # fmt: skip
    return list(session.scalars(stmt)), int(total)


def rotate_blind_indexes(
    session: Session, metadata: MetaData | None = None
) -> dict[str, int]:
    """Recompute every blind index with the current key (``chamba keys rotate``).

    A blind-index column names its source in ``Column.info["blind_index_of"]``; each index that
    is set is computed again from the decrypted source value (an index left empty on purpose,
    e.g. a national id claimed by two people, stays empty). Run it right after changing
    ``CHAMBA_BLIND_INDEX_KEY``, before the servers take traffic: until then lookups by e-mail,
    phone or national id find nothing. Flushes, never commits.

    Returns:
        ``{"table.column": indexes recomputed}``.
    """
    done: dict[str, int] = {}
    for table in (metadata or Base.metadata).sorted_tables:
        pairs = [(c, table.c[c.info[BLIND_INDEX_OF]]) for c in table.columns
                 if BLIND_INDEX_OF in c.info]  # fmt: skip
        keys = list(table.primary_key.columns)
        if not pairs or not keys:
            continue
        for index_column, source in pairs:
            done[f"{table.name}.{index_column.name}"] = 0
            rows = session.execute(
                select(*keys, source).where(index_column.is_not(None), source.is_not(None))
            ).all()
            for row in rows:
                value = blind_index(row[-1])
                where = [k == getattr(row, k.name) for k in keys]
                session.execute(update(table).where(*where).values({index_column.name: value}))
                done[f"{table.name}.{index_column.name}"] += 1
    session.flush()
    return done


def rotate_encryption(
    session: Session, metadata: MetaData | None = None, *, batch_size: int = 500
) -> dict[str, int]:
    """Re-encrypt every encrypted column with the current data key (``chamba keys rotate``).

    Values written with a key of ``CHAMBA_PREVIOUS_DATA_KEYS`` (or already with the current one)
    are decrypted and encrypted again with ``CHAMBA_DATA_KEY``; afterwards the previous keys can
    be removed. Flushes, never commits. The blind indexes (keyed by the secret key) are
    untouched.

    Args:
        session: where to read and write.
        metadata: the tables (default: every table mapped so far; import
            :mod:`chamba.models` first to have them all).
        batch_size: rows per group of updates.

    Returns:
        ``{"table.column": values re-encrypted}``.
    """
    multi = cipher()
    done: dict[str, int] = {}
    for table in (metadata or Base.metadata).sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedString)]
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        raw = [type_coerce(c, Text).label(c.name) for c in columns]
        rows = session.execute(select(*keys, *raw)).all()
        for column in columns:
            done[f"{table.name}.{column.name}"] = 0
        for start in range(0, len(rows), batch_size):
            for row in rows[start : start + batch_size]:
                values: dict[str, Any] = {}
                for column in columns:
                    value = getattr(row, column.name)
                    if value is None:
                        continue
                    values[column.name] = multi.rotate(value.encode()).decode()
                    done[f"{table.name}.{column.name}"] += 1
                if values:
                    where = [k == getattr(row, k.name) for k in keys]
                    session.execute(
                        update(table)
                        .where(*where)
                        .values({k: type_coerce(v, Text) for k, v in values.items()})
                    )
    session.flush()
    return done
