"""auth_sessions: channel — a web login and an app (API) login have their own time limits

``web`` logins end 12 hours after they began, or after 30 minutes without use; ``api`` logins
after 30 days, or when their refresh token goes unused for its lifetime (both configurable).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), server_default="api", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("channel")
