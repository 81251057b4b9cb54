"""Taxonomy routes: search in both languages, lookups, problem+json for unknown ids."""

from __future__ import annotations

from typing import Any


def test_skill_search_finds_informal_spanish_and_english(client: Any) -> None:
    # WHEN someone types an informal word without accents
    spanish = client.get("/api/v1/skills", params={"q": "atencion al cliente", "limit": 5})
    english = client.get("/api/v1/skills", params={"q": "customer service", "lang": "en"})
    # THEN the same catalogue skill comes first, with the contract's fields
    assert spanish.status_code == 200
    first = spanish.json()["items"][0]
    assert {"id", "label", "esco_uri"} <= set(first)
    assert first["label"] == "Atención al cliente"
    assert english.json()["items"][0]["id"] == first["id"]
    assert english.json()["items"][0]["label"] == english.json()["items"][0]["label_en"]


def test_occupation_search_returns_isco_codes(client: Any) -> None:
    response = client.get("/api/v1/occupations", params={"q": "albañil"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items
    assert all(len(item["isco_code"]) == 4 for item in items)
    detail = client.get(f"/api/v1/occupations/{items[0]['id']}").json()
    assert detail["essential_skills"]


def test_unknown_ids_and_bad_parameters_are_problem_documents(client: Any) -> None:
    missing = client.get("/api/v1/skills/no-such-skill")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "no-such-skill" in missing.json()["detail"]
    bad = client.get("/api/v1/skills", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.limit"


def test_empty_query_gives_an_empty_list(client: Any) -> None:
    assert client.get("/api/v1/skills", params={"q": "   "}).json() == {"items": []}
