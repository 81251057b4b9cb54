"""Scorers: feature rows in, one score per row out (higher is better).

The serving scorer of each kind (``"jobs"``, ``"candidates"``, ``"courses"``) comes from
:func:`get_scorer`. Today that is :class:`RuleBasedScorer`, a documented linear baseline; the
learning issue registers a trained ranker with :func:`register_scorer` behind the same
:class:`Scorer` interface. Every scorer must pass ``tests/matching/test_scoring.py`` (synthetic
features with a known right answer).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Final, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from chamba.matching.features import COURSE_FEATURES, JOB_FEATURES

ScorerKind = Literal["jobs", "candidates", "courses"]
KINDS: Final[tuple[ScorerKind, ...]] = ("jobs", "candidates", "courses")
FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class Scorer(Protocol):
    """Scores a batch of feature rows.

    Attributes:
        version: stable name of the scorer and its version (logged with every shown result).
        features: the column names it expects, in order.
    """

    @property
    def version(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]: ...

    def score(self, features: np.ndarray) -> np.ndarray:
        """Score rows.

        Args:
            features: ``(n, len(self.features))`` float array.

        Returns:
            ``(n,)`` float64 scores, higher is better; ``(0,)`` for no rows.
        """
        ...


JOB_WEIGHTS: Final[Mapping[str, float]] = {
    "skill_essential": 1.0,
    "skill_optional": 0.5,
    "skill_matched": 0.3,
    "semantic": 1.5,
    "lexical": 30.0,
    "proximity": 1.5,
    "distance_km": 0.0,
    "remote": 0.0,
    "remote_not_ready": -2.5,
    "wage_fit": 2.0,
    "hours_fit": 0.5,
    "slot_overlap": 1.0,
    "education_fit": 2.0,
    "occupation_match": 0.6,
    "freshness": 0.3,
    "congestion": -0.2,
}
"""Weights of the job ranking (one person, many jobs).

================= ====== =========================================================================
feature           weight why
================= ====== =========================================================================
skill_essential    1.0   can the person do the job, weighted by importance and rarity so that
                         holding the rare core skill counts most (was 2.5; tagged skills cover
                         only part of what a real posting asks, so they now weigh less than the
                         words: re-tuned on real postings, bench_known_item.py dev split)
skill_optional     0.5   nice-to-have skills help, an order of magnitude less
skill_matched      0.3   a small bonus per matched skill, so breadth breaks ties
semantic           1.5   the person's own words (experience, trades named colloquially) often say
                         more than the extracted skills
lexical           30.0   the person's words and phrases (neighbouring word pairs, see
                         :mod:`chamba.matching.lexical_terms`) found in the posting's own words
                         (BM25, 0..1), counted above :data:`LEXICAL_FLOOR` (0.15) only: on real
                         postings (bench_known_item.py) the strongest single signal of fit (the
                         source posting scores 0.44-0.56, other postings mostly below 0.14); 30
                         makes a clearly better text match outweigh a closer place or a fresher
                         posting (dev split: MRR 0.888 at 20, 0.920 at 30, 0.919 at 40; with
                         phrases, 500 dev seekers: 0.953 at 20, 0.960 at 30 and 40). The floor
                         keeps the stray overlaps of short self-descriptions (99% below 0.08 on
                         the demo) from reordering jobs: demo NDCG@10 0.677 -> 0.697, the same as
                         without the feature, while real postings rank as without the floor
proximity          1.5   travel time and fares weigh heavily on low-income seekers; a job 25 km
                         away loses about 0.95 against one next door
distance_km        0     carried by ``proximity``; kept as a raw column for learned rankers
remote             0     remote work already scores proximity 1
remote_not_ready  -2.5   a remote job without internet or a device is not workable (normally
                         filtered out; kept for scorers used without the filters)
wage_fit           2.0   pay against the person's ask: from -1 (far below) to +1 (far above)
hours_fit          0.5   the filters already bar too many hours; fewer is mildly better
slot_overlap       1.0   the job's shifts must fall in the person's free time
education_fit      2.0   each missing education level costs 0.4
occupation_match   0.6   the person said they want this occupation
freshness          0.3   new postings are more likely still hiring
congestion        -0.2   per log-unit of applicants per opening: crowded postings are long shots
================= ====== =========================================================================
"""

LEXICAL_FLOOR: Final = 0.15
"""The ``lexical`` feature counts in the job ranking only by how far it rises above this (a
hinge, :class:`RuleBasedScorer` ``floors``); chosen on the dev split of bench_known_item.py
(0.0-0.3 rank its postings the same) and the demo (bench_ranking.py)."""

CANDIDATE_WEIGHTS: Final[Mapping[str, float]] = {
    **JOB_WEIGHTS,
    "skill_essential": 4.0,
    "lexical": 3.0,
    "skill_optional": 0.7,
    "semantic": 1.0,
    "proximity": 1.0,
    "wage_fit": 0.5,
    "freshness": 0.0,
    "congestion": 0.0,
}
"""Weights of the candidate ranking (one job, many people): the job weights, except that an
employer cares more about skills (4.0 essential, 0.7 optional) and less about the person's
commute (1.0) and ask (0.5); people's words are matched more loosely than a posting's (lexical
3.0, not yet measured on real candidates); freshness and congestion are the same for every
candidate (0)."""

COURSE_WEIGHTS: Final[Mapping[str, float]] = {
    "skill_gap": 2.5,
    "demand": 1.0,
    "new_skills": 0.5,
    "semantic": 0.8,
    "cost_fit": 1.5,
    "free": 0.3,
    "access": 1.5,
    "distance_km": 0.0,
    "hours_fit": 0.5,
    "education_fit": 1.5,
}
"""Weights of the course ranking.

