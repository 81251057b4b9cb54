"""The seeker's inbox: new matching jobs, unread count in the nav, mark as read; only one's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chamba.auth.models import Role
from chamba.notifications.models import Notification
from chamba.web import csrf

from .conftest import login_as


def _notify(session: Session, user_id: int) -> Notification:
    row = Notification(user_id=user_id, kind="job_match", title_es="Nuevo empleo: Cajera",
                       title_en="New job: Cashier")  # fmt: skip
    session.add(row)
    session.commit()
    return row


def test_inbox_counts_and_marks_read(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    seeker = make_web_user(Role.SEEKER)
    row = _notify(seeded_session, seeker.user.id)
    login_as(web, seeker)
    page = web.get("/avisos")
    assert "Nuevo empleo: Cajera" in page.text
    assert 'class="badge">1' in page.text
    assert web.post(f"/avisos/{row.id}/leido", data={}).status_code == 403
    done = web.post(f"/avisos/{row.id}/leido", data={csrf.FIELD_NAME: token})
    assert done.status_code == 200
    assert 'class="badge"' not in done.text


def test_someone_elses_notice_is_not_found(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    owner = make_web_user(Role.SEEKER)
    row = _notify(seeded_session, owner.user.id)
    login_as(web, make_web_user(Role.SEEKER))
    assert web.post(f"/avisos/{row.id}/leido", data={csrf.FIELD_NAME: token}).status_code == 404
    assert "Cajera" not in web.get("/avisos").text
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get("/avisos").status_code == 403
