"""auth: login sessions, rotating refresh tokens, rate-limit attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 01:56:53.457685
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chamba.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_attempts")),
    )
    with op.batch_alter_table("auth_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_attempts_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            "ix_auth_attempts_scope_key_created", ["scope", "key", "created_at"], unique=False
        )

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ip", chamba.db.EncryptedString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rotated_to", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rotated_to"],
            ["refresh_tokens.id"],
            name=op.f("fk_refresh_tokens_rotated_to_refresh_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_tokens_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_session_id"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))

    op.drop_table("auth_sessions")
    with op.batch_alter_table("auth_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_attempts_scope_key_created")
        batch_op.drop_index(batch_op.f("ix_auth_attempts_created_at"))

    op.drop_table("auth_attempts")
