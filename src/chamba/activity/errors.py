"""Errors of applications and feedback; each renders as a problem+json response."""

from __future__ import annotations

from chamba.errors import ChambaError, Conflict, InvalidInput, NotFound


class ApplicationNotFound(NotFound):
    def __init__(self, application_id: object) -> None:
        super().__init__(f"There is no application with id {application_id}.")


class NotYourApplication(ChambaError):
    status_code = 403
    title = "Forbidden"


class AlreadyApplied(Conflict):
    def __init__(self, job_id: int) -> None:
        super().__init__(
            f"You already applied to job {job_id}; follow it in GET /api/v1/me/applications."
        )


class JobNotOpen(Conflict):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"Job {job_id} is not open for applications (closed, filled or expired).")


class InvalidTransition(Conflict):
    title = "Invalid status change"


class InvalidFeedback(InvalidInput):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])
