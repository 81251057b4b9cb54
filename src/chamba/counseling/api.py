"""Counselor access.

Seekers: ``POST/GET /me/counselors``, ``DELETE /me/counselors/{counselor_id}``.
Counselors: ``GET /counselor/people`` and, for people who granted them access,
``GET /people/{id}/profile|pathways|matches/jobs|notes`` and ``POST /people/{id}/notes``.
Administrators may read any ``/people/{id}/profile`` (support). Everything a counselor or an
administrator reads or writes about a person is written to the audit log.

Authorisation: a role that never sees people (seeker, employer, provider, analyst) gets a 403;
a counselor asking for a person who has not granted them access gets a **404**, the same as for
an id that does not exist, so that ids cannot be probed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from chamba.audit.deps import AuditDep
from chamba.auth.deps import require_roles
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.auth.models import Role, User
from chamba.counseling import service
from chamba.counseling.errors import CounselorNotFound, GrantNotFound
from chamba.counseling.schemas import (
    GrantIn,
    GrantList,
    GrantOut,
    NoteIn,
    NoteList,
    NoteOut,
    PersonPage,
)
from chamba.deps import SessionDep
from chamba.errors import InvalidInput, NotFound
from chamba.jobs import service as job_service
from chamba.jobs.errors import JobNotFound
from chamba.matching import service as matching_service
from chamba.matching.course_options import CourseConstraints
from chamba.matching.deps import IndexesDep
from chamba.matching.pathways.planner import plan_pathway
from chamba.matching.pathways.schemas import Pathway
from chamba.matching.schemas import JobsRequest, MatchPage
from chamba.params import MAX_ID, Page, PersonId
from chamba.people import service as people_service
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NotASeeker, PersonNotFound
from chamba.people.models import Person
from chamba.people.schemas import ProfileOut
from chamba.problems import responses

router = APIRouter(tags=["counseling"])

CounselorUser = Annotated[User, Depends(require_roles(Role.COUNSELOR))]
CounselorOrAdmin = Annotated[User, Depends(require_roles(Role.COUNSELOR, Role.ADMIN))]
_me_errors = (NotAuthenticated, NotASeeker)
_staff_errors = (NotAuthenticated, RoleRequired, PersonNotFound)


def granted_person(person_id: PersonId, counselor: CounselorUser, session: SessionDep) -> Person:
    """The person ``person_id`` if they granted the current counselor access (else 404)."""
    return service.visible_person(session, counselor, person_id)


GrantedPerson = Annotated[Person, Depends(granted_person)]


# --- the seeker's side -------------------------------------------------------------------------


@router.post(
    "/me/counselors",
    status_code=status.HTTP_201_CREATED,
    summary="Let a counselor see my profile, pathways and matches",
    responses=responses(*_me_errors, CounselorNotFound),
)
def grant(data: GrantIn, person: CurrentPerson, session: SessionDep) -> GrantOut:
    row, counselor = service.grant_access(session, person, data.counselor_id)
    return GrantOut(
        counselor_id=counselor.id, counselor_name=counselor.name, granted_at=row.granted_at
    )


@router.get(
    "/me/counselors",
    summary="Counselors who can see my profile",
    responses=responses(*_me_errors),
)
def list_grants(person: CurrentPerson, session: SessionDep) -> GrantList:
    return GrantList(items=service.grants(session, person))


@router.delete(
    "/me/counselors/{counselor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a counselor's access away (at once)",
    responses=responses(*_me_errors, GrantNotFound),
)
def revoke(
    counselor_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The counselor's user id.")],
    person: CurrentPerson,
    session: SessionDep,
) -> Response:
    service.revoke_access(session, person, counselor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the counselor's side ----------------------------------------------------------------------


@router.get(
    "/counselor/people",
    summary="People who let me see their profile (counselors)",
    responses=responses(NotAuthenticated, RoleRequired),
)
def my_people(
    counselor: CounselorUser,
    session: SessionDep,
    audit: AuditDep,
    q: Annotated[str | None, Query(max_length=100, description="Part of a name.")] = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PersonPage:
    items, total = service.people_for_counselor(
        session, counselor, q=q, page=page, per_page=per_page
    )
    audit.record(counselor, "person.list", "counselor_grants", counselor.id)
    return PersonPage(items=items, total=total, page=page, per_page=per_page)


@router.get(
    "/people/{person_id}/profile",
    summary="A person's profile (counselors with access; administrators)",
    responses=responses(*_staff_errors),
)
def person_profile(
    person_id: PersonId, viewer: CounselorOrAdmin, session: SessionDep, audit: AuditDep
) -> ProfileOut:
    person = service.visible_person(session, viewer, person_id)
    audit.record(viewer, "person.profile_read", "person", person.id)
    return people_service.profile_view(session, person, viewer.language)


@router.get(
    "/people/{person_id}/pathways",
    summary="Plan the courses that take a person to an occupation or a job (counselors)",
    responses=responses(*_staff_errors, NotFound, InvalidInput, JobNotFound),
)
def person_pathway(
    person: GrantedPerson,
    counselor: CounselorUser,
    session: SessionDep,
    audit: AuditDep,
    occupation: Annotated[str | None, Query(max_length=80, description="Occupation id.")] = None,
    job: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Job id.")] = None,
    budget: Annotated[Decimal | None, Query(ge=0, le=1_000_000, description="PEN")] = None,
    hours_per_week: Annotated[float | None, Query(gt=0, le=112)] = None,
    lang: Annotated[str | None, Query(pattern="^(es|en)$")] = None,
) -> Pathway:
    if job is not None:  # as for the seeker: an employer's draft is nobody else's business
        job_service.get_public_job(session, job)
    limits = CourseConstraints.defaults_for(person)
    if budget is not None:
        limits.budget = budget
    if hours_per_week is not None:
        limits.hours_per_week = hours_per_week
    pathway = plan_pathway(
        session,
        person.id,
        occupation_id=occupation,
        job_id=job,
        constraints=limits,
        lang="en" if (lang or counselor.language) == "en" else "es",
    )
    audit.record(counselor, "person.pathway_read", "person", person.id)
    return pathway


@router.get(
    "/people/{person_id}/matches/jobs",
    summary="Jobs that fit a person, best first, explained (counselors)",
    responses=responses(*_staff_errors, InvalidInput),
)
def person_job_matches(
    person: GrantedPerson,
    counselor: CounselorUser,
    session: SessionDep,
    indexes: IndexesDep,
    audit: AuditDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    remote: bool | None = None,
    lang: Annotated[str | None, Query(pattern="^(es|en)$")] = None,
) -> MatchPage:
    page = matching_service.jobs_for_person(
        session,
        indexes,
        person.id,
        JobsRequest(limit=limit, offset=offset, remote=remote, lang=lang or counselor.language),
    )
    audit.record(counselor, "person.matches_read", "person", person.id)
    return page


@router.get(
    "/people/{person_id}/notes",
    summary="Notes about a person (counselors with access)",
    responses=responses(*_staff_errors),
)
def person_notes(
    person: GrantedPerson, counselor: CounselorUser, session: SessionDep, audit: AuditDep
) -> NoteList:
    audit.record(counselor, "person.notes_read", "person", person.id)
    return NoteList(items=service.notes(session, person.id))


@router.post(
    "/people/{person_id}/notes",
    status_code=status.HTTP_201_CREATED,
    summary="Write a note about a person (the person sees it in their export)",
    responses=responses(*_staff_errors, InvalidInput),
)
def add_note(
    data: NoteIn,
    person: GrantedPerson,
    counselor: CounselorUser,
    session: SessionDep,
    audit: AuditDep,
) -> NoteOut:
    note = service.add_note(session, counselor, person, data.body)
    audit.record(counselor, "person.note_created", "person", person.id)
    return note
