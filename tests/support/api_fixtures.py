"""Fixtures of the API tests of every feature (a plugin loaded by ``tests/conftest.py``): users
of every role with access tokens, made cheaply.

Users are written straight into ``seeded_session`` (the ``client`` fixture's session, rolled
back after each test) with a login session and a signed access token: no password hashing or
login round trip per user. ``make_user(role)`` returns an :class:`Actor` with ready headers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.accounts import PASSWORD as PASSWORD  # re-exported for the tests here
from tests.support.accounts import add_user_with_login

from chamba.auth import security
from chamba.auth.models import Role, User
from chamba.config import get_settings
from chamba.nlp import service as nlp_service
from chamba.nlp.extraction import SkillExtractor
from chamba.people.models import Person

_counter = itertools.count(1)


@dataclass
class Actor:
    """A user with an access token; ``person`` is set for seekers."""

    user: User
    headers: dict[str, str]
    person: Person | None = None

    @property
    def id(self) -> int:
        return self.user.id


MakeUser = Callable[..., Actor]


@pytest.fixture
def make_user(client: Any, seeded_session: Session) -> MakeUser:
    """``make_user(Role.SEEKER, name="Rosa Quispe")`` -> an :class:`Actor` with auth headers."""

    def make(role: Role = Role.SEEKER, *, name: str | None = None, **fields: Any) -> Actor:
        n = next(_counter)
        email = fields.pop("email", f"user{n}-{role.value}@example.pe")
        user, person, login, now = add_user_with_login(
            seeded_session, role, email, name or f"{role.value.title()} {n}", **fields
        )
        token, _ = security.create_access_token(
            user_id=user.id,
            role=role.value,
            session_id=login.public_id,
            now=now,
            settings=get_settings(),
        )
        seeded_session.commit()  # a savepoint: a request that fails and rolls back keeps it
        return Actor(user=user, headers={"Authorization": f"Bearer {token}"}, person=person)

    return make


_extractors: dict[str, SkillExtractor] = {}


def seeded_lexicon_extractor(seeded_session: Session) -> SkillExtractor:
    """The lexicon-only extractor of the seeded database's skills (tests roll back what they
    add), built once per database: building it takes about a second."""
    key = str(seeded_session.get_bind().engine.url)
    if key not in _extractors:
        _extractors[key] = SkillExtractor.from_session(seeded_session, semantic=False)
    return _extractors[key]


@pytest.fixture
def lexicon_extractor(seeded_session: Session, monkeypatch: pytest.MonkeyPatch) -> SkillExtractor:
    """Skill extraction by labels and synonyms only (no encoder model is loaded)."""
    extractor = seeded_lexicon_extractor(seeded_session)
    monkeypatch.setattr(nlp_service, "get_extractor", lambda *a, **k: extractor)
    return extractor


@pytest.fixture
def no_match_indexes(client: Any) -> Iterator[None]:
    """Matching without vector indexes (skill overlap and rules only): fast and deterministic."""
    from chamba.matching.deps import get_match_indexes

    client.app.dependency_overrides[get_match_indexes] = lambda: None
    yield
    client.app.dependency_overrides.pop(get_match_indexes, None)


# --- jobs, courses, matching and applications (tests/jobs, courses, matching, activity) ---


@pytest.fixture
def hashed_matching(client: Any, seeded_session: Session) -> Iterator[Any]:
    """Requests use a fast hashed encoder, and match indexes built from the test session.

    The test's requests share one rolled-back transaction, so the commit hooks that keep the
    real indexes up to date never fire; each request builds fresh indexes instead.
    """
    from tests.support.encoders import HashEncoder

    from chamba.matching.deps import get_match_indexes
    from chamba.matching.embeddings import build_indexes
    from chamba.nlp.deps import get_text_encoder

    encoder = HashEncoder()
    overrides = client.app.dependency_overrides
    overrides[get_text_encoder] = lambda: encoder
    overrides[get_match_indexes] = lambda: build_indexes(seeded_session, encoder)
    yield encoder
    overrides.pop(get_text_encoder, None)
    overrides.pop(get_match_indexes, None)
