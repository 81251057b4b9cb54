"""Applications and feedback routes.

Seekers apply to open jobs, follow their applications, withdraw them and give feedback on what
they were shown; the employer that published a job reads its applications and moves them
through the state machine documented in :mod:`chamba.activity.service`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy.orm import Session

from chamba.activity import service
from chamba.activity.errors import (
    AlreadyApplied,
    ApplicationNotFound,
    InvalidFeedback,
    InvalidTransition,
    JobNotOpen,
    NotYourApplication,
)
from chamba.activity.models import Application, ApplicationStatus, SubjectType
from chamba.activity.schemas import (
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    ApplicationStatusIn,
    Contact,
    FeedbackIn,
    FeedbackOut,
    JobApplicationList,
    JobApplicationOut,
)
from chamba.audit.deps import AuditDep
from chamba.auth.deps import CurrentUser, limit_use
from chamba.auth.errors import NotAuthenticated, RoleRequired, TooManyAttempts
from chamba.auth.models import Role
from chamba.deps import SessionDep
from chamba.jobs.deps import OwnedJob, ValidJob, is_owner
from chamba.jobs.errors import JobNotFound, NotJobOwner
from chamba.jobs.models import Job, JobStatus
from chamba.observability.metrics import MetricsDep
from chamba.observability.serving import serving_stats
from chamba.people import service as people_service
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NotASeeker
from chamba.people.models import Person
from chamba.problems import responses

router = APIRouter(tags=["applications"])
_seeker_errors = (NotAuthenticated, NotASeeker)


def _mine(application: Application, job: Job) -> ApplicationOut:
    return ApplicationOut(
        id=application.id, job_id=job.id, job_title=job.title, job_status=job.status,
        status=application.status, message=application.message,
        created_at=application.created_at, updated_at=application.updated_at,
    )  # fmt: skip


def _for_employer(
    session: Session,
    application: Application,
    person: Person | None,
    confirmed: people_service.ConfirmedContact | None = None,
) -> JobApplicationOut:
    """An application as its employer sees it; the contact is the applicant account's
    confirmed e-mail and phone (``confirmed``, looked up when not given)."""
    contact = None
    if person is not None and application.status != ApplicationStatus.WITHDRAWN:
        if confirmed is None:
            confirmed = people_service.confirmed_contact(session, person)
        contact = Contact(name=person.full_name, email=confirmed.email, phone=confirmed.phone)
    return JobApplicationOut(
        id=application.id, job_id=application.job_id, person_id=application.person_id,
        status=application.status, message=application.message,
        created_at=application.created_at, updated_at=application.updated_at, contact=contact,
    )  # fmt: skip


@router.post(
    "/jobs/{job_id}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to a job (seekers)",
    responses=responses(*_seeker_errors, JobNotFound, JobNotOpen, AlreadyApplied, TooManyAttempts),
    dependencies=[limit_use("apply")],
)
def apply(
    person: CurrentPerson,
    job: ValidJob,
    session: SessionDep,
    metrics: MetricsDep,
    data: ApplicationIn | None = None,
) -> ApplicationOut:
    if job.status == JobStatus.DRAFT:
        raise JobNotFound(job.id)  # drafts are the employer's secret
    application = service.apply_to_job(session, person, job, data.message if data else None)
    metrics.applications.inc()
    return _mine(application, job)


@router.get(
    "/me/applications",
    summary="My applications, newest first",
    responses=responses(*_seeker_errors),
)
def my_applications(person: CurrentPerson, session: SessionDep) -> ApplicationList:
    return ApplicationList(items=[_mine(a, j) for a, j in service.applications_of(session, person)])


@router.get(
    "/jobs/{job_id}/applications",
    summary="Applications to a job (its employer)",
    responses=responses(NotAuthenticated, RoleRequired, NotJobOwner, JobNotFound),
)
def job_applications(job: OwnedJob, session: SessionDep) -> JobApplicationList:
    applications = service.applications_to(session, job)
    ids = sorted({a.person_id for a in applications})
    people = people_service.people_by_ids(session, ids)
    contacts = people_service.confirmed_contacts(session, list(people.values()))
    return JobApplicationList(
        items=[
            _for_employer(session, a, people.get(a.person_id), contacts.get(a.person_id))
            for a in applications
        ]
    )


def valid_application(
    user: CurrentUser,
    application_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
) -> Application:
    """The application of the path (authentication checked first)."""
    return service.get_application(session, application_id)


ValidApplication = Annotated[Application, Depends(valid_application)]


@router.patch(
    "/applications/{application_id}",
    summary="Move an application: employer reviews, interviews, hires, rejects; "
    "applicant withdraws",
    responses=responses(
        NotAuthenticated, NotYourApplication, ApplicationNotFound, InvalidTransition
    ),
)
def move_application(
    application: ValidApplication,
    data: ApplicationStatusIn,
    user: CurrentUser,
    session: SessionDep,
    metrics: MetricsDep,
    audit: AuditDep,
) -> JobApplicationOut | ApplicationOut:
    new = ApplicationStatus(data.status)
    job, person = service.parties_of(session, application)
    if new == ApplicationStatus.WITHDRAWN:
        if user.role != Role.SEEKER or person is None or person.user_id != user.id:
            raise NotYourApplication("Only the person who applied can withdraw an application.")
        service.move_application(session, application, new, by_applicant=True)
        return _mine(application, job)
    if not is_owner(user, job):
        raise NotYourApplication(
            "Only the employer that published the job can review, interview, hire or reject."
        )
    service.move_application(session, application, new, by_applicant=False)
    if new == ApplicationStatus.HIRED:
        audit.record(user, "application.hired", "person", application.person_id)
        metrics.hires.inc()
    elif new == ApplicationStatus.REJECTED:
        audit.record(user, "application.rejected", "person", application.person_id)
    return _for_employer(session, application, person)


@router.post(
    "/applications/{application_id}/undo-hire",
    summary="Undo a hire (the job's employer, within a day): back to interview",
    responses=responses(
        NotAuthenticated, NotYourApplication, ApplicationNotFound, InvalidTransition
    ),
)
def undo_hire(
    application: ValidApplication,
    user: CurrentUser,
    session: SessionDep,
    metrics: MetricsDep,
    audit: AuditDep,
) -> JobApplicationOut:
    job, person = service.parties_of(session, application)
    if not is_owner(user, job):
        raise NotYourApplication("Only the employer that published the job can undo a hire.")
    service.undo_hire(session, application)
    audit.record(user, "application.hire_undone", "person", application.person_id)
    metrics.hires_undone.inc()
    return _for_employer(session, application, person)


@router.post(
    "/applications/{application_id}/undo-rejection",
    summary="Undo a rejection (the job's employer, within a day): back to where it was",
    responses=responses(
        NotAuthenticated, NotYourApplication, ApplicationNotFound, InvalidTransition
    ),
)
def undo_rejection(
    application: ValidApplication, user: CurrentUser, session: SessionDep, audit: AuditDep
) -> JobApplicationOut:
    job, person = service.parties_of(session, application)
    if not is_owner(user, job):
        raise NotYourApplication("Only the employer that published the job can undo a rejection.")
    service.undo_rejection(session, application)
    audit.record(user, "application.rejection_undone", "person", application.person_id)
    return _for_employer(session, application, person)


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    summary="Feedback on a job or course (useful, saved, dismissed, completed...)",
    responses=responses(*_seeker_errors, InvalidFeedback, TooManyAttempts),
    dependencies=[limit_use("feedback")],
)
def feedback(
    data: FeedbackIn, person: CurrentPerson, session: SessionDep, metrics: MetricsDep
) -> FeedbackOut:
    row, added = service.record_feedback(session, person, data)
    metrics.feedback.labels(kind=row.kind.value).inc()
    if row.subject_type == SubjectType.JOB and (stats := serving_stats("jobs")) is not None:
        stats.record_feedback(row.kind.value)
    return FeedbackOut(
        id=row.id, subject_type=row.subject_type, subject_id=row.subject_id, kind=row.kind,
        reason=row.reason, occurred_at=row.occurred_at, skills_added=added,
    )  # fmt: skip
