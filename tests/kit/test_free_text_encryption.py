"""The free texts that identify people are encrypted at rest, old rows included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests.support.migrations import run_alembic

from chamba.db import make_engine, session_scope
from chamba.people.models import Person

SAID = "Soy costurera en Gamarra desde 2016, me llamo Rosa"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'free.db'}")
    yield eng
    eng.dispose()


def test_old_plain_texts_are_encrypted_by_the_migration_and_read_back(engine: Engine) -> None:
    # GIVEN a database before the change, with a self-description and a dismissal reason
    run_alembic(engine, "upgrade", "0012")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO people (id, self_description, languages, interests, "
                          "availability_slots, has_internet, device, consent_visible, "
                          "consent_contact, national_id_verified, created_at, updated_at) "
                          "VALUES (1, :s, '[]', '[]', '[]', 0, 'none', 0, 0, 0, "
                          "'2026-01-01', '2026-01-01')"), {"s": SAID})  # fmt: skip
        conn.execute(text("INSERT INTO interactions (person_id, person_key, subject_type, "
                          "subject_id, kind, reason, context, occurred_at, claimed) VALUES "
                          "(1, 'k', 'job', 1, 'dismissed', 'queda lejos de mi casa', '{}', "
                          "'2026-01-01', 0)"))  # fmt: skip
    # WHEN it is migrated
    run_alembic(engine, "upgrade", "head")
    # THEN the raw rows hold no plain text, and the app reads them as before
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT self_description FROM people")).scalar_one()
        reason = conn.execute(text("SELECT reason FROM interactions")).scalar_one()
    assert "Gamarra" not in raw
    assert "lejos" not in reason
    with session_scope(engine) as session:
        person = session.get(Person, 1)
        assert person is not None
        assert person.self_description == SAID
