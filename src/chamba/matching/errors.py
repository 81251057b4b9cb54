"""Errors of matching; each renders as a problem+json response.

Unknown people and jobs are the features' own errors (one definition each, re-used here):
:class:`~chamba.people.errors.PersonNotFound` and :class:`~chamba.jobs.errors.JobNotFound`.
"""

from __future__ import annotations

from chamba.errors import InvalidInput
from chamba.jobs.errors import JobNotFound
from chamba.people.errors import PersonNotFound

__all__ = ["InvalidMatchRequest", "JobNotFound", "PathwayTargetMissing", "PersonNotFound"]


class InvalidMatchRequest(InvalidInput):
    """A limit, offset, distance, wage or modality that makes no sense."""


class PathwayTargetMissing(InvalidInput):
    """A pathway asked for without a target, or with two."""

    def __init__(self) -> None:
        reason = "give exactly one target: occupation (an occupation id) or job (a job id)"
        super().__init__(reason, errors=[{"field": "occupation", "reason": reason}])
