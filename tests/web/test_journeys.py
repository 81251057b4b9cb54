"""Seams between pages of each role's journey (issue 13), over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chamba.auth.models import Role
from chamba.people import service as people_service
from chamba.people.schemas import SkillChoice
from chamba.web import csrf, pending

from .conftest import PASSWORD, login_as

SECRET = "s" * 40


def _confirm_anonymously(web: Any, token: str, text: str) -> list[str]:
    found = web.post("/descubre", data={"texto": text, csrf.FIELD_NAME: token})
    assert found.status_code == 200
    ids = sorted(set(_values(found.text, 'name="shown" value="')))
    data: dict[str, Any] = {"texto": text, "shown": ids, "skill": ids, csrf.FIELD_NAME: token}
    done = web.post("/descubre/habilidades", data=data)
    assert done.status_code == 200
    assert pending.COOKIE_NAME in done.headers["set-cookie"]
    return ids


def _values(html: str, marker: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split(marker)[1:]]


def test_pending_cookie_round_trip_and_tampering() -> None:
    # GIVEN confirmed skills and long text  WHEN encoded  THEN it fits a cookie and decodes
    value = pending.encode(SECRET, ["a", "b", "a"], "vendo ropa " * 1000)
    assert len(value) <= pending.MAX_VALUE_BYTES
    kept = pending.decode(SECRET, value)
    assert kept is not None
    assert kept.skill_ids == ("a", "b")
    assert kept.text.startswith("vendo ropa")
    # WHEN altered or signed with another key  THEN ignored
    assert pending.decode(SECRET, "x" + value) is None
    assert pending.decode("t" * 40, value) is None
    assert pending.decode(SECRET, None) is None


def test_skills_confirmed_before_log_in_join_the_profile(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, sample_text: str
) -> None:
    # GIVEN a seeker with one skill, logged out, who confirms skills on /descubre
    actor = make_web_user(Role.SEEKER)
    person = people_service.person_of_user(seeded_session, actor.user)
    people_service.replace_skills(seeded_session, person, [SkillChoice(id="cash_register")])
    seeded_session.commit()
    login_as(web, None)
    ids = _confirm_anonymously(web, token, sample_text)
    assert ids
    # WHEN they log in
    data = {"contacto": actor.user.email, "clave": PASSWORD, csrf.FIELD_NAME: token}
    page = web.post("/ingresar", data=data, follow_redirects=False)
    # THEN the profile has the earlier skill and the new ones, and the cookie is forgotten
    assert page.headers["location"] == "/perfil?guardado=habilidades"
    assert f'{pending.COOKIE_NAME}=""' in page.headers["set-cookie"]
    seeded_session.expire_all()
    person = people_service.person_of_user(seeded_session, actor.user)
    view = people_service.skills_view(seeded_session, person, "es")
    assert sorted(s.id for s in view.skills) == sorted(["cash_register", *ids])
    # the words were read again: the extracted skills keep their evidence
    assert all(s.evidence for s in view.skills if s.id != "cash_register")


def test_an_employer_logging_in_ignores_pending_skills(
    web: Any, token: str, make_web_user: Any, sample_text: str
) -> None:
    actor = make_web_user(Role.EMPLOYER)
    login_as(web, None)
    _confirm_anonymously(web, token, sample_text)
    data = {"contacto": actor.user.email, "clave": PASSWORD, csrf.FIELD_NAME: token}
    page = web.post("/ingresar", data=data, follow_redirects=False)
    assert page.headers["location"] == "/empleador/ofertas"


# --- "Para ti": dismissed jobs leave, applied jobs are marked, closed jobs say so ----------------


def _seeker_with_skill(make_web_user: Any, seeded_session: Session, skill: str) -> Any:
    from tests.support.factories import LIMA_CERCADO

    from chamba.people.models import PersonSkill

    actor = make_web_user(Role.SEEKER)
    actor.person.ubigeo = LIMA_CERCADO
    seeded_session.add(
        PersonSkill(person_id=actor.person.id, skill_id=skill, confirmed=True, source="declared")
    )
    seeded_session.commit()
    return actor


def test_a_dismissed_job_leaves_para_ti(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.web.test_seeker_pages import _job

    # GIVEN a seeker who sees a job on "Para ti"
    actor = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    job_id = _job(seeded_session, ["retail_sales"])
    login_as(web, actor)
    assert f'href="/empleos/{job_id}"' in web.get("/para-ti").text
    # WHEN they say it is not for them
    data = {"motivo": "distance", csrf.FIELD_NAME: token}
    done = web.post(f"/empleos/{job_id}/no-es-para-mi", data=data, follow_redirects=False)
    assert done.status_code == 303
    # THEN it is gone from the list (and the feedback is kept for the ranker)
    page = web.get("/para-ti?descartado=1")
    assert f'href="/empleos/{job_id}"' not in page.text
    from chamba.activity.models import Interaction, InteractionKind

    kinds = [
        i.kind
        for i in seeded_session.query(Interaction).filter(Interaction.subject_id == job_id)
        if i.person_id == actor.person.id
    ]
    assert InteractionKind.DISMISSED in kinds


def test_applied_jobs_are_marked_and_a_closed_job_says_so(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.web.test_seeker_pages import _job

    from chamba.activity.models import Application, ApplicationStatus
    from chamba.jobs import service as job_service
    from chamba.jobs.models import Job

    # GIVEN a seeker invited to interview for a job they see on "Para ti"
    actor = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    job_id = _job(seeded_session, ["retail_sales"])
    seeded_session.add(
        Application(job_id=job_id, person_id=actor.person.id, status=ApplicationStatus.INTERVIEW)
    )
    seeded_session.commit()
    login_as(web, actor)
    # THEN the card says they applied and leads to the application
    page = web.get("/para-ti").text
    card = page.split(f'href="/empleos/{job_id}"', 1)[1].split('<li class="card')[0]
    assert "Ya postulaste" in card
    assert 'href="/postulaciones"' in card
    assert "Entrevista" in web.get("/postulaciones").text
    # WHEN the employer closes the job  THEN the application no longer says "Interview"
    job = seeded_session.get(Job, job_id)
    assert job is not None
    job_service.close_job(seeded_session, job)
    seeded_session.commit()
    mine = web.get("/postulaciones").text
    assert "Oferta cerrada" in mine
    assert "Entrevista" not in mine


def test_employer_cards_speak_of_the_candidate_in_the_third_person(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.support.employer_pages import publish_job

    from chamba.activity.models import Application

    employer = make_web_user(Role.EMPLOYER)
    login_as(web, employer)
    job_id = publish_job(web, token)
    seeker = _seeker_with_skill(make_web_user, seeded_session, "cash_register")
    seeded_session.add(Application(job_id=job_id, person_id=seeker.person.id))
    seeded_session.commit()
    page = web.get(f"/empleador/ofertas/{job_id}").text
    card = page.split(f'id="candidato-{seeker.person.id}"', 1)[1].split('<li class="card')[0]
    assert "Sabe: Manejo de caja" in card
    for second_person in ("Sabes:", "Te falta", "de ti", "lo que esperas", "Suma puntos"):
        assert second_person not in card


# --- copy and language ---------------------------------------------------------------------------


def test_home_invites_employers_and_providers_now(web: Any) -> None:
    page = web.get("/").text
    assert "pronto" not in page.lower()
    assert 'href="/registro?rol=employer"' in page
    assert 'href="/registro?rol=provider"' in page


def test_a_language_chosen_on_the_home_page_follows_a_logged_in_person(
    web: Any, make_web_user: Any
) -> None:
    login_as(web, make_web_user(Role.SEEKER))
    page = web.get("/?lang=en", follow_redirects=False)
    assert page.headers["location"] == "/para-ti?lang=en"
    web.get("/para-ti?lang=en")
    assert web.get("/perfil").headers["content-language"] == "en"


def test_overview_labels_are_in_one_language(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.ANALYST))
    page = web.get("/panorama").text
    assert "Everyone" not in page
    assert "All of Peru" not in page
    english = web.get("/panorama?lang=en").text
    assert "Todos" not in english
    assert "Todo el Perú" not in english


def test_a_filtered_funnel_csv_names_its_region_and_numbers_stay_numbers(
    web: Any, make_web_user: Any
) -> None:
    from chamba.insights.service import csv_cell

    login_as(web, make_web_user(Role.ANALYST))
    csv_text = web.get("/panorama/embudo.csv?region=08").text
    rows = [line.split(",") for line in csv_text.splitlines()[1:]]
    assert rows
    assert {r[0] for r in rows} == {"08"}
    assert "Todo el Perú" not in csv_text
    assert (csv_cell(-6), csv_cell(-0.25), csv_cell("-x")) == ("-6", "-0.25", "'-x")


def test_plans_and_explanations_count_in_words() -> None:
    from chamba.matching.pathways.messages import planned_text
    from chamba.matching.wording import skills_text

    assert (
        planned_text("es", 1, 1, "Cajera")
        == "Con 1 curso cubres la habilidad que te falta para Cajera."
    )
    assert planned_text("en", 2, 3, "Cashier") == (
        "2 courses cover the 3 skills you are missing for Cashier."
    )
    assert skills_text(1, 1, 1, [], "es", seeker=True) == "Tienes la habilidad clave."
    assert skills_text(1, 1, 1, [], "en", seeker=False) == "Has the key skill."


def test_a_job_card_names_no_course_the_pathway_would_refuse() -> None:
    from decimal import Decimal

    from chamba.matching.schemas import CourseSummary, MissingSkill
    from chamba.matching.wording import skills_text

    def course(title: str, fits: bool) -> CourseSummary:
        return CourseSummary(
            course_id=1, title=title, provider=None, modality="in_person", cost=Decimal(0),
            is_free=True, scholarship=False, hours=120, distance_km=503.0 if not fits else 3.0,
            fits=fits, blocked_by=[] if fits else ["distance"],
        )  # fmt: skip

    far = MissingSkill(id="welding", label="Soldadura", courses=[course("Lejos", False)])
    sentence = skills_text(1, 2, 1, [far], "es", seeker=True)
    assert sentence == "Tienes 1 de las 2 habilidades clave. Te falta Soldadura."
    near = MissingSkill(
        id="welding", label="Soldadura", courses=[course("Lejos", False), course("Cerca", True)]
    )
    sentence = skills_text(1, 2, 1, [near], "es", seeker=True)
    assert "Hay un curso gratis, de 120 h." in sentence


def test_analyst_sees_the_job_fair_baseline_and_chooses_the_follow_up(
    web: Any, make_web_user: Any
) -> None:
    login_as(web, make_web_user(Role.ANALYST))
    page = web.get("/panorama").text
    assert "Referencia externa: ferias laborales públicas, Lima 2022" in page
    assert "4.1 %" in page
    assert "1,133 colocados de 27,488 ofertas de empleo" in page
    assert "Resultados en los 90 días después del curso" in page
    longer = web.get("/panorama?seguimiento=180").text
    assert "Resultados en los 180 días después del curso" in longer
    assert 'value="180" selected' in longer


def test_graduates_page_explains_an_empty_report(web: Any, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.PROVIDER))
    page = web.get("/proveedor/egresados").text
    assert "Todavía no hay egresados" in page  # and what to do next (test_provider_pages)


# --- limits are preferences: hours rank, distance and wage say what they hide -------------------


def test_hours_rank_and_explain_instead_of_hiding_a_job(
    web: Any, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.web.test_seeker_pages import _job

    # GIVEN a seeker with 30 free hours a week and a 48-hour job 0 km away that fits their skill
    actor = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    actor.person.availability_hours = 30
    seeded_session.commit()
    job_id = _job(seeded_session, ["retail_sales"], title="Vendedora", hours_per_week=48)
    login_as(web, actor)
    # WHEN "Para ti" opens  THEN the job is there, and says it asks more hours than they have
    page = web.get("/para-ti").text
    assert f'href="/empleos/{job_id}"' in page
    card = page.split(f'href="/empleos/{job_id}"', 1)[1].split('<li class="card')[0]
    assert "más de lo que tienes libre" in card


def test_a_radius_or_wage_floor_that_hides_good_matches_says_so_and_widens(
    web: Any, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.support.factories import CUSCO
    from tests.web.test_seeker_pages import _job

    # GIVEN a seeker in Lima asking S/ 2,000 and two jobs that fit: one in Cusco, one paying less
    actor = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    actor.person.expected_wage = 2000
    seeded_session.commit()
    far = _job(
        seeded_session, ["retail_sales"], title="En Cusco", location={"ubigeo": CUSCO},
        wage_min=2000, wage_max=2200,
    )  # fmt: skip
    cheap = _job(seeded_session, ["retail_sales"], title="Barato", wage_min=900, wage_max=1000)
    login_as(web, actor)
    # WHEN "Para ti" opens  THEN neither is listed, and the page says why, with a way to widen
    page = web.get("/para-ti").text
    assert f'href="/empleos/{far}"' not in page
    assert f'href="/empleos/{cheap}"' not in page
    assert "1 empleo más que encaja con tus habilidades está a más de 50 km." in page
    assert "1 empleo más que encaja con tus habilidades paga menos de S/" in page
    # WHEN they widen  THEN the hidden job shows (ranked and explained), with a way back
    wider = web.get("/para-ti?distancia=2500").text
    assert f'href="/empleos/{far}"' in wider
    assert 'href="/para-ti">Volver a tus propios límites' in wider
    assert f'href="/empleos/{cheap}"' in web.get("/para-ti?sueldo=0").text


# --- browsing: job search and a course's page ----------------------------------------------------


def test_job_search_filters_explains_and_keeps_the_query(
    web: Any, seeded_session: Session, make_web_user: Any
) -> None:
    from tests.support.factories import CUSCO
    from tests.web.test_seeker_pages import _job

    lima = _job(seeded_session, ["retail_sales", "cash_register"], title="Cajera en Gamarra")
    cusco = _job(seeded_session, ["retail_sales"], title="Cajera en Cusco",
                 location={"ubigeo": CUSCO})  # fmt: skip
    other = _job(seeded_session, ["arc_welding"], title="Soldador")
    # GIVEN anyone  WHEN they search "cajera" in Lima  THEN only Lima's cashier job
    page = web.get("/empleos?q=cajera&region=15")
    assert page.status_code == 200
    assert f'href="/empleos/{lima}"' in page.text
    assert f'href="/empleos/{cusco}"' not in page.text
    assert f'href="/empleos/{other}"' not in page.text
    assert 'value="cajera"' in page.text
    # GIVEN a seeker who knows retail sales  THEN each result says what they know and lack
    login_as(web, _seeker_with_skill(make_web_user, seeded_session, "retail_sales"))
    mine = web.get("/empleos?q=cajera&region=15").text
    card = mine.split(f'href="/empleos/{lima}"', 1)[1].split('<li class="card')[0]
    assert "Sabes: Ventas en tienda" in card
    assert "Te falta: Manejo de caja" in card
    # AND a pay that is not a number is refused next to the field, the rest kept
    bad = web.get("/empleos?q=cajera&sueldo=mucho")
    assert bad.status_code == 422
    assert 'id="sueldo-error"' in bad.text


def test_job_search_by_occupation(web: Any, seeded_session: Session) -> None:
    from tests.web.test_seeker_pages import _job

    cashier = _job(seeded_session, ["cash_register"], title="Atención al público",
                   occupation_id="cashier")  # fmt: skip
    welder = _job(seeded_session, ["arc_welding"], title="Taller",
                  occupation_id="welder_fabricator")  # fmt: skip
    # GIVEN anyone  WHEN they pick the occupation by name  THEN only its jobs, the value kept
    page = web.get("/empleos?ocupacion=cajero")
    assert page.status_code == 200
    assert f'href="/empleos/{cashier}"' in page.text
    assert f'href="/empleos/{welder}"' not in page.text
    assert 'name="ocupacion"' in page.text
    assert 'value="cajero"' in page.text
    assert "Ocupación" in page.text
    # AND by its ESCO/catalogue id
    by_id = web.get("/empleos?ocupacion=welder_fabricator").text
    assert f'href="/empleos/{welder}"' in by_id
    assert f'href="/empleos/{cashier}"' not in by_id
    # AND an unknown occupation is said next to the field, in Spanish, with no job listed
    bad = web.get("/empleos?ocupacion=zzqxw")
    assert bad.status_code == 422
    assert 'id="ocupacion-error"' in bad.text
    assert "Ninguna ocupación se llama así" in bad.text
    assert f'href="/empleos/{cashier}"' not in bad.text


def test_course_page_interest_and_enrolment(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    from tests.support.factories import course_body

    from chamba.activity.models import Interaction, InteractionKind
    from chamba.courses import service as course_service
    from chamba.courses.schemas import CourseCreate
    from chamba.orgs.models import Organisation, OrgKind

    school = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Sur", source="test")
    seeded_session.add(school)
    seeded_session.flush()
    course = course_service.publish_course(
        seeded_session, CourseCreate.model_validate(course_body(["arc_welding"])),
        provider_id=school.id,
    )  # fmt: skip
    seeded_session.commit()
    # GIVEN anyone  THEN the page shows cost, length and what it teaches
    page = web.get(f"/cursos/{course.id}")
    assert page.status_code == 200
    assert "S/\xa0150.00" in page.text
    assert "60 horas" in page.text
    assert "Qué enseña" in page.text
    assert web.get("/cursos/999999").status_code == 404
    # GIVEN a seeker  WHEN "Me interesa" (with the form's token)  THEN it is noted, once
    seeker = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    login_as(web, seeker)
    assert web.post(f"/cursos/{course.id}/interes").status_code == 403  # no CSRF token
    done = web.post(
        f"/cursos/{course.id}/interes", data={csrf.FIELD_NAME: token}, follow_redirects=False
    )
    assert done.headers["location"] == f"/cursos/{course.id}?hecho=interes"
    after = web.get(done.headers["location"]).text
    assert "Dijiste que te interesa." in after
    assert f'action="/cursos/{course.id}/interes"' not in after
    kinds = {
        i.kind
        for i in seeded_session.query(Interaction).filter(Interaction.subject_id == course.id)
        if i.person_id == seeker.person.id
    }
    assert InteractionKind.SAVED in kinds
    # AND an employer cannot say it for anyone
    login_as(web, make_web_user(Role.EMPLOYER))
    refused = web.post(f"/cursos/{course.id}/inscrito", data={csrf.FIELD_NAME: token})
    assert refused.status_code == 403


# --- employer: "Mis ofertas" sorted and paged, with new applications ------------------------------


def test_my_jobs_are_sorted_by_new_applications_and_paged(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.support.employer_pages import publish_job

    from chamba.activity.models import Application, ApplicationStatus

    login_as(web, make_web_user(Role.EMPLOYER))
    ids = [publish_job(web, token) for _ in range(11)]
    busy = ids[3]
    for n in range(2):
        seeker = make_web_user(Role.SEEKER)
        status = ApplicationStatus.SUBMITTED if n == 0 else ApplicationStatus.REVIEWING
        seeded_session.add(Application(job_id=busy, person_id=seeker.person.id, status=status))
    seeded_session.commit()
    page = web.get("/empleador/ofertas").text
    # THEN the job with a new application comes first, with its counts
    first = page.split('<li class="card">', 2)[1]
    assert f'href="/empleador/ofertas/{busy}"' in first
    assert "2 postulaciones" in first
    assert "1 nueva" in first
    # AND ten a page, the eleventh on page 2
    assert page.count('<li class="card">') == 10
    assert 'href="/empleador/ofertas?orden=nuevas&amp;pagina=2"' in page
    second = web.get("/empleador/ofertas?orden=nuevas&pagina=2").text
    assert second.count('<li class="card">') == 1
    # AND sorted by newest, the last published comes first
    newest = web.get("/empleador/ofertas?orden=recientes").text.split('<li class="card">', 2)[1]
    assert f'href="/empleador/ofertas/{ids[-1]}"' in newest


def test_hiring_and_closing_are_confirmed_first(
    web: Any, token: str, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.support.employer_pages import at_interview, publish_job

    from chamba.activity.models import ApplicationStatus
    from chamba.jobs.models import Job, JobStatus

    login_as(web, make_web_user(Role.EMPLOYER))
    job_id = publish_job(web, token)
    seeker = make_web_user(Role.SEEKER, name="Luz Mamani")
    application, url = at_interview(seeded_session, job_id, seeker.person.id)
    # WHEN "Contratar" is pressed  THEN a confirmation page, nothing changed yet
    asked = web.post(url, data={"estado": "hired", csrf.FIELD_NAME: token})
    assert "¿Contratar a Luz Mamani?" in asked.text
    assert 'name="confirmado" value="1"' in asked.text
    assert f'href="/empleador/ofertas/{job_id}#candidato-{seeker.person.id}"' in asked.text
    seeded_session.refresh(application)
    assert application.status == ApplicationStatus.INTERVIEW
    # WHEN confirmed  THEN hired
    web.post(url, data={"estado": "hired", "confirmado": "1", csrf.FIELD_NAME: token})
    seeded_session.refresh(application)
    assert application.status == ApplicationStatus.HIRED
    # AND closing asks first too
    asked = web.post(f"/empleador/ofertas/{job_id}/cerrar", data={csrf.FIELD_NAME: token})
    assert "Sí, cerrar esta oferta" in asked.text
    job = seeded_session.get(Job, job_id)
    assert job is not None
    seeded_session.refresh(job)
    assert job.status == JobStatus.OPEN


# --- provider: the people of a course and recording completion ----------------------------------


def test_provider_records_a_completion_that_certifies_skills(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    from tests.support.factories import course_body

    from chamba.courses import service as course_service
    from chamba.courses.schemas import CourseCreate
    from chamba.orgs.models import Organisation, OrgKind
    from chamba.people.models import PersonSkill
    from chamba.vocab import SkillSource

    school = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Norte", source="test")
    seeded_session.add(school)
    seeded_session.flush()
    provider = make_web_user(Role.PROVIDER, organisation_id=school.id)
    course = course_service.publish_course(
        seeded_session, CourseCreate.model_validate(course_body(["arc_welding"])),
        provider_id=school.id,
    )  # fmt: skip
    seeded_session.commit()
    # GIVEN a seeker who says they enrolled, and one only interested who stays private
    learner = make_web_user(Role.SEEKER, name="Rosa Enrolada")
    login_as(web, learner)
    web.post(f"/cursos/{course.id}/inscrito", data={csrf.FIELD_NAME: token})
    private = make_web_user(Role.SEEKER, name="Pedro Privado")
    login_as(web, private)
    web.post(f"/cursos/{course.id}/interes", data={csrf.FIELD_NAME: token})
    # WHEN the provider opens the course's people
    login_as(web, provider)
    page = web.get(f"/proveedor/cursos/{course.id}/personas").text
    assert "Rosa Enrolada" in page
    assert "Pedro Privado" not in page
    # AND records that Rosa completed it
    url = f"/proveedor/cursos/{course.id}/personas/{learner.person.id}/termino"
    assert web.post(url).status_code == 403  # no CSRF token
    done = web.post(url, data={csrf.FIELD_NAME: token}, follow_redirects=False)
    assert done.status_code == 303
    assert (
        "Registramos que Rosa Enrolada terminó el curso" in web.get(done.headers["location"]).text
    )
    # THEN the course's skill is certified on her profile, by this course
    row = (
        seeded_session.query(PersonSkill)
        .filter_by(person_id=learner.person.id, skill_id="arc_welding")
        .one()
    )
    assert (row.source, row.course_id) == (SkillSource.CERTIFIED, course.id)
    # AND another provider can neither see nor record
    other = Organisation(kind=OrgKind.PROVIDER, name="Otro CETPRO", source="test")
    seeded_session.add(other)
    seeded_session.flush()
    login_as(web, make_web_user(Role.PROVIDER, organisation_id=other.id))
    assert web.get(f"/proveedor/cursos/{course.id}/personas").status_code == 403
    assert web.post(url, data={csrf.FIELD_NAME: token}).status_code == 403


def test_counselor_sees_a_granted_persons_applications_and_courses(
    web: Any, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.web.test_seeker_pages import _job

    from chamba.activity.models import Application, ApplicationStatus
    from chamba.audit.models import AuditEntry
    from chamba.counseling.models import CounselorGrant

    counselor = make_web_user(Role.COUNSELOR)
    seeker = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    job_id = _job(seeded_session, ["retail_sales"], title="Vendedora de Gamarra")
    seeded_session.add(
        Application(job_id=job_id, person_id=seeker.person.id, status=ApplicationStatus.INTERVIEW)
    )
    seeded_session.add(
        CounselorGrant(person_id=seeker.person.id, counselor_user_id=counselor.user.id)
    )
    seeded_session.commit()
    login_as(web, counselor)
    page = web.get(f"/consejeria/personas/{seeker.person.id}").text
    section = page.split('id="postulaciones"', 1)[1].split("</section>")[0]
    assert "Vendedora de Gamarra" in section
    assert "Entrevista" in section
    assert 'id="cursos"' in page
    actions = {
        a.action
        for a in seeded_session.query(AuditEntry).filter_by(actor_user_id=counselor.user.id)
    }
    assert "person.applications_read" in actions


def test_audit_log_reads_in_words_names_and_peru_time(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    from datetime import UTC, datetime

    from chamba.audit import service as audit_service

    admin = make_web_user(Role.ADMIN, name="Adela Admin")
    target = make_web_user(Role.SEEKER, name="Rosa Quispe")
    audit_service.record(
        seeded_session, admin.user, "user.role_changed", "user", target.user.id,
        at=datetime(2026, 12, 7, 3, 5, tzinfo=UTC),
    )  # fmt: skip
    seeded_session.commit()
    login_as(web, admin)
    web.get("/admin/auditoria")  # a first view: itself audited
    page = web.get("/admin/auditoria").text
    row = page.split("<tbody>", 1)[1].split("</tbody>")[0]
    # THEN in words, with names, at 22:05 of the day before in Lima (03:05 UTC)
    assert "Adela Admin</a> (administrador) cambió el rol de Rosa Quispe" in row
    assert "6 dic. 2026 22:05" in row
    # AND viewing the log is not listed unless asked for
    assert "leyó el registro de auditoría" not in row
    asked = web.get("/admin/auditoria?accion=audit.read").text.split("<tbody>", 1)[1]
    assert "leyó el registro de auditoría" in asked
    # AND one person's actions
    mine = web.get(f"/admin/auditoria?quien={admin.user.id}").text
    assert "Solo lo que hizo Adela Admin." in mine


def test_models_page_says_how_to_train_and_charts_ndcg(web: Any, make_web_user: Any) -> None:
    from chamba.web.admin import registry_of

    class Version:
        def __init__(self, version: str, ndcg: float) -> None:
            self.version, self.ndcg = version, ndcg
            self.trained_on_erased_data = None  # as ModelInfo: no erased person in its data

    class Registry:
        def versions(self) -> list[Version]:
            return [Version("v1", 0.61), Version("v2", 0.74)]

        def check_promotion(self, version: str) -> tuple[bool, str]:
            return True, "ok"

        def serving_version(self) -> str:
            return "v2"

    web.app.dependency_overrides[registry_of] = Registry
    try:
        login_as(web, make_web_user(Role.ADMIN))
        page = web.get("/admin/modelos").text
    finally:
        web.app.dependency_overrides.pop(registry_of, None)
    assert "<code>chamba train</code>" in page
    assert '<meter min="0" max="1" value="0.61">' in page
    assert '<meter min="0" max="1" value="0.74">' in page
    assert page.index('value="0.61"') < page.index('value="0.74"')  # oldest first


def test_seeker_grants_and_revokes_a_counselor_and_reads_notes(
    web: Any, token: str, seeded_session: Session, make_web_user: Any
) -> None:
    from chamba.counseling import service as counseling_service

    counselor = make_web_user(Role.COUNSELOR, name="Consuelo Guía")
    seeker = make_web_user(Role.SEEKER, name="Rosa Quispe")
    login_as(web, seeker)
    page = web.get("/consejeria-mia").text
    assert f'<option value="{counselor.user.id}">Consuelo Guía</option>' in page
    # WHEN she gives access (with the form's token)  THEN the counselor sees her
    assert (
        web.post("/consejeria-mia", data={"consejera": str(counselor.user.id)}).status_code == 403
    )
    done = web.post(
        "/consejeria-mia",
        data={"consejera": str(counselor.user.id), csrf.FIELD_NAME: token},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/consejeria-mia?hecho=acceso"
    login_as(web, counselor)
    assert web.get(f"/consejeria/personas/{seeker.person.id}").status_code == 200
    counseling_service.add_note(seeded_session, counselor.user, seeker.person, "Curso de caja")
    seeded_session.commit()
    # AND she reads the note, then takes the access away
    login_as(web, seeker)
    assert "Curso de caja" in web.get("/consejeria-mia").text
    web.post(f"/consejeria-mia/{counselor.user.id}/quitar", data={csrf.FIELD_NAME: token})
    login_as(web, counselor)
    assert web.get(f"/consejeria/personas/{seeker.person.id}").status_code == 404
    # AND a non-counselor id changes nothing
    login_as(web, seeker)
    bad = web.post(
        "/consejeria-mia", data={"consejera": str(seeker.user.id), csrf.FIELD_NAME: token},
        follow_redirects=False,
    )  # fmt: skip
    assert bad.headers["location"] == "/consejeria-mia?hecho=error"


def test_a_pathway_blocked_by_distance_offers_the_radius_that_works(
    web: Any, seeded_session: Session, make_web_user: Any
) -> None:
    from tests.support.factories import CUSCO, course_body
    from tests.web.test_seeker_pages import _job

    from chamba.courses import service as course_service
    from chamba.courses.schemas import CourseCreate
    from chamba.orgs.models import Organisation, OrgKind

    school = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Cusco", source="test")
    seeded_session.add(school)
    seeded_session.flush()
    course = course_service.publish_course(
        seeded_session,
        CourseCreate.model_validate(course_body(["arc_welding"], location={"ubigeo": CUSCO})),
        provider_id=school.id,
    )
    seeded_session.commit()
    job_id = _job(seeded_session, ["retail_sales", "arc_welding"])
    login_as(web, _seeker_with_skill(make_web_user, seeded_session, "retail_sales"))
    # GIVEN the only welding course is in Cusco  THEN the plan says the distance blocks it and
    # offers the radius that reaches it
    page = web.get(f"/empleos/{job_id}/ruta").text
    assert f'href="/cursos/{course.id}"' not in page
    link = page.split(f'href="/empleos/{job_id}/ruta?distancia=', 1)[1].split('"')[0]
    assert int(link) > 500
    # WHEN followed  THEN the course is part of the plan, with a way back to one's own limits
    wider = web.get(f"/empleos/{job_id}/ruta?distancia={link}").text
    assert f'href="/cursos/{course.id}"' in wider, wider.split("<main", 1)[1][:1500]
    assert "Volver a tus propios límites" in wider


def test_para_ti_cards_do_not_repeat_their_summary(
    web: Any, seeded_session: Session, make_web_user: Any, fast_matching: Any
) -> None:
    from tests.web.test_seeker_pages import _job

    actor = _seeker_with_skill(make_web_user, seeded_session, "retail_sales")
    job_id = _job(seeded_session, ["retail_sales", "cash_register"])
    login_as(web, actor)
    page = web.get("/para-ti").text
    card = page.split(f'href="/empleos/{job_id}"', 1)[1].split('<li class="card')[0]
    assert 'class="summary"' not in card  # the reasons below say it all, once
    assert "Sabes: Ventas en tienda" in card
