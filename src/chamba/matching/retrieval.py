"""The steps every match use case shares: checked arguments, the rows it reads, candidates
from skill overlap and from the vector index, their union, the scorer, and one ranked,
explained page."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Protocol, Required, TypedDict, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.courses.models import Course, CourseSkill
from chamba.db import utcnow
from chamba.jobs.models import Job, JobSkill
from chamba.matching.context import FeatureContext
from chamba.matching.errors import InvalidMatchRequest
from chamba.matching.features import (
    as_dict,
)
from chamba.matching.filters import (
    Filtered,
)
from chamba.matching.repository import row_by_id, skill_owners
from chamba.matching.schemas import Explanation, Lang, MatchItem, MatchPage
from chamba.matching.scoring import Scorer
from chamba.people.models import Person, PersonSkill

IdArray = npt.NDArray[np.int64]
RowT = TypeVar("RowT", Job, Person, Course)


class HasId(Protocol):
    """A ranked item: an ORM row or a :class:`~chamba.matching.repository.JobRow`."""

    @property
    def id(self) -> int: ...


ItemT = TypeVar("ItemT", bound=HasId)
FloatArray = npt.NDArray[np.float64]

CANDIDATES_K: Final = 300
"""Per source (vector, skill overlap); rankings over fewer filtered items score them all."""
MAX_LIMIT: Final = 200


# ---------------------------------------------------------------------- helpers


def check_page(limit: int, offset: int) -> None:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidMatchRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidMatchRequest("offset must be a whole number, 0 or more")


def check_number(value: float | Decimal | None, what: str) -> None:
    if value is None:
        return
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidMatchRequest(f"{what} must be a number, 0 or more")


def now_utc(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise InvalidMatchRequest("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def get_row(
    session: Session, model: type[RowT], key: int, missing: Callable[[object], Exception],
    read: Callable[[Session, int], RowT | None] | None = None,
) -> RowT:  # fmt: skip
    """The ``model`` row with id ``key`` (by ``read`` when given, else
    :func:`~chamba.matching.repository.row_by_id`); ``missing(key)`` is raised for a non-int
    or unknown id."""
    if isinstance(key, bool) or not isinstance(key, int):
        raise missing(key)
    row = read(session, key) if read is not None else row_by_id(session, model, key)
    if row is None:
        raise missing(key)
    return row


def rank_order(ids: IdArray, scores: FloatArray) -> npt.NDArray[np.intp]:
    """Order best first; ties broken by id so rankings are deterministic."""
    order: npt.NDArray[np.intp] = np.lexsort((ids, -scores))
    return order


def overlap_top(
    session: Session, skill_weights: dict[str, float],
    table: type[JobSkill] | type[PersonSkill] | type[CourseSkill], key: str, allowed: IdArray,
    k: int,
) -> list[int]:  # fmt: skip
    """Top-``k`` of ``allowed`` by summed skill weight (one SQL join, ranked in numpy)."""
    if not skill_weights or allowed.size == 0:
        return []
    rows = skill_owners(session, table, key, skill_weights)
    totals: dict[int, float] = defaultdict(float)
    for owner_id, skill_id in rows:
        totals[int(owner_id)] += skill_weights[skill_id]
    if not totals:
        return []
    ids = np.fromiter(totals.keys(), dtype=np.int64, count=len(totals))
    score = np.fromiter(totals.values(), dtype=np.float64, count=len(totals))
    keep = np.isin(ids, allowed)
    return overlap_rank(ids[keep], score[keep], k)


def overlap_rank(ids: IdArray, totals: FloatArray, k: int) -> list[int]:
    """The top-``k`` of ``ids`` by summed skill weight, ties by id. Sums are rounded to 9
    decimals first, so the order in which a sum was added up (SQL rows, a table's arrays)
    never decides between two owners."""
    top: list[int] = ids[rank_order(ids, np.round(totals, 9))[:k]].tolist()
    return top


def nearest_ids(filtered: Filtered, k: int) -> list[int]:
    dist = np.where(np.isnan(filtered.distance_km), np.inf, filtered.distance_km)
    order = np.lexsort((filtered.ids, dist))
    top: list[int] = filtered.ids[order[:k]].tolist()
    return top


def vector_top(
    ctx: FeatureContext, kind: str, query: npt.NDArray[np.float32], allowed: IdArray, k: int
) -> list[int]:
    if ctx.indexes is None or not np.any(query) or allowed.size == 0:
        return []
    index = getattr(ctx.indexes, kind)
    if query.shape[0] != index.dim:
        return []
    ids, _ = index.search(query, k, allowed=allowed)  # the array itself: no list of every id
    return [int(i) for i in ids]


def union_ids(*parts: Iterable[int]) -> list[int]:
    seen: dict[int, None] = {}
    for part in parts:
        for i in part:
            seen.setdefault(int(i), None)
    return sorted(seen)


def score_items(
    scorer: Scorer, X: FloatArray, items: Sequence[ItemT]
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """``scorer``'s scores of the rows of ``X`` (one per item) and their order, best first."""
    return score_ids(scorer, X, [item.id for item in items])


def score_ids(
    scorer: Scorer, X: FloatArray, ids: Sequence[int]
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """:func:`score_items` of items given by id (``ids[k]`` is row ``k`` of ``X``)."""
    scores = np.asarray(scorer.score(X), dtype=np.float64)  # (n,)
    return scores, rank_order(np.array(ids, dtype=np.int64), scores)


class Head(TypedDict, total=False):
    """What names a :class:`MatchItem`: one of its three ids, and its title."""

    job_id: int
    person_id: int
    course_id: int
    title: Required[str]


def match_page(
    items: Sequence[ItemT], X: FloatArray, scores: FloatArray, order: npt.NDArray[np.intp], *,
    features: Sequence[str], head: Callable[[ItemT], Head],
    explain: Callable[[list[ItemT], FloatArray], list[Explanation]], scorer: Scorer, lang: Lang,
    limit: int, offset: int, total_filtered: int, hints: list[str],
) -> MatchPage:  # fmt: skip
    """Page a ranking with ``limit``/``offset`` and explain that page only.

    ``items``, the rows of ``X`` (named by ``features``) and ``scores`` are parallel; ``order``
    indexes them best first. ``explain(chosen, rows)`` explains the page's items.
    """
    page = order[offset : offset + limit]
    chosen = [items[i] for i in page]
    explanations = explain(chosen, X[page])
    out = [
        MatchItem(
            **head(item),
            score=round(float(scores[i]), 6),
            rank=offset + n + 1,
            features=as_dict(features, X[i]),
            explanation=explanations[n],
        )
        for n, (i, item) in enumerate(zip(page, chosen, strict=True))
    ]
    return MatchPage(
        items=out,
        total_candidates=len(items),
        total_filtered=total_filtered,
        scorer_version=scorer.version,
        lang=lang,
        limit=limit,
        offset=offset,
        hints=hints,
    )
