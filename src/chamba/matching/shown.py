"""A served page of matches, logged as ``shown`` impressions: one use case for the API
(``/me/matches/...``) and the web (``/para-ti``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.models import SubjectType
from chamba.matching.schemas import MatchPage


def log_page_shown(
    session: Session, person_id: int, page: MatchPage, kind: SubjectType, list_name: str
) -> int:
    """Log each item of ``page`` (jobs or courses, by ``kind``) as shown to the person, with
    its rank and score, the scorer's version and where it was shown (``list_name``, the page's
    offset). Returns how many (see :func:`chamba.activity.service.log_shown`)."""
    items = [
        activity_service.Shown(
            subject_type=kind,
            subject_id=(item.job_id if kind == SubjectType.JOB else item.course_id) or 0,
            position=item.rank,
            score=item.score,
        )
        for item in page.items
    ]
    return activity_service.log_shown(
        session, person_id, items, model_version=page.scorer_version,
        context={"list": list_name, "offset": page.offset},
    )  # fmt: skip
