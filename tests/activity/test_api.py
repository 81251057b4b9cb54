"""Applications (state machine) and feedback, with the interactions they log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.factories import LIMA_CERCADO, skill_ids
from tests.support.problems import assert_problem

from chamba.activity import service as activity_service
from chamba.activity.models import Interaction
from chamba.auth.models import Role
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.db import utcnow
from chamba.jobs.models import Job, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import PersonSkill
from chamba.vocab import SkillLevel, SkillSource

pytestmark = pytest.mark.usefixtures("hashed_matching")


@pytest.fixture
def setting(make_user: MakeUser, seeded_session: Session) -> dict[str, Any]:
    org = Organisation(kind=OrgKind.EMPLOYER, name="Acme")
    seeded_session.add(org)
    seeded_session.flush()
    job = Job(organisation_id=org.id, title="Cajera", ubigeo=LIMA_CERCADO, status=JobStatus.OPEN)
    seeded_session.add(job)
    seeded_session.commit()  # a savepoint: failing requests roll back to here
    return {
        "job": job,
        "seeker": make_user(Role.SEEKER),
        "employer": make_user(Role.EMPLOYER, organisation_id=org.id),
    }


def _kinds(session: Session, person_id: int) -> list[str]:
    stmt = select(Interaction.kind).where(Interaction.person_id == person_id)
    return [k.value for k in session.scalars(stmt.order_by(Interaction.id))]


def test_apply_move_and_hire(client: Any, setting: dict[str, Any], seeded_session: Session) -> None:
    seeker, employer, job = setting["seeker"], setting["employer"], setting["job"]
    # WHEN the seeker applies with a message
    response = client.post(
        f"/api/v1/jobs/{job.id}/applications", json={"message": "Tengo experiencia"},
        headers=seeker.headers,
    )  # fmt: skip
    # THEN the application is submitted and an 'applied' interaction logged
    assert response.status_code == 201, response.text
    application = response.json()
    assert (application["status"], application["job_title"]) == ("submitted", "Cajera")
    assert _kinds(seeded_session, seeker.person.id) == ["applied"]
    # AND applying twice is a conflict
    again = client.post(f"/api/v1/jobs/{job.id}/applications", headers=seeker.headers)
    assert_problem(again, 409)
    # AND it shows in the seeker's list
    mine = client.get("/api/v1/me/applications", headers=seeker.headers).json()["items"]
    assert [a["id"] for a in mine] == [application["id"]]
    # WHEN the employer walks it through the state machine
    url = f"/api/v1/applications/{application['id']}"
    skip = client.patch(url, json={"status": "hired"}, headers=employer.headers)
    assert_problem(skip, 409)  # submitted -> hired skips steps
    for status in ("reviewing", "interview", "hired"):
        moved = client.patch(url, json={"status": status}, headers=employer.headers)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    # THEN interview and hire are logged, and hired is final
    assert _kinds(seeded_session, seeker.person.id) == ["applied", "interviewed", "hired"]
    assert_problem(client.patch(url, json={"status": "rejected"}, headers=employer.headers), 409)
    assert_problem(client.patch(url, json={"status": "withdrawn"}, headers=seeker.headers), 409)
    assert_problem(client.patch(url, json={"status": "open"}, headers=employer.headers), 422)
    # AND the funnel metrics counted one application and one hire
    exposition = client.get("/metrics").text
    assert "chamba_applications_total 1.0" in exposition
    assert "chamba_hires_total 1.0" in exposition


def test_withdraw_and_reject_are_final(
    client: Any, setting: dict[str, Any], make_user: MakeUser
) -> None:
    job, employer = setting["job"], setting["employer"]
    ids = []
    for _ in range(2):
        seeker = make_user(Role.SEEKER)
        r = client.post(f"/api/v1/jobs/{job.id}/applications", headers=seeker.headers)
        ids.append((r.json()["id"], seeker))
    (withdrawn, seeker_a), (rejected, _) = ids
    url_a, url_b = f"/api/v1/applications/{withdrawn}", f"/api/v1/applications/{rejected}"
    assert (
        client.patch(url_a, json={"status": "withdrawn"}, headers=seeker_a.headers).json()["status"]
        == "withdrawn"
    )
    assert_problem(client.patch(url_a, json={"status": "reviewing"}, headers=employer.headers), 409)
    assert (
        client.patch(url_b, json={"status": "rejected"}, headers=employer.headers).status_code
        == 200
    )
    assert_problem(client.patch(url_b, json={"status": "reviewing"}, headers=employer.headers), 409)


def test_closed_expired_and_draft_jobs_take_no_applications(
    client: Any, setting: dict[str, Any], seeded_session: Session
) -> None:
    seeker = setting["seeker"]
    closed = Job(title="Cerrado", ubigeo=LIMA_CERCADO, status=JobStatus.CLOSED)
    expired = Job(title="Vencido", ubigeo=LIMA_CERCADO, expires_at=utcnow() - timedelta(days=1))
    draft = Job(title="Borrador", ubigeo=LIMA_CERCADO, status=JobStatus.DRAFT)
    seeded_session.add_all([closed, expired, draft])
    seeded_session.commit()  # a savepoint: failing requests roll back to here
    for job, status in ((closed, 409), (expired, 409), (draft, 404)):
        response = client.post(f"/api/v1/jobs/{job.id}/applications", headers=seeker.headers)
        assert_problem(response, status)
    assert_problem(client.post("/api/v1/jobs/999999/applications", headers=seeker.headers), 404)
    too_long = {"message": "x" * 2001}
    response = client.post(
        f"/api/v1/jobs/{setting['job'].id}/applications", json=too_long, headers=seeker.headers
    )
    assert_problem(response, 422, field="message")


def test_a_seekers_completion_is_a_claim_the_provider_confirms(
    client: Any, setting: dict[str, Any], seeded_session: Session
) -> None:
    seeker = setting["seeker"]
    person = seeker.person
    taught = skill_ids(seeded_session, 2)
    # GIVEN a course teaching two skills, one already declared on the profile
    course = Course(
        title="Excel", modality=Modality.ONLINE, hours=20, cost=Decimal("0"), is_free=True
    )
    seeded_session.add(course)
    seeded_session.flush()
    seeded_session.add_all(
        [
            CourseSkill(course_id=course.id, skill_id=taught[0], level=SkillLevel.INTERMEDIATE),
            CourseSkill(course_id=course.id, skill_id=taught[1]),
            PersonSkill(person_id=person.id, skill_id=taught[0], source=SkillSource.DECLARED,
                        level=SkillLevel.BASIC),
        ]
    )  # fmt: skip
    seeded_session.flush()
    # WHEN the seeker reports completing it
    response = client.post(
        "/api/v1/feedback",
        json={"subject_type": "course", "subject_id": course.id, "kind": "completed"},
        headers=seeker.headers,
    )
    # THEN it is kept as the seeker's claim: nothing is certified on their word alone
    assert response.status_code == 201, response.text
    assert response.json()["skills_added"] == []
    claim = seeded_session.scalars(
        select(Interaction).where(Interaction.person_id == person.id)
    ).one()
    assert claim.claimed
    assert activity_service.completion_claims(seeded_session, course.id) == [claim]

    def sources() -> dict[str, Any]:
        rows = seeded_session.scalars(select(PersonSkill).where(PersonSkill.person_id == person.id))
        return {r.skill_id: r for r in rows}

    assert {r.source for r in sources().values()} == {SkillSource.DECLARED}
    # WHEN the provider (who offers the course) records the completion of the enrolled seeker
    org = Organisation(kind=OrgKind.PROVIDER, name="Cetpro Lima")
    seeded_session.add(org)
    seeded_session.flush()
    course.provider_id = org.id
    enrolled = {"subject_type": "course", "subject_id": course.id, "kind": "enrolled"}
    assert client.post("/api/v1/feedback", json=enrolled, headers=seeker.headers).status_code == 201
    # (the provider's list shows the enrolled seeker as not yet completed: a claim waits)
    [learner] = activity_service.course_learners(seeded_session, course)
    assert learner.enrolled_at is not None
    assert learner.completed_at is None
    added = activity_service.record_completion(
        seeded_session, course, person, organisation_id=org.id
    )
    # THEN both skills are certified by the course, at the higher level
    assert added == sorted(taught)
    rows = sources()
    assert {r.source for r in rows.values()} == {SkillSource.CERTIFIED}
    assert {r.course_id for r in rows.values()} == {course.id}
    assert rows[taught[0]].level == SkillLevel.INTERMEDIATE
    # AND a dismissal keeps its reason
    dismissed = client.post(
        "/api/v1/feedback",
        json={"subject_type": "job", "subject_id": setting["job"].id, "kind": "dismissed",
              "reason": "Queda muy lejos"},
        headers=seeker.headers,
    )  # fmt: skip
    assert dismissed.status_code == 201
    assert dismissed.json()["reason"] == "Queda muy lejos"
    assert _kinds(seeded_session, person.id) == ["completed", "enrolled", "completed", "dismissed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject_type": "job", "subject_id": 999999, "kind": "saved"}, "subject_id"),
        ({"subject_type": "job", "subject_id": 1, "kind": "completed"}, "kind"),
        ({"subject_type": "course", "subject_id": 1, "kind": "hired"}, "kind"),
        ({"subject_type": "job", "subject_id": 1, "kind": "shown"}, "kind"),
        ({"subject_type": "person", "subject_id": 1, "kind": "saved"}, "subject_type"),
        ({"subject_type": "job", "subject_id": 0, "kind": "saved"}, "subject_id"),
        ({"subject_type": "job", "subject_id": 1, "kind": "saved", "x": 1}, "x"),
        ({"subject_type": "job", "subject_id": 1, "kind": "saved", "reason": "r" * 501}, "reason"),
    ],
)
def test_invalid_feedback_is_refused(
    client: Any, setting: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/feedback", json=body, headers=setting["seeker"].headers)
    assert_problem(response, 422, field=field)


def _audit(session: Session, user_id: int) -> list[tuple[str, str, str | None]]:
    from chamba.audit.models import AuditEntry

    stmt = select(AuditEntry).where(AuditEntry.actor_user_id == user_id).order_by(AuditEntry.id)
    return [(e.action, e.object_type, e.object_id) for e in session.scalars(stmt)]


def _last_application_change(session: Session) -> dict[str, Any]:
    """The payload of the newest ``application.changed`` event in the outbox."""
    from chamba.events.models import OutboxEvent

    events = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.type == "application.changed")
        .order_by(OutboxEvent.occurred_at)
    ).all()
    return dict(events[-1].payload)


def test_employer_undoes_a_mistaken_hire_within_a_day(
    client: Any, setting: dict[str, Any], seeded_session: Session, make_user: MakeUser
) -> None:

    seeker, employer, job = setting["seeker"], setting["employer"], setting["job"]
    applied = client.post(f"/api/v1/jobs/{job.id}/applications", headers=seeker.headers).json()
    url = f"/api/v1/applications/{applied['id']}"
    undo = f"{url}/undo-hire"
    # GIVEN an application at interview: there is no hire to undo
    for status in ("reviewing", "interview"):
        client.patch(url, json={"status": status}, headers=employer.headers)
    assert_problem(client.post(undo, headers=employer.headers), 409)
    # WHEN the employer hires, then undoes the hire
    assert client.patch(url, json={"status": "hired"}, headers=employer.headers).status_code == 200
    other = make_user(Role.EMPLOYER, organisation_id=None)
    assert_problem(client.post(undo, headers=other.headers), 403)  # not their job
    assert_problem(client.post(undo, headers=seeker.headers), 403)
    response = client.post(undo, headers=employer.headers)
    # THEN the application is back at interview, the hire is no outcome any more (the
    # 'hired' interaction is gone), an application.changed event says hired -> interview, and
    # the audit log has both the hire and its undo
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "interview"
    assert _kinds(seeded_session, seeker.person.id) == ["applied", "interviewed"]
    last = _last_application_change(seeded_session)
    assert (last["status"], last["previous_status"]) == ("interview", "hired")
    assert _audit(seeded_session, employer.user.id) == [
        ("application.hired", "person", str(seeker.person.id)),
        ("application.hire_undone", "person", str(seeker.person.id)),
    ]
    assert "chamba_hires_undone_total 1.0" in client.get("/metrics").text
    # AND a hire older than the window cannot be undone
    assert client.patch(url, json={"status": "hired"}, headers=employer.headers).status_code == 200
    application = activity_service.get_application(seeded_session, applied["id"])
    application.updated_at = utcnow() - activity_service.UNDO_WINDOW - timedelta(minutes=1)
    seeded_session.commit()
    assert_problem(client.post(undo, headers=employer.headers), 409)


def test_employer_undoes_a_mistaken_rejection_within_a_day(
    client: Any, setting: dict[str, Any], seeded_session: Session, make_user: MakeUser
) -> None:

    seeker, employer, job = setting["seeker"], setting["employer"], setting["job"]
    applied = client.post(f"/api/v1/jobs/{job.id}/applications", headers=seeker.headers).json()
    url = f"/api/v1/applications/{applied['id']}"
    undo = f"{url}/undo-rejection"
    # GIVEN an application being reviewed: there is no rejection to undo
    client.patch(url, json={"status": "reviewing"}, headers=employer.headers)
    assert_problem(client.post(undo, headers=employer.headers), 409)
    # WHEN the employer rejects it, then undoes the rejection
    moved = client.patch(url, json={"status": "rejected"}, headers=employer.headers)
    assert moved.status_code == 200, moved.text
    other = make_user(Role.EMPLOYER, organisation_id=None)
    assert_problem(client.post(undo, headers=other.headers), 403)  # not their job
    assert_problem(client.post(undo, headers=seeker.headers), 403)
    response = client.post(undo, headers=employer.headers)
    # THEN the application is back where it was (being reviewed, not merely submitted), an
    # application.changed event says rejected -> reviewing, and the audit log has both steps
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "reviewing"
    last = _last_application_change(seeded_session)
    assert (last["status"], last["previous_status"]) == ("reviewing", "rejected")
    assert _audit(seeded_session, employer.user.id) == [
        ("application.rejected", "person", str(seeker.person.id)),
        ("application.rejection_undone", "person", str(seeker.person.id)),
    ]
    # AND it cannot be undone twice, and the moves go on from there (interview)
    assert_problem(client.post(undo, headers=employer.headers), 409)
    assert client.patch(url, json={"status": "interview"}, headers=employer.headers).is_success
    # AND a rejection older than the window cannot be undone
    assert client.patch(url, json={"status": "rejected"}, headers=employer.headers).is_success
    application = activity_service.get_application(seeded_session, applied["id"])
    assert application.previous_status is not None
    assert application.previous_status.value == "interview"
    application.updated_at = utcnow() - activity_service.UNDO_WINDOW - timedelta(minutes=1)
    seeded_session.commit()
    assert_problem(client.post(undo, headers=employer.headers), 409)
