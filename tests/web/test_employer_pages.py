"""Employer pages: post a job from text, confirm its skills, explained candidates (consenting
people and applicants only), moving applications, closing; authorisation and CSRF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from tests.support.employer_pages import JOB_TEXT, at_interview, audited_actions, publish_job

from chamba.activity.models import Application, ApplicationStatus
from chamba.auth.models import Role
from chamba.jobs.models import Job
from chamba.web import csrf

from .conftest import login_as


def test_post_a_job_from_text(web: Any, token: str, make_web_user: Any, fast_matching: Any) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    page = web.post("/empleador/ofertas/nueva", data={**JOB_TEXT, csrf.FIELD_NAME: token})
    assert page.status_code == 200
    assert 'value="cash_register"' in page.text
    job_id = publish_job(web, token)
    mine = web.get("/empleador/ofertas")
    assert f'href="/empleador/ofertas/{job_id}"' in mine.text
    assert "Cajera" in web.get(f"/empleador/ofertas/{job_id}").text


def test_publish_keeps_input_on_error(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    data = {**JOB_TEXT, "shown": ["cash_register"], "sueldo_min": "abc", csrf.FIELD_NAME: token}
    page = web.post("/empleador/ofertas/publicar", data=data)
    assert page.status_code == 422
    assert 'id="sueldo_min-error"' in page.text
    assert 'id="skills-error"' in page.text
    assert 'value="abc"' in page.text
    assert "Elige dónde es el trabajo" in page.text


def test_the_confirm_form_is_checked_by_the_api_schema(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    # GIVEN an employer on the confirm form
    login_as(web, make_web_user(Role.EMPLOYER))
    place = {"departamento": "15", "provincia": "1501", "distrito": "150101"}
    base = {**JOB_TEXT, **place, "shown": ["cash_register"], "skill": ["cash_register"]}
    # WHEN the hours are out of range and the maximum pay is below the minimum
    data = {**base, "horas": "90", "sueldo_min": "1500", "sueldo_max": "1200"}
    page = web.post("/empleador/ofertas/publicar", data={**data, csrf.FIELD_NAME: token})
    # THEN each error of JobCreate stands next to its field, in words
    assert page.status_code == 422
    assert 'id="horas-error"' in page.text
    assert 'id="sueldo_max-error"' in page.text
    assert "no puede ser menor que el mínimo" in page.text
    # AND pay written the Peruvian way is read as the API reads it (1.500,50 = S/ 1500.50)
    data = {**base, "horas": "40 h", "sueldo_min": "1.500,50", "sueldo_max": "S/ 2,000"}
    page = web.post(
        "/empleador/ofertas/publicar", data={**data, csrf.FIELD_NAME: token},
        follow_redirects=False,
    )  # fmt: skip
    assert page.status_code == 303, page.text
    job = seeded_session.get(Job, int(page.headers["location"].split("/")[-1].split("?")[0]))
    assert job is not None
    assert (job.hours_per_week, job.wage_min, job.wage_max) == (40, Decimal("1500.50"), 2000)


def test_candidates_are_explained_and_moved_to_hired(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    employer = make_web_user(Role.EMPLOYER)
    login_as(web, employer)
    job_id = publish_job(web, token)
    seeker = make_web_user(Role.SEEKER, name="Ana Applicant")
    application = Application(job_id=job_id, person_id=seeker.person.id)
    hidden = make_web_user(Role.SEEKER, name="Not Consenting")
    from chamba.people.models import PersonSkill

    seeded_session.add(
        PersonSkill(
            person_id=hidden.person.id, skill_id="cash_register", confirmed=True, source="declared"
        )
    )
    hidden.person.ubigeo = "150101"
    seeded_session.add(application)
    seeded_session.commit()
    page = web.get(f"/empleador/ofertas/{job_id}")
    assert "Ana Applicant" in page.text  # applied: contact allowed
    assert seeker.user.email in page.text
    assert "Not Consenting" not in page.text
    assert "Postuló" in page.text
    for status in ("reviewing", "interview", "hired"):
        url = f"/empleador/postulaciones/{application.id}"
        moved = web.post(url, data={"estado": status, csrf.FIELD_NAME: token})
        assert moved.status_code == 200
        if status == "hired":  # final: asked once more
            assert "¿Contratar a Ana Applicant?" in moved.text
            data = {"estado": status, "confirmado": "1", csrf.FIELD_NAME: token}
            assert web.post(url, data=data).status_code == 200
    seeded_session.refresh(application)
    assert application.status == ApplicationStatus.HIRED
    assert "Contratado" in web.get(f"/empleador/ofertas/{job_id}").text


def test_other_employers_and_seekers_are_refused(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    job_id = publish_job(web, token)
    seeker = make_web_user(Role.SEEKER)
    application = Application(job_id=job_id, person_id=seeker.person.id)
    seeded_session.add(application)
    seeded_session.commit()
    login_as(web, make_web_user(Role.EMPLOYER))  # another employer
    assert web.get(f"/empleador/ofertas/{job_id}").status_code == 403
    move = {"estado": "hired", csrf.FIELD_NAME: token}
    assert web.post(f"/empleador/postulaciones/{application.id}", data=move).status_code == 403
    close = web.post(f"/empleador/ofertas/{job_id}/cerrar", data={csrf.FIELD_NAME: token})
    assert close.status_code == 403
    login_as(web, seeker)
    assert web.get(f"/empleador/ofertas/{job_id}").status_code == 403
    assert web.get("/empleador/ofertas/nueva").status_code == 403


def test_close_a_job_needs_csrf(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    job_id = publish_job(web, token)
    assert web.post(f"/empleador/ofertas/{job_id}/cerrar").status_code == 403
    asked = web.post(f"/empleador/ofertas/{job_id}/cerrar", data={csrf.FIELD_NAME: token})
    assert "¿Cerrar «Cajera»?" in asked.text
    done = web.post(
        f"/empleador/ofertas/{job_id}/cerrar",
        data={"confirmado": "1", csrf.FIELD_NAME: token},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/empleador/ofertas?cerrada={job_id}"


def test_language_links_of_posted_pages_point_at_a_page_that_answers_get(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    # GIVEN an employer's pages that answer POSTs (confirm, the no-JavaScript place step, an
    # error) WHEN they show the language switch THEN it links the new-posting page (a GET),
    # never the POST-only URL that would answer 405
    login_as(web, make_web_user(Role.EMPLOYER))
    confirm = web.post("/empleador/ofertas/nueva", data={**JOB_TEXT, csrf.FIELD_NAME: token})
    empty = web.post("/empleador/ofertas/nueva", data={"titulo": "", csrf.FIELD_NAME: token})
    place = web.post(
        "/empleador/ofertas/publicar",
        data={**JOB_TEXT, "accion": "lugar", "departamento": "15", csrf.FIELD_NAME: token},
    )
    for page in (confirm, empty, place):
        assert 'href="/empleador/ofertas/nueva?lang=en"' in page.text
        assert "/publicar?lang=" not in page.text
    assert web.get("/empleador/ofertas/nueva?lang=en").status_code == 200


def test_the_page_takes_the_same_title_lengths_as_the_api(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    from chamba.fields import MAX_TITLE

    login_as(web, make_web_user(Role.EMPLOYER))
    # GIVEN a title the API accepts (250 characters; the page used to stop at 200)
    long_title = "Cajera " + "x" * 243
    # WHEN the employer sends it THEN the confirm step shows it, with no length error
    page = web.post(
        "/empleador/ofertas/nueva",
        data={"titulo": long_title, "descripcion": JOB_TEXT["descripcion"], csrf.FIELD_NAME: token},
    )
    assert page.status_code == 200, page.text
    assert "como máximo" not in page.text
    # AND one beyond the API's limit is refused next to the field, naming the limit
    too_long = web.post(
        "/empleador/ofertas/nueva",
        data={"titulo": "x" * (MAX_TITLE + 1), csrf.FIELD_NAME: token},
    )
    assert f"Escribe como máximo {MAX_TITLE} caracteres." in too_long.text


def test_hours_pay_and_district_in_the_text_prefill_the_form(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    text = (
        "Atención al cliente y caja. 48 horas semanales, S/ 1,200 al mes, "
        "en San Juan de Lurigancho."
    )
    page = web.post(
        "/empleador/ofertas/nueva",
        data={"titulo": "Cajera", "descripcion": text, csrf.FIELD_NAME: token},
    )
    assert page.status_code == 200, page.text
    assert 'name="horas" type="number" value="48"' in page.text
    assert 'name="sueldo_min" type="text" value="1200"' in page.text
    assert '<option value="150132" selected>' in page.text


def test_confirm_adds_and_removes_a_skill_and_goes_back_to_the_text(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    base = {**JOB_TEXT, "shown": ["cash_register", "customer_attention"], csrf.FIELD_NAME: token}
    # remove customer_attention (unticked), add one by name
    page = web.post(
        "/empleador/ofertas/publicar",
        data={**base, "skill": ["cash_register"], "accion": "agregar", "nueva": "Yape"},
    )
    assert page.status_code == 200
    assert 'id="skill-cash_register" checked' in page.text
    assert 'id="skill-customer_attention">' in page.text
    added = page.text.count('type="checkbox" name="skill"')
    assert added == 3, page.text
    assert "Agregar una habilidad" in page.text
    unknown = web.post(
        "/empleador/ofertas/publicar",
        data={**base, "skill": ["cash_register"], "accion": "agregar", "nueva": "zzqqxx"},
    )
    assert 'id="nueva-error"' in unknown.text
    back = web.post("/empleador/ofertas/publicar", data={**base, "accion": "editar"})
    assert back.status_code == 200
    assert 'action="/empleador/ofertas/nueva"' in back.text
    assert 'value="Cajera"' in back.text
    assert "Atención al cliente y manejo de caja.</textarea>" in back.text


def test_a_mistaken_hire_and_close_are_undone_on_the_web(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from chamba.jobs.models import Job, JobStatus

    employer = make_web_user(Role.EMPLOYER)
    login_as(web, employer)
    job_id = publish_job(web, token)
    seeker = make_web_user(Role.SEEKER, name="Ana Applicant")
    application, url = at_interview(seeded_session, job_id, seeker.person.id)
    # WHEN the employer hires (the confirmation says it can be undone for a day)
    asked = web.post(url, data={"estado": "hired", csrf.FIELD_NAME: token})
    assert "puedes deshacerlo dentro de las 24 horas" in asked.text
    hired = web.post(url, data={"estado": "hired", "confirmado": "1", csrf.FIELD_NAME: token})
    # THEN the card offers to undo it
    assert "Contratado. Si fue un error" in hired.text
    assert f'action="{url}/deshacer"' in hired.text
    # AND undoing needs the CSRF token and the job's employer
    assert web.post(f"{url}/deshacer").status_code == 403
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.post(f"{url}/deshacer", data={csrf.FIELD_NAME: token}).status_code == 403
    login_as(web, employer)
    undone = web.post(f"{url}/deshacer", data={csrf.FIELD_NAME: token})
    assert "Se deshizo la contratación" in undone.text
    assert f'action="{url}/deshacer"' not in undone.text
    seeded_session.refresh(application)
    assert application.status == ApplicationStatus.INTERVIEW
    # WHEN the employer closes the job  THEN "Mis ofertas" offers to reopen it
    web.post(
        f"/empleador/ofertas/{job_id}/cerrar", data={"confirmado": "1", csrf.FIELD_NAME: token}
    )
    mine = web.get(f"/empleador/ofertas?cerrada={job_id}")
    assert f'action="/empleador/ofertas/{job_id}/reabrir"' in mine.text
    assert "Reabrir «Cajera»" in mine.text
    assert web.post(f"/empleador/ofertas/{job_id}/reabrir").status_code == 403  # no CSRF
    reopened = web.post(f"/empleador/ofertas/{job_id}/reabrir", data={csrf.FIELD_NAME: token})
    assert "La oferta está abierta de nuevo" in reopened.text
    job = seeded_session.get(Job, job_id)
    assert job is not None
    seeded_session.refresh(job)
    assert job.status == JobStatus.OPEN
    # AND the audit log has each step, in words on the admin's page
    assert audited_actions(seeded_session, employer.user.id) == [
        "application.hired", "application.hire_undone", "job.closed", "job.reopened",
    ]  # fmt: skip
    login_as(web, make_web_user(Role.ADMIN))
    log = web.get("/admin/auditoria").text
    assert "deshizo la contratación de Ana Applicant" in log
    assert "reabrió la oferta «Cajera»" in log


def test_a_mistaken_rejection_is_undone_on_the_web(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    employer = make_web_user(Role.EMPLOYER)
    login_as(web, employer)
    job_id = publish_job(web, token)
    seeker = make_web_user(Role.SEEKER, name="Ana Applicant")
    application, url = at_interview(seeded_session, job_id, seeker.person.id)
    # WHEN the employer turns Ana down (the confirmation says it can be undone for a day)
    asked = web.post(url, data={"estado": "rejected", csrf.FIELD_NAME: token})
    assert "no fue seleccionado" in asked.text
    assert "puedes deshacerlo dentro de las 24 horas" in asked.text
    rejected = web.post(url, data={"estado": "rejected", "confirmado": "1", csrf.FIELD_NAME: token})
    # THEN the card offers to undo it
    assert "Rechazado. Si fue un error" in rejected.text
    assert f'action="{url}/deshacer-rechazo"' in rejected.text
    # AND undoing needs the CSRF token and the job's employer
    assert web.post(f"{url}/deshacer-rechazo").status_code == 403
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.post(f"{url}/deshacer-rechazo", data={csrf.FIELD_NAME: token}).status_code == 403
    login_as(web, employer)
    undone = web.post(f"{url}/deshacer-rechazo", data={csrf.FIELD_NAME: token})
    assert "Se deshizo el rechazo" in undone.text
    assert f'action="{url}/deshacer-rechazo"' not in undone.text
    seeded_session.refresh(application)
    assert application.status == ApplicationStatus.INTERVIEW
    # AND undoing again is refused with the page's error, not a crash
    again = web.post(f"{url}/deshacer-rechazo", data={csrf.FIELD_NAME: token})
    assert "Ese cambio no es posible desde el estado actual" in again.text
    # AND the audit log has both steps, in words on the admin's page
    assert audited_actions(seeded_session, employer.user.id) == [
        "application.rejected", "application.rejection_undone",
    ]  # fmt: skip
    login_as(web, make_web_user(Role.ADMIN))
    log = web.get("/admin/auditoria").text
    assert "deshizo el rechazo de Ana Applicant" in log
