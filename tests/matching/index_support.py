"""Shared by the index store and upkeep tests: a deterministic hashing encoder and a migrated
database that tests may commit to (a new SQLite file per test, or a PostgreSQL database per
module). Import the fixtures into a test module to use them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from chamba.db import make_engine, migrate
from chamba.taxonomy.models import Skill
from chamba.vocab import SkillType

BACKENDS = [
    b.strip() for b in os.environ.get("CHAMBA_TEST_BACKENDS", "sqlite,postgresql").split(",")
]


@pytest.fixture(scope="module")
def pg_module_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this module (tests here commit)."""
    name = f"chamba_idx_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database that tests may commit to: a new SQLite file, or the module's
    PostgreSQL database emptied."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
        migrate(engine)
    else:
        engine = make_engine(request.getfixturevalue("pg_module_url"))
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE jobs, people, courses, skills RESTART IDENTITY CASCADE"))
    with Session(engine) as s:
        s.add_all(
            [
                Skill(
                    id="t_wood", label_es="carpintería", label_en="carpentry", type=SkillType.SKILL
                ),
                Skill(id="t_weld", label_es="soldadura", label_en="welding", type=SkillType.SKILL),
            ]
        )
        s.commit()
    yield engine
    engine.dispose()
