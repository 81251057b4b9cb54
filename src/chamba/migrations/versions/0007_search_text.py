"""jobs, courses: stored search text, trigram indexes on PostgreSQL

``search_title`` and ``search_text`` hold the title, and the title and description, normalised
in Python by :func:`chamba.search.search_fields` (accents and case folded, punctuation off), so
a free-text search is a plain ``search_text LIKE '%word%'`` instead of folding every row of
every query in SQL. Existing rows are backfilled in batches.

On PostgreSQL a GIN trigram index (``gin_trgm_ops``) on ``search_text`` lets that ``LIKE`` use
an index. It needs the ``pg_trgm`` extension: where the server lacks it, or the role may not
create it, the migration logs a warning and goes on without the indexes (search still works,
by a sequential scan). They are then optional indexes (``chamba.db.OPTIONAL_INDEXES``), left
out when the models are compared with the schema. A DBA can add them later with the SQL of
:func:`_trigram_indexes`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 04:00:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from chamba.search import search_fields

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("chamba.migrations")

TABLES = ("jobs", "courses")
BATCH = 2_000


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:  # ADD COLUMN, no table copy
            batch_op.add_column(
                sa.Column("search_title", sa.Text(), server_default="", nullable=False)
            )
            batch_op.add_column(
                sa.Column("search_text", sa.Text(), server_default="", nullable=False)
            )
        _backfill(name)
    if op.get_bind().dialect.name == "postgresql":
        _trigram_indexes()


def _backfill(name: str) -> None:
    """Fill the search columns of every row of ``name``, ``BATCH`` rows at a time (by id)."""
    bind = op.get_bind()
    table = sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("title", sa.Text()),
        sa.column("description", sa.Text()),
        sa.column("search_title", sa.Text()),
        sa.column("search_text", sa.Text()),
    )
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(search_title=sa.bindparam("new_title"), search_text=sa.bindparam("new_text"))
    )
    last = None
    while True:
        stmt = sa.select(table.c.id, table.c.title, table.c.description).order_by(table.c.id)
        if last is not None:
            stmt = stmt.where(table.c.id > last)
        rows = bind.execute(stmt.limit(BATCH)).all()
        if not rows:
            return
        values = []
        for row in rows:
            fields = search_fields(row.title, row.description)
            values.append(
                {
                    "row_id": row.id,
                    "new_title": fields["search_title"],
                    "new_text": fields["search_text"],
                }
            )
        bind.execute(update, values)
        last = rows[-1].id


def _trigram_indexes() -> None:
    """``pg_trgm`` and a GIN trigram index per table, or a warning when that is not possible."""
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        log.warning(
            "migration 0007: the PostgreSQL extension pg_trgm is not available on this server; "
            "job and course text search will work without trigram indexes (sequential scans). "
            "Install the server's contrib extensions to add them."
        )
        return
    try:
        with bind.begin_nested():  # a SAVEPOINT: a refusal leaves the rest of the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            for name in TABLES:
                op.create_index(
                    f"ix_{name}_search_text_trgm",
                    name,
                    ["search_text"],
                    unique=False,
                    postgresql_using="gin",
                    postgresql_ops={"search_text": "gin_trgm_ops"},
                )
    except DBAPIError as exc:
        log.warning(
            "migration 0007: could not create the pg_trgm extension or the trigram indexes "
            "(%s); job and course text search will work without them (sequential scans). "
            "A database owner can run: CREATE EXTENSION pg_trgm; CREATE INDEX "
            "ix_jobs_search_text_trgm ON jobs USING gin (search_text gin_trgm_ops); and the "
            "same for courses.",
            str(exc.orig).strip().splitlines()[0] if exc.orig else exc,
        )


def downgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_search_text_trgm")
        # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 too): a batch table copy on SQLite
        # would DROP the table, and with foreign keys on that cascades to job_skills etc.
        op.drop_column(name, "search_text")
        op.drop_column(name, "search_title")
    if bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():  # only when nothing else uses it and this role may
                bind.execute(sa.text("DROP EXTENSION IF EXISTS pg_trgm RESTRICT"))
        except DBAPIError:
            log.info("migration 0007 downgrade: pg_trgm kept (in use, or not ours to drop)")
