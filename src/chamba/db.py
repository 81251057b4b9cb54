"""Database engine, sessions, the declarative base and column types shared by every feature.

SQLite (WAL) is the embedded default; PostgreSQL is used when ``CHAMBA_DATABASE_URL`` says so.
Schema changes go through Alembic migrations (``chamba/migrations``), applied by :func:`migrate`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from chamba.config import Settings, get_settings

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
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def cipher() -> Fernet:
    """The cipher for personal data at rest, keyed from the settings."""
    return _fernet(get_settings().fernet_key)


def blind_index(value: str) -> str:
    """A keyed hash of a normalised identifier, for exact lookups of encrypted values."""
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, value.strip().casefold().encode(), hashlib.sha256).hexdigest()


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
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database."""
    settings = settings or get_settings()
    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _engine_for(settings.sqlalchemy_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``; they record attribute versions (:mod:`chamba.learning.history`)."""
    from chamba.learning.history import install_history  # imports models, which import this

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_history(factory)
    return factory


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error. Services never commit."""
    session = session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("chamba") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: Indexes a migration creates only where the database allows it (PostgreSQL trigram indexes,
#: which need the ``pg_trgm`` extension): not declared on the models, so comparing the models
#: with a live schema (autogenerate, ``tests/test_db.py``) skips them. See migration ``0007``.
OPTIONAL_INDEXES = frozenset({"ix_jobs_search_text_trgm", "ix_courses_search_text_trgm"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave :data:`OPTIONAL_INDEXES` out of comparisons."""
    return not (type_ == "index" and reflected and name in OPTIONAL_INDEXES)


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
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    total = session.scalar(select(func.count(pk)).where(*conditions)) or 0
    stmt = (
        select(model).where(*conditions).order_by(*order).offset(offset).limit(limit)
        .options(*options)
    )  # fmt: skip
    return list(session.scalars(stmt)), int(total)
