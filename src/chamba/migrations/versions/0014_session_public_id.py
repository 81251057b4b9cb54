"""auth_sessions: public_id — access tokens name their login by a random id, not the sequence

Existing logins get a random id each; access tokens issued before carry the old number and are
refused (they live minutes); their refresh tokens keep working and get new access tokens.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 07:10:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=64), nullable=True))
    sessions = sa.table("auth_sessions", sa.column("id", sa.Integer), sa.column("public_id"))
    bind = op.get_bind()
    for (session_id,) in bind.execute(sa.select(sessions.c.id)).all():
        bind.execute(
            sessions.update()
            .where(sessions.c.id == session_id)
            .values(public_id=secrets.token_urlsafe(32))
        )
    # A unique index, not a constraint: on SQLite a constraint (or NOT NULL) would rebuild the
    # table, and dropping the old one cascades to every refresh token.
    op.create_index(
        op.f("ix_auth_sessions_public_id"), "auth_sessions", ["public_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_sessions_public_id"), table_name="auth_sessions")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("public_id")
