"""Pydantic output of labour-market insights."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict

REMOTE_REGION: Final = "REMOTE"
"""Pseudo-region code under which remote jobs (and remote-ready supply) are counted."""


class DemandRow(BaseModel):
    """Demand for one skill in one region (open, non-expired jobs) against its local supply.

    ``supply`` is ``None`` (and ``supply_suppressed`` true) when between 1 and ``min_group - 1``
    people hold the skill there, so that small groups are never shown (design §7); ``gap`` and
    ``gap_ratio`` are then ``None`` too.
    """

    model_config = ConfigDict(frozen=True)

    region_code: str  # 2-digit department, 4-digit province, or "REMOTE"
    region_name: str
    skill_id: str
    skill_label_es: str
    skill_label_en: str
    open_jobs: int  # open jobs listing the skill (essential or optional)
    essential_jobs: int  # of which list it as essential
    openings: int  # sum of the jobs' openings
    median_wage: float | None  # PEN / month, median of the jobs' wage midpoints
    supply: int | None
    supply_suppressed: bool = False
    gap: int | None  # openings - supply (positive: shortage)
    gap_ratio: float | None  # openings / supply; None when supply is 0 or suppressed
    remote_jobs: int  # open remote jobs listing the skill (national)
