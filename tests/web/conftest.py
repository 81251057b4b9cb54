"""Web fixtures: an app client with a fast (lexicon-only) skill extractor, and CSRF helpers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from chamba.nlp.extraction import SkillExtractor
from chamba.web import csrf

SAMPLE_TEXT = "vendía ropa en Gamarra, manejo Excel básico y atiendo público"


@pytest.fixture
def web(client: Any, seeded_session: Session) -> Any:
    """The ``client`` fixture with a lexicon-only extractor (no model to load)."""
    client.app.state.skill_extractor = SkillExtractor.from_session(seeded_session, semantic=False)
    return client


@pytest.fixture
def sample_text() -> str:
    return SAMPLE_TEXT


@pytest.fixture
def token(web: Any) -> str:
    """Open a form page (which sets the CSRF cookie) and return the token its forms carry."""
    response = web.get("/descubre")
    assert response.status_code == 200
    value = web.cookies.get(csrf.COOKIE_NAME)
    assert value
    assert f'value="{value}"' in response.text
    return str(value)
