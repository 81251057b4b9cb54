"""privacy: consent to contact, counselor grants and notes, audit log

``people.consent_contact`` (employers may see contact details without an application),
``counselor_grants`` (a seeker lets a counselor see their profile), ``counselor_notes``
(encrypted) and ``audit_log`` (who read or changed whose personal data; ids only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 02:05:30.474034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chamba.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_actor_user_id"), ["actor_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "counselor_grants",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("counselor_user_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["counselor_user_id"],
            ["users.id"],
            name=op.f("fk_counselor_grants_counselor_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_counselor_grants_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "counselor_user_id", name=op.f("pk_counselor_grants")),
    )
    with op.batch_alter_table("counselor_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counselor_grants_counselor_user_id"), ["counselor_user_id"], unique=False
        )

    op.create_table(
        "counselor_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("counselor_user_id", sa.Integer(), nullable=True),
        sa.Column("body", chamba.db.EncryptedString(), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counselor_user_id"],
            ["users.id"],
            name=op.f("fk_counselor_notes_counselor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_counselor_notes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselor_notes")),
    )
    with op.batch_alter_table("counselor_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counselor_notes_counselor_user_id"), ["counselor_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_counselor_notes_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_contact", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("consent_contact")

    with op.batch_alter_table("counselor_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counselor_notes_person_id"))
        batch_op.drop_index(batch_op.f("ix_counselor_notes_counselor_user_id"))

    op.drop_table("counselor_notes")
    with op.batch_alter_table("counselor_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counselor_grants_counselor_user_id"))

    op.drop_table("counselor_grants")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_object")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
