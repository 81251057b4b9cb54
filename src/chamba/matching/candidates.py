"""A job's candidates as its employer sees them: one use case for the API and the web page.

The ranked, explained page of :func:`chamba.matching.service.candidates_for_job` (people who
consented to be seen, or who applied), each item with the status of its application and, only
where :func:`chamba.activity.service.contact_allowed` says so, the person's contact details;
every contact shown is recorded in the audit log (``person.contact_read``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.models import ApplicationStatus
from chamba.activity.schemas import Contact
from chamba.audit.deps import Auditor
from chamba.auth.models import User
from chamba.jobs.models import Job
from chamba.matching.embeddings import MatchIndexes
from chamba.matching.schemas import CandidateItem, CandidatePage
from chamba.matching.service import candidates_for_job
from chamba.people import service as people_service


def employer_candidates(
    session: Session,
    indexes: MatchIndexes | None,
    job: Job,
    *,
    viewer: User,
    audit: Auditor,
    limit: int = 20,
    offset: int = 0,
    max_distance_km: float | None = None,
    lang: str | None = None,
) -> CandidatePage:
    """The candidates for ``job`` shown to ``viewer``, its employer (the caller checked that).

    Args:
        session: the request's session.
        indexes: vector indexes.
        job: the employer's own job.
        viewer: the employer, the actor of the audit entries.
        audit: where each contact shown is recorded.
        limit, offset, max_distance_km, lang: as :func:`candidates_for_job`.

    Raises:
        InvalidMatchRequest: a bad limit, offset or distance.
    """
    page = candidates_for_job(
        session, indexes, job.id, limit=limit, offset=offset,
        max_distance_km=max_distance_km, lang=lang,
    )  # fmt: skip
    ids = [item.person_id for item in page.items if item.person_id is not None]
    people = people_service.people_by_ids(session, ids)
    statuses = activity_service.application_statuses(session, job.id, ids)
    may_contact = activity_service.contact_allowed(session, job.id, people.values())
    contacts = people_service.confirmed_contacts(
        session, [p for p in people.values() if p.id in may_contact]
    )
    items = []
    for item in page.items:
        person = people.get(item.person_id or 0)
        contact = None
        if person is not None and person.id in may_contact:
            confirmed = contacts[person.id]  # the account's confirmed e-mail and phone only
            contact = Contact(name=person.full_name, email=confirmed.email, phone=confirmed.phone)
            audit.record(viewer, "person.contact_read", "person", person.id)
        status = statuses.get(item.person_id or 0)
        items.append(
            CandidateItem(
                **item.model_dump(),
                applied=status is not None and status != ApplicationStatus.WITHDRAWN,
                application_status=status,
                contact=contact,
            )
        )
    return CandidatePage(
        items=items, total_candidates=page.total_candidates, total_filtered=page.total_filtered,
        scorer_version=page.scorer_version, lang=page.lang, limit=page.limit,
        offset=page.offset, hints=page.hints,
    )  # fmt: skip
