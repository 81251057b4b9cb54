"""Migration tests: run one Alembic command on an engine's database, in one transaction."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine

from chamba.db import alembic_config


def run_alembic(engine: Engine, action: str, revision: str) -> None:
    """``command.<action>(config, revision)`` (upgrade/downgrade) on ``engine``'s database."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
