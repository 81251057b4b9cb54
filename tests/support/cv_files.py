"""CV files made in memory (fpdf2, pypdf, python-docx): the CV upload tests of the API and the
web pages share them."""

from __future__ import annotations

import io

import docx
from fpdf import FPDF
from pypdf import PdfWriter

CV_LINES = [
    "Rosa Quispe Mamani",
    "EXPERIENCIA LABORAL",
    "Cajera - Bodega San Martín (2019 - 2022)",
    "Atención al cliente y manejo de caja, cuadre de caja diario.",
    "EDUCACIÓN",
    "Secundaria completa - I.E. 2045 Comas",
    "IDIOMAS",
    "Quechua: nativo",
    "Inglés básico",
]
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(lines: list[str], *, pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def docx_bytes(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def blank_pdf(pages: int = 1, size: float = 595) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size, height=size)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
