"""Users written straight into a test session with a login session: shared by the API fixtures
(access tokens in headers) and the web fixtures (the session cookie). No password hashing per
user: every user gets one hash made once with cheap argon2 parameters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chamba.auth import security
from chamba.auth.models import AuthSession, Role, User
from chamba.config import load_settings
from chamba.db import blind_index, utcnow
from chamba.people.models import Person

#: The password of every made user (hashed with cheap argon2 parameters).
PASSWORD = "cafe con leche 42"
_cheap_hash: dict[str, str] = {}


def cheap_password_hash() -> str:
    """The hash of :data:`PASSWORD`, made once with the cheapest argon2 parameters."""
    if "hash" not in _cheap_hash:
        cheap = load_settings(
            password_hash_time_cost=1, password_hash_memory_kib=1024, password_hash_parallelism=1
        )
        _cheap_hash["hash"] = security.hash_password(PASSWORD, cheap)
    return _cheap_hash["hash"]


def add_user_with_login(
    session: Session, role: Role, email: str, name: str, **fields: Any
) -> tuple[User, Person | None, AuthSession, datetime]:
    """An active user (and a person for seekers) with a one-day login session, flushed.

    Returns:
        The user, the person (``None`` unless a seeker), the login session and its start.
    """
    user = User(
        email=email,
        email_index=blind_index(email),
        password_hash=cheap_password_hash(),
        role=role,
        name=name,
        is_active=True,
        **fields,
    )
    session.add(user)
    session.flush()
    person = None
    if role == Role.SEEKER:
        # No copy of the account's contact (as a sign-up makes it): the profile uses the account's.
        person = Person(user_id=user.id, full_name=user.name, source="signup")
        session.add(person)
    now = utcnow()
    login = AuthSession(user_id=user.id, created_at=now, expires_at=now + timedelta(days=1))
    session.add(login)
    session.flush()
    return user, person, login, now