============= ====== ==============================================================================
feature       weight why
============= ====== ==============================================================================
skill_gap      2.5   teaches what the person's best-matching jobs ask for and they lack: the point
demand         1.0   the new skills are wanted where the person can work (labour-market demand)
new_skills     0.5   a course that only repeats what the person knows is little use
semantic       0.8   close to what the person describes wanting to do
cost_fit       1.5   a course costing a month's income is out of reach for most seekers
free           0.3   free courses carry no risk
access         1.5   near, or online for people with internet and a device
distance_km    0     carried by ``access``
hours_fit      0.5   the weekly load fits half of the person's free hours
education_fit  1.5   entry requirements the person meets
============= ====== ==============================================================================
"""


class RuleBasedScorer:
    """A linear scorer with documented weights: ``score = max(features - floors, 0) @ weights``.

    Args:
        features: the column names, in order.
        weights: ``{name: weight}``; names not given weigh 0.
        version: stable name, e.g. ``"rule-based-jobs-v1"``.
        floors: ``{name: floor}``: a feature counts only by how far it rises above its floor
            (a hinge); names not given have floor ``-inf`` (used as they are).

    Example:
        >>> s = RuleBasedScorer(("a", "b"), {"a": 1.0, "b": -1.0}, "toy")
        >>> s.score(np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
        [1.0, -1.0]
        >>> RuleBasedScorer(("a",), {"a": 1.0}, "toy", {"a": 0.5}).score(np.array([[0.2], [0.9]]))
        array([0. , 0.4])
    """

    def __init__(
        self,
        features: tuple[str, ...],
        weights: Mapping[str, float],
        version: str,
        floors: Mapping[str, float] | None = None,
    ) -> None:
        unknown = (set(weights) | set(floors or {})) - set(features)
        if unknown:
            raise ValueError(f"weights for unknown features: {sorted(unknown)}")
        self.features = features
        self.version = version
        self.weights = np.array([float(weights.get(f, 0.0)) for f in features])  # (n_features,)
        self.floors = np.array([float((floors or {}).get(f, -np.inf)) for f in features])

    def score(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected features of shape (n, {len(self.features)}), got {x.shape}")
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)  # (n, n_features)
        hinged = np.isfinite(self.floors)  # (n_features,)
        if hinged.any():
            x = x.copy()
            x[:, hinged] = np.maximum(x[:, hinged] - self.floors[hinged], 0.0)
        out: FloatArray = x @ self.weights  # (n,)
        return out


def rule_based(kind: ScorerKind) -> RuleBasedScorer:
    """The rule-based scorer of ``kind``."""
    if kind == "jobs":
        return RuleBasedScorer(
            JOB_FEATURES, JOB_WEIGHTS, "rule-based-jobs-v3", {"lexical": LEXICAL_FLOOR}
        )
    if kind == "candidates":
        return RuleBasedScorer(JOB_FEATURES, CANDIDATE_WEIGHTS, "rule-based-candidates-v2")
    if kind == "courses":
        return RuleBasedScorer(COURSE_FEATURES, COURSE_WEIGHTS, "rule-based-courses-v1")
    raise ValueError(f"unknown scorer kind {kind!r}: use one of {', '.join(KINDS)}")


_REGISTRY: dict[str, Scorer] = {}
_LOCK = threading.Lock()


def register_scorer(kind: ScorerKind, scorer: Scorer | None) -> None:
    """Serve ``scorer`` for ``kind`` from now on (``None``: back to the rule-based one).

    The learning issue calls this when a trained ranker is promoted (and on rollback).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown scorer kind {kind!r}: use one of {', '.join(KINDS)}")
    expected = COURSE_FEATURES if kind == "courses" else JOB_FEATURES
    if scorer is not None and tuple(scorer.features) != expected:
        raise ValueError(f"a {kind} scorer must read the features {expected}")
    with _LOCK:
        if scorer is None:
            _REGISTRY.pop(kind, None)
        else:
            _REGISTRY[kind] = scorer


def get_scorer(kind: ScorerKind) -> Scorer:
    """The serving scorer of ``kind``: a registered one, else the rule-based baseline."""
    with _LOCK:
        found = _REGISTRY.get(kind)
    return found if found is not None else rule_based(kind)
