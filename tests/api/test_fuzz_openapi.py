"""Fuzz every operation of the OpenAPI document with schemathesis.

Each operation gets a bounded number of generated requests, sent to the ASGI app in-process, in
four variants: valid requests as the role that owns the operation on seeded objects (``real``,
for operations with path parameters) and on random ids (``valid``), invalid requests as that role
(``invalid``), and a few valid requests with a generated or no token (``stranger``). Every answer
must be no 5xx, of a declared status and content type, and match the declared schema
(``application/problem+json`` for every error).

The app runs on its own throwaway SQLite database (not the per-test rolled-back session: the
fuzz commits for real), seeded through the API with one user of each role, two seeker profiles
(one for ``DELETE /me``), a counselor grant, jobs, courses and an application, so authenticated
operations reach their handlers' logic. SQLite only: the inputs exercise the API layer, running
them on PostgreSQL too would double the time for little gain, and the database bounds (integer
ids, UTC times) are enforced before any query. About a minute on 2 cores.

Matching uses a fast hashed encoder and skill extraction uses labels only: no model loads.
Generation is derandomized so a failure reproduces in CI; ``CHAMBA_FUZZ_EXAMPLES`` (default 25)
sets the examples per operation and variant for a deeper local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session
from tests.support.encoders import HashEncoder
from tests.support.factories import course_body, job_body, skill_ids

from chamba.auth import security
from chamba.auth.models import AuthSession, Role, User
from chamba.config import get_settings, load_settings
from chamba.db import blind_index, make_engine, utcnow
from chamba.matching.store import IndexStore
from chamba.nlp import service as nlp_service
from chamba.nlp.extraction import SkillExtractor
from chamba.orgs.models import Organisation, OrgKind

API = "/api/v1"
#: Generated requests per operation and mode (valid / invalid); raise it for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("CHAMBA_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _user(session: Session, role: Role, label: str, **fields: Any) -> tuple[int, dict[str, str]]:
    """A user of ``role`` with a login session; returns its id and bearer header."""
    email = f"fuzz-{label}@example.pe"
    cheap = load_settings(
        password_hash_time_cost=1, password_hash_memory_kib=1024, password_hash_parallelism=1
    )
    user = User(
        email=email,
        email_index=blind_index(email),
        password_hash=security.hash_password("cafe con leche 42", cheap),
        role=role,
        name=f"Fuzz {label}",
        is_active=True,
        **fields,
    )
    session.add(user)
    session.flush()
    now = utcnow()
    login = AuthSession(user_id=user.id, created_at=now, expires_at=now + timedelta(days=1))
    session.add(login)
    session.flush()
    token, _ = security.create_access_token(
        user_id=user.id, role=role.value, session_id=login.public_id, now=now,
        settings=get_settings(),
    )  # fmt: skip
    return user.id, {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """What the fuzz acts as and on: bearer headers per actor, and the ids of seeded objects."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _seed(app: FastAPI) -> World:
    """Users of every role and some data, made through the API where it has an operation."""
    world = World()
    with app.state.session_factory() as session:
        employer_org = Organisation(kind=OrgKind.EMPLOYER, name="Taller Fuzz SAC")
        provider_org = Organisation(kind=OrgKind.PROVIDER, name="Instituto Fuzz")
        session.add_all([employer_org, provider_org])
        session.flush()
        actors = {
            "seeker": (Role.SEEKER, {}),
            "erasable": (Role.SEEKER, {}),  # DELETE /me erases this one
            "leaver": (Role.SEEKER, {}),  # POST /auth/logout ends this one's login
            "victim": (Role.EMPLOYER, {}),  # PATCH /admin/users/{id} edits this one
            "employer": (Role.EMPLOYER, {"organisation_id": employer_org.id}),
            "provider": (Role.PROVIDER, {"organisation_id": provider_org.id}),
            "counselor": (Role.COUNSELOR, {}),
            "analyst": (Role.ANALYST, {}),
            "admin": (Role.ADMIN, {}),
        }
        for label, (role, fields) in actors.items():
            user_id, world.headers[label] = _user(session, role, label, **fields)
            world.ids[f"user:{label}"] = user_id
        skills = skill_ids(session)
        session.commit()
    client = TestClient(app)  # no lifespan: the fixture prepared the database

    def call(method: str, path: str, actor: str, body: Any, expected: int = 200) -> Any:
        response = client.request(method, API + path, json=body, headers=world.headers[actor])
        assert response.status_code == expected, response.text
        return response.json()

    profile = {
        "name": "Rosa Quispe",
        "ubigeo": "150115",
        "self_description": "Trabajé de cajera y sé atención al cliente.",
        "availability": {"hours_per_week": 30, "slots": ["mon_morning"]},
        "consent_visible": True,
        "consent_contact": True,
    }
    for who in ("seeker", "erasable"):
        world.ids[f"person:{who}"] = call("PUT", "/me/profile", who, profile)["id"]
    grant = {"counselor_id": world.ids["user:counselor"]}
    call("POST", "/me/counselors", "seeker", grant, 201)
    for name in ("job", "spare_job"):
        world.ids[name] = call("POST", "/jobs", "employer", job_body(skills), 201)["id"]
    for name in ("course", "spare_course"):
        world.ids[name] = call("POST", "/courses", "provider", course_body(skills), 201)["id"]
    applied = call("POST", f"/jobs/{world.ids['job']}/applications", "seeker", {}, 201)
    world.ids["application"] = applied["id"]
    return world


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    from chamba.api.app import create_app, prepare_database

    root = tmp_path_factory.mktemp("fuzz")
    app_settings = load_settings(data_dir=str(root / "data"))
    engine = make_engine(f"sqlite:///{root / 'fuzz.db'}")
    prepare_database(engine)
    app = create_app(app_settings, engine)
    # Matching on a fast hashed encoder, kept up to date by the real upkeep hooks.
    app.state.index_store = IndexStore(root / "data", HashEncoder(), index_kind="flat", cache=False)
    with app.state.session_factory() as session:
        extractor = SkillExtractor.from_session(session, semantic=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nlp_service, "get_extractor", lambda *a, **k: extractor)
        app.state.fuzz_world = _seed(app)
        yield app
    engine.dispose()


