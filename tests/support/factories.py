"""Request bodies and ids the feature tests build on: places, skills, a job, a course (plain
functions; the user and matching fixtures live in ``api_fixtures.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.taxonomy.models import Skill

LIMA_CERCADO, MIRAFLORES, AREQUIPA, CUSCO = "150101", "150122", "040101", "080101"


def skill_ids(session: Session, n: int = 4) -> list[str]:
    """``n`` skill ids of the built-in catalogue (stable order)."""
    return list(session.scalars(select(Skill.id).order_by(Skill.id).limit(n)))


def job_body(skills: Sequence[str] | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Soldador de estructuras metálicas",
        "description": "Taller en Lima busca soldador con experiencia.",
        "location": {"ubigeo": LIMA_CERCADO},
        "remote": False,
        "hours_per_week": 40,
        "wage_min": 1500,
        "wage_max": 1800,
        "currency": "PEN",
    }
    if skills is not None:
        body["skills"] = [{"id": s, "requirement": "essential", "importance": 1.0} for s in skills]
    body.update(overrides)
    return body


def course_body(skills: Sequence[str] | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Soldadura básica",
        "description": "Curso práctico de soldadura por arco.",
        "modality": "in_person",
        "location": {"ubigeo": LIMA_CERCADO},
        "hours": 60,
        "weeks": 6,
        "cost": 150,
        "currency": "PEN",
    }
    if skills is not None:
        body["skills"] = [{"id": s, "level": "basic"} for s in skills]
    body.update(overrides)
    return body
