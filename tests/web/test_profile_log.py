"""A refused profile is logged by field names only, never with what the person typed."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.web.conftest import MakeWebUser, login_as

from chamba.auth.models import Role
from chamba.web import csrf


def test_a_refused_profile_logs_fields_not_values(
    web: Any,
    token: str,
    make_web_user: MakeWebUser,
    seeded_session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a stored name the profile schema refuses (an imported spreadsheet formula)
    actor = make_web_user(Role.SEEKER)
    assert actor.person is not None
    secret = "=mi-dato-privado-123"
    actor.person.full_name = secret
    seeded_session.commit()
    login_as(web, actor)
    # WHEN the profile form is saved and refused
    with caplog.at_level(logging.INFO, logger="chamba.web.seeker"):
        page = web.post("/perfil", data={"horas": "10", csrf.FIELD_NAME: token})
    assert page.status_code == 422
    logged = [r.getMessage() for r in caplog.records if "profile not saved" in r.getMessage()]
    assert logged
    assert all(secret not in line for line in logged)
