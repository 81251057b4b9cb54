"""people with an account keep no copy of its e-mail or phone: the profile uses the account's
confirmed contact

A self-registered person's profile held its own e-mail and phone, copied from the account at
sign-up and editable with the profile without any confirmation, so an employer could be shown an
address nobody had confirmed, and a change of the login contact left the old one there. From now
on the profile (and what employers and counselors see) is the account's contact, changed only
through the confirmed change (``/me/contact``). The copies are deleted (data minimisation): for
every person linked to an account, ``email`` and ``phone`` become NULL. People without an
account (imported by an institution) keep theirs.

The downgrade puts the account's contact back on the linked people (the same Fernet key
encrypts both tables, so the ciphertext is copied as it is). What a profile held that differed
from its account's is not brought back.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE people SET email = NULL, phone = NULL "
        "WHERE user_id IS NOT NULL AND (email IS NOT NULL OR phone IS NOT NULL)"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE people SET "
        "email = (SELECT users.email FROM users WHERE users.id = people.user_id), "
        "phone = (SELECT users.phone FROM users WHERE users.id = people.user_id) "
        "WHERE user_id IS NOT NULL"
    )
