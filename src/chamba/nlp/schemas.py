"""Inputs and outputs of the NLP feature: skill records fed to the extractor and its results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Final, Literal, Protocol, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from chamba.vocab import SkillLevel

Level = Literal["basic", "intermediate", "advanced"]
Method = Literal["lexicon", "semantic"]


class SkillLike(Protocol):
    """What :meth:`SkillRecord.from_obj` needs of a skill (an ORM ``Skill``, a record, a
    namespace); ``source``, ``synonyms_*`` and ``esco_uri`` are read when present."""

    @property
    def id(self) -> str: ...
    @property
    def label_es(self) -> str | None: ...
    @property
    def label_en(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SkillRecord:
    """The slice of a skill the extractor needs (a plain record, cheap for 14k skills).

    ``source`` is ``"catalogue"`` for Chamba's own skills and ``"esco"`` for imported ESCO
    skills; catalogue skills win ties against ESCO skills on the same span.
    """

    id: str
    label_es: str
    label_en: str
    synonyms_es: Sequence[str] = field(default=())
    synonyms_en: Sequence[str] = field(default=())
    esco_uri: str | None = None
    source: str = "catalogue"

    @classmethod
    def from_obj(cls, obj: SkillLike) -> SkillRecord:
        """Build a record from anything with the ``Skill`` attributes (ORM row, namespace).

        Example:
            >>> SkillRecord.from_obj(SkillRecord("x", "cocina", "cooking")).label_en
            'cooking'
        """
        source = getattr(obj, "source", None)
        skill_id = str(obj.id)
        if not source:
            source = "esco" if skill_id.startswith("esco:") else "catalogue"
        return cls(
            id=skill_id,
            label_es=obj.label_es or "",
            label_en=obj.label_en or "",
            synonyms_es=tuple(getattr(obj, "synonyms_es", None) or ()),
            synonyms_en=tuple(getattr(obj, "synonyms_en", None) or ()),
            esco_uri=getattr(obj, "esco_uri", None),
            source=str(source),
        )

    def names(self) -> list[str]:
        """Labels and synonyms in both languages, de-duplicated, labels first."""
        out: list[str] = []
        for name in (self.label_es, self.label_en, *self.synonyms_es, *self.synonyms_en):
            name = (name or "").strip()
            if name and name not in out:
                out.append(name)
        return out


class ExtractedSkill(BaseModel):
    """One skill found in a text.

    ``evidence`` is exactly ``text[start:end]`` of the input. ``method`` tells how it was found:
    ``lexicon`` (a label or synonym matched, high confidence) or ``semantic`` (a phrase close to
    the skill in the encoder's space, lower confidence).
    """

    model_config = ConfigDict(frozen=True)

    skill_id: str
    label: str
    esco_uri: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    level: Level | None = None
    method: Method
    #: True when the text negates the skill ("no sé manejar"); only returned on request.
    negated: bool = False

    @classmethod
    def of(
        cls,
        record: SkillRecord,
        lang: str,
        evidence: str,
        start: int,
        end: int,
        *,
        confidence: float,
        level: Level | None,
        method: Method,
        negated: bool,
    ) -> ExtractedSkill:
        """``record`` found as ``evidence`` (``text[start:end]`` of the input), labelled in
        ``lang`` (``en`` or Spanish)."""
        return cls(
            skill_id=record.id,
            label=record.label_en if lang == "en" else record.label_es,
            esco_uri=record.esco_uri,
            confidence=confidence,
            evidence=evidence,
            start=start,
            end=end,
            level=level,
            method=method,
            negated=negated,
        )


Requirement = Literal["essential", "optional"]


class SuggestedSkill(BaseModel):
    """A skill proposed for a job posting, read from its title and description.

    ``requirement`` comes from cues near the evidence ("indispensable", "requisito",
    "excluyente", "required" -> essential; "deseable", "de preferencia", "plus", "valorable",
    "nice to have" -> optional); a skill named in the title, or without a cue, is essential.
    ``importance`` (0..1) is the extraction confidence weighted by where and how it was said.
    """

    model_config = ConfigDict(frozen=True)

    skill_id: str
    label: str
    esco_uri: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: str
    requirement: Requirement
    importance: float = Field(ge=0.0, le=1.0)
    level: Level | None = None
    #: Where the evidence was found: the posting's title or its description.
    field: Literal["title", "description"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ProposedSkill(BaseModel):
    """A skill read from a person's own words, proposed for confirmation on their profile."""

    model_config = ConfigDict(frozen=True)

    skill_id: str
    label: str
    esco_uri: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    level: Level | None = None
    method: Method
    #: The skill is already on the person's profile (nothing to add, maybe a level to update).
    on_profile: bool
    #: The level on the profile, when the skill is there with one.
    profile_level: Level | None = None


# --- the API's contract: POST /skills/extract (and a person's /me/skills/extract) ----------

#: The longest text skills are read from.
MAX_EXTRACT_TEXT: Final = 20_000


class TextIn(BaseModel):
    """Free text to read skills from."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MAX_EXTRACT_TEXT)]
    lang: Literal["es", "en"] | None = None


class ExtractedSkillOut(BaseModel):
    id: str
    label: str
    esco_uri: str | None
    confidence: float
    evidence: str
    level: SkillLevel | None


class ExtractedSkills(BaseModel):
    skills: list[ExtractedSkillOut]


class ExtractorOptions(TypedDict, total=False):
    """The :class:`~chamba.nlp.extraction.SkillExtractor` constructor's keyword options (passed
    through by its ``from_session`` and :func:`chamba.nlp.service.get_extractor`)."""

    threshold: float
    verify_threshold: float
    inexact_verify_threshold: float
    semantic: bool
    esco_synonym_vectors: bool
