"""Export and erasure of one account's personal data. Never commits; flushes.

**What erasure does** (``DELETE /me``, Ley 29733's right of cancellation):

* the seeker's person record is deleted with everything that hangs off it: skills (and
  proposals with their evidence), counselor grants and notes, applications (their free-text
  messages and the link between the person and the employer's job) and the past versions of
  the profile's matching attributes (``attribute_history``);
* the outcome of each application (applied / interviewed / hired) is first written to the
  interaction log unless it is there already, so the learning loop keeps the signal;
* interactions are kept for learning, anonymised: ``person_id`` becomes NULL and only the
  random pseudonym ``person_key`` remains, which links them to nobody;
* the account is deactivated and scrubbed: name, e-mail, phone, their lookup indexes and the
  password hash become NULL; every login session and refresh token is deleted (so every token
  stops working at once, and logins fail), as are rate-limit rows keyed by the identifiers;
* the account's in-app notifications are deleted, and the person id is removed from published
  outbox events (a feedback event names the interaction, which would re-link the log); copies
  already in Kafka topics age out with the topics' retention;
* interaction ``reason`` texts (the person's own words) are deleted with the link;
* audit entries stay: they hold account and person ids and actions only, never values, and
  keep the record of who saw the data accountable. The erasure itself is audited.

Staff accounts (counselor, analyst, admin) cannot erase themselves: an administrator closes
them, so the platform never loses its last administrator by accident.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chamba.activity.models import (
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.audit import service as audit_service
from chamba.audit.schemas import AuditEntryOut
from chamba.auth.models import Role, User
from chamba.conversation import service as conversation_service
from chamba.counseling import service as counseling_service
from chamba.db import blind_index, utcnow
from chamba.events.schemas import PersonErased, PersonPayload
from chamba.events.service import emit
from chamba.people import repository as people_repository
from chamba.people import service as people_service
from chamba.privacy import repository
from chamba.privacy.errors import StaffErasureRefused
from chamba.privacy.schemas import (
    AccountExport,
    ApplicationExport,
    DataExport,
    InteractionExport,
    LoginExport,
    NotificationExport,
    ProfileExport,
)

SELF_ERASABLE = frozenset({Role.SEEKER, Role.EMPLOYER, Role.PROVIDER})
#: The interaction kinds an application's status implies, in funnel order.
_OUTCOMES: dict[ApplicationStatus, tuple[InteractionKind, ...]] = {
    ApplicationStatus.SUBMITTED: (InteractionKind.APPLIED,),
    ApplicationStatus.REVIEWING: (InteractionKind.APPLIED,),
    ApplicationStatus.REJECTED: (InteractionKind.APPLIED,),
    ApplicationStatus.WITHDRAWN: (InteractionKind.APPLIED,),
    ApplicationStatus.INTERVIEW: (InteractionKind.APPLIED, InteractionKind.INTERVIEWED),
    ApplicationStatus.HIRED: (
        InteractionKind.APPLIED,
        InteractionKind.INTERVIEWED,
        InteractionKind.HIRED,
    ),
}


def export(session: Session, user: User, *, now: datetime | None = None) -> DataExport:
    """Everything held about ``user`` (and their seeker profile), decrypted, and nothing else."""
    person = people_repository.by_user_id(session, user.id)
    account = AccountExport(
        id=user.id,
        role=user.role,
        name=user.name,
        email=user.email,
        phone=user.phone,
        language=user.language,
        is_active=user.is_active,
        organisation_id=user.organisation_id,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )
    audit = [
        AuditEntryOut.model_validate(e)
        for e in audit_service.entries_for_subject(
            session, user_id=user.id, person_id=person.id if person else None
        )
    ]
    notifications = [
        NotificationExport.model_validate(n) for n in repository.notifications_of(session, user.id)
    ]
    logins = [LoginExport.model_validate(s, from_attributes=True)
              for s in repository.logins_of(session, user.id)]  # fmt: skip
    if person is None:
        return DataExport(
            exported_at=now or utcnow(),
            account=account,
            profile=None,
            skills=None,
            applications=[],
            interactions=[],
            counselor_grants=[],
            counselor_notes=[],
            audit=audit,
            notifications=notifications,
            logins=logins,
        )
    profile = people_service.profile_view(session, person, user.language)
    return DataExport(
        exported_at=now or utcnow(),
        account=account,
        profile=ProfileExport(
            **profile.model_dump(exclude={"national_id"}), national_id=person.national_id
        ),
        skills=people_service.skills_view(session, person, user.language),
        applications=[
            ApplicationExport(
                id=a.id,
                job_id=a.job_id,
                job_title=title,
                status=a.status.value,
                message=a.message,
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
            for a, title in repository.applications_with_titles(session, person.id)
        ],
        interactions=[
            InteractionExport(
                id=i.id,
                subject_type=i.subject_type.value,
                subject_id=i.subject_id,
                kind=i.kind.value,
                reason=i.reason,
                position=i.position,
                score=i.score,
                model_version=i.model_version,
                context=dict(i.context or {}),
                occurred_at=i.occurred_at,
            )
            for i in repository.interactions_of(session, person.id)
        ],
        counselor_grants=counseling_service.grants(session, person, include_revoked=True),
        counselor_notes=counseling_service.notes(session, person.id),
        conversation=_conversation(session, person.id),
        audit=audit,
        notifications=notifications,
        logins=logins,
    )


def _conversation(session: Session, person_id: int) -> dict[str, Any] | None:
    row = conversation_service.stored(session, person_id)
    if row is None:
        return None
    state = row.state or {}
    return {
        "done": row.done,
        "turns": [{"question": t.get("q"), "answer": t.get("a")} for t in state.get("turns", [])],
        "proposals": list(state.get("proposals", [])),
        "updated_at": row.updated_at.isoformat(),
    }


def _keep_outcomes(session: Session, person_id: int) -> None:
    """Write each application's outcome to the interaction log unless it is logged already."""
    key = repository.person_key_of(session, person_id) or uuid.uuid4().hex
    logged = repository.logged_kinds(session, person_id)
    for application, _ in repository.applications_with_titles(session, person_id):
        for kind in _OUTCOMES.get(application.status, ()):
            if (application.job_id, kind.value) in logged:
                continue
            session.add(
                Interaction(
                    person_id=person_id,  # detached below with the rest
                    person_key=key,
                    subject_type=SubjectType.JOB,
                    subject_id=application.job_id,
                    kind=kind,
                    context={"source": "application", "kept_on_erasure": True},
                    occurred_at=(
                        application.created_at
                        if kind == InteractionKind.APPLIED
                        else application.updated_at
                    ),
                )
            )
    session.flush()


