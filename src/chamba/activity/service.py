"""Applications, feedback and the interaction log. Never commits; flushes.

Application state machine (who may move an application, and where to)::

    submitted ──► reviewing ──► interview ──► hired      (employer of the job)
        │             │             │
        └─────────────┴─────────────┴──────► rejected    (employer of the job)
        └─────────────┴─────────────┴──────► withdrawn   (the applicant)

``hired``, ``rejected`` and ``withdrawn`` are final; anything else (including "moving" to the
current status) is an :class:`InvalidTransition` (409). One exception undoes a mistake: the
employer may take a hire back to ``interview`` within :data:`UNDO_WINDOW`
(:func:`undo_hire`), and a rejection back to the status it was rejected from
(:func:`undo_rejection`; each move keeps ``previous_status``). Moving to ``interview`` logs an
``interviewed`` interaction, to ``hired`` a ``hired`` one; applying logs ``applied``. A person
applies once per job (a withdrawn application is not reopened).

Interactions carry ``person_key``, a random pseudonym reused for every interaction of the same
person, so their history stays usable for learning after ``person_id`` is erased.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from chamba.activity import repository
from chamba.activity.errors import (
    AlreadyApplied,
    ApplicationNotFound,
    InvalidFeedback,
    InvalidTransition,
    JobNotOpen,
    NotCourseProvider,
    NotEnrolled,
)
from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.activity.schemas import FeedbackIn
from chamba.courses.models import Course
from chamba.db import table_of, utcnow
from chamba.events.schemas import (
    ApplicationChanged,
    ApplicationCreated,
    FeedbackRecorded,
    SkillsConfirmed,
)
from chamba.events.service import emit
from chamba.jobs.models import Job, JobStatus
from chamba.people.models import Person, PersonSkill
from chamba.side_writes import side_writer_of
from chamba.vocab import SkillLevel, SkillSource

S = ApplicationStatus
#: Moves the job's employer may make.
EMPLOYER_MOVES: Final[dict[ApplicationStatus, frozenset[ApplicationStatus]]] = {
    S.SUBMITTED: frozenset({S.REVIEWING, S.REJECTED}),
    S.REVIEWING: frozenset({S.INTERVIEW, S.REJECTED}),
    S.INTERVIEW: frozenset({S.HIRED, S.REJECTED}),
}
#: States the applicant may withdraw from.
WITHDRAWABLE: Final = frozenset({S.SUBMITTED, S.REVIEWING, S.INTERVIEW})
FINAL: Final = frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN})
#: How long after a hire its employer may still undo it (a mistaken click; the applicant, told
#: of the hire, is told of the undo too).
UNDO_WINDOW: Final = timedelta(hours=24)
_STATUS_EVENTS: Final = {S.INTERVIEW: InteractionKind.INTERVIEWED, S.HIRED: InteractionKind.HIRED}
_FEEDBACK_SUBJECTS: Final[dict[str, frozenset[SubjectType]]] = {
    "enrolled": frozenset({SubjectType.COURSE}),
    "completed": frozenset({SubjectType.COURSE}),
    "hired": frozenset({SubjectType.JOB}),
}
_LEVEL_RANK: Final = {
    None: 0,
    SkillLevel.BASIC: 1,
    SkillLevel.INTERMEDIATE: 2,
    SkillLevel.ADVANCED: 3,
}


# ----------------------------------------------------------------------------- interactions


def person_key(session: Session, person_id: int) -> str:
    """The person's pseudonym: the one of their earlier interactions, else a new random one.

    The pseudonym is remembered by the app's side writer (when the session has one): requests
    made before a new pseudonym's first interaction row is written reuse it, and the person's
    next requests in this process need no query for it.
    """
    cache: dict[int, str] = session.info.setdefault("chamba.activity.person_keys", {})
    if (key := cache.get(person_id)) is not None:
        return key
    writer = side_writer_of(session)
    # The process remembers a person's pseudonym for that very person record: by its id and
    # creation time when the session holds the record, so that a new person who gets the id of
    # an erased one (SQLite reuses the highest row id) is never linked to the erased person's
    # interactions.
    person = session.identity_map.get(identity_key(Person, person_id))  # loaded: no query
    born = person.created_at if person is not None else None
    memo_key: tuple[object, ...] = (
        ("person_key", person_id) if born is None else ("person_key", person_id, born.isoformat())
    )
    if writer is not None:
        key = writer.memo.get(memo_key)
    if key is None:
        key = repository.person_key_of(session, person_id) or secrets.token_hex(16)
        if writer is not None:
            writer.remember(memo_key, key)
    cache[person_id] = key
    return key


@dataclass(frozen=True, slots=True)
class Shown:
    """One item of a served recommendation list."""

    subject_type: SubjectType
    subject_id: int
    position: int  # 1-based rank in the whole ranking
    score: float | None = None


def log_shown(
    session: Session,
    person_id: int,
    items: Sequence[Shown],
    *,
    model_version: str | None,
    context: Mapping[str, Any] | None = None,
) -> int:
    """Log one ``shown`` interaction per served item, in one INSERT. Returns how many.

    Impressions are observations, not the person's own action: when the session belongs to the
    app they go to its :class:`~chamba.side_writes.SideWriter` (written within about a second,
    outside the request's transaction, which stays read-only); otherwise into ``session``.
    """
    if not items:
        return 0
    key = person_key(session, person_id)
    now = utcnow()
    ctx = dict(context or {})
    rows = [
        {
            "person_id": person_id, "person_key": key, "subject_type": item.subject_type,
            "subject_id": item.subject_id, "kind": InteractionKind.SHOWN, "reason": None,
            "position": item.position, "score": item.score,
            "model_version": (model_version or "")[:60] or None, "context": ctx,
            "occurred_at": now,
        }
        for item in items
    ]  # fmt: skip
    writer = side_writer_of(session)
    if writer is not None:
        writer.submit(table_of(Interaction), rows)
    else:
        repository.add_interactions(session, rows)
    return len(items)


def log_interaction(
    session: Session,
    person_id: int,
    subject_type: SubjectType,
    subject_id: int,
    kind: InteractionKind,
    *,
    reason: str | None = None,
    context: Mapping[str, Any] | None = None,
    claimed: bool = False,
) -> Interaction:
    """Log one interaction (flushed, so it has an id); ``claimed``: the seeker's own word
    about an outcome (see :attr:`Interaction.claimed`)."""
    row = Interaction(
        person_id=person_id,
        person_key=person_key(session, person_id),
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        reason=reason,
        context=dict(context or {}),
        occurred_at=utcnow(),
        claimed=claimed,
    )
    session.add(row)
    session.flush()
    return row


# ----------------------------------------------------------------------------- applications


def apply_to_job(session: Session, person: Person, job: Job, message: str | None) -> Application:
    """Apply ``person`` to ``job`` and log ``applied``.

    Raises:
        JobNotOpen: the job is not open or has expired.
        AlreadyApplied: the person applied to this job before.
    """
    now = utcnow()
    if job.status != JobStatus.OPEN or (job.expires_at is not None and job.expires_at <= now):
        raise JobNotOpen(job.id)
    if repository.application_of(session, job.id, person.id) is not None:
        raise AlreadyApplied(job.id)
    application = Application(job_id=job.id, person_id=person.id, message=message)
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:  # applied concurrently
        raise AlreadyApplied(job.id) from None
    log_interaction(
        session, person.id, SubjectType.JOB, job.id, InteractionKind.APPLIED,
        context={"application_id": application.id},
    )  # fmt: skip
    emit(session, ApplicationCreated.about(application))
    return application


def applications_of(session: Session, person: Person) -> list[tuple[Application, Job]]:
    """The person's applications with their jobs, newest first."""
    return repository.applications_of_person(session, person.id)


def status_for_applicant(application: Application, job: Job) -> str:
    """What the applicant should read about ``application``: its status, or ``"job_closed"``
    when the job closed while the application was still waiting for an answer."""
    if application.status in WITHDRAWABLE and job.status == JobStatus.CLOSED:
        return "job_closed"
    return application.status.value


def applied_jobs(session: Session, person: Person) -> dict[int, str]:
    """``job id -> status for the applicant`` of every job the person applied to."""
    return {j.id: status_for_applicant(a, j) for a, j in applications_of(session, person)}


#: What a person can say about a course from its page: "I'm interested", "I enrolled".
COURSE_INTEREST: Final = frozenset({InteractionKind.SAVED, InteractionKind.ENROLLED})


def course_interest(session: Session, person: Person, course_id: int) -> set[str]:
    """Which of "saved" (interested) and "enrolled" the person said about a course."""
    kinds = repository.kinds_of(session, person.id, SubjectType.COURSE, course_id, COURSE_INTEREST)
    return {k.value for k in kinds}


def waiting_count(session: Session, job: Job) -> int:
    """Applications to ``job`` still waiting for an answer (sent, reviewed, interview)."""
    return sum(
        1 for a in repository.applications_to_job(session, job.id) if a.status in WITHDRAWABLE
    )


def application_counts(session: Session, job_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """``job id -> (applications, new ones not yet reviewed)`` (jobs without any left out)."""
    return repository.counts_by_job_and_new(session, job_ids)


def applications_to(session: Session, job: Job) -> list[Application]:
    """Every application to ``job``, oldest first."""
    return repository.applications_to_job(session, job.id)


def application_of(session: Session, job: Job, person: Person) -> Application | None:
    """The person's application to the job, if any (withdrawn included)."""
    return repository.application_of(session, job.id, person.id)


def get_application(session: Session, application_id: int) -> Application:
    """The application, or :class:`ApplicationNotFound`."""
    application = repository.application_by_id(session, application_id)
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


def parties_of(session: Session, application: Application) -> tuple[Job, Person | None]:
    """The job of ``application`` and the person who applied (``None`` once erased)."""
    return repository.parties_of(session, application)


def employer_moves(current: ApplicationStatus) -> list[str]:
    """The statuses an employer may move an application in ``current`` to, in order."""
    allowed = EMPLOYER_MOVES.get(current, frozenset())
    return [s.value for s in ApplicationStatus if s in allowed]


def check_move(current: ApplicationStatus, new: ApplicationStatus, *, by_applicant: bool) -> None:
    """Raise :class:`InvalidTransition` unless the state machine allows ``current -> new``."""
    if current in FINAL:
        raise InvalidTransition(
            f"This application is already {current.value}; that is final and cannot change."
        )
    allowed = {S.WITHDRAWN} if by_applicant and current in WITHDRAWABLE else EMPLOYER_MOVES[current]
    if by_applicant and new != S.WITHDRAWN:
        allowed = set()
    if new not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none"
        raise InvalidTransition(
            f"An application cannot go from {current.value} to {new.value}; "
            f"from {current.value} it can go to: {options}."
        )


def move_application(
    session: Session, application: Application, new: ApplicationStatus, *, by_applicant: bool
) -> Application:
    """Move ``application`` to ``new`` (see the module's state machine); logs interview/hire.

    Raises:
        InvalidTransition: the move is not allowed from the current status.
    """
    check_move(application.status, new, by_applicant=by_applicant)
    previous = application.status
    application.status = new
    application.previous_status = previous
    application.updated_at = utcnow()
    session.flush()
    emit(session, ApplicationChanged.about(application, previous, by_applicant=by_applicant))
    event = _STATUS_EVENTS.get(new)
    if event is not None:
        log_interaction(
            session, application.person_id, SubjectType.JOB, application.job_id, event,
            context={"application_id": application.id},
        )  # fmt: skip
    return application


def can_undo_hire(application: Application, now: datetime | None = None) -> bool:
    """Whether :func:`undo_hire` may take ``application`` back (hired under
    :data:`UNDO_WINDOW` ago)."""
    return (
        application.status == S.HIRED and application.updated_at > (now or utcnow()) - UNDO_WINDOW
    )


def _too_late(what: str) -> InvalidTransition:
    hours = int(UNDO_WINDOW.total_seconds() // 3600)
    return InvalidTransition(f"{what} can be undone only in the first {hours} hours.")


def undo_hire(session: Session, application: Application) -> Application:
    """Undo the employer's hire of ``application``: back to ``interview`` (the only status a
    hire comes from). The ``hired`` interaction the hire logged is deleted (a hire that did not
    happen is no outcome for insights or training data), and ``application.changed``
    (``hired`` -> ``interview``) tells the applicant.

    Raises:
        InvalidTransition: not hired, or hired more than :data:`UNDO_WINDOW` ago.
    """
    if application.status != S.HIRED:
        raise InvalidTransition(
            f"Only a hire can be undone; this application is {application.status.value}."
        )
    if not can_undo_hire(application):
        raise _too_late("A hire")
    application.status = S.INTERVIEW
    application.updated_at = utcnow()
    session.flush()
    repository.delete_logged_hires(session, application)
    emit(session, ApplicationChanged.about(application, S.HIRED, by_applicant=False))
    return application


def can_undo_rejection(application: Application, now: datetime | None = None) -> bool:
    """Whether :func:`undo_rejection` may take ``application`` back (rejected under
    :data:`UNDO_WINDOW` ago, from a status that was kept)."""
    return (
        application.status == S.REJECTED
        and application.previous_status in EMPLOYER_MOVES
        and application.updated_at > (now or utcnow()) - UNDO_WINDOW
    )


def undo_rejection(session: Session, application: Application) -> Application:
    """Undo the employer's rejection of ``application``: back to the status it was rejected
    from (``previous_status``: submitted, reviewing or interview), and ``application.changed``
    (``rejected`` -> that status) tells the applicant.

    Raises:
        InvalidTransition: not rejected, rejected more than :data:`UNDO_WINDOW` ago, or
            rejected before the previous status was kept.
    """
    if application.status != S.REJECTED:
        raise InvalidTransition(
            f"Only a rejection can be undone; this application is {application.status.value}."
        )
    back = application.previous_status
    if back is None or not can_undo_rejection(application):
        raise _too_late("A rejection")
    application.status = back
    application.previous_status = None
    application.updated_at = utcnow()
    session.flush()
    emit(session, ApplicationChanged.about(application, S.REJECTED, by_applicant=False))
    return application


# ----------------------------------------------------------------------------- feedback


def certify_course_skills(session: Session, person: Person, course_id: int) -> list[str]:
    """Add the skills ``course_id`` teaches to the person's profile as ``certified``.

    A skill already on the profile becomes certified by this course, keeping the higher level.
    Returns the ids of the skills added or upgraded.
    """
    taught = repository.skills_taught(session, course_id)
    if not taught:
        return []
    rows = repository.person_skills(session, person.id)
    changed: list[str] = []
    for skill_id, level in taught:
        row = rows.get(skill_id)
        if row is None:
            session.add(
                PersonSkill(
                    person_id=person.id, skill_id=skill_id, level=level,
                    source=SkillSource.CERTIFIED, course_id=course_id, confidence=1.0,
                    evidence=f"course {course_id}", confirmed=True,
                )
            )  # fmt: skip
            changed.append(skill_id)
        elif row.source != SkillSource.CERTIFIED or row.course_id is None:
            row.source, row.course_id, row.confirmed = SkillSource.CERTIFIED, course_id, True
            if _LEVEL_RANK[level] > _LEVEL_RANK[row.level]:
                row.level = level
            changed.append(skill_id)
    if changed:
        person.updated_at = utcnow()
        session.flush()
        emit(session, SkillsConfirmed.about(person, len(set(rows) | set(changed))))
    return sorted(changed)


@dataclass(frozen=True, slots=True)
class Learner:
    """A person who told a provider about its course: interested, enrolled, completed."""

    person: Person
    interested_at: datetime | None
    enrolled_at: datetime | None
    completed_at: datetime | None  # recorded by the provider (or the person's own word)


def course_learners(session: Session, course: Course) -> list[Learner]:
    """The people who enrolled in ``course`` (they told the provider by enrolling), and those
    only interested who let organisations see their profile; enrolled first, then by name."""
    rows = repository.course_learners(session, course.id)
    people = repository.people_by_ids(session, rows)
    out = []
    for person_id, kinds in rows.items():
        person = people.get(person_id)
        enrolled = kinds.get(InteractionKind.ENROLLED)
        if person is None or (enrolled is None and not person.consent_visible):
            continue
        out.append(
            Learner(
                person, kinds.get(InteractionKind.SAVED), enrolled,
                kinds.get(InteractionKind.COMPLETED),
            )
        )  # fmt: skip
    out.sort(key=lambda x: (x.enrolled_at is None, (x.person.full_name or "").casefold()))
    return out


def completion_counts(session: Session, courses: Sequence[Course]) -> dict[int, tuple[int, int]]:
    """``course id -> (enrolled awaiting a recorded completion, completions recorded)``: what a
    provider without graduates can do next (courses with neither left out)."""
    return repository.completion_counts(session, [c.id for c in courses])


def record_completion(
    session: Session, course: Course, person: Person, *, organisation_id: int | None
) -> list[str]:
    """The course's provider records that ``person`` completed it: the completion that
    certifies the course's skills on the profile and counts for graduates and impact (a
    person's own "I completed" is their word, not this). Idempotent.

    Raises:
        NotCourseProvider: ``organisation_id`` does not offer the course.
        NotEnrolled: the person never said they enrolled in it.
    """
    if organisation_id is None or course.provider_id != organisation_id:
        raise NotCourseProvider(f"Only the provider of course {course.id} records completions.")
    kinds = repository.kinds_of(
        session, person.id, SubjectType.COURSE, course.id, {InteractionKind.ENROLLED}
    )
    if not kinds:
        raise NotEnrolled(course.id, person.id)
    if not repository.provider_completed(session, course.id, person.id):
        row = log_interaction(
            session, person.id, SubjectType.COURSE, course.id, InteractionKind.COMPLETED,
            context={"source": "provider", "organisation_id": organisation_id},
        )  # fmt: skip
        emit(session, FeedbackRecorded.about(row))
    return certify_course_skills(session, person, course.id)


def record_feedback(
    session: Session, person: Person, data: FeedbackIn
) -> tuple[Interaction, list[str]]:
    """Log the person's feedback. Their own ``completed`` or ``hired`` is kept as a claim
    (:attr:`Interaction.claimed`) and certifies nothing: the provider records a completion
    (:func:`record_completion`), the employer a hire (moving the application).

    Raises:
        InvalidFeedback: the kind does not apply to the subject type, or the subject is unknown.
    """
    subjects = _FEEDBACK_SUBJECTS.get(data.kind)
    if subjects is not None and data.subject_type not in subjects:
        allowed = " or ".join(sorted(s.value for s in subjects))
        raise InvalidFeedback("kind", f"{data.kind!r} applies to a {allowed} only")
    if not repository.subject_is_listed(session, data.subject_type, data.subject_id):
        raise InvalidFeedback(
            "subject_id", f"there is no {data.subject_type.value} with id {data.subject_id}"
        )
    kind = InteractionKind(data.kind)
    row = log_interaction(
        session, person.id, data.subject_type, data.subject_id, kind,
        reason=data.reason, context={"source": "feedback"}, claimed=kind in CLAIMED_KINDS,
    )  # fmt: skip
    emit(session, FeedbackRecorded.about(row))
    # "completed" and "hired" from the seeker are claims: the provider confirms a completion
    # (record_completion certifies the skills then), the employer a hire.
    return row, []


#: Outcomes a seeker may only claim: a third party confirms them.
CLAIMED_KINDS: Final = frozenset({InteractionKind.COMPLETED, InteractionKind.HIRED})


def completion_claims(session: Session, course_id: int) -> list[Interaction]:
    """Seekers' own "I completed this course" claims, newest first, for the provider to
    confirm with :func:`record_completion`."""
    return repository.claims(session, SubjectType.COURSE, course_id, InteractionKind.COMPLETED)


def application_statuses(
    session: Session, job_id: int, person_ids: Sequence[int]
) -> dict[int, ApplicationStatus]:
    """Person id -> the status of their application to the job (those who applied)."""
    return repository.application_statuses(session, job_id, person_ids)


def contact_allowed(session: Session, job_id: int, people: Iterable[Person]) -> set[int]:
    """Ids of ``people`` whose contact details the job's employer may see: those who applied
    to this job (and did not withdraw) and those who consented to be contacted."""
    people = list(people)
    allowed = {p.id for p in people if getattr(p, "consent_contact", False)}
    return allowed | repository.active_applicants(session, job_id, [p.id for p in people])
