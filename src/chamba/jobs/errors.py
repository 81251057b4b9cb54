"""Errors of job postings; each renders as a problem+json response."""

from __future__ import annotations

from chamba.errors import ChambaError, Conflict, InvalidInput, NotFound


class JobNotFound(NotFound):
    def __init__(self, job_id: object) -> None:
        super().__init__(f"There is no job posting with id {job_id}.")


class NotJobOwner(ChambaError):
    status_code = 403
    title = "Forbidden"

    def __init__(self, job_id: object) -> None:
        super().__init__(
            f"Only the employer that published job {job_id} can do this; log in with the "
            "organisation's account."
        )


class InvalidJob(InvalidInput):
    """A posting that names unknown skills or occupations, or breaks a rule across fields."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class CannotReopen(Conflict):
    """Only a job closed recently (and not expired) can be reopened."""

    title = "Cannot reopen"
