"""People imports: CSV and JSON Resume; personal data encrypted at rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from chamba.db import blind_index
from chamba.ingest.service import import_file
from chamba.people import service as people_service
from chamba.people.models import Device, Person
from chamba.vocab import EducationLevel, SkillLevel, SkillSource

pytestmark = pytest.mark.usefixtures("skills")


def _people(session: Session) -> dict[str, Person]:
    stmt = select(Person).options(selectinload(Person.skills))
    return {p.national_id or p.email or "": p for p in session.scalars(stmt)}


def test_good_csv_imports_people(session: Session, fixtures: Path) -> None:
    # GIVEN a CSV of three people (DNI, CE, Spanish words, mixed phone formats)
    # WHEN it is imported
    report = import_file(session, "people", fixtures / "people_good.csv")
    # THEN each person is stored with normalised values
    assert report.ok, report.summary()
    assert report.created == 3
    people = _people(session)
    rosa = people["45678912"]
    assert rosa.full_name == "Rosa Quispe Mamani"
    assert rosa.phone == "+51 987 654 321"
    assert rosa.gender == "female"
    assert rosa.birth_year == 1990
    assert rosa.ubigeo == "150115"
    assert rosa.languages == ["es", "qu"]
    assert rosa.education_level is EducationLevel.SECONDARY
    assert rosa.has_internet
    assert rosa.device is Device.PHONE
    assert rosa.remote_ready
    assert rosa.consent_visible
    assert rosa.consent_at is not None
    levels = {s.skill_id: s.level for s in rosa.skills}
    assert levels == {"costura": SkillLevel.ADVANCED, "atencion-al-cliente": None}
    assert all(s.source is SkillSource.DECLARED for s in rosa.skills)
    jose = people["CE001234567"]
    assert jose.phone == "+51 912 345 678"
    assert not jose.consent_visible
    assert jose.ubigeo == "110111"
    assert jose.device is Device.NONE
    luz = people["70123456"]
    assert luz.phone == "+51 54 123456"
    assert luz.device is Device.COMPUTER
    assert luz.languages == ["es", "en"]
    assert luz.years_experience == 1.5


def test_national_id_is_encrypted_at_rest_and_found_again(session: Session, fixtures: Path) -> None:
    # GIVEN an imported people file
    import_file(session, "people", fixtures / "people_good.csv")
    # WHEN the table is read with raw SQL
    raw = session.execute(
        text("SELECT national_id, national_id_index, full_name, email, phone FROM people")
    ).all()
    # THEN no DNI, name, e-mail or phone is stored in clear; the index is the keyed hash
    dump = repr(raw)
    for secret in ("45678912", "Rosa", "rosa.quispe", "987", "CE001234567"):
        assert secret not in dump
    assert blind_index("45678912") in {row.national_id_index for row in raw}
    found = people_service.get_by_national_id(session, "45678912")
    assert found is not None
    assert found.full_name == "Rosa Quispe Mamani"
    # AND a re-import under another source finds the same people by DNI instead of duplicating
    again = import_file(session, "people", fixtures / "people_good.csv", source="municipalidad")
    assert (again.created, again.unchanged) == (0, 3), again.summary()
    assert session.scalar(select(func.count()).select_from(Person)) == 3


def test_reimport_changes_nothing(session: Session, fixtures: Path) -> None:
    # GIVEN imported people files
    import_file(session, "people", fixtures / "people_good.csv")
    import_file(session, "people", fixtures / "people_resume.json")
    stamps = {p.id: p.updated_at for p in session.scalars(select(Person))}
    # WHEN they are imported again
    csv_again = import_file(session, "people", fixtures / "people_good.csv")
    json_again = import_file(session, "people", fixtures / "people_resume.json")
    # THEN nothing changes
    assert (csv_again.unchanged, json_again.unchanged) == (3, 2)
    assert csv_again.created + csv_again.updated + json_again.created + json_again.updated == 0
    session.expire_all()
    assert {p.id: p.updated_at for p in session.scalars(select(Person))} == stamps


def test_json_resume(session: Session, fixtures: Path) -> None:
    # GIVEN a list of two JSON Resumes
    report = import_file(session, "people", fixtures / "people_resume.json")
    # THEN both are imported with experience, education, skills and languages mapped
    assert report.ok, report.summary()
    assert report.format == "json-resume"
    assert report.created == 2
    people = _people(session)
    wilber = people["43218765"]
    assert wilber.external_id == "cv-wilber"
    assert wilber.phone == "+51 984 111 222"
    assert wilber.ubigeo == "080108"
    assert wilber.education_level is EducationLevel.TECHNICAL
    assert wilber.years_experience == pytest.approx(6.0, abs=0.1)
    assert wilber.languages == ["es", "qu", "en"]
    assert wilber.availability_hours == 40
    assert wilber.consent_visible
    assert wilber.self_description is not None
    assert "Guía senior - Cusco Travel" in (wilber.self_description)
    assert {s.skill_id: s.level for s in wilber.skills} == {
        "guia-turismo": SkillLevel.ADVANCED,
        "atencion-al-cliente": SkillLevel.ADVANCED,
    }
    milagros = people["milagros.torres@example.com"]
    assert milagros.ubigeo == "040110"
    assert milagros.external_id.startswith("hk:")
    assert [(s.skill_id, s.level) for s in milagros.skills] == [("excel", SkillLevel.INTERMEDIATE)]


def test_bad_people_rows_are_reported(session: Session, tmp_path: Path) -> None:
    # GIVEN rows with a short DNI, a bad e-mail, a foreign phone, a repeated DNI
    path = tmp_path / "personas.csv"
    path.write_text(
        "dni,nombre,correo,celular,habilidades\n"
        "1234567,Ana,ana@example.pe,987654321,costura\n"
        "45678912,Beto,beto@,987654321,\n"
        "45678913,Carla,carla@example.pe,+1 212 555 0100,\n"
        "45678914,Dora,dora@example.pe,987654322,\n"
        "45678914,Dora bis,dora2@example.pe,987654323,\n",
        encoding="utf-8",
    )
    # WHEN imported
    report = import_file(session, "people", path)
    # THEN each is reported on its line and nothing is stored
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "dni"),
        (3, "correo"),
        (4, "celular"),
        (6, "dni"),
    ]
    assert "8 digits" in report.errors[0].reason
    assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_an_import_never_changes_a_self_registered_account(
    session: Session, fixtures: Path
) -> None:
    # GIVEN a seeker who signed up and typed Rosa's DNI on their own profile
    from chamba.auth.models import Role, User

    user = User(role=Role.SEEKER, name="Someone Else", is_active=True)
    session.add(user)
    session.flush()
    claimant = Person(
        user_id=user.id,
        full_name="Someone Else",
        email="someone@example.pe",
        national_id="45678912",
        national_id_index=blind_index("45678912"),
        source="signup",
    )
    session.add(claimant)
    session.flush()
    # WHEN an institution's file with the real Rosa is imported (bad rows skipped)
    report = import_file(session, "people", fixtures / "people_good.csv", skip_invalid=True)
    # THEN Rosa's row is held back, saying why, and the account is untouched
    assert [e.line for e in report.errors] == [2]
    assert "self-registered" in report.errors[0].reason
    session.refresh(claimant)
    assert claimant.full_name == "Someone Else"
    assert claimant.email == "someone@example.pe"
    assert not claimant.consent_visible
    assert report.created == 2
    # AND the numbers the institution vouched for are marked verified
    people = _people(session)
    assert people["70123456"].national_id_verified
    assert not claimant.national_id_verified
