"""contact_codes and users.confirmed_at: a self-registered account confirms its contact before
its first login; a new e-mail or phone is confirmed before it replaces the old one

Every account that exists already (made before sign-ups were confirmed, by an administrator, the
demo or an import) counts as confirmed when it was made.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-07 10:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chamba.db

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", chamba.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET confirmed_at = created_at")
    op.create_table(
        "contact_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("value", chamba.db.EncryptedString(), nullable=False),
        sa.Column("value_index", sa.String(length=64), nullable=False),
        sa.Column("previous", chamba.db.EncryptedString(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_codes")),
    )
    with op.batch_alter_table("contact_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_codes_user_id"))
    op.drop_table("contact_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
