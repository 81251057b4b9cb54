"""The anonymous "discover your skills" page runs the extractor: limited per address."""

from __future__ import annotations

from typing import Any

from chamba.web import csrf


def test_anonymous_discover_is_limited_per_address(web: Any, token: str) -> None:
    # GIVEN one anonymous extraction per address and hour
    web.app.state.settings = web.app.state.settings.model_copy(
        update={"anonymous_requests_per_address_per_hour": 1}
    )
    form = {"texto": "Sé coser y atender clientes", csrf.FIELD_NAME: token}
    first = web.post("/descubre", data=form)
    second = web.post("/descubre", data=form)
    # THEN the second is a page (not an error) saying to wait
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.headers["content-type"].startswith("text/html")
    assert "<form" in second.text
