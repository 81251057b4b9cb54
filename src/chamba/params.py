"""Bounded request parameters shared by every router.

Ids are 32-bit integer columns on PostgreSQL, and SQLite refuses integers past 64 bits, so an id
or a page number that no row can have is refused as invalid input (422) before any query runs.
Every integer path or query parameter of the API is bounded (a test walks the OpenAPI document).
Times are read in UTC, and one that UTC cannot hold (year 1 at +01:00) is invalid input too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import Path, Query
from pydantic import AfterValidator

#: The largest id a row can have (PostgreSQL ``integer``).
MAX_ID: Final = 2**31 - 1
#: The last page a listing serves (page sizes are bounded by each route, at most 200).
MAX_PAGE: Final = 10_000

PersonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The person's id.")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]
#: A row id in a page address (``/empleos/{job_id}``): one no row can have is not found.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id.")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="The page, from 1.")]


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC (one without an offset is read as UTC); ValueError when out of range."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once moved to UTC") from None


#: A point in time (ISO 8601), normalised to UTC.
Moment = Annotated[datetime, AfterValidator(as_utc)]
