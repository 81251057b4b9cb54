"""Page addresses with an id no row can have are 404 pages, never a 500 from the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from tests.web.conftest import MakeWebUser, login_as

from chamba.auth.models import Role
from chamba.params import MAX_ID


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole)
            yield from _routes(route.original_router.routes)


def test_every_integer_in_a_page_address_is_bounded(web: Any) -> None:
    # Every web route's integer path parameter declares the largest id a row can have.
    unbounded = []
    routes = [r for r in _routes(web.app.routes) if not r.path.startswith("/api/")]
    assert any("{job_id}" in r.path for r in routes)
    for route in routes:
        for param in route.dependant.path_params:
            if param.field_info.annotation is not int:
                continue
            limits = [getattr(m, "le", None) for m in param.field_info.metadata]
            if MAX_ID not in limits:
                unbounded.append(f"{route.path} {param.name}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.SEEKER, f"/empleos/{2**63}"),
        (Role.SEEKER, f"/empleos/{2**31}/ruta"),
        (Role.EMPLOYER, f"/empleador/ofertas/{2**64}"),
        (Role.COUNSELOR, f"/consejeria/personas/{2**40}"),
    ],
)
def test_a_huge_id_in_a_page_address_is_not_found(
    web: Any, make_web_user: MakeWebUser, role: Role, url: str
) -> None:
    login_as(web, make_web_user(role))
    response = web.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
