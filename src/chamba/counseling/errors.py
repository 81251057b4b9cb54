"""Errors of counselor access; each renders as a problem+json response.

A person a counselor may not see is :class:`~chamba.people.errors.PersonNotFound` (with
:data:`GRANT_HINT`), the same answer as an unknown id, so ids cannot be probed.
"""

from __future__ import annotations

from chamba.errors import InvalidInput, NotFound

#: What a counselor is told with a person they cannot see.
GRANT_HINT = "A person must grant you access first (POST /api/v1/me/counselors)."


class CounselorNotFound(InvalidInput):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"There is no active counselor with id {user_id}.")


class GrantNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"Counselor {user_id} has no access to your profile; nothing to revoke.")
