"""Web fixtures: an app client with a fast (lexicon-only) skill extractor, CSRF helpers and
signed-in users of every role."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.accounts import PASSWORD as PASSWORD  # re-exported for the tests here
from tests.support.accounts import add_user_with_login
from tests.support.api_fixtures import seeded_lexicon_extractor

from chamba.auth import security
from chamba.auth.models import RefreshToken, Role, User
from chamba.config import get_settings
from chamba.people.models import Person
from chamba.web import csrf
from chamba.web import session as web_session

SAMPLE_TEXT = "vendía ropa en Gamarra, manejo Excel básico y atiendo público"


@pytest.fixture
def web(client: Any, seeded_session: Session) -> Any:
    """The ``client`` fixture with a lexicon-only extractor (no model to load)."""
    client.app.state.skill_extractor = seeded_lexicon_extractor(seeded_session)
    return client


@pytest.fixture
def sample_text() -> str:
    return SAMPLE_TEXT


def _set_csrf_cookie(client: Any, value: str) -> None:
    for cookie in [c for c in client.cookies.jar if c.name == csrf.COOKIE_NAME]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(csrf.COOKIE_NAME, value)


def current_csrf_token(client: Any) -> str:
    """A CSRF token valid for the login the client's cookies carry now (also set as its
    cookie), as the next page would give it: tokens are bound to the login."""
    settings = client.app.state.settings
    binding = ""
    raw = client.cookies.get(web_session.COOKIE_NAME)
    if raw and "|" in raw:
        binding = security.session_id_of(raw.split("|")[0], settings)
    value = csrf.new_token(settings.derived_key(csrf.KEY_ID).hex(), binding)
    _set_csrf_cookie(client, value)
    return value


@pytest.fixture
def token(web: Any) -> str:
    """Open a form page (which sets the CSRF cookie) and return the token its forms carry.

    The value stands for "this browser's current token": tokens are bound to the login, so when
    a test sends it after switching logins (:func:`login_as`), the client sends the token that
    login's pages carry instead (cookie and field). Any other value, or a client without a CSRF
    cookie, is sent as it is.
    """
    response = web.get("/descubre")
    assert response.status_code == 200
    value = web.cookies.get(csrf.COOKIE_NAME)
    assert value
    assert f'value="{value}"' in response.text
    placeholder = str(value)
    original = web.request

    def request(method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        has_cookie = any(c.name == csrf.COOKIE_NAME for c in web.cookies.jar)
        if has_cookie and isinstance(data, dict) and data.get(csrf.FIELD_NAME) == placeholder:
            kwargs["data"] = {**data, csrf.FIELD_NAME: current_csrf_token(web)}
        return original(method, url, *args, **kwargs)

    web.request = request
    return placeholder


# --- signed-in users (the web session cookie), made cheaply ---------------------------------

_counter = itertools.count(1)


@dataclass
class WebActor:
    """A user with a login; ``cookie`` is the value of the web session cookie."""

    user: User
    cookie: str
    person: Person | None = None


MakeWebUser = Callable[..., WebActor]


@pytest.fixture
def make_web_user(web: Any, seeded_session: Session) -> MakeWebUser:
    """``make_web_user(Role.SEEKER)`` -> a :class:`WebActor` with a login (access and refresh
    tokens) that ``login_as`` puts in the client's cookie."""

    def make(role: Role = Role.SEEKER, *, access_expired: bool = False, **fields: Any) -> WebActor:
        n = next(_counter)
        email = fields.pop("email", f"web{n}-{role.value}@example.pe")
        name = fields.pop("name", f"{role.value.title()} {n}")
        user, person, login, now = add_user_with_login(seeded_session, role, email, name, **fields)
        refresh = security.new_refresh_token()
        seeded_session.add(
            RefreshToken(
                session_id=login.id,
                token_hash=security.token_hash(refresh),
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
        issued = now - timedelta(hours=2) if access_expired else now
        access, _ = security.create_access_token(
            user_id=user.id,
            role=role.value,
            session_id=login.public_id,
            now=issued,
            settings=get_settings(),
        )
        seeded_session.commit()  # a savepoint: a request that fails and rolls back keeps it
        return WebActor(user=user, cookie=f"{access}|{refresh}", person=person)

    return make


def login_as(client: Any, actor: WebActor | None) -> None:
    """Use ``actor``'s login for the next requests (``None``: anonymous)."""
    for cookie in [c for c in client.cookies.jar if c.name == web_session.COOKIE_NAME]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    if actor is not None:
        client.cookies.set(web_session.COOKIE_NAME, actor.cookie)


@pytest.fixture
def fast_matching(web: Any, seeded_session: Session) -> Iterator[Any]:
    """Matching and skill extraction without models: hashed encoder, lexicon extractor, no
    vector indexes."""
    from tests.support.encoders import HashEncoder

    from chamba.matching.deps import get_match_indexes
    from chamba.nlp import service as nlp_service
    from chamba.nlp.deps import get_text_encoder

    encoder = HashEncoder()
    extractor = web.app.state.skill_extractor
    original = nlp_service.get_extractor
    nlp_service.get_extractor = lambda *a, **k: extractor  # type: ignore[assignment]
    overrides = web.app.dependency_overrides
    overrides[get_text_encoder] = lambda: encoder
    overrides[get_match_indexes] = lambda: None
    yield encoder
    nlp_service.get_extractor = original  # type: ignore[assignment]
    overrides.pop(get_text_encoder, None)
    overrides.pop(get_match_indexes, None)
