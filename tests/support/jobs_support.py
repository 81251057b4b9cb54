"""Helpers of the job, course, matching and application API tests (not fixtures)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.taxonomy.models import Skill

LIMA_CERCADO, MIRAFLORES, AREQUIPA, CUSCO = "150101", "150122", "040101", "080101"


class HashEncoder:
    """Deterministic hashed bag of words -> 64-d, L2-normalised (a fast stand-in for USE)."""

    model_id = "test-api-hash-64"
    dim = 64

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, 64)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.sha1(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


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


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is an ``application/problem+json`` of ``status`` (naming ``field``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if field is not None:
        fields = [
            e["field"].removeprefix("query.").removeprefix("path.") for e in body.get("errors", [])
        ]
        assert any(f == field or f.startswith(field + ".") for f in fields), (field, body)
    return body
