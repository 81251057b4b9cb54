"""The OpenAPI document declares every error as problem+json, and every input is bounded."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.api_fixtures import MakeUser

from chamba.auth.models import Role
from chamba.problems import MAX_BODY_BYTES, PROBLEM_JSON

API = "/api/v1"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The served OpenAPI document (building it touches no database)."""
    from fastapi.testclient import TestClient

    from chamba.api.app import create_app
    from chamba.config import load_settings
    from chamba.db import make_engine

    root: Path = tmp_path_factory.mktemp("openapi")
    engine = make_engine(f"sqlite:///{root / 'unused.db'}")
    app = create_app(load_settings(data_dir=str(root / "data")), engine)
    response = TestClient(app).get(f"{API}/openapi.json")
    assert response.status_code == 200
    yield response.json()
    engine.dispose()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _takes_input(operation: dict[str, Any]) -> bool:
    return bool(
        operation.get("parameters") or operation.get("requestBody") or operation.get("security")
    )


def test_every_operation_that_takes_input_declares_a_problem_response(
    spec: dict[str, Any],
) -> None:
    # GIVEN the operations of the document (only /health takes no input at all)
    missing = []
    no_input = []
    for name, operation in _operations(spec):
        if not _takes_input(operation):
            no_input.append(name)
            continue
        # THEN each declares at least one 4xx answer, as a problem document
        client_errors = [
            response
            for code, response in operation["responses"].items()
            if code.startswith("4") and PROBLEM_JSON in response.get("content", {})
        ]
        if not client_errors:
            missing.append(name)
    assert missing == []
    assert no_input == ["GET /health"]


def test_every_error_response_is_a_problem_document(spec: dict[str, Any]) -> None:
    wrong = [
        f"{name} {code}: {sorted(response.get('content', {}))}"
        for name, operation in _operations(spec)
        for code, response in operation["responses"].items()
        if code[0] in "45"
        and response.get("content")
        != {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    ]
    assert wrong == []
    schemas = spec["components"]["schemas"]
    assert {"type", "title", "status", "detail"} <= set(schemas["Problem"]["required"])
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 body is never sent


def _bounded(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    numbers = [s for s in options if s.get("type") in ("integer", "number")]
    return all(
        ("minimum" in s or "exclusiveMinimum" in s) and ("maximum" in s or "exclusiveMaximum" in s)
        for s in numbers
    )


def test_every_numeric_parameter_is_bounded(spec: dict[str, Any]) -> None:
    # An id or page past what a database column holds is refused (422), never a 500.
    unbounded = [
        f"{name} {parameter['in']}:{parameter['name']}"
        for name, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if not _bounded(parameter["schema"])
    ]
    assert unbounded == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x80{", "could not be read; send JSON text in UTF-8"),  # not UTF-8
        (b'{"email": ', None),  # not JSON
    ],
)
def test_a_body_that_is_not_json_is_invalid_input(
    client: Any, content: bytes, reason: str | None
) -> None:
    # WHEN a body cannot even be decoded
    response = client.post(
        f"{API}/auth/login", content=content, headers={"Content-Type": "application/json"}
    )
    # THEN it is a 422 problem naming the body, like any other invalid input
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert reason is None or error["reason"] == reason


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PATCH", f"{API}/admin/users/{2**63}"),
        ("GET", f"{API}/people/99999999999999999999999/profile"),
        ("GET", f"{API}/admin/audit?actor_id={2**64}"),
        ("GET", f"{API}/admin/users?page={2**62}"),
        ("DELETE", f"{API}/me/counselors/{2**40}"),
        ("GET", f"{API}/insights/funnel?since=0001-01-01T00:00:00%2B01:00"),
    ],
)
def test_ids_pages_and_times_past_any_row_are_invalid_input(
    client: Any, make_user: MakeUser, method: str, url: str
) -> None:
    # GIVEN a user allowed to call the operation
    role = Role.SEEKER if "/me/" in url else Role.ANALYST if "/insights/" in url else Role.ADMIN
    actor = make_user(role)
    # WHEN an id or page is larger than any database column holds (or a time than UTC holds)
    body = {"name": "X"} if method == "PATCH" else None
    response = client.request(method, url, json=body, headers=actor.headers)
    # THEN it is refused as invalid input, naming the parameter (not a 500 from the database)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["errors"]


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused(client: Any, streamed: bool) -> None:
    # GIVEN a body larger than any the API takes (announced by its length, or streamed)
    body = b'{"email": "' + b"a" * (MAX_BODY_BYTES + 10) + b'"}'
    content: Any = iter([body[:1000], body[1000:]]) if streamed else body
    # WHEN it is sent
    response = client.post(
        f"{API}/auth/login", content=content, headers={"Content-Type": "application/json"}
    )
    # THEN it is a 413 problem, not read whole and not a crash
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "1,048,576 bytes" in response.json()["detail"]


def _request_schemas(spec: dict[str, Any]) -> set[str]:
    """Names of the component schemas that request bodies use (directly or nested)."""
    components = spec["components"]["schemas"]
    todo = [json.dumps(op["requestBody"]) for _, op in _operations(spec) if "requestBody" in op]
    seen: set[str] = set()
    while todo:
        for name in re.findall(r"#/components/schemas/([\w.-]+)", todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(json.dumps(components[name]))
    return seen


def _integers(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            yield where, schema
        for key, value in schema.items():
            yield from _integers(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _integers(value, f"{where}[{i}]")


def test_every_id_of_a_request_body_is_bounded(spec: dict[str, Any]) -> None:
    # An id past what a database column holds is refused (422), never a 500. (Counts such as
    # hours go through the shared bounded parsers, which the fuzz test exercises.)
    components = spec["components"]["schemas"]
    unbounded = [
        where
        for name in sorted(_request_schemas(spec))
        for where, schema in _integers(components[name], name)
        if re.search(r"(^|_|\.)id\b", where.split(".properties.")[-1])
        and "maximum" not in schema
        and "exclusiveMaximum" not in schema
    ]
    assert unbounded == []


def test_a_counselor_id_past_any_row_is_invalid_input(client: Any, make_user: MakeUser) -> None:
    seeker = make_user(Role.SEEKER)
    for huge in (2**31, 2**63):
        response = client.post(
            f"{API}/me/counselors", json={"counselor_id": huge}, headers=seeker.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "counselor_id"
