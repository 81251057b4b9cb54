"""The inbox API: a user reads and marks their own notifications; nobody else's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser

from chamba.auth.models import Role
from chamba.notifications.models import Notification


def notify(session: Session, user_id: int, title: str = "cocinero") -> Notification:
    row = Notification(
        user_id=user_id, kind="job_match", title_es=f"Nuevo empleo para ti: {title}",
        title_en=f"A new job for you: {title}",
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def test_a_seeker_reads_and_marks_their_notifications(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    rosa = make_user(Role.SEEKER)
    row = notify(seeded_session, rosa.id)
    listed = client.get("/api/v1/me/notifications", headers=rosa.headers)
    assert listed.status_code == 200
    body = listed.json()
    assert body["unread"] == 1
    assert body["items"][0]["title"] == "Nuevo empleo para ti: cocinero"
    read = client.post(f"/api/v1/me/notifications/{row.id}/read", headers=rosa.headers)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/me/notifications", headers=rosa.headers).json()["unread"] == 0


def test_english_readers_get_english_titles(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    ann = make_user(Role.SEEKER, language="en")
    notify(seeded_session, ann.id)
    items = client.get("/api/v1/me/notifications", headers=ann.headers).json()["items"]
    assert items[0]["title"] == "A new job for you: cocinero"


def test_other_users_notifications_are_not_found(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    rosa, luis = make_user(Role.SEEKER), make_user(Role.SEEKER)
    row = notify(seeded_session, rosa.id)
    assert client.get("/api/v1/me/notifications", headers=luis.headers).json()["items"] == []
    other = client.post(f"/api/v1/me/notifications/{row.id}/read", headers=luis.headers)
    assert other.status_code == 404
    assert (
        client.post("/api/v1/me/notifications/999999/read", headers=luis.headers).status_code == 404
    )
    assert client.get("/api/v1/me/notifications").status_code == 401
