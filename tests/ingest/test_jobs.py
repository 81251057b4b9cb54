"""Job imports: CSV and schema.org JobPosting JSON-LD."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from chamba.ingest.service import import_file
from chamba.jobs.models import ContractType, Job
from chamba.orgs.models import Organisation, OrgKind
from chamba.search import search_fields
from chamba.vocab import EducationLevel, Requirement

pytestmark = pytest.mark.usefixtures("skills")


def _jobs(session: Session) -> dict[str, Job]:
    stmt = select(Job).options(selectinload(Job.skills))
    return {j.external_id: j for j in session.scalars(stmt) if j.external_id}


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_good_csv_imports_every_row(session: Session, fixtures: Path) -> None:
    # GIVEN a CSV of five Peruvian jobs with Spanish headers and values
    # WHEN it is imported
    report = import_file(session, "jobs", fixtures / "jobs_good.csv")
    # THEN every row is created with normalised values
    assert report.ok
    assert report.written
    assert (report.total, report.created) == (5, 5)
    jobs = _jobs(session)
    gamarra = jobs["gam-001"]
    assert gamarra.ubigeo == "150115"
    assert (gamarra.wage_min, gamarra.wage_max) == (Decimal("1200.00"), Decimal("1500.00"))
    assert gamarra.contract_type is ContractType.FULL_TIME
    assert gamarra.education_required is EducationLevel.SECONDARY
    assert gamarra.posted_at == datetime(2025, 3, 1, 5, tzinfo=UTC)
    assert "Pago quincenal." in gamarra.description
    assert {s.skill_id for s in gamarra.skills} == {"costura", "atencion-al-cliente"}
    assert jobs["ica-002"].contract_type is ContractType.TEMPORARY
    assert jobs["jul-003"].contract_type is ContractType.DAILY
    assert {s.skill_id for s in jobs["jul-003"].skills} == {"conduccion-mototaxi"}
    assert jobs["aqp-004"].contract_type is ContractType.PART_TIME
    assert jobs["cus-005"].ubigeo == "080108"
    employer = session.get(Organisation, gamarra.organisation_id)
    assert employer is not None
    assert employer.kind is OrgKind.EMPLOYER
    assert employer.name == "Confecciones Gamarra SAC"


def test_import_reports_progress_of_every_stage(session: Session, fixtures: Path) -> None:
    # GIVEN a progress callback
    seen: list[tuple[str, int, int]] = []
    # WHEN a CSV of five jobs is imported
    import_file(session, "jobs", fixtures / "jobs_good.csv", progress=lambda *p: seen.append(p))
    # THEN it hears each stage finish: validating, tagging skills and writing
    assert {s for s, done, total in seen if done == total} == {"validate", "skills", "write"}
    assert ("write", 5, 5) in seen


def test_bad_rows_import_nothing_and_are_all_reported(session: Session, fixtures: Path) -> None:
    # GIVEN a CSV with multi-line values where line 4 is invalid (line 6 names a skill that no
    # taxonomy skill matches, which is no error)
    # WHEN it is imported without --skip-invalid
    report = import_file(session, "jobs", fixtures / "jobs_two_bad.csv")
    # THEN nothing is written and the bad row is reported with its physical line and column
    assert not report.written
    assert _count(session, Job) == 0
    assert _count(session, Organisation) == 0
    assert [(e.line, e.field) for e in report.errors] == [(4, "sueldo_max")]
    assert "Nothing was imported" in report.summary()
    assert report.to_dict()["errors"][0] == {
        "line": 4,
        "field": "sueldo_max",
        "reason": "must be at least wage_min (S/ 1500.00)",
    }


def test_skip_invalid_imports_the_good_rows(session: Session, fixtures: Path) -> None:
    # GIVEN the same file with two bad rows
    # WHEN it is imported with skip_invalid
    report = import_file(session, "jobs", fixtures / "jobs_two_bad.csv", skip_invalid=True)
    # THEN the three good rows are written and the bad one reported and skipped
    assert report.written
    assert (report.created, report.skipped, len(report.errors)) == (3, 1, 1)
    jobs = _jobs(session)
    assert set(jobs) == {"gam-101", "jul-103", "aqp-104"}
    # AND the skill name no skill matches is kept with its posting, unlinked
    assert jobs["aqp-104"].unlinked_skills == ["carpintería naval"]
    assert jobs["gam-101"].unlinked_skills == []


def test_reimport_changes_nothing(session: Session, fixtures: Path) -> None:
    # GIVEN an imported file
    import_file(session, "jobs", fixtures / "jobs_good.csv")
    before = {k: (j.id, j.updated_at) for k, j in _jobs(session).items()}
    orgs = _count(session, Organisation)
    # WHEN the same file is imported again
    report = import_file(session, "jobs", fixtures / "jobs_good.csv")
    # THEN every row is unchanged: no new rows, no updated_at bump
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    session.expire_all()
    assert {k: (j.id, j.updated_at) for k, j in _jobs(session).items()} == before
    assert _count(session, Organisation) == orgs


def _imported_then_edited(
    session: Session, fixtures: Path, tmp_path: Path, *edits: tuple[str, str]
) -> Path:
    """``jobs_good.csv`` imported, and a copy of it with each ``(old, new)`` replaced."""
    import_file(session, "jobs", fixtures / "jobs_good.csv")
    text = (fixtures / "jobs_good.csv").read_text(encoding="utf-8")
    for old, new in edits:
        text = text.replace(old, new)
    edited = tmp_path / "jobs.csv"
    edited.write_text(text)
    return edited


def test_edited_row_is_updated(session: Session, fixtures: Path, tmp_path: Path) -> None:
    # GIVEN an imported file, then the same file with one wage and one skill changed
    edited = _imported_then_edited(
        session, fixtures, tmp_path,
        ('"S/ 1,500"', '"S/ 1,600"'), ("costura;atención al cliente", "costura;coser;excel"),
    )  # fmt: skip
    # WHEN it is imported under the same source
    report = import_file(session, "jobs", edited, source="import:jobs")
    # THEN only that job is updated
    assert (report.updated, report.unchanged) == (1, 4)
    job = _jobs(session)["gam-001"]
    assert job.wage_max == Decimal("1600.00")
    assert {s.skill_id for s in job.skills} == {"costura", "excel"}


def test_rows_without_id_get_a_stable_content_id(session: Session, tmp_path: Path) -> None:
    # GIVEN a CSV without an id column
    path = tmp_path / "sin_id.csv"
    path.write_text(
        "titulo;distrito;provincia;sueldo\n"
        "Mototaxista;Juliaca;San Román;1000\n"
        "Costurero;La Victoria;Lima;S/ 1.200,00\n",
        encoding="utf-8",
    )
    # WHEN it is imported twice
    first = import_file(session, "jobs", path)
    second = import_file(session, "jobs", path)
    # THEN the second import finds every row again by its content hash
    assert (first.created, second.unchanged, second.created) == (2, 2, 0)
    jobs = list(_jobs(session).values())
    assert all(j.external_id and j.external_id.startswith("h:") for j in jobs)
    assert {j.wage_min for j in jobs} == {Decimal("1000.00"), Decimal("1200.00")}


def test_jsonld_single_object(session: Session, fixtures: Path) -> None:
    # GIVEN one JobPosting with an HTML description, PropertyValue identifier and monthly salary
    report = import_file(session, "jobs", fixtures / "jobs_jsonld_single.json")
    # THEN it is imported with its fields mapped
    assert report.ok
    assert report.format == "json-ld"
    assert report.created == 1
    job = _jobs(session)["bum-7781"]
    assert job.title == "Guía de turismo en Cusco"
    assert "<" not in job.description
    assert "Valle Sagrado" in job.description
    assert (job.wage_min, job.wage_max) == (Decimal("2000.00"), Decimal("2800.00"))
    assert job.ubigeo == "080108"
    assert job.contract_type is ContractType.FULL_TIME
    assert job.education_required is EducationLevel.TECHNICAL
    assert job.expires_at == datetime(2025, 5, 1, 4, 59, tzinfo=UTC)
    assert {s.skill_id for s in job.skills} == {"guia-turismo", "ingles"}


def test_jsonld_graph_with_daily_and_hourly_salaries(session: Session, fixtures: Path) -> None:
    # GIVEN an @graph with an Organization referenced by @id and two postings
    report = import_file(session, "jobs", fixtures / "jobs_jsonld_graph.jsonld")
    # THEN both are imported; salaries become monthly soles; TELECOMMUTE becomes remote
    assert report.created == 2, report.summary()
    jobs = _jobs(session)
    harvest, call_center = jobs["icv-01"], jobs["icv-02"]
    assert harvest.ubigeo == "110201"  # postalCode given as an ubigeo: Chincha Alta
    assert harvest.wage_min == harvest.wage_max == Decimal("1690.00")  # 65 a day x 26
    assert harvest.contract_type is ContractType.TEMPORARY
    assert call_center.remote
    assert call_center.ubigeo is None
    assert call_center.hours_per_week == 30
    assert call_center.wage_min == Decimal("1040.00")  # 8 an hour x 30 h x 52 / 12
    assert call_center.skills[0].requirement is Requirement.ESSENTIAL
    org = session.get(Organisation, harvest.organisation_id)
    assert org is not None
    assert org.name == "Agroexportadora Ica Verde"
    assert call_center.organisation_id == harvest.organisation_id


def test_jsonld_list_reports_records_by_number(session: Session, tmp_path: Path) -> None:
    # GIVEN a list of postings where the second pays in dollars and the third is not a posting
    path = tmp_path / "jobs.json"
    path.write_text(
        '[{"@type": "JobPosting", "title": "Guía", "jobLocationType": "TELECOMMUTE"},'
        ' {"@type": "JobPosting", "title": "Guía", "jobLocationType": "TELECOMMUTE",'
        '  "baseSalary": {"currency": "USD", "value": {"value": 500, "unitText": "MONTH"}}},'
        ' {"@type": "Organization", "name": "Inka Trails"}]'
    )
    # WHEN it is imported
    report = import_file(session, "jobs", path)
    # THEN records 2 and 3 are reported with JSON-LD field names
    assert report.unit == "record"
    assert not report.written
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "baseSalary.currency"),
        (3, "@type"),
    ]
    assert "soles" in report.errors[0].reason


def test_spanish_values_and_clear_row_errors(session: Session, tmp_path: Path) -> None:
    # GIVEN rows with each kind of mistake
    path = tmp_path / "jobs.csv"
    path.write_text(
        "titulo,ubicacion,horas,contrato,horario,moneda,fecha_publicacion\n"
        "Cocinero,Atlantis,48,tiempo completo,,PEN,2025-01-01\n"
        "Cocinero,Miraflores,100,a destajo,lunes,USD,31/02/2025\n",
        encoding="utf-8",
    )
    # WHEN it is imported
    report = import_file(session, "jobs", path)
    # THEN each problem names its column and a fix
    by_field = {(e.line, e.field): e.reason for e in report.errors}
    assert "Atlantis" in by_field[(2, "ubicacion")]
    assert "Add the province" in by_field[(3, "ubicacion")]
    assert "between 1 and 84" in by_field[(3, "horas")]
    assert "tiempo completo" in by_field[(3, "contrato")]
    assert "unknown time slot" in by_field[(3, "horario")]
    assert "soles" in by_field[(3, "moneda")]
    assert "not a date" in by_field[(3, "fecha_publicacion")]


def test_duplicate_ids_in_one_file(session: Session, tmp_path: Path) -> None:
    # GIVEN two rows with the same id
    path = tmp_path / "jobs.csv"
    path.write_text("id,titulo,remoto\nx1,Digitador,sí\nx1,Digitador,sí\n", encoding="utf-8")
    # WHEN imported THEN the repeat is reported against the first line
    report = import_file(session, "jobs", path)
    assert [(e.line, e.field) for e in report.errors] == [(3, "id")]
    assert "line 2" in report.errors[0].reason


def test_thousands_of_rows_import_in_one_batch(session: Session, tmp_path: Path) -> None:
    # GIVEN 2,000 job rows (speed is measured in benchmarks/bench_ingest.py, not here)
    path = tmp_path / "big.csv"
    lines = ["id,titulo,empresa,ubicacion,sueldo_min,sueldo_max,horas,habilidades"]
    places = ["La Victoria, Lima", "Santiago, Ica", "Cayma, Arequipa", "Wanchaq, Cusco"]
    for i in range(2_000):
        lines.append(
            f'j{i},Operario {i},Empresa {i % 50},"{places[i % 4]}",1130,{1200 + i % 500},48,'
            "costura|atención al cliente"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # WHEN imported, then imported again
    report = import_file(session, "jobs", path)
    again = import_file(session, "jobs", path)
    # THEN all rows are created, and the re-import changes nothing
    assert report.created == 2_000
    assert again.unchanged == 2_000


def test_imported_jobs_carry_their_search_text(session: Session, fixtures: Path) -> None:
    # GIVEN the good CSV imported
    import_file(session, "jobs", fixtures / "jobs_good.csv")
    # THEN every job's stored search columns are its normalised title and description
    rows = session.execute(
        select(Job.title, Job.description, Job.search_title, Job.search_text)
    ).all()
    assert len(rows) == 5
    for title, description, search_title, search_text in rows:
        assert {"search_title": search_title, "search_text": search_text} == search_fields(
            title, description
        )


def test_reimported_jobs_are_searched_by_their_new_words(
    session: Session, fixtures: Path, tmp_path: Path
) -> None:
    from chamba.jobs import repository
    from chamba.jobs.schemas import JobSearch
    from chamba.jobs.search import search_jobs

    # GIVEN an imported file, then the same file with one posting's title and text rewritten
    edited = _imported_then_edited(
        session, fixtures, tmp_path,
        ("Costurera de remalladora", "Bordadora industrial"),
        ("busca costurera con experiencia en remalladora", "busca bordadora con experiencia"),
    )  # fmt: skip
    # WHEN it is imported again under the same source (an update of the same row)
    report = import_file(session, "jobs", edited, source="import:jobs")
    assert report.updated == 1
    job = _jobs(session)["gam-001"]
    # THEN search finds it by its new words only (on SQLite through the trigram index, which
    # the import's UPDATE kept in sync)
    for q, found in (("bordadora", True), ("remalladora", False)):
        page = search_jobs(session, JobSearch(q=q, status=job.status), now=job.posted_at)
        assert (job.id in [item.id for item in page.items]) is found, q
        indexed = repository.text_contains(q[:-1], indexed=repository.has_text_index(session))
        assert (job.id in set(session.scalars(select(Job.id).where(indexed)))) is found, q
