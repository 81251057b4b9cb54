"""Shared by the index store and upkeep tests: a deterministic hashing encoder and a migrated
database that tests may commit to (a new SQLite file per test, copied from one migrated once,
or a PostgreSQL database per module). Import the fixtures into a test module to use them."""

from __future__ import annotations

import os
import sqlite3
import tempfile
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


_template: list[Path] = []


def migrated_sqlite_file(path: Path) -> None:
    """Write at ``path`` a SQLite database migrated to head: a copy (SQLite's backup) of one
    migrated once per run, the same file a migration per test made, in a fraction of the time."""
    if not _template:
        template = Path(tempfile.mkdtemp(prefix="chamba-index-template-")) / "index.db"
        engine = make_engine(f"sqlite:///{template}")
        migrate(engine)
        engine.dispose()
        _template.append(template)
    source, target = sqlite3.connect(_template[0]), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database that tests may commit to: a new SQLite file, or the module's
    PostgreSQL database emptied."""
    if request.param == "sqlite":
        migrated_sqlite_file(tmp_path / "index.db")
        engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
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
