"""Request dependencies of courses: ``ValidCourse`` and ``OwnedCourse`` (the provider's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from chamba.auth.deps import require_roles
from chamba.auth.models import Role, User
from chamba.courses import service
from chamba.courses.errors import NotCourseOwner
from chamba.courses.models import Course
from chamba.deps import SessionDep

CourseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The course's id.")]
ProviderUser = Annotated[User, Depends(require_roles(Role.PROVIDER))]


def valid_course_id(course_id: CourseId, session: SessionDep) -> Course:
    """The course of the path (skills loaded), or :class:`CourseNotFound`."""
    return service.get_course(session, course_id)


ValidCourse = Annotated[Course, Depends(valid_course_id)]


def owned_course(user: ProviderUser, course_id: CourseId, session: SessionDep) -> Course:
    """The course, when the signed-in provider's organisation published it (else 403)."""
    course = service.get_course(session, course_id)
    if user.organisation_id is None or course.provider_id != user.organisation_id:
        raise NotCourseOwner(course.id)
    return course


OwnedCourse = Annotated[Course, Depends(owned_course)]
