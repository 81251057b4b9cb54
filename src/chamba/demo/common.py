"""What every stage of the demo generator shares: the reference date, the Peru-wide
constants, the run's configuration and the vectorised random helpers."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from chamba.demo import texts
from chamba.vocab import TIME_SLOTS

#: All dates are relative to this instant (noon in Lima), so output never depends on "today".
REFERENCE_DATE = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
#: The "now" of the run being generated: REFERENCE_DATE unless the caller anchors the demo to
#: another day (``chamba demo`` anchors it to today so that its jobs are open and fresh).
CURRENT_REFERENCE: ContextVar[datetime] = ContextVar("demo_reference_date", default=REFERENCE_DATE)


def reference_now() -> datetime:
    return CURRENT_REFERENCE.get()


MINIMUM_WAGE = 1130  # Remuneración Mínima Vital, S/ per month (2025)
HISTORY_DAYS = 180
PEOPLE_CHUNK = 10_000  # fixed: random streams are per chunk, so it is part of the format
MAX_SKILLS = 10
JOB_SLATE, JOB_CANDIDATES = 5, 24
COURSE_SLATE, COURSE_CANDIDATES = 3, 12

ProgressFn = Callable[[str, int, int], None]
FArr = npt.NDArray[np.float64]
IArr = npt.NDArray[np.int64]
BArr = npt.NDArray[np.bool_]

EDU_LEVELS = ("none", "primary", "secondary", "technical", "university", "postgraduate")
# Education distribution by ISCO major group 1..9 (none..postgraduate).
EDU_BY_MAJOR = {
    1: (0, 0, 0.1, 0.1, 0.6, 0.2), 2: (0, 0, 0, 0.1, 0.75, 0.15),
    3: (0, 0, 0.15, 0.5, 0.35, 0), 4: (0, 0, 0.45, 0.35, 0.2, 0),
    5: (0, 0.1, 0.65, 0.2, 0.05, 0), 6: (0.08, 0.45, 0.4, 0.07, 0, 0),
    7: (0, 0.15, 0.55, 0.28, 0.02, 0), 8: (0, 0.1, 0.6, 0.28, 0.02, 0),
    9: (0.05, 0.35, 0.55, 0.05, 0, 0),
}  # fmt: skip
MEDIAN_WAGE_BY_MAJOR = {1: 5000, 2: 3500, 3: 2300, 4: 1600, 5: 1300, 6: 1250, 7: 1600, 8: 1800,
                        9: 1200}  # fmt: skip
SECTOR_WAGE = {"mining": 1.7, "ict": 1.3, "health": 1.1, "agro": 0.95, "care": 0.95}
CONTRACTS = ("full_time", "part_time", "temporary", "internship", "freelance", "daily")
CONTRACT_MIX = {
    "agro": (0.3, 0, 0.45, 0, 0, 0.25), "construction": (0.3, 0, 0.3, 0, 0, 0.4),
    "commerce": (0.5, 0.3, 0, 0, 0, 0.2), "ict": (0.6, 0, 0, 0.15, 0.25, 0),
    "office": (0.65, 0.2, 0, 0.15, 0, 0), "tourism": (0.45, 0.25, 0.2, 0, 0, 0.1),
    "mining": (0.8, 0, 0.2, 0, 0, 0), "fishing": (0.2, 0, 0.5, 0, 0, 0.3),
    "textile": (0.4, 0.25, 0, 0, 0, 0.35), "care": (0.35, 0.4, 0, 0, 0, 0.25),
    "education": (0.2, 0.5, 0, 0, 0.3, 0), "transport": (0.4, 0, 0, 0, 0.2, 0.4),
}  # fmt: skip
DEFAULT_CONTRACT_MIX = (0.55, 0.25, 0.1, 0, 0, 0.1)
# How common each ISCO major group is among workers (occupation sampling weight).
MAJOR_FREQUENCY = {1: 0.3, 2: 0.6, 3: 0.8, 4: 1.0, 5: 1.5, 6: 1.2, 7: 1.2, 8: 1.0, 9: 1.5}
FEMALE_SECTOR = {"textile": 2, "care": 2.5, "tourism": 1.3, "education": 1.5, "health": 1.4,
                 "commerce": 1.2, "mining": 0.2, "construction": 0.15, "transport": 0.2,
                 "security": 0.4, "fishing": 0.3}  # fmt: skip
PROVIDER_KINDS = ("cetpro", "institute", "ngo", "online_school")
PROVIDER_MIX = (0.4, 0.25, 0.15, 0.2)


def _slot_patterns() -> dict[str, list[str]]:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {
        "day": [f"{d}_{p}" for d in days for p in ("morning", "afternoon")],
        "morning": [f"{d}_morning" for d in days] + [f"{d}_afternoon" for d in days],
        "afternoon": [f"{d}_afternoon" for d in days] + [f"{d}_evening" for d in days],
        "evening": [f"{d}_evening" for d in days] + [f"{d}_afternoon" for d in days],
        "weekend": ["sat_morning", "sat_afternoon", "sun_morning", "sun_afternoon",
                    "sat_evening", "sun_evening", "fri_evening", "fri_afternoon"],
        "night": [f"{d}_night" for d in days] + [f"{d}_evening" for d in days],
    }  # fmt: skip


SLOT_PATTERNS = _slot_patterns()
PATTERN_NAMES = tuple(SLOT_PATTERNS)


def slots_for(pattern: str, hours: int) -> list[str]:
    """The first ``ceil(hours / 4)`` slots of a weekly pattern, in calendar order."""
    chosen = SLOT_PATTERNS[pattern][: max(1, -(-hours // 4))]
    return sorted(chosen, key=TIME_SLOTS.index)


@dataclass(frozen=True)
class DemoConfig:
    """How much to generate; see the module docstring for the default ratios."""

    size: int = 3000
    seed: int = 7
    n_jobs: int = 3000
    n_courses: int = 600
    n_employers: int = 150
    n_providers: int = 50
    interactions_per_person: float = 20.0
    latent_dim: int = 8

    @classmethod
    def for_size(
        cls,
        size: int,
        seed: int,
        *,
        n_jobs: int | None = None,
        n_courses: int | None = None,
        n_employers: int | None = None,
        n_providers: int | None = None,
        interactions_per_person: float = 20.0,
    ) -> DemoConfig:
        if size < 1:
            raise ValueError("size must be at least 1 person")
        return cls(
            size=size,
            seed=seed,
            n_jobs=n_jobs if n_jobs is not None else min(size, 100_000),
            n_courses=n_courses if n_courses is not None else int(np.clip(size // 5, 20, 20_000)),
            n_employers=n_employers
            if n_employers is not None
            else int(np.clip(size // 20, 10, 20_000)),
            n_providers=n_providers
            if n_providers is not None
            else int(np.clip(size // 60, 5, 5_000)),
            interactions_per_person=interactions_per_person,
        )


def stream_rng(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


def dates_at(days: FArr) -> list[datetime]:
    """Offsets in days from _reference() -> aware datetimes rounded to the second."""
    secs = np.round(np.asarray(days, dtype=np.float64) * 86400.0).astype(np.int64)
    base = np.datetime64(reference_now().replace(tzinfo=None), "s")
    return [d.replace(tzinfo=UTC) for d in (base + secs).astype("datetime64[s]").tolist()]


def choice_rows(u: FArr, probs: FArr) -> IArr:
    """Row-wise categorical draw: ``probs`` (n, k) rows need not be normalised."""
    cum = np.cumsum(probs, axis=1)
    out: IArr = (
        (u[:, None] * cum[:, -1:] >= cum).sum(1).clip(0, probs.shape[1] - 1).astype(np.int64)
    )
    return out


def group_rows(keys: IArr, n_keys: int) -> tuple[IArr, IArr]:
    """Group item indices by key: (order, starts) with starts of length n_keys + 1."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    starts = np.searchsorted(keys[order], np.arange(n_keys + 1)).astype(np.int64)
    return order, starts


def draw_from_groups(
    rng: np.random.Generator, order: IArr, starts: IArr, groups: IArr, k: int
) -> IArr:
    """``k`` random members (with replacement) of each row's group; -1 where a group is empty."""
    lo, hi = starts[groups], starts[groups + 1]
    size = hi - lo
    pos = lo[:, None] + (rng.random((len(groups), k)) * size[:, None]).astype(np.int64)
    out = np.where(size[:, None] > 0, order[np.minimum(pos, len(order) - 1)], -1)
    return out if len(order) else np.full((len(groups), k), -1, dtype=np.int64)


def sigmoid(x: FArr) -> FArr:
    return 1.0 / (1.0 + np.exp(-x))


def round_to(x: FArr, step: int) -> FArr:
    return np.round(x / step) * step


def skill_phrase(labels: list[str], synonyms: list[list[str]], i: int, u: float) -> str:
    options = [labels[i].lower(), *[s for s in synonyms[i] if s]]
    return texts.pick(options, u)
