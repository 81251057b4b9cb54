"""learning: attribute history

``attribute_history``: the versions of the matching-relevant attributes of people and jobs
(no free text, no contact data), read by the dataset builder to compute features as of each
impression.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 02:35:09.094306
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chamba.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attribute_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "entity",
            sa.Enum(
                "person",
                "job",
                name="history_entity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "attrs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_history")),
    )
    with op.batch_alter_table("attribute_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attribute_history_entity", ["entity", "entity_id", "valid_from"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attribute_history", schema=None) as batch_op:
        batch_op.drop_index("ix_attribute_history_entity")
    op.drop_table("attribute_history")