class _WithoutLifespan:
    """The app minus its lifespan: the fixture already prepared the database, and schemathesis
    would otherwise start and stop the app (migrations included) around every test."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi(f"{API}/openapi.json", _WithoutLifespan(fuzz_app))


def _actor(method: str, path: str) -> str | None:
    """The role that owns an operation, so the fuzz reaches its handler (None: anonymous)."""
    route = path.removeprefix(API)
    if method == "DELETE" and route == "/me":
        return "erasable"  # account erasure: a seeker of its own, so the others keep working
    if route in ("/auth/logout", "/auth/logout-everywhere", "/auth/password"):
        return "leaver"  # ends its login: the other actors' tokens must survive the fuzz
    if route.startswith("/auth/register") or route.startswith("/auth/login"):
        return None
    if route.startswith("/admin"):
        return "admin"
    if route.startswith("/insights"):
        return "analyst"
    if route.startswith(("/counselor", "/people")):
        return "counselor"
    if route.startswith("/courses") and method != "GET":
        return "provider"
    if route.startswith("/jobs"):
        return "seeker" if method == "POST" and route.endswith("/applications") else "employer"
    if route.startswith(("/me", "/applications", "/feedback", "/skills/extract", "/auth")):
        return "seeker"
    return None


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI document, known without building it."""
    from fastapi.routing import APIRoute

    from chamba.api.app import api_routers

    ops = [
        (method, API + route.path)
        for router in api_routers()
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in sorted(route.methods)
    ]
    return [*ops, ("GET", "/health")]


OPERATIONS = _operations()


def test_the_fuzz_covers_every_operation(api_schema: Any) -> None:
    documented = {
        (method.upper(), path)
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
    }
    assert documented == set(OPERATIONS)


def _targets(method: str, path: str, ids: dict[str, int]) -> dict[str, int]:
    """Path parameters that name seeded objects, so valid requests reach the handlers' logic.

    Destructive operations get objects of their own; revoking a counselor keeps random ids (the
    counselor's access is what the ``/people`` operations need).
    """
    spare = method in ("PATCH", "DELETE")
    by_name = {
        "job_id": ids["spare_job" if spare else "job"],
        "course_id": ids["spare_course" if spare else "course"],
        "person_id": ids["person:seeker"],
        "application_id": ids["application"],
        "user_id": ids["user:victim"],
    }
    return {name: value for name, value in by_name.items() if "{" + name + "}" in path}


#: (variant, examples): valid requests as the owner on seeded objects (``real``) and on random
#: ids, invalid requests as the owner, and valid requests with a generated or no token.
VARIANTS = [
    ("real", MAX_EXAMPLES),
    ("valid", MAX_EXAMPLES),
    ("invalid", MAX_EXAMPLES),
    ("stranger", max(1, MAX_EXAMPLES // 5)),
]
CASES = [
    pytest.param(method, path, variant, examples, id=f"{method} {path} {variant}")
    for method, path in OPERATIONS
    for variant, examples in VARIANTS
    if variant != "real" or "{" in path
]


@pytest.mark.parametrize(("method", "path", "variant", "examples"), CASES)
def test_no_input_makes_the_api_fail_or_break_its_schema(
    api_schema: Any, fuzz_app: FastAPI, method: str, path: str, variant: str, examples: int
) -> None:
    # GIVEN an operation, called as the role that owns it (or as a stranger)
    world: World = fuzz_app.state.fuzz_world
    role = _actor(method, path)
    options: dict[str, Any] = {}
    if role is not None and variant != "stranger":
        options["headers"] = world.headers[role]
    if variant == "real":
        options["path_parameters"] = _targets(method, path, world.ids)
    mode = GenerationMode.NEGATIVE if variant == "invalid" else GenerationMode.POSITIVE
    strategy = api_schema[path][method].as_strategy(mode, **options)

    # WHEN it receives generated valid (or invalid) requests
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        # THEN no answer is a server error, and each matches its declared status, type and schema
        case.call_and_validate(checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:
        # Nothing invalid can be sent (e.g. a free-text path segment): the valid runs cover it.
        assert mode == GenerationMode.NEGATIVE


def test_the_actors_logins_survive_the_fuzz(fuzz_app: FastAPI) -> None:
    # Runs after the fuzz: only the actors of logout, erasure and deactivation lost their login,
    # so every other operation was fuzzed with a working token (not 401 from some point on).
    world: World = fuzz_app.state.fuzz_world
    client = TestClient(fuzz_app)
    alive = {
        actor: client.get(f"{API}/auth/me", headers=headers).status_code
        for actor, headers in world.headers.items()
        if actor not in ("erasable", "leaver", "victim")  # victim: deactivated by PATCH
    }
    assert alive == dict.fromkeys(alive, 200)
