"""A seeker's own profile and skills: ``/me/profile``, ``/me/profile/describe``, ``/me/skills``,
and ``/skills/extract``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser

from chamba.auth.models import Role

PROFILE: dict[str, Any] = {
    "name": "Rosa Quispe Mamani",
    "national_id": "45678912",
    "ubigeo": "150115",
    "languages": ["quechua", "español"],
    "education_level": "secundaria",
    "years_experience": 3,
    "self_description": "Trabajé de cajera y sé atención al cliente.",
    "interests": ["ventas", "cocina"],
    "availability": {"hours_per_week": 30, "slots": ["mon_morning", "tue_morning"]},
    "remote": {"has_internet": True, "device": "celular"},
    "expected_wage": "S/ 1,200",
    "max_distance_km": 15,
    "consent_visible": True,
    "consent_contact": True,
}


def test_new_seeker_gets_an_empty_profile(client: Any, make_user: MakeUser) -> None:
    # GIVEN a seeker who just signed up
    rosa = make_user(Role.SEEKER, name="Rosa Quispe")
    # WHEN they read their profile
    response = client.get("/api/v1/me/profile", headers=rosa.headers)
    # THEN it is theirs, mostly empty, and nothing is consented by default
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Rosa Quispe"
    assert body["national_id"] is None
    assert body["consent_visible"] is False
    assert body["consent_contact"] is False
    assert body["skills"] == []


def test_put_replaces_the_profile_and_masks_the_national_id(
    client: Any, make_user: MakeUser
) -> None:
    rosa = make_user(Role.SEEKER)
    # WHEN the seeker saves a full profile
    response = client.put("/api/v1/me/profile", json=PROFILE, headers=rosa.headers)
    # THEN it comes back normalised, with place names and the national id masked
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Rosa Quispe Mamani"
    # (the e-mail and phone are the account's: tests/people/test_account_contact.py)
    assert (body["email"], body["phone"]) == (rosa.user.email, None)
    assert body["national_id"] == "****8912"
    assert body["location"]["ubigeo"] == "150115"
    assert body["location"]["department"] == "Lima"
    assert body["location"]["district"]
    assert body["languages"] == ["qu", "es"]
    assert body["education_level"] == "secondary"
    assert body["availability"] == {"hours_per_week": 30, "slots": ["mon_morning", "tue_morning"]}
    assert body["remote"] == {"has_internet": True, "device": "phone", "ready": True}
    assert body["expected_wage"] == 1200.0
    assert body["consent_at"] is not None
    # AND a second PUT without the optional fields clears them (PUT replaces)
    again = client.put("/api/v1/me/profile", json={"name": "Rosa Q."}, headers=rosa.headers)
    assert again.status_code == 200
    cleared = again.json()
    assert cleared["email"] == rosa.user.email  # the account's, not a profile field
    assert cleared["ubigeo"] is None
    assert cleared["location"] is None
    assert cleared["consent_visible"] is False
    assert cleared["consent_at"] is None
    # BUT the write-only national id is kept when omitted
    assert cleared["national_id"] == "****8912"


def test_masked_national_id_is_kept_and_null_removes_it(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    client.put("/api/v1/me/profile", json=PROFILE, headers=rosa.headers)
    # WHEN the client sends back what it read (masked)
    body = client.get("/api/v1/me/profile", headers=rosa.headers).json()
    kept = client.put(
        "/api/v1/me/profile",
        json={"name": body["name"], "national_id": body["national_id"]},
        headers=rosa.headers,
    )
    # THEN the stored number is unchanged
    assert kept.json()["national_id"] == "****8912"
    # AND null removes it
    removed = client.put(
        "/api/v1/me/profile", json={"name": "Rosa", "national_id": None}, headers=rosa.headers
    )
    assert removed.json()["national_id"] is None


def test_consent_to_contact_needs_consent_to_be_seen(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    data = {"name": "Rosa", "consent_visible": False, "consent_contact": True}
    body = client.put("/api/v1/me/profile", json=data, headers=rosa.headers).json()
    assert body["consent_contact"] is False


def test_unknown_and_oversized_fields_are_refused_with_the_field_named(
    client: Any, make_user: MakeUser
) -> None:
    rosa = make_user(Role.SEEKER)
    # WHEN the body has an unknown field, a bad ubigeo and too many interests
    response = client.put(
        "/api/v1/me/profile",
        json={
            "name": "Rosa",
            "role": "admin",
            "ubigeo": "999999",
            "interests": [f"tema {i}" for i in range(30)],
        },
        headers=rosa.headers,
    )
    # THEN a problem lists each field
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert {"role", "ubigeo", "interests"} <= fields
    assert problem["detail"]


def test_a_national_id_on_another_profile_is_an_unverified_claim_answered_alike(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN Rosa with her DNI, and Juan who types the same number
    rosa, juan, ana = make_user(Role.SEEKER), make_user(Role.SEEKER), make_user(Role.SEEKER)
    client.put("/api/v1/me/profile", json=PROFILE, headers=rosa.headers)
    taken = client.put(
        "/api/v1/me/profile",
        json={"name": "Juan", "national_id": PROFILE["national_id"]},
        headers=juan.headers,
    )
    free = client.put(
        "/api/v1/me/profile", json={"name": "Ana", "national_id": "41234567"}, headers=ana.headers
    )
    # THEN both answers look alike: no one learns whose number is on file
    assert taken.status_code == free.status_code == 200
    assert taken.json()["national_id"] == "****8912"
    assert taken.json()["national_id_verified"] is free.json()["national_id_verified"] is False
    # AND Rosa keeps her claim (indexed), Juan's copy is not indexed
    rows = dict(
        seeded_session.execute(
            text("SELECT user_id, national_id_index FROM people WHERE user_id IN (:r, :j)"),
            {"r": rosa.id, "j": juan.id},
        ).all()
    )
    assert rows[rosa.id] is not None
    assert rows[juan.id] is None


def test_national_id_changes_are_rate_limited(client: Any, make_user: MakeUser) -> None:
    # GIVEN someone who tries number after number
    juan = make_user(Role.SEEKER)
    answers = [
        client.put(
            "/api/v1/me/profile",
            json={"name": "Juan", "national_id": f"4000000{n}"},
            headers=juan.headers,
        ).status_code
        for n in range(6)
    ]
    # THEN after five changes a day the sixth is refused
    assert answers == [200] * 5 + [429]
    # AND the rest of the profile can still be saved without touching the number
    same = client.put("/api/v1/me/profile", json={"name": "Juan P"}, headers=juan.headers)
    assert same.status_code == 200


def test_profile_data_is_encrypted_at_rest(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    rosa = make_user(Role.SEEKER)
    client.put("/api/v1/me/profile", json=PROFILE, headers=rosa.headers)
    # WHEN the raw row is read without the ORM
    raw = seeded_session.execute(
        text(
            "SELECT full_name, email, phone, national_id, self_description FROM people "
            "WHERE user_id = :u"
        ),
        {"u": rosa.id},
    ).one()
    # THEN no plaintext name, e-mail, phone or national id is stored
    dump = " ".join(str(v) for v in raw)
    for plain in ("Rosa", "rosa.quispe", "987", "45678912", "cajera"):
        assert plain not in dump


def test_describe_proposes_and_put_skills_confirms(
    client: Any, make_user: MakeUser, lexicon_extractor: Any
) -> None:
    rosa = make_user(Role.SEEKER)
    # WHEN the seeker describes what they can do
    response = client.post(
        "/api/v1/me/profile/describe",
        json={"text": "Trabajé de cajera y sé Excel.", "lang": "es"},
        headers=rosa.headers,
    )
    # THEN skills are proposed with evidence, none on the profile yet
    assert response.status_code == 200, response.text
    proposed = response.json()["skills"]
    assert proposed
    first = proposed[0]
    assert set(first) == {
        "id",
        "label",
        "esco_uri",
        "confidence",
        "evidence",
        "level",
        "already_on_profile",
    }
    assert not any(p["already_on_profile"] for p in proposed)
    listed = client.get("/api/v1/me/skills", headers=rosa.headers).json()
    assert listed["skills"] == []
    assert {s["id"] for s in listed["proposed"]} == {p["id"] for p in proposed}
    # WHEN they confirm one proposal and declare another skill
    other = "home_cooking"
    confirmed = client.put(
        "/api/v1/me/skills",
        json={"skills": [{"id": first["id"]}, {"id": other, "level": "avanzado"}]},
        headers=rosa.headers,
    )
    # THEN the proposal keeps its source and evidence; the new one is declared
    assert confirmed.status_code == 200, confirmed.text
    skills = {s["id"]: s for s in confirmed.json()["skills"]}
    assert skills[first["id"]]["source"] == "extracted"
    assert skills[first["id"]]["evidence"] == first["evidence"]
    assert skills[other] | {"label": None} == skills[other] | {
        "label": None,
        "source": "declared",
        "level": "advanced",
        "confirmed": True,
    }
    # AND the proposals not chosen are gone
    assert confirmed.json()["proposed"] == []
    # AND describing again marks what is already on the profile
    again = client.post(
        "/api/v1/me/profile/describe",
        json={"text": "Trabajé de cajera y sé Excel."},
        headers=rosa.headers,
    ).json()["skills"]
    assert {p["id"]: p["already_on_profile"] for p in again}[first["id"]] is True


def test_unknown_skill_ids_are_named(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    response = client.put(
        "/api/v1/me/skills",
        json={"skills": [{"id": "no_such_skill"}, {"id": "also_missing"}]},
        headers=rosa.headers,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "'no_such_skill'" in detail
    assert "'also_missing'" in detail


def test_extract_needs_a_login_and_bounds_the_text(
    client: Any, make_user: MakeUser, lexicon_extractor: Any
) -> None:
    employer = make_user(Role.EMPLOYER)
    url = "/api/v1/skills/extract"
    assert client.post(url, json={"text": "Excel"}).status_code == 401
    too_long = client.post(url, json={"text": "a" * 20_001}, headers=employer.headers)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "text"
    response = client.post(
        url,
        json={"text": "Sé usar Excel y atender al cliente", "lang": "en"},
        headers=employer.headers,
    )
    assert response.status_code == 200
    skills = response.json()["skills"]
    assert skills
    assert set(skills[0]) == {"id", "label", "esco_uri", "confidence", "evidence", "level"}


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.COUNSELOR, Role.ADMIN])
def test_non_seekers_have_no_profile(client: Any, make_user: MakeUser, role: Role) -> None:
    actor = make_user(role)
    response = client.get("/api/v1/me/profile", headers=actor.headers)
    assert response.status_code == 403
    assert "seeker" in response.json()["detail"]
