"""Transport security: ``Strict-Transport-Security`` on every answer given over https."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: One year, this host and its subdomains (browsers then refuse plain http for them).
HSTS: Final = "max-age=31536000; includeSubDomains"


class StrictTransportSecurity:
    """Add HSTS to every response of a request that came over https.

    Install it inside the trusted-proxy middleware, so that ``https`` seen by the ingress (and
    only a trusted ingress) counts. Over plain http the header would mean nothing, and is left out.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_hsts)
