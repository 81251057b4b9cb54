"""Privacy rights: ``GET /me/export`` holds everything and only mine; ``DELETE /me`` erases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.support.api_fixtures import PASSWORD, Actor, MakeUser

from chamba.activity.models import (
    Application,
    ApplicationStatus,
    Interaction,
    InteractionKind,
    SubjectType,
)
from chamba.auth.models import Role
from chamba.counseling.models import CounselorGrant, CounselorNote
from chamba.db import utcnow
from chamba.jobs.models import Job
from chamba.people.models import PersonSkill
from chamba.vocab import SkillSource

PROFILE = {
    "name": "Rosa Quispe Mamani",
    "national_id": "45678912",
    "ubigeo": "150115",
}


def _history(session: Session, seeker: Actor, job: Job, key: str) -> None:
    """An application (hired), interactions, a skill, a counselor grant and note."""
    assert seeker.person is not None
    pid = seeker.person.id
    session.add(
        Application(
            job_id=job.id, person_id=pid, status=ApplicationStatus.HIRED, message="Hola, soy Rosa"
        )
    )
    for kind in (InteractionKind.SHOWN, InteractionKind.APPLIED):
        session.add(
            Interaction(
                person_id=pid,
                person_key=key,
                subject_type=SubjectType.JOB,
                subject_id=job.id,
                kind=kind,
            )
        )
    session.add(PersonSkill(person_id=pid, skill_id="cash_register", source=SkillSource.DECLARED))
    session.commit()


def erase(client: Any, headers: dict[str, str], password: str = PASSWORD) -> Any:
    """``DELETE /me`` with the account's current password in the body (re-authentication)."""
    return client.request(
        "DELETE", "/api/v1/me", headers=headers, json={"current_password": password}
    )


def _setup(client: Any, make_user: MakeUser, session: Session) -> tuple[Actor, Actor, Actor, Job]:
    rosa, juan = make_user(Role.SEEKER), make_user(Role.SEEKER)
    counselor = make_user(Role.COUNSELOR, name="Carla Consejera")
    assert client.put("/api/v1/me/profile", json=PROFILE, headers=rosa.headers).status_code == 200
    client.put(
        "/api/v1/me/profile", json={"name": "Juan Pérez", "national_id": "11112222"},
        headers=juan.headers,
    )  # fmt: skip
    job = Job(title="Cajera en bodega")
    session.add(job)
    session.flush()
    _history(session, rosa, job, "rosa-key")
    _history(session, juan, job, "juan-key")
    grant = client.post(
        "/api/v1/me/counselors", json={"counselor_id": counselor.id}, headers=rosa.headers
    )
    assert grant.status_code == 201
    note = client.post(
        f"/api/v1/people/{rosa.person.id}/notes",  # type: ignore[union-attr]
        json={"body": "Interesada en cursos de caja."},
        headers=counselor.headers,
    )
    assert note.status_code == 201
    assert (
        client.get(
            f"/api/v1/people/{rosa.person.id}/profile",  # type: ignore[union-attr]
            headers=counselor.headers,
        ).status_code
        == 200
    )
    return rosa, juan, counselor, job


