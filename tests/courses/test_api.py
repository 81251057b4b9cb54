"""Course routes: publish (skills given or extracted), search, change, close."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.factories import course_body, skill_ids
from tests.support.problems import assert_problem

from chamba.auth.models import Role

pytestmark = pytest.mark.usefixtures("hashed_matching")


@pytest.fixture
def provider(make_user: MakeUser) -> Any:
    return make_user(Role.PROVIDER, name="CETPRO San Martín")


def test_provider_publishes_searches_changes_and_closes(
    client: Any, provider: Any, seeded_session: Session
) -> None:
    skills = skill_ids(seeded_session, 2)
    # WHEN a provider without organisation publishes a course with skills
    response = client.post("/api/v1/courses", json=course_body(skills), headers=provider.headers)
    # THEN it is created under an organisation named after the account
    assert response.status_code == 201, response.text
    course = response.json()
    assert course["provider"]["name"] == "CETPRO San Martín"
    assert {s["id"] for s in course["skills"]} == set(skills)
    assert course["is_free"] is False
    # AND it is found by accent-insensitive search and by filters
    found = client.get("/api/v1/courses?q=SOLDADURA+basica&max_cost=200&region=15").json()
    assert [c["id"] for c in found["items"]] == [course["id"]]
    assert client.get("/api/v1/courses?q=soldadura&free=true").json()["items"] == []
    # WHEN the owner makes it free THEN is_free follows the new cost
    url = f"/api/v1/courses/{course['id']}"
    changed = client.patch(url, json={"cost": 0}, headers=provider.headers).json()
    assert changed["is_free"] is True
    assert float(changed["cost"]) == 0
    # WHEN the owner deletes it THEN it is closed and no longer listed
    assert client.delete(url, headers=provider.headers).json()["status"] == "closed"
    assert client.get("/api/v1/courses?q=soldadura").json()["items"] == []


def test_search_follows_a_changed_course_title(
    client: Any, provider: Any, seeded_session: Session
) -> None:
    # GIVEN a published course
    body = course_body(skill_ids(seeded_session, 1))
    course = client.post("/api/v1/courses", json=body, headers=provider.headers).json()
    # WHEN the owner renames it
    url = f"/api/v1/courses/{course['id']}"
    patch = {"title": "Electricidad Domiciliaria"}
    assert client.patch(url, json=patch, headers=provider.headers).status_code == 200
    # THEN search finds it by the new title, not the old one
    found = client.get("/api/v1/courses?q=electricidad+DOMICILIARIA").json()["items"]
    assert [c["id"] for c in found] == [course["id"]]
    assert client.get("/api/v1/courses?q=soldadura+basica").json()["items"] == []


def test_skills_taught_are_extracted_when_not_given(
    client: Any, provider: Any, lexicon_extractor: Any
) -> None:
    body = course_body(title="Excel para negocios", description="Aprende Excel y ventas.")
    response = client.post("/api/v1/courses", json=body, headers=provider.headers)
    assert response.status_code == 201, response.text
    assert response.json()["skills"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"modality": "teleport"}, "modality"),
        ({"location": None}, "modality"),
        ({"hours": 0}, "hours"),
        ({"cost": -1}, "cost"),
        ({"cost": 100, "is_free": True}, "is_free"),
        ({"skills": [{"id": "no-such-skill"}]}, "skills.0.id"),
        ({"skills": [{"id": "x", "level": "god"}]}, "skills.0.level"),
        ({"start_dates": ["someday"]}, "start_dates"),
        ({"seats": -1}, "seats"),
        ({"price": 1}, "price"),
    ],
)
def test_invalid_courses_are_refused(
    client: Any, provider: Any, change: dict[str, Any], field: str
) -> None:
    body = {**course_body([]), **change}
    assert_problem(
        client.post("/api/v1/courses", json=body, headers=provider.headers), 422, field=field
    )


def test_online_courses_need_no_place(client: Any, provider: Any) -> None:
    body = {**course_body([]), "modality": "virtual", "location": None}
    response = client.post("/api/v1/courses", json=body, headers=provider.headers)
    assert response.status_code == 201, response.text
    assert response.json()["modality"] == "online"
