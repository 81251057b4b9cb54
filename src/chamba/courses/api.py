"""Course routes: public search and reading; providers publish, change and close their own.

A provider account without an organisation gets one, named after the account, on its first
course. ``DELETE`` closes a course (status ``closed``); it is never erased.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from chamba.auth.deps import OptionalUser
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.courses import service
from chamba.courses.deps import OwnedCourse, ProviderUser, ValidCourse
from chamba.courses.errors import CourseNotFound, InvalidCourse, NotCourseOwner
from chamba.courses.models import CourseStatus, Modality
from chamba.courses.schemas import CourseCreate, CourseOut, CoursePage, CourseUpdate
from chamba.deps import SessionDep
from chamba.nlp.deps import EncoderDep
from chamba.orgs import service as org_service
from chamba.orgs.models import OrgKind
from chamba.problems import responses

router = APIRouter(tags=["courses"])
_write_errors = (NotAuthenticated, RoleRequired, NotCourseOwner, CourseNotFound)


@router.get("/courses", summary="Search courses (public)")
def search_courses(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2}(\d{2}(\d{2})?)?$")] = None,
    modality: Modality | None = None,
    max_cost: Annotated[Decimal | None, Query(ge=0, le=10_000_000)] = None,
    free: bool | None = None,
    status: Literal["open", "closed"] = "open",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CoursePage:
    return service.search_courses(
        session, q=q, region=region, modality=modality, max_cost=max_cost, free=free,
        status=CourseStatus(status), page=page, per_page=per_page,
    )  # fmt: skip


@router.post(
    "/courses",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a course (providers)",
    responses=responses(NotAuthenticated, RoleRequired, InvalidCourse),
)
def create_course(
    data: CourseCreate, user: ProviderUser, session: SessionDep, encoder: EncoderDep
) -> CourseOut:
    org = org_service.account_organisation(session, OrgKind.PROVIDER, user)
    course = service.publish_course(
        session, data, provider_id=org.id, lang=user.language, encoder=encoder
    )
    return service.present(session, [service.get_course(session, course.id)], lang=user.language)[0]


@router.get("/courses/{course_id}", summary="One course", responses=responses(CourseNotFound))
def get_course(course: ValidCourse, session: SessionDep, user: OptionalUser) -> CourseOut:
    return service.present(session, [course], lang=user.language if user else "es")[0]


@router.patch(
    "/courses/{course_id}",
    summary="Change a course (its provider)",
    responses=responses(*_write_errors, InvalidCourse),
)
def update_course(
    course: OwnedCourse, data: CourseUpdate, user: ProviderUser, session: SessionDep
) -> CourseOut:
    sent = data.model_dump(include=data.model_fields_set)
    try:
        merged = service.merged_change(course, sent)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    service.update_course(session, course, merged, skills_given="skills" in sent)
    return service.present(session, [service.get_course(session, course.id)], lang=user.language)[0]


@router.delete(
    "/courses/{course_id}",
    summary="Close a course (its provider)",
    responses=responses(*_write_errors),
)
def close_course(course: OwnedCourse, user: ProviderUser, session: SessionDep) -> CourseOut:
    service.close_course(session, course)
    return service.present(session, [course], lang=user.language)[0]
