"""Errors raised by :mod:`chamba.taxonomy`."""

from __future__ import annotations

from chamba.errors import ChambaError, InvalidInput, NotFound


class SkillNotFound(NotFound):
    """No skill has the given id."""

    def __init__(self, skill_id: str) -> None:
        super().__init__(f"Unknown skill {skill_id!r}")
        self.skill_id = skill_id


class OccupationNotFound(NotFound):
    """No occupation has the given id."""

    def __init__(self, occupation_id: str) -> None:
        super().__init__(f"Unknown occupation {occupation_id!r}")
        self.occupation_id = occupation_id


class CatalogueError(InvalidInput):
    """The built-in catalogue files are invalid; the message names the file, line and field."""


class EscoImportError(ChambaError):
    """An ESCO export cannot be imported (missing file or column, no usable language)."""

    status_code = 422
    title = "Invalid ESCO export"
