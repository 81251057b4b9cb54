"""Errors of the data rights (export and erasure); each renders as a problem+json response."""

from __future__ import annotations

from chamba.errors import ChambaError


class StaffErasureRefused(ChambaError):
    status_code = 403
    title = "Forbidden"

    def __init__(self, role: str) -> None:
        super().__init__(
            f"Accounts with the role '{role}' cannot erase themselves here: ask an "
            "administrator to close the account."
        )