def erase(
    session: Session, user: User, *, request_id: str | None = None, now: datetime | None = None
) -> None:
    """Erase the personal data of ``user`` (see the module docstring for exactly what).

    Raises:
        StaffErasureRefused: counselors, analysts and administrators.
    """
    if user.role not in SELF_ERASABLE:
        raise StaffErasureRefused(user.role.value)
    now = now or utcnow()
    person = people_repository.by_user_id(session, user.id)
    if person is not None:
        _keep_outcomes(session, person.id)
        repository.detach_interactions(session, person.id)
        repository.scrub_outbox(session, person.id)
        repository.delete_person_rows(session, person.id)
        person_id = person.id
        session.delete(person)  # through the ORM: skills go too
        session.flush()
        # Every replica's vector index drops the person (its saved file follows at the next
        # save), and dataset snapshots holding the person are deleted (learning consumer).
        emit(session, PersonErased(payload=PersonPayload(person_id=person_id)))
    repository.delete_notifications(session, user.id)
    own_limits = blind_index(f"user:{user.id}")  # per-user rate-limit rows
    repository.delete_logins(
        session, user.id, [user.email_index or "", user.phone_index or "", own_limits]
    )
    user.name = None
    user.email = None
    user.email_index = None
    user.phone = None
    user.phone_index = None
    user.password_hash = None
    user.is_active = False
    user.last_login_at = None
    user.organisation_id = None
    session.flush()
    audit_service.record(
        session, user, "person.erased", "user", user.id, request_id=request_id, at=now
    )
