"""people: national_id_verified — a seeker's own national id is an unverified claim

Numbers that came from an import (no account attached) are marked verified; numbers typed by a
seeker on their own profile stay unverified.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "national_id_verified", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.execute(
        "UPDATE people SET national_id_verified = TRUE "
        "WHERE national_id_index IS NOT NULL AND user_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("national_id_verified")
