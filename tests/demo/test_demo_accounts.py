"""The demo's log-ins work at once: accounts it makes (or resets) are confirmed, even where a
sign-up with the same address was never confirmed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.auth.models import Role, User
from chamba.config import load_settings
from chamba.db import blind_index
from chamba.demo.accounts import ACCOUNTS, ensure_demo_accounts


def test_demo_accounts_are_confirmed_even_over_an_unconfirmed_sign_up(session: Session) -> None:
    # GIVEN someone signed up with the demo seeker's address and never confirmed it
    email = next(e for role, e, _ in ACCOUNTS if role is Role.SEEKER)
    squatter = User(email=email, email_index=blind_index(email), role=Role.SEEKER, name="X")
    session.add(squatter)
    session.flush()
    squatter.confirmed_at = None
    session.flush()
    # WHEN the demo makes its accounts
    cheap = load_settings(
        password_hash_time_cost=1, password_hash_memory_kib=1024, password_hash_parallelism=1
    )
    ensure_demo_accounts(session, cheap)
    # THEN every demo account is confirmed, the taken-over one included
    indexes = [blind_index(e) for _, e, _ in ACCOUNTS]
    users = session.scalars(select(User).where(User.email_index.in_(indexes))).all()
    assert len(users) == len(ACCOUNTS)
    assert all(u.confirmed_at is not None for u in users)
    assert squatter in users
