"""Steps the employer web tests share: publish a job through the form, an applicant waiting at
the interview stage, the audited actions of an account (plain functions over the ``web``
client and the test session; logging in stays ``tests.web.conftest.login_as``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.activity.models import Application, ApplicationStatus
from chamba.audit.models import AuditEntry
from chamba.web import csrf

#: The words of the job every employer test posts ("Cajera").
JOB_TEXT = {"titulo": "Cajera", "descripcion": "Atención al cliente y manejo de caja."}
#: The whole posting form of that job: two skills (one optional), Lima, 48 h, from S/ 1,200.
JOB_FORM: dict[str, Any] = {
    **JOB_TEXT,
    "shown": ["cash_register", "customer_attention"],
    "skill": ["cash_register", "customer_attention"],
    "req-customer_attention": "optional",
    "departamento": "15",
    "provincia": "1501",
    "distrito": "150101",
    "horas": "48",
    "sueldo_min": "1200",
}


def publish_job(web: Any, token: str) -> int:
    """Publish :data:`JOB_FORM` as the logged-in employer; the new job's id."""
    data = {**JOB_FORM, csrf.FIELD_NAME: token}
    page = web.post("/empleador/ofertas/publicar", data=data, follow_redirects=False)
    assert page.status_code == 303, page.text
    return int(page.headers["location"].split("/")[-1].split("?")[0])


def at_interview(session: Session, job_id: int, person_id: int) -> tuple[Application, str]:
    """An application of ``person_id`` to ``job_id`` at the interview stage (committed), and
    the address of its card on the employer's pages."""
    application = Application(
        job_id=job_id, person_id=person_id, status=ApplicationStatus.INTERVIEW
    )
    session.add(application)
    session.commit()
    return application, f"/empleador/postulaciones/{application.id}"


def audited_actions(session: Session, user_id: int) -> list[str]:
    """The audit actions of ``user_id``, oldest first, without the contact reads that showing
    an applicant's card records."""
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_user_id == user_id).order_by(AuditEntry.id)
    )
    return [a for a in actions if a != "person.contact_read"]
