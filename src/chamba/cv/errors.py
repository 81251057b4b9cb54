"""Why a CV could not be read; each renders as a problem+json response (or a message on the
page) that tells the person what to do."""

from __future__ import annotations

from chamba.errors import ChambaError, InvalidInput


class CvTooLarge(ChambaError):
    status_code = 413
    title = "Content too large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The file has {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB. Send a "
            "smaller file (a CV of one or two pages is enough)."
        )


class CvUnsupported(ChambaError):
    status_code = 415
    title = "Unsupported media type"

    def __init__(self) -> None:
        super().__init__(
            "This is not a PDF or a Word (.docx) file. Save your CV as PDF or .docx and try "
            "again (old .doc files, images and other formats are not read)."
        )


class CvUnreadable(InvalidInput):
    """The file is of a supported kind but cannot be read (encrypted, damaged, a bomb...)."""

    title = "Unreadable CV"


class BadMultipart(ChambaError):
    """Declared on the upload route: the body is not valid multipart form data (FastAPI's
    parser answers 400 before the route runs)."""

    status_code = 400
    title = "Bad request"
