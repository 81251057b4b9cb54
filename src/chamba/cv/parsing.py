"""Read the text of a CV file: PDF (its text layer, with pypdf) or Word .docx (python-docx).

The kind is told by the bytes, never by the file name or the declared type. Refused with a
clear message: other kinds, files over :data:`MAX_BYTES`, encrypted PDFs (unless readable with
an empty password), damaged files, PDFs with more than :data:`MAX_PAGES` pages or pages larger
than :data:`MAX_PAGE_POINTS`, .docx archives that would inflate past :data:`MAX_UNZIPPED_BYTES`
or by more than :data:`MAX_RATIO` (zip bombs), and PDFs whose streams inflate past pypdf's
limits. A PDF with no text (a scan or a photo) says so. Nothing is written to disk.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Final, Literal

from chamba.cv.errors import CvTooLarge, CvUnreadable, CvUnsupported

log = logging.getLogger(__name__)

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_PAGES: Final = 20
#: Largest page side in points (1/72 inch): about 1.4 m; an A4 side is 842.
MAX_PAGE_POINTS: Final = 4000
MAX_UNZIPPED_BYTES: Final = 30 * 1024 * 1024
MAX_ZIP_ENTRIES: Final = 2000
#: Largest compression ratio of one .docx entry (real XML compresses ~10-20x).
MAX_RATIO: Final = 200
#: Text kept from a CV, in characters (the rest is ignored).
MAX_TEXT_CHARS: Final = 40_000

Kind = Literal["pdf", "docx"]


@dataclass(frozen=True, slots=True)
class CvText:
    kind: Kind
    text: str
    pages: int | None = None


def sniff(data: bytes) -> Kind:
    """``pdf`` or ``docx`` from the first bytes (and, for a zip, its entries).

    Raises:
        CvUnsupported: anything else.
    """
    if data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except (zipfile.BadZipFile, ValueError):
            raise CvUnreadable("The file looks like a .docx but is damaged.") from None
    raise CvUnsupported()


def read_cv(data: bytes) -> CvText:
    """The text of a CV file.

    Raises:
        CvTooLarge: over :data:`MAX_BYTES`.
        CvUnsupported: not a PDF or .docx.
        CvUnreadable: encrypted, damaged, a bomb, too many or too large pages, or no text.
    """
    if len(data) > MAX_BYTES:
        raise CvTooLarge(len(data), MAX_BYTES)
    if not data:
        raise CvUnreadable("The file is empty.")
    kind = sniff(data)
    return _read_pdf(data) if kind == "pdf" else _read_docx(data)


def _read_pdf(data: bytes) -> CvText:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, PdfReadError):
                opened = PasswordType.NOT_DECRYPTED
            if not opened:
                raise CvUnreadable(
                    "The PDF is protected with a password. Save it again without a password."
                )
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise CvUnreadable(
                f"The PDF has {pages} pages; a CV may have at most {MAX_PAGES}. Send only your CV."
            )
        parts: list[str] = []
        size = 0
        for page in reader.pages:
            box = page.mediabox
            if max(abs(float(box.width)), abs(float(box.height))) > MAX_PAGE_POINTS:
                raise CvUnreadable(
                    "A page of the PDF is far larger than a sheet of paper. Save the CV as an "
                    "A4 or letter-size PDF."
                )
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_TEXT_CHARS:
                break
    except CvUnreadable:
        raise
    except LimitReachedError:
        raise CvUnreadable(
            "The PDF holds far more compressed data than a CV. Save it again and retry."
        ) from None
    except (PdfReadError, ValueError, TypeError, KeyError, AttributeError, IndexError, OSError):
        log.info("unreadable PDF", exc_info=True)
        raise CvUnreadable("The PDF is damaged and cannot be read. Save it again.") from None
    except RecursionError:
        raise CvUnreadable("The PDF is damaged and cannot be read. Save it again.") from None
    text = _tidy("\n".join(parts))
    if not text.strip():
        raise CvUnreadable(
            "This PDF has no text: it looks like a scan or a photo. Send the CV as a Word file "
            "or a PDF saved from a text editor, or tell us your skills in the conversation."
        )
    return CvText("pdf", text[:MAX_TEXT_CHARS], pages)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise CvUnreadable("The .docx file is damaged and cannot be read.") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise CvUnreadable("The .docx file holds too many parts to be a CV.")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if total > MAX_UNZIPPED_BYTES or (entry.file_size > 1_000_000 and ratio > MAX_RATIO):
            raise CvUnreadable(
                "The .docx file would expand to far more than a CV (a compressed bomb)."
            )
        if entry.flag_bits & 0x1:
            raise CvUnreadable("The .docx file is protected with a password. Save it without one.")


def _read_docx(data: bytes) -> CvText:
    _check_zip(data)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                lines.append(" | ".join(cells))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError):
        raise CvUnreadable("The .docx file is damaged and cannot be read.") from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged document
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise CvUnreadable("The .docx file is damaged and cannot be read.") from None
        raise
    text = _tidy("\n".join(lines))
    if not text.strip():
        raise CvUnreadable("The .docx file has no text.")
    return CvText("docx", text[:MAX_TEXT_CHARS], None)


def _tidy(text: str) -> str:
    """Lines stripped, runs of blank lines folded to one, NULs and odd spaces removed."""
    out: list[str] = []
    for raw in text.replace("\x00", "").replace("\u00a0", " ").splitlines():
        line = " ".join(raw.split())
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
