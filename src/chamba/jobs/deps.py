"""Request dependencies of job postings: ``ValidJob``, ``VisibleJob``, ``OwnedJob`` and the
semantic relevance of public search (``SearchSimilarityDep``).

Authentication and role are checked before the job is looked up, so an anonymous caller gets 401
and a caller of the wrong role 403 whether or not the job exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from chamba.auth.deps import OptionalUser, require_roles
from chamba.auth.models import Role, User
from chamba.deps import SessionDep
from chamba.jobs import service
from chamba.jobs.errors import JobNotFound, NotJobOwner
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.search import Similarity

MAX_ID = 2**31 - 1
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="The job posting's id.")]
EmployerUser = Annotated[User, Depends(require_roles(Role.EMPLOYER))]


def valid_job_id(job_id: JobId, session: SessionDep) -> Job:
    """The job of the path (skills loaded), or :class:`JobNotFound`."""
    return service.get_job(session, job_id)


ValidJob = Annotated[Job, Depends(valid_job_id)]


def is_owner(user: User | None, job: Job) -> bool:
    """The user is an employer of the organisation that published ``job``."""
    return (
        user is not None
        and user.role == Role.EMPLOYER
        and user.organisation_id is not None
        and job.organisation_id == user.organisation_id
    )


def visible_job(user: OptionalUser, job: ValidJob) -> Job:
    """A job anyone may read: drafts only by their owner (others get 404)."""
    if job.status == JobStatus.DRAFT and not is_owner(user, job):
        raise JobNotFound(job.id)
    return job


def owned_job(user: EmployerUser, job_id: JobId, session: SessionDep) -> Job:
    """The job, when the signed-in employer's organisation published it (else 403)."""
    job = service.get_job(session, job_id)
    if not is_owner(user, job):
        raise NotJobOwner(job.id)
    return job


VisibleJob = Annotated[Job, Depends(visible_job)]
OwnedJob = Annotated[Job, Depends(owned_job)]


def get_search_similarity(request: Request) -> Similarity | None:
    """Semantic relevance for public search, or ``None``: it then ranks by words alone.

    ``app.state.search_similarity`` is a callable the app sets (backed by the live job vectors
    of the match indexes, :func:`chamba.matching.deps.search_similarity_of`).
    """
    provide: Callable[[], Similarity | None] | None = getattr(
        request.app.state, "search_similarity", None
    )
    return provide() if provide is not None else None


SearchSimilarityDep = Annotated[Similarity | None, Depends(get_search_similarity)]
