"""Errors of courses; each renders as a problem+json response."""

from __future__ import annotations

from chamba.errors import ChambaError, InvalidInput, NotFound


class CourseNotFound(NotFound):
    def __init__(self, course_id: object) -> None:
        super().__init__(f"There is no course with id {course_id}.")


class NotCourseOwner(ChambaError):
    status_code = 403
    title = "Forbidden"

    def __init__(self, course_id: object) -> None:
        super().__init__(
            f"Only the provider that published course {course_id} can do this; log in with the "
            "organisation's account."
        )


class InvalidCourse(InvalidInput):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])
