"""Counselor pages: people who granted access (search by name), a person's profile, matches and
notes; 404 without a grant (like the API), 403 for other roles, CSRF on notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chamba.auth.models import Role
from chamba.counseling.models import CounselorGrant
from chamba.web import csrf

from .conftest import login_as


def test_granted_person_profile_and_note(
    web: Any, token: str, make_web_user: Any, seeded_session: Session, fast_matching: Any
) -> None:
    counselor = make_web_user(Role.COUNSELOR)
    seeker = make_web_user(Role.SEEKER, name="Rosa Quispe")
    other = make_web_user(Role.SEEKER, name="Juan Sin Permiso")
    seeded_session.add(
        CounselorGrant(person_id=seeker.person.id, counselor_user_id=counselor.user.id)
    )
    seeded_session.commit()
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
    counselor = make_web_user(Role.COUNSELOR)
    seeker = make_web_user(Role.SEEKER, name="Rosa Quispe")
    seeded_session.add(
        CounselorGrant(person_id=seeker.person.id, counselor_user_id=counselor.user.id)
    )
    seeded_session.commit()
    login_as(web, counselor)
    page = web.get(f"/consejeria/personas/{seeker.person.id}").text
    # THEN the empty course list is about the person ("sugerirle"), not the reader ("sugerirte")
    assert "Aún no hay cursos para sugerirle." in page
    assert "sugerirte" not in page
