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


class NotEnrolled(Conflict):
    """A provider recorded a completion for someone who never said they enrolled."""

    def __init__(self, course_id: int, person_id: int) -> None:
        super().__init__(
            f"Person {person_id} has not said they enrolled in course {course_id}; only people "
            "who enrolled can be recorded as having completed it."
        )


class NotCourseProvider(ChambaError):
    """Only the organisation that offers a course records who completed it."""

    status_code = 403
    title = "Forbidden"
