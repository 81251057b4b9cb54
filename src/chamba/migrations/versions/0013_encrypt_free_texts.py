"""people, person_skills, applications, interactions: the free texts that identify people are
encrypted at rest

A person's self-description, the evidence of their skills (their own words), their application
messages and the reasons they give for dismissing a job or course are written like names and
e-mails: encrypted with the data key (``chamba.db.EncryptedString``; the column type stays
TEXT). Existing values are encrypted here, in batches.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chamba.db import cipher

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, primary key columns, column) of the free texts encrypted from now on.
FREE_TEXTS = (
    ("people", ("id",), "self_description"),
    ("person_skills", ("person_id", "skill_id"), "evidence"),
    ("applications", ("id",), "message"),
    ("interactions", ("id",), "reason"),
)
_BATCH = 1000


def _convert(forward: bool) -> None:
    bind = op.get_bind()
    fernet = cipher()
    for table_name, keys, column in FREE_TEXTS:
        table = sa.table(table_name, *(sa.column(k) for k in keys), sa.column(column, sa.Text()))
        rows = bind.execute(
            sa.select(*(table.c[k] for k in keys), table.c[column]).where(
                table.c[column].is_not(None)
            )
        ).all()
        for start in range(0, len(rows), _BATCH):
            for row in rows[start : start + _BATCH]:
                value = row[-1]
                new = (
                    fernet.encrypt(value.encode()).decode()
                    if forward
                    else fernet.decrypt(value.encode()).decode()
                )
                where = [table.c[k] == row[i] for i, k in enumerate(keys)]
                bind.execute(sa.update(table).where(*where).values({column: new}))


def upgrade() -> None:
    _convert(forward=True)


def downgrade() -> None:
    _convert(forward=False)
