"""The employer's "write the job text for me" step: a draft in an editable box, then published
as edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.support.employer_pages import JOB_FORM

from chamba.auth.models import Role
from chamba.jobs.models import Job
from chamba.web import csrf

from .conftest import login_as

FACTS = {**JOB_FORM, "horas": "40"}


def test_draft_then_edit_then_publish(
    web: Any, token: str, make_web_user: Any, fast_matching: Any, seeded_session: Session
) -> None:
    web.app.state.llm_client = None
    login_as(web, make_web_user(Role.EMPLOYER))
    # WHEN the employer asks for a draft
    data = {**FACTS, "accion": "redactar", csrf.FIELD_NAME: token}
    page = web.post("/empleador/ofertas/publicar", data=data)
    assert page.status_code == 200, page.text
    # THEN an editable box holds it, with the essential and desirable skills, hours and pay
    assert '<textarea id="descripcion" name="descripcion"' in page.text
    assert "Buscamos cajera." in page.text
    assert "Requisitos:\n- Manejo de caja" in page.text
    assert "Deseable:\n- Atención al cliente" in page.text
    assert "Horario: 40 horas por semana." in page.text
    assert "Pago: S/ 1 200 al mes." in page.text
    assert page.text.count('name="descripcion"') == 1
    # WHEN they edit it and publish THEN the job carries their edited text
    edited = {**FACTS, "descripcion": "Buscamos cajera. Texto editado.", "borrador": "1"}
    page = web.post(
        "/empleador/ofertas/publicar",
        data={**edited, csrf.FIELD_NAME: token},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    job_id = int(page.headers["location"].split("/")[-1].split("?")[0])
    seeded_session.expire_all()
    job = seeded_session.scalar(select(Job).where(Job.id == job_id))
    assert job is not None
    assert job.description == "Buscamos cajera. Texto editado."
    del web.app.state.llm_client
