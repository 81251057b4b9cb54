"""Stored, normalised search text of public postings (jobs and courses).

Free-text search matches the :func:`~chamba.text.normalize`-d words of a query against two
columns normalised the same way, in Python, whenever a posting is written: ``search_title``
(the title) and ``search_text`` (title and description). Nothing is folded in SQL at query
time, so a search is a plain ``search_text LIKE '%word%'`` that PostgreSQL can answer from a
trigram index (migration ``0007``) and SQLite in one light pass.

ORM writes fill the columns through mapper events (:class:`SearchText`); bulk writes that go
around the ORM (``insert(...)`` with row dicts, ``COPY``) must add :func:`search_fields` to each
row themselves, as the demo generator does. Job and course texts are public postings, never
personal data, so storing them normalised leaks nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from chamba.text import normalize


def search_fields(title: str | None, description: str | None) -> dict[str, str]:
    """The stored search columns of a posting with this title and description.

    Example:
        >>> fields = search_fields("Técnico Electricista", "Lima, turno mañana.")
        >>> fields["search_title"], fields["search_text"]
        ('tecnico electricista', 'tecnico electricista lima turno manana')
    """
    title = title or ""
    return {
        "search_title": normalize(title),
        "search_text": normalize(f"{title} {description or ''}"),
    }


class SearchText:
    """Mixin of a mapped class with ``title`` and ``description``: the stored search columns.

    They are filled before every insert and refreshed before an update that changes the title
    or the description (flush time); ``''`` is only the server default of rows written before
    the columns existed, which migration ``0007`` backfills.
    """

    search_title: Mapped[str] = mapped_column(Text, server_default="")
    search_text: Mapped[str] = mapped_column(Text, server_default="")


def _fill(target: Any) -> None:
    for key, value in search_fields(target.title, target.description).items():
        setattr(target, key, value)


@event.listens_for(SearchText, "before_insert", propagate=True)
def _on_insert(_mapper: Any, _connection: Any, target: Any) -> None:
    _fill(target)


@event.listens_for(SearchText, "before_update", propagate=True)
def _on_update(_mapper: Any, _connection: Any, target: Any) -> None:
    attrs = inspect(target).attrs
    if attrs.title.history.has_changes() or attrs.description.history.has_changes():
        _fill(target)
