"""The one check of an API error: an ``application/problem+json`` document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Response(Protocol):
    """What the check reads of a response (httpx's and the test client's both fit)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


def assert_problem(
    response: Response, status: int, *words: str, field: str | None = None
) -> dict[str, Any]:
    """The response is a problem+json document of ``status``; returns its body.

    Args:
        response: the HTTP response.
        status: the expected status (in the response and in the document).
        words: each must appear (any case) in the document's ``detail``.
        field: a field the document's ``errors`` must name (``query.``/``path.`` prefixes and
            sub-fields allowed).
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert len(body["detail"]) > 15, body
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    if field is not None:
        fields = [
            e["field"].removeprefix("query.").removeprefix("path.") for e in body.get("errors", [])
        ]
        assert any(f == field or f.startswith(field + ".") for f in fields), (field, body)
    return body
