"""A served page of matches, logged as ``shown`` impressions: one use case for the API
(``/me/matches/...``) and the web (``/para-ti``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chamba.activity import service as activity_service
from chamba.activity.models import SubjectType
from chamba.matching.schemas import MatchPage


@dataclass(frozen=True, slots=True)
class PageShown:
    """What is logged of a served page: its scorer's version, its offset and each item's
    ``(subject id, rank, score)`` (kept with a cached page, so that a page served as its kept
    JSON is logged without being read back)."""

    scorer_version: str
    offset: int
    items: tuple[tuple[int, int, float], ...]

    @classmethod
    def of(cls, page: MatchPage, kind: SubjectType) -> PageShown:
        """The items of ``page`` (jobs or courses, by ``kind``)."""
        items = tuple(
            ((item.job_id if kind == SubjectType.JOB else item.course_id) or 0, item.rank,
             item.score)
            for item in page.items
        )  # fmt: skip
        return cls(page.scorer_version, page.offset, items)


def log_page_shown(
    session: Session, person_id: int, page: MatchPage, kind: SubjectType, list_name: str
) -> int:
    """Log each item of ``page`` (jobs or courses, by ``kind``) as shown to the person, with
    its rank and score, the scorer's version and where it was shown (``list_name``, the page's
    offset). Returns how many (see :func:`chamba.activity.service.log_shown`)."""
    return log_shown(session, person_id, PageShown.of(page, kind), kind, list_name)


def log_shown(
    session: Session, person_id: int, shown: PageShown, kind: SubjectType, list_name: str
) -> int:
    """:func:`log_page_shown` of a page's :class:`PageShown`."""
    items = [
        activity_service.Shown(subject_type=kind, subject_id=subject, position=rank, score=score)
        for subject, rank, score in shown.items
    ]
    return activity_service.log_shown(
        session, person_id, items, model_version=shown.scorer_version,
        context={"list": list_name, "offset": shown.offset},
    )  # fmt: skip
