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
from chamba.db import Base, blind_index, include_object, make_engine, migrate
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
