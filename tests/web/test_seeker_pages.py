"""Seeker pages: log-in and sign-up, the web session (refresh, log-out), saving skills and
profile, explained recommendations, applying, feedback, pathways; authorisation and CSRF."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.support.factories import LIMA_CERCADO, job_body
from tests.support.signup import web_confirm_signup

from chamba.auth import security
from chamba.auth.models import RefreshToken, Role, User
from chamba.jobs import service as job_service
from chamba.jobs.schemas import JobCreate
from chamba.orgs.models import Organisation, OrgKind
from chamba.web import csrf
from chamba.web.session import COOKIE_NAME

from .conftest import PASSWORD, login_as


def _job(session: Session, skills: list[str], **overrides: Any) -> int:
    org = Organisation(kind=OrgKind.EMPLOYER, name="Bodega", source="test")
    session.add(org)
    session.flush()
    data = JobCreate.model_validate(job_body(skills, **overrides))
    job = job_service.publish_job(session, data, organisation_id=org.id)
    session.commit()
    return job.id


def test_anonymous_is_sent_to_log_in(web: Any) -> None:
    for path in ("/para-ti", "/perfil", "/postulaciones", "/empleador/ofertas"):
        page = web.get(path, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == f"/ingresar?next={path}"


def test_log_in_sets_an_httponly_session_and_goes_back(
    web: Any, token: str, make_web_user: Any
) -> None:
    actor = make_web_user(Role.SEEKER)
    data = {"contacto": actor.user.email, "clave": PASSWORD, "next": "/perfil"}
    page = web.post("/ingresar", data={**data, csrf.FIELD_NAME: token}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/perfil"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_wrong_password_keeps_the_identifier(web: Any, token: str, make_web_user: Any) -> None:
    actor = make_web_user(Role.SEEKER)
    data = {"contacto": actor.user.email, "clave": "no es la clave", csrf.FIELD_NAME: token}
    page = web.post("/ingresar", data=data)
    assert page.status_code == 401
    assert "no coinciden" in page.text
    assert f'value="{actor.user.email}"' in page.text


def test_sign_up_refuses_a_weak_password_next_to_the_field(web: Any, token: str) -> None:
    data = {"nombre": "Rosa", "contacto": "rosa@example.pe", "clave": "123", "rol": "seeker"}
    page = web.post("/registro", data={**data, csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert 'id="clave-error"' in page.text
    assert 'value="rosa@example.pe"' in page.text
    assert 'value="123"' not in page.text  # a password is never sent back


def test_sign_up_with_an_address_in_use_answers_as_for_a_new_one(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN an account
    actor = make_web_user(Role.SEEKER)
    users = seeded_session.scalar(select(func.count()).select_from(User))
    # WHEN someone signs up with its address, and with a free one
    pages = []
    for contact in (actor.user.email, "libre.web@example.pe"):
        data = {"nombre": "Otra", "contacto": contact, "clave": "otra clave segura",
                "rol": "seeker", csrf.FIELD_NAME: token}  # fmt: skip
        pages.append(web.post("/registro", data=data, headers={"Accept-Language": "es"}))
    # THEN both get the same page, asking for the code; neither is logged in
    taken, free = pages
    assert taken.status_code == free.status_code == 200
    for page in pages:
        assert "Confirma tu cuenta" in page.text
        assert "ya existe" not in page.text
        assert COOKIE_NAME not in page.headers.get("set-cookie", "")
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", taken.text) == strip.sub("", free.text)
    # AND only the free address got an account
    assert seeded_session.scalar(select(func.count()).select_from(User)) == users + 1


def test_sign_up_shows_each_error_of_the_register_schema_next_to_its_field(
    web: Any, token: str
) -> None:
    # GIVEN a sign-up whose name is too long and whose contact is neither e-mail nor mobile
    data = {"nombre": "R" * 250, "contacto": "12345", "clave": PASSWORD, "rol": "seeker"}
    # WHEN it is sent
    page = web.post("/registro", data={**data, csrf.FIELD_NAME: token})
    # THEN RegisterIn's errors stand next to the name and the contact fields
    assert page.status_code == 422
    assert 'id="nombre-error"' in page.text
    assert 'id="contacto-error"' in page.text


def test_sign_up_confirms_the_code_then_logs_in_and_starts_with_describe(
    web: Any, token: str, seeded_session: Session
) -> None:
    data = {
        "nombre": "Rosa Quispe",
        "contacto": "rosa.q@example.pe",
        "clave": PASSWORD,
        "rol": "seeker",
        csrf.FIELD_NAME: token,
    }
    page = web.post("/registro", data=data, follow_redirects=False)
    assert page.status_code == 200
    assert web.get("/perfil", follow_redirects=False).status_code == 303  # not logged in
    # WHEN the code sent to the address is typed with the password
    done = web_confirm_signup(web, seeded_session, "rosa.q@example.pe", PASSWORD)
    # THEN the person is in, starting with describe
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/descubre"
    assert web.get("/perfil").status_code == 200


def test_a_wrong_sign_up_code_is_refused_next_to_the_field(
    web: Any, token: str, seeded_session: Session
) -> None:
    data = {"nombre": "Rosa", "contacto": "rosa.w@example.pe", "clave": PASSWORD,
            "rol": "seeker", csrf.FIELD_NAME: token}  # fmt: skip
    web.post("/registro", data=data)
    wrong = {"contacto": "rosa.w@example.pe", "codigo": "00000000", "clave": PASSWORD,
             csrf.FIELD_NAME: token}  # fmt: skip
    page = web.post("/registro/confirmar", data=wrong, headers={"Accept-Language": "es"})
    assert page.status_code == 400
    assert 'id="codigo-error"' in page.text
    assert "Este código no sirve" in page.text
    assert COOKIE_NAME not in page.headers.get("set-cookie", "")


def test_forms_without_csrf_are_refused(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    assert web.post("/perfil", data={"horas": "10"}).status_code == 403
    assert web.post("/salir").status_code == 403


def test_expired_access_token_is_refreshed(web: Any, make_web_user: Any) -> None:
    actor = make_web_user(Role.SEEKER, access_expired=True)
    login_as(web, actor)
    page = web.get("/perfil", follow_redirects=False)
    assert page.status_code == 200
    assert COOKIE_NAME in page.headers["set-cookie"]
    assert actor.cookie not in page.headers["set-cookie"]


def test_a_refreshed_login_persists_even_when_the_page_then_fails(
    web: Any, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker whose access token expired
    actor = make_web_user(Role.SEEKER, access_expired=True)
    login_as(web, actor)
    refresh = actor.cookie.split("|")[1]
    # WHEN the page they open fails (an unknown job: a 404, the request rolls back)
    page = web.get("/empleos/2000000000", follow_redirects=False)
    assert page.status_code == 404
    assert COOKIE_NAME in page.headers["set-cookie"]  # the browser got the new pair
    # THEN the rotation of their refresh token was kept (not rolled back with the page)
    row = seeded_session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == security.token_hash(refresh))
    ).one()
    assert row.rotated_at is not None
    # AND the next page works with the new cookie
    assert web.get("/perfil", follow_redirects=False).status_code == 200


def test_log_out_ends_the_login(web: Any, token: str, make_web_user: Any) -> None:
    actor = make_web_user(Role.SEEKER)
    login_as(web, actor)
    page = web.post("/salir", data={csrf.FIELD_NAME: token}, follow_redirects=False)
    assert page.status_code == 303
    login_as(web, actor)  # the old cookie no longer works
    assert web.get("/perfil", follow_redirects=False).status_code == 303


def test_describe_then_confirm_saves_the_skills(
    web: Any, token: str, make_web_user: Any, fast_matching: Any, sample_text: str
) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    page = web.post("/descubre", data={"texto": sample_text, csrf.FIELD_NAME: token})
    assert "<q>atiendo público</q>" in page.text
    data = {
        csrf.FIELD_NAME: token,
        "shown": ["retail_sales", "customer_attention"],
        "skill": ["retail_sales"],
        "accion": "confirmar",
    }
    page = web.post("/descubre/habilidades", data=data, follow_redirects=False)
    assert page.headers["location"] == "/perfil?guardado=habilidades"
    skills = web.get("/perfil").text
    assert "Ventas en tienda" in skills
    assert "Atención al cliente" not in skills


def test_profile_keeps_input_on_error_and_saves(web: Any, token: str, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    data = {"departamento": "15", "provincia": "1501", "distrito": "150101", "horas": "200",
            "sueldo": "mil", "franja": ["mon_morning"], csrf.FIELD_NAME: token}  # fmt: skip
    page = web.post("/perfil", data=data)
    assert page.status_code == 422
    assert 'id="horas-error"' in page.text
    assert 'id="sueldo-error"' in page.text
    assert 'value="mil"' in page.text
    assert 'value="150101" selected' in page.text
    assert 'value="mon_morning" id="f-mon_morning" checked' in page.text
    data.update(horas="40", sueldo="1200", visible="1")
    page = web.post("/perfil", data=data, follow_redirects=False)
    assert page.headers["location"] == "/para-ti?guardado=perfil"
    assert 'value="150101" selected' in web.get("/perfil").text


def test_the_profile_form_reads_pay_and_hours_as_the_api_does(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker WHEN they save pay written the Peruvian way and hours with their unit
    actor = make_web_user(Role.SEEKER)
    login_as(web, actor)
    data = {"departamento": "15", "provincia": "1501", "distrito": "150101", "horas": "30 h",
            "sueldo": "S/ 1.500,50", csrf.FIELD_NAME: token}  # fmt: skip
    page = web.post("/perfil", data=data, follow_redirects=False)
    # THEN ProfileIn reads them (before, the page's own parser stored S/ 1.50)
    assert page.status_code == 303, page.text
    seeded_session.refresh(actor.person)
    assert actor.person.expected_wage == Decimal("1500.50")
    assert actor.person.availability_hours == 30


def test_place_selects_refine_without_javascript(web: Any, token: str, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    data = {"departamento": "15", "accion": "lugar", csrf.FIELD_NAME: token}
    page = web.post("/perfil", data=data)
    assert page.status_code == 200
    assert 'value="1501"' in page.text  # the provinces of Lima are offered
    fragment = web.get("/lugares?departamento=15&provincia=1501", headers={"HX-Request": "true"})
    assert 'value="150101"' in fragment.text
    assert "<html" not in fragment.text


def test_recommendations_explain_matches_gaps_and_pay(
    web: Any, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    actor = make_web_user(Role.SEEKER, email="rosa.match@example.pe", name="Rosa")
    actor.person.ubigeo = LIMA_CERCADO
    actor.person.expected_wage = 1000
    from chamba.people.models import PersonSkill

    seeded_session.add(
        PersonSkill(
            person_id=actor.person.id, skill_id="retail_sales", confirmed=True, source="declared"
        )
    )
    seeded_session.commit()
    job_id = _job(seeded_session, ["retail_sales", "cash_register"], wage_min=1300)
    login_as(web, actor)
    page = web.get("/para-ti")
    assert page.status_code == 200
    assert f'href="/empleos/{job_id}"' in page.text
    assert "Sabes: Ventas en tienda" in page.text
    assert "Te falta: Manejo de caja" in page.text
    assert "S/\xa01,300.00" in page.text


def test_apply_once_and_see_the_status(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    job_id = _job(seeded_session, ["retail_sales"])
    login_as(web, make_web_user(Role.SEEKER))
    url = f"/empleos/{job_id}/postular"
    page = web.post(url, data={csrf.FIELD_NAME: token}, follow_redirects=False)
    assert page.headers["location"] == f"/postulaciones?nueva={job_id}"
    mine = web.get("/postulaciones")
    assert "Enviada" in mine.text
    again = web.post(url, data={csrf.FIELD_NAME: token}, follow_redirects=False)
    assert again.headers["location"] == "/postulaciones"
    assert "Postulaste a esta oferta" in web.get(f"/empleos/{job_id}").text


def test_dismiss_needs_a_reason_and_keeps_the_text(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    job_id = _job(seeded_session, ["retail_sales"])
    login_as(web, make_web_user(Role.SEEKER))
    url = f"/empleos/{job_id}/no-es-para-mi"
    page = web.post(url, data={"detalle": "muy lejos de casa", csrf.FIELD_NAME: token})
    assert page.status_code == 422
    assert 'id="motivo-error"' in page.text
    assert "muy lejos de casa" in page.text
    data = {"motivo": "distance", "detalle": "muy lejos", csrf.FIELD_NAME: token}
    done = web.post(url, data=data, follow_redirects=False)
    assert done.headers["location"] == "/para-ti?descartado=1"


def test_pathway_shows_what_is_missing(
    web: Any, seeded_session: Session, make_web_user: Any
) -> None:
    job_id = _job(seeded_session, ["retail_sales", "cash_register"])
    login_as(web, make_web_user(Role.SEEKER))
    page = web.get(f"/empleos/{job_id}/ruta")
    assert page.status_code == 200
    assert "Tu camino hacia" in page.text
    assert "Manejo de caja" in page.text


def test_employers_cannot_use_seeker_pages(web: Any, token: str, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get("/para-ti").status_code == 403
    assert web.post("/perfil", data={csrf.FIELD_NAME: token}).status_code == 403


def test_job_page_shows_levels_and_requirements_outside_the_taxonomy(
    web: Any, seeded_session: Session, make_web_user: Any
) -> None:
    # GIVEN an imported posting asking for Excel at an intermediate level and for a requirement
    # no taxonomy skill matches
    from chamba.jobs.schemas import JobIn

    item = JobIn(
        external_id="servir-1",
        title="Asistente administrativo",
        ubigeo=LIMA_CERCADO,
        skills=["spreadsheets_excel"],
        skill_levels={"spreadsheets_excel": "intermediate"},
        unlinked_skills=["Manejo del sistema Nexus"],
    )
    job_service.upsert_jobs(seeded_session, [item], source="import:test")
    seeded_session.commit()
    job = job_service.get_by_external_id(seeded_session, "import:test", "servir-1")
    assert job is not None
    # WHEN a seeker opens it
    login_as(web, make_web_user(Role.SEEKER))
    page = web.get(f"/empleos/{job.id}")
    # THEN the level and the unlinked requirement are shown
    assert page.status_code == 200
    assert "(intermedio)" in page.text
    assert "También pide: Manejo del sistema Nexus" in page.text


def test_sign_up_with_a_mobile_says_so_where_no_sms_can_be_sent(
    web: Any, token: str, seeded_session: Session, monkeypatch: Any
) -> None:
    # GIVEN a deployment that sends no SMS
    settings = web.app.state.settings.model_copy(update={"sms_sender": "none"})
    monkeypatch.setattr(web.app.state, "settings", settings)
    users = seeded_session.scalar(select(func.count()).select_from(User))
    # WHEN someone signs up with a mobile number
    data = {"nombre": "Rosa", "contacto": "987654321", "clave": PASSWORD, "rol": "seeker"}
    page = web.post(
        "/registro", data={**data, csrf.FIELD_NAME: token}, headers={"Accept-Language": "es"}
    )
    # THEN the form says, next to the contact, to use an e-mail; no account waits for a code
    assert page.status_code == 422
    assert 'id="contacto-error"' in page.text
    assert "no puede enviar SMS" in page.text
    assert "Confirma tu cuenta" not in page.text
    assert seeded_session.scalar(select(func.count()).select_from(User)) == users


def test_the_profile_page_shows_the_accounts_contact_and_where_to_change_it(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a seeker whose person row still holds an old copy of a contact
    actor = make_web_user(Role.SEEKER)
    actor.person.email = "copia.vieja@example.pe"
    seeded_session.commit()
    login_as(web, actor)
    page = web.get("/perfil", headers={"Accept-Language": "es"})
    # THEN the page shows the account's confirmed contact, and links to its change
    assert actor.user.email in page.text
    assert "copia.vieja" not in page.text
    assert 'href="/cuenta/contacto"' in page.text
    # AND saving the profile keeps it (the form sends no contact of its own)
    data = {"departamento": "15", "provincia": "1501", "distrito": "150101", "horas": "20",
            csrf.FIELD_NAME: token}  # fmt: skip
    assert web.post("/perfil", data=data, follow_redirects=False).status_code == 303
