"""Course imports: Spanish modalities, free and scholarship flags, providers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chamba.courses.models import Course, Modality
from chamba.ingest.service import import_file
from chamba.orgs.models import Organisation, OrgKind
from chamba.search import search_fields
from chamba.vocab import SkillLevel

pytestmark = pytest.mark.usefixtures("skills")


def _courses(session: Session) -> dict[str, Course]:
    stmt = select(Course).options(selectinload(Course.skills))
    return {c.external_id: c for c in session.scalars(stmt) if c.external_id}


def test_courses_csv_with_semicolons(session: Session, fixtures: Path) -> None:
    # GIVEN a ';'-separated CSV (Excel in Spanish) of four courses
    # WHEN imported
    report = import_file(session, "courses", fixtures / "courses_good.csv")
    # THEN modality words, cost, free and scholarship flags and skills are mapped
    assert report.ok, report.summary()
    assert report.created == 4
    courses = _courses(session)
    senati = courses["sen-01"]
    assert senati.modality is Modality.IN_PERSON
    assert senati.ubigeo == "150115"
    assert senati.cost == Decimal("450.00")
    assert not senati.is_free
    assert senati.scholarship
    assert senati.start_dates == ["2025-04-07", "2025-06-02"]
    assert senati.certificate
    assert senati.seats == 25
    assert [(s.skill_id, s.level) for s in senati.skills] == [("costura", SkillLevel.INTERMEDIATE)]
    mototaxi = courses["cet-02"]
    assert mototaxi.modality is Modality.HYBRID
    assert mototaxi.is_free
    assert mototaxi.ubigeo == "211101"
    english = courses["vir-03"]
    assert english.modality is Modality.ONLINE
    assert english.ubigeo is None
    assert english.is_free
    assert english.cost == Decimal("0.00")
    assert {s.skill_id for s in english.skills} == {"ingles", "guia-turismo"}
    provider = session.get(Organisation, senati.provider_id)
    assert provider is not None
    assert provider.kind is OrgKind.PROVIDER
    assert provider.name == "SENATI"


def test_reimport_changes_nothing(session: Session, fixtures: Path) -> None:
    # GIVEN an imported course file
    import_file(session, "courses", fixtures / "courses_good.csv")
    # WHEN imported again THEN every course is unchanged
    again = import_file(session, "courses", fixtures / "courses_good.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_inconsistent_courses_are_reported(session: Session, tmp_path: Path) -> None:
    # GIVEN a free course with a cost, an in-person course with no place, an unknown modality
    path = tmp_path / "cursos.csv"
    path.write_text(
        "curso,modalidad,horas,costo,gratis,distrito\n"
        "Panadería,presencial,80,S/ 200,sí,Cusco\n"
        "Repostería,presencial,40,0,,\n"
        "Soldadura,por correspondencia,40,0,,\n"
        "Cocina,virtual,0,0,,\n",
        encoding="utf-8",
    )
    # WHEN imported
    report = import_file(session, "courses", path)
    # THEN each row names its field
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "costo"),
        (3, "ubigeo"),
        (4, "modalidad"),
        (5, "horas"),
    ]


def test_json_records_with_field_names(session: Session, tmp_path: Path) -> None:
    # GIVEN courses as plain JSON records
    path = tmp_path / "cursos.json"
    path.write_text(
        '[{"id": "k1", "title": "Guiado en Machu Picchu", "modality": "semipresencial",'
        ' "ubigeo": "080101", "hours": 30, "cost": 350.5, "scholarship": true,'
        ' "skills": [{"skill": "guía de turismo", "level": "avanzado"}]},'
        ' {"id": "k2", "title": "Inglés básico", "modality": "virtual", "hours": 40,'
        ' "precio_total": 10}]',
        encoding="utf-8",
    )
    # WHEN imported
    report = import_file(session, "courses", path)
    # THEN the unknown key is reported on record 2, and nothing is written
    assert [(e.line, e.field) for e in report.errors] == [(2, "precio_total")]
    # AND with skip_invalid the first course is imported
    report = import_file(session, "courses", path, skip_invalid=True)
    course = _courses(session)["k1"]
    assert course.cost == Decimal("350.50")
    assert course.scholarship
    assert not course.is_free
    assert [(s.skill_id, s.level) for s in course.skills] == [("guia-turismo", SkillLevel.ADVANCED)]


def test_imported_courses_carry_their_search_text(session: Session, fixtures: Path) -> None:
    # GIVEN the good CSV of courses imported
    import_file(session, "courses", fixtures / "courses_good.csv")
    # THEN every course's stored search columns are its normalised title and description
    rows = session.execute(
        select(Course.title, Course.description, Course.search_title, Course.search_text)
    ).all()
    assert len(rows) == 4
    for title, description, search_title, search_text in rows:
        assert {"search_title": search_title, "search_text": search_text} == search_fields(
            title, description
        )
