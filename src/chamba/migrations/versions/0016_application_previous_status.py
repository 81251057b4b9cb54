"""applications: previous_status — the status before the employer's last move, so a mistaken
rejection can be undone (within a day) back to where it was

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ("submitted", "reviewing", "interview", "hired", "rejected", "withdrawn")


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "previous_status",
                sa.Enum(
                    *_STATUSES,
                    name="application_previous_status",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_applications_application_previous_status"), type_="check")
        batch_op.drop_column("previous_status")
