"""Storage basics on both backends: migrations match the models, encryption at rest, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import chamba.models  # noqa: F401
from chamba.db import (
    Base,
    blind_index,
    include_object,
    keep_so_far,
    kept_on,
    make_engine,
    migrate,
    session_scope,
)
from chamba.jobs.models import Job
from chamba.people.models import Person


def test_migrations_match_models(engine: Engine) -> None:
    # GIVEN a database migrated to head
    with engine.connect() as conn:
        # WHEN the models are compared with the live schema (optional indexes aside, as the
        # migrations' env.py does: trigram indexes exist only where pg_trgm could be installed)
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    # THEN there is nothing a new migration would need to add
    assert diff == []


def test_personal_data_is_encrypted_at_rest(session: Session) -> None:
    # GIVEN a person with contact data and a national id
    person = Person(
        full_name="Rosa Quispe",
        phone="+51 987 654 321",
        national_id="45678912",
        national_id_index=blind_index("45678912"),
    )
    session.add(person)
    session.flush()
    # WHEN the raw row is read without the ORM
    raw = session.execute(
        text("SELECT full_name, phone, national_id FROM people WHERE id = :id"), {"id": person.id}
    ).one()
    # THEN none of the plaintext is stored, but the ORM reads it back
    assert "Rosa" not in raw[0]
    assert "987" not in raw[1]
    assert "45678912" not in raw[2]
    session.expire_all()
    again = session.get(Person, person.id)
    assert again is not None
    assert again.full_name == "Rosa Quispe"
    assert again.phone == "+51 987 654 321"


def test_timestamps_come_back_timezone_aware_utc(session: Session) -> None:
    lima = timezone(timedelta(hours=-5))
    job = Job(title="Cajera", expires_at=datetime(2026, 12, 31, 18, 0, tzinfo=lima))
    session.add(job)
    session.flush()
    session.expire_all()
    loaded = session.scalars(select(Job).where(Job.id == job.id)).one()
    assert loaded.expires_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert loaded.expires_at is not None
    assert loaded.expires_at.tzinfo is not None


def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(Job(title="Mozo", expires_at=datetime(2026, 12, 31)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_check_constraints_guard_bad_rows(session: Session) -> None:
    session.add(Job(title="Albañil", wage_min=2000, wage_max=1500))
    with pytest.raises(IntegrityError):
        session.flush()


def test_savepoints_roll_back_only_their_own_work(tmp_path: Path) -> None:
    # GIVEN a real SQLite file (pysqlite's implicit transactions would break SAVEPOINTs)
    engine = make_engine(f"sqlite:///{tmp_path / 'sp.db'}")
    migrate(engine)
    with Session(engine) as session:
        session.add(Job(title="Kept"))
        # WHEN a nested transaction fails and is rolled back
        nested = session.begin_nested()
        session.add(Job(title="Dropped"))
        session.flush()
        nested.rollback()
        session.commit()
    # THEN the outer work is committed and the nested work is not
    with Session(engine) as session:
        titles = set(session.scalars(select(Job.title)))
    assert titles == {"Kept"}
    engine.dispose()


class _Refused(Exception):
    pass


def _failing_unit(engine: Engine) -> None:
    """Writes, keeps that, writes more, then fails."""
    with session_scope(engine) as session:
        session.add(Job(title="Counted attempt"))
        keep_so_far(session)
        session.add(Job(title="Page work"))
        session.flush()
        raise RuntimeError("the page failed")


def _refusing_unit(engine: Engine, title: str, error: Exception) -> None:
    """Writes, then raises ``error`` inside ``kept_on(_Refused)``."""
    with session_scope(engine) as session, kept_on(session, _Refused):
        session.add(Job(title=title))
        raise error


def test_a_failed_unit_of_work_keeps_only_what_keep_so_far_kept(tmp_path: Path) -> None:
    # GIVEN a unit of work that writes, keeps that, writes more, then fails
    engine = make_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    migrate(engine)
    with pytest.raises(RuntimeError, match="page failed"):
        _failing_unit(engine)
    # THEN what came before keep_so_far is committed and the rest rolled back
    with Session(engine) as session:
        assert set(session.scalars(select(Job.title))) == {"Counted attempt"}
    # AND a refusal named by kept_on keeps what came before it; other errors keep nothing
    with pytest.raises(_Refused):
        _refusing_unit(engine, "Refused but counted", _Refused())
    with pytest.raises(KeyError):
        _refusing_unit(engine, "Rolled back", KeyError("other"))
    # AND a unit of work that succeeds after keep_so_far commits everything
    with session_scope(engine) as session:
        keep_so_far(session)
        session.add(Job(title="After the savepoint"))
    with Session(engine) as session:
        assert set(session.scalars(select(Job.title))) == {
            "Counted attempt", "Refused but counted", "After the savepoint",
        }  # fmt: skip
    engine.dispose()


def _hold_write_lock_probe(path: Path) -> str:
    """Try to write from another connection that does not wait: "ok" or the error."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("INSERT INTO probe VALUES (1)")
        return "ok"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()


def test_a_sqlite_writer_reads_then_writes_though_another_committed_in_between(
    tmp_path: Path,
) -> None:
    from chamba.db import begin_write

    # GIVEN a SQLite database and a second connection that writes whenever it can
    path = tmp_path / "rw.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
    # WHEN a unit of work that will write begins as a writer and reads first
    with Session(engine) as session:
        begin_write(session)
        assert session.scalar(text("SELECT count(*) FROM probe")) == 0
        # THEN nobody else can commit between its read and its write (no stale snapshot)...
        assert _hold_write_lock_probe(path) == "database is locked"
        # ...so its write after the read succeeds
        session.execute(text("INSERT INTO probe VALUES (2)"))
        session.commit()
    # AND a reader (deferred) holds no lock: others write while it reads
    with Session(engine) as session:
        assert session.scalar(text("SELECT count(*) FROM probe")) == 1
        assert _hold_write_lock_probe(path) == "ok"
    engine.dispose()


def test_the_server_pool_has_a_connection_for_every_thread_that_can_hold_one(
    tmp_path: Path,
) -> None:
    from chamba.config import load_settings
    from chamba.db import get_engine, pool_size_for

    # GIVEN the server's settings (threads per process)
    settings = load_settings(threads=8, database_url=f"sqlite:///{tmp_path / 'pool.db'}")
    # WHEN the process-wide engine is built
    engine = get_engine(settings)
    # THEN its pool holds two connections per request thread plus the background threads',
    # with no overflow (a pool smaller than the threads stalls the server: the threads waiting
    # for a connection occupy every thread that holders need to finish)
    assert engine.pool.size() == pool_size_for(settings) == 2 * 8 + 6  # type: ignore[attr-defined]
    assert load_settings(db_pool_size=50).db_pool_size == 50
