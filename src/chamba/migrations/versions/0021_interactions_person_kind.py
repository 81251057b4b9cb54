"""interactions: an index on (person_id, kind), so one person's rows of one kind are found
without reading all of that person's rows

Every match request logs its page as "shown" interactions (ten rows a request), so an active
seeker gathers thousands of them; the lookups of one kind (the jobs a person dismissed, read by
every match request for its page-cache key and its filter) went through
``ix_interactions_person_time`` and then read every row of the person. On the 100,000 demo,
whose demo seeker had 154,000 "shown" rows after the load benchmarks, that made a page-cache
hit cost 40-65 ms instead of a few.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:25:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_interactions_person_kind", "interactions", ["person_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_interactions_person_kind", table_name="interactions")
