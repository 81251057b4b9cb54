"""Provider pages: publish a course from text (skills suggested, confirmed), my courses, demand
in the region (chart + table + CSV), graduates' outcomes (own courses only); roles and CSRF."""

from __future__ import annotations

from typing import Any

from chamba.auth.models import Role
from chamba.web import csrf

from .conftest import login_as

TEXT = {"titulo": "Excel para negocios", "descripcion": "Aprende Excel y atención al cliente."}


def _details(token: str, **extra: Any) -> dict[str, Any]:
    return {
        **TEXT, "shown": ["customer_attention"], "skill": ["customer_attention"],
        "modalidad": "online", "horas": "40", "semanas": "8", "costo": "150",
        "inicio": "15/03/2026", "vacantes": "20", "horario": ["semana_noche"],
        csrf.FIELD_NAME: token, **extra,
    }  # fmt: skip


def test_publish_a_course_from_text(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    page = web.post("/proveedor/cursos/nuevo", data={**TEXT, csrf.FIELD_NAME: token})
    assert page.status_code == 200
    assert 'name="skill"' in page.text
    done = web.post("/proveedor/cursos/publicar", data=_details(token), follow_redirects=False)
    assert done.status_code == 303, done.text
    mine = web.get(done.headers["location"])
    assert "Excel para negocios" in mine.text
    assert 'role="status"' in mine.text


def test_publish_keeps_input_on_error(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    data = _details(token, horas="mucho", modalidad="in_person", skill=[])
    page = web.post("/proveedor/cursos/publicar", data=data)
    assert page.status_code == 422
    assert 'id="horas-error"' in page.text
    assert 'id="skills-error"' in page.text
    assert 'id="departamento-error"' in page.text
    assert 'value="mucho"' in page.text


def test_publish_needs_csrf_and_the_provider_role(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    no_token = {k: v for k, v in _details(token).items() if k != csrf.FIELD_NAME}
    assert web.post("/proveedor/cursos/publicar", data=no_token).status_code == 403
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get("/proveedor/cursos").status_code == 403
    assert web.post("/proveedor/cursos/publicar", data=_details(token)).status_code == 403
    login_as(web, None)
    anonymous = web.get("/proveedor/cursos", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/ingresar")


def test_other_providers_courses_are_not_listed(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    web.post("/proveedor/cursos/publicar", data=_details(token))
    login_as(web, make_web_user(Role.PROVIDER))
    assert "Excel para negocios" not in web.get("/proveedor/cursos").text
    assert "Excel para negocios" not in web.get("/proveedor/egresados").text
    csv = web.get("/panorama/impacto.csv")
    assert csv.status_code == 200
    assert "Excel para negocios" not in csv.text


def test_edit_a_published_course(
    web: Any, token: str, make_web_user: Any, fast_matching: Any
) -> None:
    # GIVEN a provider's published course
    owner = make_web_user(Role.PROVIDER)
    login_as(web, owner)
    done = web.post("/proveedor/cursos/publicar", data=_details(token), follow_redirects=False)
    course_id = done.headers["location"].split("publicado=")[1]
    # WHEN they open it from "Mis cursos"  THEN the form shows every stored field, in Spanish
    assert f'href="/proveedor/cursos/{course_id}/editar"' in web.get("/proveedor/cursos").text
    form = web.get(f"/proveedor/cursos/{course_id}/editar")
    assert form.status_code == 200
    assert "Editar el curso" in form.text
    assert 'value="Excel para negocios"' in form.text
    assert 'value="150"' in form.text
    assert 'value="15/03/2026"' in form.text
    assert f'name="curso" value="{course_id}"' in form.text
    assert "Atención al cliente" in form.text
    # WHEN they change the title, cost, hours, schedule and skills  THEN the course page shows it
    changed = _details(token, titulo="Excel avanzado", costo="200", horas="60",
                       horario=["fin_de_semana"], shown=["customer_attention", "cash_register"],
                       skill=["cash_register"], curso=course_id)  # fmt: skip
    saved = web.post("/proveedor/cursos/publicar", data=changed, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/cursos/{course_id}"
    again = web.get(f"/proveedor/cursos/{course_id}/editar").text
    assert 'value="Excel avanzado"' in again
    assert 'value="200"' in again
    assert 'value="60"' in again
    assert 'id="horario-fin_de_semana" checked' in again
    assert 'id="horario-semana_noche" checked' not in again
    assert "Manejo de caja" in again
    assert "Excel avanzado" in web.get(f"/cursos/{course_id}").text
    assert "Atención al cliente" not in again
    # AND a bad field keeps the input and says so next to it
    bad = web.post("/proveedor/cursos/publicar", data={**changed, "horas": "mucho"})
    assert bad.status_code == 422
    assert 'id="horas-error"' in bad.text
    # GIVEN another provider  THEN neither the form nor a forged save reach the course
    login_as(web, make_web_user(Role.PROVIDER))
    assert web.get(f"/proveedor/cursos/{course_id}/editar").status_code == 403
    forged = web.post("/proveedor/cursos/publicar", data={**changed, "titulo": "Robado"})
    assert forged.status_code == 403
    # AND without the CSRF token nothing is saved
    login_as(web, owner)
    no_token = {k: v for k, v in changed.items() if k != csrf.FIELD_NAME}
    assert web.post("/proveedor/cursos/publicar", data=no_token).status_code == 403
    assert "Robado" not in web.get(f"/proveedor/cursos/{course_id}/editar").text
    assert web.get("/proveedor/cursos/abc/editar").status_code in (404, 422)


def test_demand_chart_has_a_table_and_a_csv(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    page = web.get("/proveedor/demanda?region=15")
    assert page.status_code == 200
    assert '<img src="/panorama/demanda.png?region=15" alt="' in page.text
    assert "<table>" in page.text or 'class="empty"' in page.text
    chart = web.get("/panorama/demanda.png?region=15")
    assert chart.headers["content-type"] == "image/png"
    csv = web.get("/panorama/demanda.csv?region=15")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("region_code,")


def test_graduates_page_shows_suppressed_groups(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    page = web.get("/proveedor/egresados")
    assert page.status_code == 200
    assert "menos de 10" in page.text or "—" in page.text


def test_graduates_page_says_what_to_do_when_there_are_none(
    web: Any, token: str, seeded_session: Any, make_web_user: Any, fast_matching: Any
) -> None:
    from chamba.activity import service as activity_service
    from chamba.activity.models import InteractionKind, SubjectType

    # GIVEN a provider with no course  THEN the page says so and offers to publish one
    login_as(web, make_web_user(Role.PROVIDER))
    empty = web.get("/proveedor/egresados").text
    assert "Todavía no hay egresados" in empty
    assert "Todavía no publicaste ningún curso" in empty
    assert 'href="/proveedor/cursos/nuevo"' in empty
    assert "<table" not in empty  # no table of zeros
    assert "No graduates yet" in web.get("/proveedor/egresados?lang=en").text
    web.get("/proveedor/egresados?lang=es")  # the choice sticks: back to Spanish
    # WHEN they publish a course no one enrolled in  THEN it asks to share the course's page
    done = web.post("/proveedor/cursos/publicar", data=_details(token), follow_redirects=False)
    course_id = int(done.headers["location"].split("publicado=")[1])
    page = web.get("/proveedor/egresados").text
    assert "Todavía nadie terminó tus cursos" in page
    assert f'href="/cursos/{course_id}"' in page
    people = web.get(f"/proveedor/cursos/{course_id}/personas").text
    assert f'href="/cursos/{course_id}"' in people  # the people page says the same
    # WHEN a seeker says they enrolled  THEN it points at recording who finished
    seeker = make_web_user(Role.SEEKER)
    activity_service.log_interaction(
        seeded_session, seeker.person.id, SubjectType.COURSE, course_id, InteractionKind.ENROLLED
    )
    seeded_session.commit()
    page = web.get("/proveedor/egresados").text
    assert "registra quién terminó" in page
    assert f'href="/proveedor/cursos/{course_id}/personas"' in page
    assert "1 persona inscrita" in page
    # WHEN the provider records the completion  THEN the empty state gives way to the outcomes
    web.post(
        f"/proveedor/cursos/{course_id}/personas/{seeker.person.id}/termino",
        data={csrf.FIELD_NAME: token},
    )
    page = web.get("/proveedor/egresados").text
    assert "Todavía no hay egresados" not in page
    assert "<table" in page
    assert "Registraste 1 egresado." in page  # not "no one has finished a course"
    assert "Todavía nadie terminó" not in page
