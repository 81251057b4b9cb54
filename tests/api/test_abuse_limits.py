"""Costly and outbound operations are limited per user (and, signed out, per address)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.api_fixtures import MakeUser
from tests.support.factories import job_body, skill_ids

from chamba.auth.models import Role


def _configure(client: Any, **overrides: Any) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(update=overrides)


@pytest.mark.usefixtures("lexicon_extractor")
def test_skill_extraction_is_limited_per_user(client: Any, make_user: MakeUser) -> None:
    # GIVEN at most 2 extractions per user and hour
    _configure(client, requests_per_user_per_hour=2)
    rosa, juan = make_user(Role.SEEKER), make_user(Role.SEEKER)
    body = {"text": "Sé coser y atender clientes"}
    answers = [
        client.post("/api/v1/skills/extract", json=body, headers=rosa.headers) for _ in range(3)
    ]
    # THEN the third is refused with a 429 saying when to come back
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) > 0
    assert answers[2].headers["content-type"].startswith("application/problem+json")
    # AND another user is not affected
    assert client.post("/api/v1/skills/extract", json=body, headers=juan.headers).status_code == 200


@pytest.mark.usefixtures("hashed_matching")
def test_job_postings_are_limited_per_day(
    client: Any, make_user: MakeUser, seeded_session: Any
) -> None:
    # GIVEN one posting a day (each may notify up to 200 seekers)
    _configure(client, job_postings_per_day=1)
    boss = make_user(Role.EMPLOYER)
    body = job_body(skill_ids(seeded_session))
    first = client.post("/api/v1/jobs", json=body, headers=boss.headers)
    second = client.post("/api/v1/jobs", json=body, headers=boss.headers)
    assert first.status_code == 201, first.text
    assert second.status_code == 429
