"""interactions: claimed — a seeker's own "completed" / "hired" is a claim, not an outcome

A course completion is confirmed by its provider and a hire by the employer (moving the
application); what the seeker says about themselves is kept with ``claimed = true`` and is
left out of impact, funnels and training data. Existing feedback rows of those kinds (logged
with ``context.source = "feedback"``) become claims.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    interactions = sa.table(
        "interactions",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("context", sa.JSON()),
        sa.column("claimed", sa.Boolean()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(interactions.c.id, interactions.c.context).where(
            sa.cast(interactions.c.kind, sa.String()).in_(["completed", "hired"])
        )
    ).all()
    claims = [
        r.id for r in rows if isinstance(r.context, dict) and r.context.get("source") == "feedback"
    ]
    for start in range(0, len(claims), 1000):
        bind.execute(
            sa.update(interactions)
            .where(interactions.c.id.in_(claims[start : start + 1000]))
            .values(claimed=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("claimed")
