"""events: index processed events by time, for their retention

``ix_processed_events_processed_at`` lets the worker's hourly pruning (``chamba events prune``)
find the records older than ``CHAMBA_EVENTS_RETENTION_DAYS`` without reading the whole table.
The outbox needs none: ``ix_outbox_pending`` leads with ``published_at``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 03:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index("ix_processed_events_processed_at", ["processed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_events_processed_at")
