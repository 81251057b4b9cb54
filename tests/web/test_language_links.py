"""The language links of any page (the 404 page included) stay on this site."""

from __future__ import annotations

from typing import Any


def test_a_page_address_starting_with_two_slashes_links_nowhere_else(web: Any) -> None:
    # GIVEN an address a phisher would send: //evil.example (protocol-relative)
    response = web.get("http://testserver//evil.example/login")
    # THEN the 404 page's language links point at this site
    assert response.status_code == 404
    assert 'href="//evil.example' not in response.text
    assert 'href="/evil.example/login?lang=' in response.text
