"""CV upload (``POST /api/v1/me/cv``) and JSON Resume export/import (``/me/resume``): files are
made in the test (fpdf2, pypdf, python-docx, zipfile), hostile ones refused with clear problems."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from pypdf import PdfWriter
from tests.support.api_fixtures import MakeUser
from tests.support.cv_files import CV_LINES, DOCX, PDF, blank_pdf, docx_bytes, pdf_bytes

from chamba.auth.models import Role
from chamba.cv.sections import split_sections
from chamba.nlp.extraction import SkillExtractor

URL = "/api/v1/me/cv"


@pytest.fixture(autouse=True)
def _lexicon(lexicon_extractor: SkillExtractor) -> None:
    """Skill extraction by labels and synonyms only."""


def upload(client: Any, headers: dict[str, str], data: bytes, name: str, kind: str) -> Any:
    return client.post(URL, files={"file": (name, data, kind)}, headers=headers)


@pytest.mark.parametrize(
    ("make", "name", "kind"),
    [(pdf_bytes, "cv.pdf", PDF), (docx_bytes, "cv.docx", DOCX)],
)
def test_a_cv_gives_skills_to_confirm_and_its_sections(
    client: Any, make_user: MakeUser, make: Any, name: str, kind: str
) -> None:
    rosa = make_user(Role.SEEKER)
    response = upload(client, rosa.headers, make(CV_LINES), name, kind)
    assert response.status_code == 200, response.text
    body = response.json()
    ids = {s["id"] for s in body["skills"]}
    assert {"cash_register", "customer_attention"} <= ids
    assert body["work_history"][0].startswith("Cajera - Bodega San Martín")
    assert body["education"] == ["Secundaria completa - I.E. 2045 Comas"]
    assert {"language": "quechua", "level": "nativo"} in body["languages"]
    assert {"language": "inglés", "level": "basico"} in body["languages"]
    # AND the skills wait for confirmation on the profile; nothing is confirmed yet
    skills = client.get("/api/v1/me/skills", headers=rosa.headers).json()
    assert "cash_register" in {s["id"] for s in skills["proposed"]}
    assert skills["skills"] == []


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/huge.bin", b"\0" * (40 * 1024 * 1024))
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secreto", owner_password="dueño", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "status", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "foto.png", 415, "not a PDF or a Word"),
        (b"Hola, soy Rosa", "cv.txt", 415, "not a PDF or a Word"),
        (b"%PDF-1.4\n garbage \x00\x01 not a pdf", "roto.pdf", 422, "damaged"),
        (b"PK\x03\x04 garbage", "roto.docx", 422, "damaged"),
        (_encrypted_pdf(), "clave.pdf", 422, "password"),
        (blank_pdf(), "scan.pdf", 422, "scan"),
        (blank_pdf(pages=25), "largo.pdf", 422, "25 pages"),
        (blank_pdf(size=20000), "enorme.pdf", 422, "larger than a sheet"),
        (_zip_bomb(), "bomba.docx", 422, "bomb"),
        (b"", "vacio.pdf", 422, "empty"),
    ],
)
def test_hostile_or_unreadable_files_are_refused_clearly(
    client: Any, make_user: MakeUser, data: bytes, name: str, status: int, words: str
) -> None:
    rosa = make_user(Role.SEEKER)
    response = upload(client, rosa.headers, data, name, PDF)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"]


def test_a_file_over_5_mb_is_refused(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    response = upload(client, rosa.headers, big, "cv.pdf", PDF)
    assert response.status_code == 413
    assert "5 MB" in response.json()["detail"]


def test_the_declared_type_and_name_are_not_trusted(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER)
    response = upload(client, rosa.headers, docx_bytes(CV_LINES), "cv.pdf", PDF)
    assert response.status_code == 200
    assert response.json()["kind"] == "docx"


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.COUNSELOR])
def test_only_seekers_upload(client: Any, make_user: MakeUser, role: Role) -> None:
    other = make_user(role)
    response = upload(client, other.headers, pdf_bytes(CV_LINES), "cv.pdf", PDF)
    assert response.status_code == 403


def test_sections_are_found_by_their_headings() -> None:
    sections = split_sections(
        "Perfil\nPersona responsable\nExperiencia profesional:\nMozo en restaurante\n"
        "Formación académica\nCETPRO Comas, cocina\nIdiomas\nCastellano (nativo), inglés"
    )
    assert sections.work == ["Mozo en restaurante"]
    assert sections.education == ["CETPRO Comas, cocina"]
    assert [name for name, _ in sections.languages] == ["español", "inglés"]


# --- JSON Resume -------------------------------------------------------------------------------


def test_json_resume_export_then_import(client: Any, make_user: MakeUser) -> None:
    rosa = make_user(Role.SEEKER, name="Rosa Quispe")
    client.put(
        "/api/v1/me/skills",
        json={"skills": [{"id": "cash_register", "level": "avanzado"}]},
        headers=rosa.headers,
    )
    exported = client.get("/api/v1/me/resume.json", headers=rosa.headers).json()
    assert exported["basics"]["name"] == "Rosa Quispe"
    assert exported["skills"][0]["name"] == "Manejo de caja"
    assert exported["skills"][0]["level"] == "advanced"
    assert exported["chamba"]["skill_ids"] == ["cash_register"]
    # WHEN another seeker imports a résumé
    ana = make_user(Role.SEEKER)
    doc = {
        "basics": {"name": "Otra Persona", "email": "otra@example.pe", "summary": "Cocinera."},
        "work": [{"position": "Cocinera", "name": "Pollería", "startDate": "2018-01-01",
                  "endDate": "2021-01-01"}],
        "education": [{"studyType": "secundaria"}],
        "skills": [{"name": "Manejo de caja"}, {"name": "atención al cliente"}],
        "languages": [{"language": "quechua"}],
    }  # fmt: skip
    response = client.post("/api/v1/me/resume", json=doc, headers=ana.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"self_description", "years_experience", "education_level", "languages"} <= set(
        body["changed"]
    )
    assert {"cash_register", "customer_attention"} <= {s["id"] for s in body["skills"]}
    profile = client.get("/api/v1/me/profile", headers=ana.headers).json()
    # THEN contact details are not taken from the file and the skills are only proposed
    assert profile["email"] != "otra@example.pe"
    assert profile["name"] != "Otra Persona"
    assert profile["skills"] == []
    assert profile["years_experience"] == pytest.approx(3.0, abs=0.1)


def test_import_refuses_what_is_not_a_resume(client: Any, make_user: MakeUser) -> None:
    ana = make_user(Role.SEEKER)
    response = client.post("/api/v1/me/resume", json={"name": "x"}, headers=ana.headers)
    assert response.status_code == 422
    assert "JSON Resume" in response.json()["detail"]


@pytest.mark.parametrize(
    "doc",
    [
        {"basics": {"name": 5}, "skills": [{"keywords": 5}]},
        {"basics": {}, "skills": "x", "languages": 3, "work": [1, "a"]},
        {"basics": {}, "chamba": {"languages": 5, "skills": "x", "consent_visible": True}},
        {"basics": {"location": {"city": 1}}, "education": [{"studyType": ["x"]}]},
    ],
)
def test_import_of_odd_resumes_never_fails_badly(
    client: Any, make_user: MakeUser, doc: dict[str, Any]
) -> None:
    ana = make_user(Role.SEEKER)
    response = client.post("/api/v1/me/resume", json=doc, headers=ana.headers)
    assert response.status_code in (200, 422), response.text
    profile = client.get("/api/v1/me/profile", headers=ana.headers).json()
    assert profile["consent_visible"] is False  # never set by an import
