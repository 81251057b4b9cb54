"""Object-level authorisation of profile, privacy, counselor and audit endpoints.

Each endpoint is tried by every kind of caller against the same seeker's data; the test asserts
the exact status. Rules: a seeker only reaches their own profile (routes under ``/me``); other
roles have no seeker profile (403); counselors see only people who granted them access — for
anyone else the answer is 404, the same as for an id that does not exist; administrators may
read any profile and the audit log; nobody anonymous gets past 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tests.support.api_fixtures import PASSWORD, Actor, MakeUser

from chamba.auth.models import Role

CALLERS = (
    "seeker",
    "other_seeker",
    "employer",
    "provider",
    "counselor_granted",
    "counselor_other",
    "analyst",
    "admin",
    "anonymous",
)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: dict[str, Any] | None
    #: The status for each caller; callers not named get ``default``.
    expected: dict[str, int]
    default: int = 403


SEEKERS_ONLY = {"seeker": 200, "other_seeker": 200, "anonymous": 401}
ANY_LOGIN = dict.fromkeys(CALLERS, 200) | {"anonymous": 401}
GRANTED_COUNSELOR = {"counselor_granted": 200, "counselor_other": 404, "anonymous": 401}

CASES: dict[str, Case] = {
    "get profile": Case("GET", "/me/profile", None, SEEKERS_ONLY),
    "put profile": Case("PUT", "/me/profile", {"name": "Nombre Nuevo"}, SEEKERS_ONLY),
    "describe": Case("POST", "/me/profile/describe", {"text": "Sé usar Excel"}, SEEKERS_ONLY),
    "get skills": Case("GET", "/me/skills", None, SEEKERS_ONLY),
    "put skills": Case("PUT", "/me/skills", {"skills": [{"id": "cash_register"}]}, SEEKERS_ONLY),
    "extract": Case("POST", "/skills/extract", {"text": "Sé usar Excel"}, ANY_LOGIN),
    "export": Case("GET", "/me/export", None, ANY_LOGIN),
    "erase": Case(
        "DELETE",
        "/me",
        {"current_password": PASSWORD},
        {"seeker": 204, "other_seeker": 204, "employer": 204, "provider": 204, "anonymous": 401},
    ),
    "grant": Case(
        "POST",
        "/me/counselors",
        {"counselor_id": "{counselor_granted}"},
        {"seeker": 201, "other_seeker": 201, "anonymous": 401},
    ),
    "list grants": Case("GET", "/me/counselors", None, SEEKERS_ONLY),
    "revoke": Case(
        "DELETE",
        "/me/counselors/{counselor_granted}",
        None,
        {"seeker": 204, "other_seeker": 404, "anonymous": 401},
    ),
    "counselor people": Case(
        "GET",
        "/counselor/people",
        None,
        {"counselor_granted": 200, "counselor_other": 200, "anonymous": 401},
    ),
    "person profile": Case(
        "GET", "/people/{person}/profile", None, GRANTED_COUNSELOR | {"admin": 200}
    ),
    "person pathways": Case(
        "GET", "/people/{person}/pathways?occupation=farm_labourer", None, GRANTED_COUNSELOR
    ),
    "person matches": Case("GET", "/people/{person}/matches/jobs", None, GRANTED_COUNSELOR),
    "person notes": Case("GET", "/people/{person}/notes", None, GRANTED_COUNSELOR),
    "write note": Case(
        "POST",
        "/people/{person}/notes",
        {"body": "Nota"},
        GRANTED_COUNSELOR | {"counselor_granted": 201},
    ),  # fmt: skip
    "audit": Case("GET", "/admin/audit", None, {"admin": 200, "anonymous": 401}),
}

ROLES = {
    "seeker": Role.SEEKER,
    "other_seeker": Role.SEEKER,
    "employer": Role.EMPLOYER,
    "provider": Role.PROVIDER,
    "counselor_granted": Role.COUNSELOR,
    "counselor_other": Role.COUNSELOR,
    "analyst": Role.ANALYST,
    "admin": Role.ADMIN,
}


@pytest.fixture
def actors(client: Any, make_user: MakeUser) -> dict[str, Actor]:
    """One user per caller; ``seeker`` granted ``counselor_granted`` access."""
    made = {name: make_user(role) for name, role in ROLES.items()}
    granted = client.post(
        "/api/v1/me/counselors",
        json={"counselor_id": made["counselor_granted"].id},
        headers=made["seeker"].headers,
    )
    assert granted.status_code == 201
    return made


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.usefixtures("lexicon_extractor", "no_match_indexes")
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case_name", list(CASES))
def test_each_caller_gets_exactly_the_allowed_status(
    client: Any, actors: dict[str, Actor], case_name: str, caller: str
) -> None:
    # GIVEN the seeker's data and a caller of some role
    case = CASES[case_name]
    seeker = actors["seeker"]
    assert seeker.person is not None
    ids = {"person": seeker.person.id} | {name: a.id for name, a in actors.items()}
    headers = actors[caller].headers if caller != "anonymous" else {}
    # WHEN the caller calls the endpoint
    response = client.request(
        case.method,
        "/api/v1" + _fill(case.path, ids),
        json=_fill(case.body, ids) if case.body is not None else None,
        headers=headers,
    )
    # THEN the status is exactly the allowed one, and errors are problem documents
    expected = case.expected.get(caller, case.default)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]


def test_a_counselor_cannot_tell_a_missing_person_from_an_ungranted_one(
    client: Any, actors: dict[str, Actor]
) -> None:
    other = actors["counselor_other"]
    seeker = actors["seeker"]
    assert seeker.person is not None
    ungranted = client.get(f"/api/v1/people/{seeker.person.id}/profile", headers=other.headers)
    missing = client.get("/api/v1/people/999999999/profile", headers=other.headers)
    assert ungranted.status_code == missing.status_code == 404
    assert ungranted.json()["title"] == missing.json()["title"]
