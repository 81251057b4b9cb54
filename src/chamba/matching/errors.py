"""Errors of matching; each renders as a problem+json response.

Unknown people and jobs are the features' own errors (one definition each, re-used here):
:class:`~chamba.people.errors.PersonNotFound` and :class:`~chamba.jobs.errors.JobNotFound`.
"""

from __future__ import annotations

from chamba.errors import InvalidInput
from chamba.jobs.errors import JobNotFound
from chamba.people.errors import PersonNotFound

__all__ = ["InvalidMatchRequest", "JobNotFound", "PersonNotFound"]


class InvalidMatchRequest(InvalidInput):
    """A limit, offset, distance, wage or modality that makes no sense."""
