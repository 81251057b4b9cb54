"""jobs: an FTS5 trigram index of search_text on SQLite

Job search keeps the postings whose stored ``search_text`` holds each word of the query
(``LIKE '%word%'``). PostgreSQL answers that from the trigram index of migration ``0007``; SQLite
read every row's text, ~1 s a query at 100,000 postings. This adds ``jobs_fts``, an FTS5 table
with the ``trigram`` tokenizer over ``jobs.search_text`` (external content: it stores only the
index, the text stays in ``jobs``), and the three triggers that keep it in sync with every write
of a job, however it is made (the ORM, bulk ``insert()`` of the demo and of imports, updates,
deletes, cascades), then back-fills it from the existing rows (FTS5's ``rebuild``). Search reads
it through :func:`chamba.jobs.repository.text_contains` when it exists.

It needs SQLite >= 3.34 with FTS5 compiled in (:func:`chamba.search.trigram_supported`).
Elsewhere the migration logs a warning and creates nothing; search then scans as before.
PostgreSQL is left alone.

A later migration that rebuilds ``jobs`` on SQLite (a batch table copy) drops these triggers
with the table: it must create them again (and ``rebuild`` the index).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 22:30:00.000000
"""

import logging
from collections.abc import Sequence

from alembic import op

from chamba import search

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("chamba.migrations")

_INDEX = "jobs_fts"
_DELETE = (
    f"INSERT INTO {_INDEX}({_INDEX}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text);"
)
_INSERT = f"INSERT INTO {_INDEX}(rowid, search_text) VALUES (new.id, new.search_text);"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if not search.trigram_supported(bind):
        log.warning(
            "migration 0020: this SQLite has no FTS5 trigram tokenizer (SQLite >= 3.34 with "
            "FTS5 is needed); job search will read every posting's text (no index)."
        )
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {_INDEX} USING fts5(search_text, content='jobs', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(f"CREATE TRIGGER {_INDEX}_insert AFTER INSERT ON jobs BEGIN {_INSERT} END")
    op.execute(f"CREATE TRIGGER {_INDEX}_delete AFTER DELETE ON jobs BEGIN {_DELETE} END")
    op.execute(
        f"CREATE TRIGGER {_INDEX}_update AFTER UPDATE OF id, search_text ON jobs "
        f"BEGIN {_DELETE} {_INSERT} END"
    )
    op.execute(f"INSERT INTO {_INDEX}({_INDEX}) VALUES ('rebuild')")  # the existing rows


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {_INDEX}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {_INDEX}")
