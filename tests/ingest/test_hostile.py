"""Hostile input: every bad file gets a clear error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chamba.errors import ChambaError
from chamba.ingest.errors import BadCsv, BadJson, IngestError, UnreadableFile
from chamba.ingest.service import import_file
from chamba.jobs.models import Job

pytestmark = pytest.mark.usefixtures("skills")

HEADER = "id,titulo,ubicacion,descripcion\n"


def _jobs(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Job)) or 0


def test_windows_encoding_is_refused_with_advice(session: Session, tmp_path: Path) -> None:
    # GIVEN a CSV saved by old Excel in Windows-1252 (ñ as byte 0xf1)
    path = tmp_path / "empleos.csv"
    path.write_bytes((HEADER + '1,Niñera,"Cayma, Arequipa",Cuidado de niños\n').encode("cp1252"))
    # WHEN imported THEN the error names the line and says how to fix it
    with pytest.raises(UnreadableFile, match=r"line 2, column 5.*UTF-8.*cp1252"):
        import_file(session, "jobs", path)
    # AND with the encoding given explicitly it imports
    report = import_file(session, "jobs", path, encoding="cp1252")
    assert report.created == 1


def test_utf8_bom_is_accepted(session: Session, tmp_path: Path) -> None:
    # GIVEN a 'CSV UTF-8' file from Excel (with BOM)
    path = tmp_path / "empleos.csv"
    path.write_bytes("\ufeff".encode() + (HEADER + '1,Niñera,"Cayma, Arequipa",x\n').encode())
    # WHEN imported THEN the BOM does not spoil the first column name
    assert import_file(session, "jobs", path).created == 1


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (b"", UnreadableFile, "empty"),
        (b"PK\x03\x04rest-of-a-zip", UnreadableFile, "Excel"),
        ("id,titulo\n".encode("utf-16"), UnreadableFile, "UTF-16"),
        (HEADER.encode(), BadCsv, "no rows"),
        (b"id,titulo,sueldo_raro,empresa\n1,x,2,y\n", BadCsv, "unknown column.*sueldo_raro"),
        (b"id,ubicacion\n1,Lima\n", BadCsv, "missing required column.*title"),
        (b'id,titulo,remoto\n1,"Vendedor,si\n2,x,si\n', BadCsv, "line 2.*never closed"),
    ],
)
def test_unreadable_csv_files(
    session: Session, tmp_path: Path, content: bytes, error: type[IngestError], match: str
) -> None:
    # GIVEN a broken file WHEN imported THEN a clear IngestError (a ChambaError) is raised
    path = tmp_path / "empleos.csv"
    path.write_bytes(content)
    with pytest.raises(error, match=match) as caught:
        import_file(session, "jobs", path)
    assert isinstance(caught.value, ChambaError)


def test_huge_field_is_a_row_error(session: Session, tmp_path: Path) -> None:
    # GIVEN a description of 50,000 characters and a title of 400
    path = tmp_path / "empleos.csv"
    path.write_text(
        HEADER + f'1,Vendedor,"Cayma, Arequipa",{"a" * 50_000}\n'
        f'2,{"T" * 400},"Cayma, Arequipa",ok\n',
        encoding="utf-8",
    )
    # WHEN imported THEN both rows are reported with the limits
    report = import_file(session, "jobs", path)
    assert [(e.line, e.field) for e in report.errors] == [(2, "descripcion"), (3, "titulo")]
    assert "50,000 characters, the limit is 20,000" in report.errors[0].reason


def test_field_beyond_the_csv_limit_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    # GIVEN a value longer than the CSV reader accepts
    path = tmp_path / "empleos.csv"
    path.write_text(HEADER + f'1,x,Lima,"{"a" * 200_000}"\n', encoding="utf-8")
    # WHEN imported THEN the error names the record's line
    with pytest.raises(BadCsv, match="line 2.*longer than"):
        import_file(session, "jobs", path)


def test_file_over_the_size_limit(session: Session, tmp_path: Path) -> None:
    # GIVEN a file bigger than the limit
    path = tmp_path / "empleos.csv"
    path.write_text(HEADER + "1,x,Lima,y\n" * 100, encoding="utf-8")
    # WHEN imported with a small limit THEN it is refused before reading
    with pytest.raises(UnreadableFile, match="limit"):
        import_file(session, "jobs", path, max_bytes=1000)


def test_formula_injection_cells(session: Session, tmp_path: Path) -> None:
    # GIVEN cells a spreadsheet would execute, plus a phone and bullet text that are fine
    path = tmp_path / "empleos.csv"
    path.write_text(
        HEADER + '1,"=HYPERLINK(""http://evil.example"",""Postula"")",Lima,x\n'
        "2,Vendedor,Lima,@SUM(A1:A9)\n"
        "3,Vendedor,Lima,\"-2+3+cmd|' /C calc'!A0\"\n"
        "4,Vendedor,Lima,- Atención en tienda\n",
        encoding="utf-8",
    )
    # WHEN imported
    report = import_file(session, "jobs", path)
    # THEN the three formulas are row errors that say so
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "titulo"),
        (3, "descripcion"),
        (4, "descripcion"),
    ]
    assert all("spreadsheet formula" in e.reason for e in report.errors)
    assert _jobs(session) == 0


def test_deeply_nested_json_is_refused(session: Session, tmp_path: Path) -> None:
    # GIVEN 100,000 nested arrays (would blow Python's recursion limit)
    path = tmp_path / "empleos.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    # WHEN imported THEN a clear error, not a RecursionError
    with pytest.raises(BadJson, match="nested more than 20 levels"):
        import_file(session, "jobs", path)


def test_brackets_inside_strings_do_not_count_as_nesting(session: Session, tmp_path: Path) -> None:
    # GIVEN a JobPosting whose description is full of brackets and escaped quotes
    path = tmp_path / "empleo.json"
    path.write_text(
        '{"@type": "JobPosting", "identifier": "b1", "title": "Vendedor",'
        ' "jobLocationType": "TELECOMMUTE", "description": "' + '[{\\"' * 50 + '"}',
        encoding="utf-8",
    )
    # WHEN imported THEN it is fine
    assert import_file(session, "jobs", path).created == 1


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"@type": "JobPosting",\n "title": }', r"line 2, column 11"),
        ('{"@type": "JobPosting", "title": "x", "totalJobOpenings": NaN}', "NaN"),
        ('{"title": ' + "9" * 5000 + "}", "invalid JSON"),
        ("[]", "empty"),
        ('"solo texto"', "object"),
    ],
)
def test_invalid_json(session: Session, tmp_path: Path, content: str, match: str) -> None:
    # GIVEN invalid or unusable JSON WHEN imported THEN the message says where and why
    path = tmp_path / "empleos.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadJson, match=match):
        import_file(session, "jobs", path)


def test_wrong_types_in_json_are_row_errors(session: Session, tmp_path: Path) -> None:
    # GIVEN JSON values of the wrong type
    path = tmp_path / "empleos.json"
    path.write_text(
        '[{"@type": "JobPosting", "title": {"nested": ["x"]}, "jobLocationType": "TELECOMMUTE",'
        ' "skills": 42, "totalJobOpenings": true}]',
        encoding="utf-8",
    )
    # WHEN imported THEN they are reported, not raised
    report = import_file(session, "jobs", path)
    assert {e.field for e in report.errors} >= {"title", "totalJobOpenings"}


def test_unknown_kind_and_bad_source(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "1,x,Lima,y\n", encoding="utf-8")
    with pytest.raises(IngestError, match="unknown import kind"):
        import_file(session, "pets", path)  # type: ignore[arg-type]
    with pytest.raises(IngestError, match="source"):
        import_file(session, "jobs", path, source="x" * 61)
