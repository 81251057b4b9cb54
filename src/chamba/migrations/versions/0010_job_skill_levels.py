"""jobs: requirements not in the taxonomy; job_skills: the level a posting asks for

``jobs.unlinked_skills`` keeps the skill names an imported posting states that no skill of the
taxonomy matches (schema.org ``skills`` or a CSV column): they are shown with the posting and
never reject it. ``job_skills.level`` holds the level a posting asks for ("nivel intermedio").

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unlinked_skills",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
    with op.batch_alter_table("job_skills", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "level",
                sa.Enum(
                    "basic",
                    "intermediate",
                    "advanced",
                    name="skill_level",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("job_skills", schema=None) as batch_op:
        # the level's CHECK goes first: SQLite's table copy would keep it without its column
        batch_op.drop_constraint(op.f("ck_job_skills_skill_level"), type_="check")
        batch_op.drop_column("level")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("unlinked_skills")
