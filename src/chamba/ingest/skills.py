"""Resolve skill names in imported files to skill ids (exact, accent- and case-insensitive)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from chamba.taxonomy import repository as taxonomy_repository
from chamba.text import normalize


class SkillLookup:
    """Id, Spanish/English label or synonym -> skill id, loaded once per import."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: set[str] | None = None
        self._names: dict[str, set[str]] = defaultdict(set)

    def _load(self) -> set[str]:
        if self._ids is None:
            self._ids = set()
            for skill_id, label_es, label_en, syn_es, syn_en in taxonomy_repository.skill_names(
                self._session
            ):
                self._ids.add(skill_id)
                for name in (skill_id, label_es, label_en, *syn_es, *syn_en):
                    key = normalize(name or "")
                    if key:
                        self._names[key].add(skill_id)
        return self._ids

    def resolve(self, name: str) -> str:
        """The skill id for ``name``; raises ValueError naming the unknown or ambiguous skill."""
        ids = self._load()
        if name in ids:
            return name
        found = self._names.get(normalize(name), set())
        if len(found) == 1:
            return next(iter(found))
        if not found:
            raise ValueError(f"unknown skill {name!r}: use a skill id or its label/synonym")
        listed = ", ".join(sorted(found)[:5])
        raise ValueError(f"skill {name!r} is ambiguous: it matches {listed}; use the id")