def test_export_holds_everything_and_only_mine(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN two seekers with histories, one of them counselled
    rosa, juan, counselor, job = _setup(client, make_user, seeded_session)
    # WHEN Rosa exports her data
    response = client.get("/api/v1/me/export", headers=rosa.headers)
    # THEN it is a download of everything about her, decrypted
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["id"] == rosa.id
    assert data["profile"]["name"] == "Rosa Quispe Mamani"
    assert data["profile"]["national_id"] == "45678912"
    assert data["profile"]["email"] == rosa.user.email  # the account's contact
    assert [s["id"] for s in data["skills"]["skills"]] == ["cash_register"]
    assert data["applications"] == [
        data["applications"][0] | {"job_title": "Cajera en bodega", "status": "hired"}
    ]
    assert data["applications"][0]["message"] == "Hola, soy Rosa"
    assert sorted(i["kind"] for i in data["interactions"]) == ["applied", "shown"]
    assert [g["counselor_id"] for g in data["counselor_grants"]] == [counselor.id]
    assert [n["body"] for n in data["counselor_notes"]] == ["Interesada en cursos de caja."]
    actions = {(a["action"], a["actor_user_id"]) for a in data["audit"]}
    assert ("person.profile_read", counselor.id) in actions
    assert ("person.note_created", counselor.id) in actions
    # AND nothing of Juan's
    dump = response.text
    assert "Juan" not in dump
    assert "11112222" not in dump
    assert "juan-key" not in dump
    assert all(a["object_id"] != str(juan.person.id) for a in data["audit"])  # type: ignore[union-attr]


def test_staff_export_has_an_account_and_no_profile(client: Any, make_user: MakeUser) -> None:
    analyst = make_user(Role.ANALYST)
    data = client.get("/api/v1/me/export", headers=analyst.headers).json()
    assert data["account"]["role"] == "analyst"
    assert data["profile"] is None
    assert data["applications"] == []


def test_erasure_leaves_no_personal_data_and_keeps_anonymised_learning_data(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN Rosa with a profile, application, interactions, skills, a counselor grant and a note
    rosa, juan, _, job = _setup(client, make_user, seeded_session)
    assert rosa.person is not None
    pid, uid = rosa.person.id, rosa.id
    login = {"email": rosa.user.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    session = seeded_session
    raw = lambda sql, **p: session.execute(text(sql), p).all()  # noqa: E731
    versions = "SELECT 1 FROM attribute_history WHERE entity = 'person' AND entity_id = :p"
    assert raw(versions, p=pid)  # her profile's attribute versions were recorded
    # WHEN she erases her data
    response = erase(client, rosa.headers)
    # THEN it is done
    assert response.status_code == 204
    # AND the raw database holds no personal data of hers
    assert raw("SELECT id FROM people WHERE id = :p OR user_id = :u", p=pid, u=uid) == []
    assert raw("SELECT 1 FROM person_skills WHERE person_id = :p", p=pid) == []
    assert raw("SELECT 1 FROM applications WHERE person_id = :p", p=pid) == []
    assert raw("SELECT 1 FROM counselor_grants WHERE person_id = :p", p=pid) == []
    assert raw("SELECT 1 FROM counselor_notes WHERE person_id = :p", p=pid) == []
    assert raw(versions, p=pid) == []
    assert raw("SELECT 1 FROM auth_sessions WHERE user_id = :u", u=uid) == []
    user_row = raw(
        "SELECT name, email, email_index, phone, phone_index, password_hash, is_active "
        "FROM users WHERE id = :u",
        u=uid,
    )
    assert user_row == [(None, None, None, None, None, None, False)]
    # AND her interactions remain, anonymised, with the hire outcome of her application kept
    kinds = raw(
        "SELECT kind, person_id FROM interactions WHERE person_key = 'rosa-key' ORDER BY kind"
    )
    assert [k for k, _ in kinds] == ["applied", "hired", "interviewed", "shown"]
    assert {p for _, p in kinds} == {None}
    # AND Juan's data is untouched
    assert raw("SELECT 1 FROM applications WHERE person_id = :p", p=juan.person.id)  # type: ignore[union-attr]
    assert client.get("/api/v1/me/profile", headers=juan.headers).status_code == 200
    # AND her token and her password no longer work
    assert client.get("/api/v1/me/profile", headers=rosa.headers).status_code == 401
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    # AND the erasure is in the audit log, without personal data
    entry = raw("SELECT actor_user_id, object_type, object_id FROM audit_log "
                "WHERE action = 'person.erased'")  # fmt: skip
    assert entry == [(uid, "user", str(uid))]
    assert seeded_session.get(CounselorGrant, (pid, 0)) is None
    assert seeded_session.query(CounselorNote).filter_by(person_id=pid).count() == 0


def test_staff_cannot_erase_themselves(client: Any, make_user: MakeUser) -> None:
    admin = make_user(Role.ADMIN)
    response = erase(client, admin.headers)
    assert response.status_code == 403
    assert "administrator" in response.json()["detail"]


def _notify_and_publish(session: Session, seeker: Actor, job: Job) -> str:
    """A job-match notification, a dismissal in her words, and a published feedback event."""
    from chamba.events.models import OutboxEvent
    from chamba.notifications.models import Notification

    assert seeker.person is not None
    session.add(
        Notification(user_id=seeker.id, kind="job_match", title_es="Nuevo empleo: Cajera",
                     title_en="A new job: Cashier", job_id=job.id)
    )  # fmt: skip
    dismissal = Interaction(
        person_id=seeker.person.id, person_key="rosa-key", subject_type=SubjectType.JOB,
        subject_id=job.id, kind=InteractionKind.DISMISSED, reason="Mi esposo no me deja",
    )  # fmt: skip
    session.add(dismissal)
    session.flush()
    event_id = f"evt-{dismissal.id}"
    session.add(
        OutboxEvent(
            id=event_id, type="feedback.recorded", version=1, key=str(job.id),
            occurred_at=utcnow(), published_at=utcnow(),
            payload={"interaction_id": dismissal.id, "person_id": seeker.person.id,
                     "subject_type": "job", "subject_id": job.id, "kind": "dismissed"},
        )
    )  # fmt: skip
    session.commit()
    return event_id


def test_export_holds_notifications_and_logins_and_is_audited(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    rosa, _, _, job = _setup(client, make_user, seeded_session)
    _notify_and_publish(seeded_session, rosa, job)
    data = client.get("/api/v1/me/export", headers=rosa.headers).json()
    assert [n["title_es"] for n in data["notifications"]] == ["Nuevo empleo: Cajera"]
    assert len(data["logins"]) == 1
    assert {"created_at", "expires_at", "user_agent", "ip", "channel"} <= set(data["logins"][0])
    audit = seeded_session.execute(
        text("SELECT actor_user_id FROM audit_log WHERE action = 'person.exported'")
    ).all()
    assert audit == [(rosa.id,)]


def test_erasure_reaches_notifications_reasons_and_published_events(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN Rosa with a notification, a dismissal in her own words and its published event
    rosa, _, _, job = _setup(client, make_user, seeded_session)
    assert rosa.person is not None
    pid = rosa.person.id
    event_id = _notify_and_publish(seeded_session, rosa, job)
    # WHEN she erases her data
    assert erase(client, rosa.headers).status_code == 204
    raw = lambda sql, **p: seeded_session.execute(text(sql), p).all()  # noqa: E731
    # THEN her notifications are gone, her words too, and the event no longer names her
    assert raw("SELECT 1 FROM notifications WHERE user_id = :u", u=rosa.id) == []
    reasons = raw("SELECT reason FROM interactions WHERE person_key = 'rosa-key'")
    assert reasons
    assert {r for (r,) in reasons} == {None}
    from chamba.events.models import OutboxEvent

    seeded_session.expire_all()
    event = seeded_session.get(OutboxEvent, event_id)
    assert event is not None
    assert event.payload["person_id"] is None
    others = {k: v for k, v in event.payload.items() if k not in ("interaction_id", "subject_id")}
    assert str(pid) not in {str(v) for v in others.values()}


def test_erasure_asks_for_the_current_password_again(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN Rosa's valid access token (on a stolen phone, say)
    rosa = make_user(Role.SEEKER)
    # WHEN erasure is asked without the password, or with a wrong one
    missing = client.delete("/api/v1/me", headers=rosa.headers)
    wrong = erase(client, rosa.headers, "not her password")
    # THEN nothing is erased
    assert missing.status_code == 422
    assert wrong.status_code == 403
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/me/export", headers=rosa.headers).status_code == 200
    # AND the wrong password was counted as a failed login of the account
    count = seeded_session.execute(
        text("SELECT count(*) FROM auth_attempts WHERE scope = 'login_account'")
    ).scalar_one()
    assert count >= 1
    # WHEN she gives her password, THEN her data is erased
    assert erase(client, rosa.headers).status_code == 204
    assert client.get("/api/v1/me/export", headers=rosa.headers).status_code == 401


def test_erasure_tells_the_indexes_and_the_dataset_snapshots(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN a seeker with a profile (vectors in the indexes, rows in dataset snapshots)
    rosa = make_user(Role.SEEKER)
    assert rosa.person is not None
    pid = rosa.person.id
    # WHEN she erases her data
    assert erase(client, rosa.headers).status_code == 204
    # THEN a person.erased event names her profile, for the index of every replica and the
    # dataset purge (what the outbox keeps of it is an id that no longer links to anyone)
    rows = (
        seeded_session.execute(text("SELECT key FROM outbox WHERE type = 'person.erased'"))
        .scalars()
        .all()
    )
    assert str(pid) in rows
