"""Counselor pages: people who granted access (search by name), a person's profile, matches and
notes; 404 without a grant (like the API), 403 for other roles, CSRF on notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from tests.support.factories import LIMA_CERCADO

from chamba.auth.models import Role
from chamba.counseling.models import CounselorGrant
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.taxonomy.models import Skill
from chamba.vocab import Requirement
from chamba.web import csrf

from .conftest import login_as


def _granted(make_web_user: Any, session: Session) -> tuple[Any, Any]:
    """A counselor and "Rosa Quispe", a seeker who granted them access (committed)."""
    counselor = make_web_user(Role.COUNSELOR)
    seeker = make_web_user(Role.SEEKER, name="Rosa Quispe")
    session.add(CounselorGrant(person_id=seeker.person.id, counselor_user_id=counselor.user.id))
    session.commit()
    return counselor, seeker


def test_granted_person_profile_and_note(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    counselor, seeker = _granted(make_web_user, seeded_session)
    other = make_web_user(Role.SEEKER, name="Juan Sin Permiso")
    login_as(web, counselor)
    listed = web.get("/consejeria/personas?q=rosa")
    assert "Rosa Quispe" in listed.text
    assert "Juan Sin Permiso" not in web.get("/consejeria/personas").text
    url = f"/consejeria/personas/{seeker.person.id}"
    assert web.get(url).status_code == 200
    assert web.get(f"/consejeria/personas/{other.person.id}").status_code == 404
    empty = web.post(f"{url}/notas", data={"nota": "", csrf.FIELD_NAME: token})
    assert empty.status_code == 422
    assert 'id="nota-error"' in empty.text
    assert web.post(f"{url}/notas", data={"nota": "Hola"}).status_code == 403
    saved = web.post(f"{url}/notas", data={"nota": "Buscar curso de Excel", csrf.FIELD_NAME: token})
    assert saved.status_code == 200
    assert "Buscar curso de Excel" in saved.text
    note = web.post(
        f"/consejeria/personas/{other.person.id}/notas", data={"nota": "x", csrf.FIELD_NAME: token}
    )
    assert note.status_code == 404
    login_as(web, make_web_user(Role.EMPLOYER))
    assert web.get(url).status_code == 403


def test_a_persons_page_speaks_of_them_not_to_the_counselor(
    web: Any, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    # GIVEN a granted person with no course to suggest
    counselor, seeker = _granted(make_web_user, seeded_session)
    login_as(web, counselor)
    page = web.get(f"/consejeria/personas/{seeker.person.id}").text
    # THEN the empty course list is about the person ("sugerirle"), not the reader ("sugerirte")
    assert "Aún no hay cursos para sugerirle." in page
    assert "sugerirte" not in page


def test_a_note_from_the_page_gets_the_apis_text_checks(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    # GIVEN a counselor with a seeker's grant
    counselor, seeker = _granted(make_web_user, seeded_session)
    login_as(web, counselor)
    url = f"/consejeria/personas/{seeker.person.id}/notas"
    # WHEN a note holds a control character or starts like a spreadsheet formula
    for bad in ("Llamar\x00 mañana", '=HYPERLINK("http://evil.example","ver")'):
        page = web.post(url, data={"nota": bad, csrf.FIELD_NAME: token})
        # THEN it is refused next to its field, as the API refuses it, and nothing is stored
        assert page.status_code == 422, bad
        assert 'id="nota-error"' in page.text
    count = "SELECT count(*) FROM counselor_notes WHERE person_id = :p"
    assert seeded_session.execute(text(count), {"p": seeker.person.id}).scalar_one() == 0
    # AND a plain note is stored as the API would store it (trimmed)
    saved = web.post(url, data={"nota": "  Buscar curso  ", csrf.FIELD_NAME: token})
    assert saved.status_code == 200
    assert seeded_session.execute(text(count), {"p": seeker.person.id}).scalar_one() == 1


def test_a_counselor_cannot_plan_a_pathway_to_a_draft_job(
    web: Any, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    # GIVEN a counselor with a seeker's grant, and an employer's draft and open jobs
    counselor, seeker = _granted(make_web_user, seeded_session)
    org = Organisation(kind=OrgKind.EMPLOYER, name="Taller Secreto")
    seeded_session.add(org)
    seeded_session.flush()
    skill = seeded_session.scalars(select(Skill.id).limit(1)).one()
    jobs = {}
    for status in (JobStatus.DRAFT, JobStatus.OPEN):
        job = Job(organisation_id=org.id, title=f"Puesto {status.value} reservado",
                  ubigeo=LIMA_CERCADO, status=status)  # fmt: skip
        seeded_session.add(job)
        seeded_session.flush()
        seeded_session.add(
            JobSkill(job_id=job.id, skill_id=skill, requirement=Requirement.ESSENTIAL)
        )
        jobs[status] = job.id
    seeded_session.commit()
    login_as(web, counselor)
    url = f"/consejeria/personas/{seeker.person.id}?empleo="
    # WHEN the counselor asks for the pathway to the draft THEN it is not found (as in the API)
    draft = web.get(url + str(jobs[JobStatus.DRAFT]))
    assert draft.status_code == 404
    assert "reservado" not in draft.text
    # AND an open job's pathway is shown
    shown = web.get(url + str(jobs[JobStatus.OPEN]))
    assert shown.status_code == 200
    assert "Puesto open reservado" in shown.text
