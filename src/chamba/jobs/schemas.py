"""Pydantic input of job postings (API and file imports share it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chamba.fields import (
    Currency,
    Education,
    LongText,
    Money,
    OptionalBool,
    OptionalName,
    Ruc,
    Slots,
    TextList,
    Title,
    is_blank,
    parse_datetime,
    parse_int,
)
from chamba.geo.fields import Ubigeo
from chamba.jobs.models import ContractType, JobStatus
from chamba.postings.schemas import LocationIn, LocationOut, OrganisationRef, SkillId
from chamba.text import normalize
from chamba.vocab import EducationLevel, Requirement, SkillLevel

_CONTRACT_WORDS: Final[dict[str, ContractType]] = {
    **{normalize(c.value): c for c in ContractType},
    "full time": ContractType.FULL_TIME,
    "fulltime": ContractType.FULL_TIME,
    "tiempo completo": ContractType.FULL_TIME,
    "jornada completa": ContractType.FULL_TIME,
    "part time": ContractType.PART_TIME,
    "parttime": ContractType.PART_TIME,
    "medio tiempo": ContractType.PART_TIME,
    "tiempo parcial": ContractType.PART_TIME,
    "media jornada": ContractType.PART_TIME,
    "por horas": ContractType.PART_TIME,
    "temporal": ContractType.TEMPORARY,
    "eventual": ContractType.TEMPORARY,
    "estacional": ContractType.TEMPORARY,
    "por campana": ContractType.TEMPORARY,
    "campana": ContractType.TEMPORARY,
    "por temporada": ContractType.TEMPORARY,
    "seasonal": ContractType.TEMPORARY,
    "practicas": ContractType.INTERNSHIP,
    "practicas preprofesionales": ContractType.INTERNSHIP,
    "practicas profesionales": ContractType.INTERNSHIP,
    "practicante": ContractType.INTERNSHIP,
    "pasantia": ContractType.INTERNSHIP,
    "intern": ContractType.INTERNSHIP,
    "independiente": ContractType.FREELANCE,
    "recibo por honorarios": ContractType.FREELANCE,
    "por honorarios": ContractType.FREELANCE,
    "locacion de servicios": ContractType.FREELANCE,
    "contractor": ContractType.FREELANCE,
    "jornal": ContractType.DAILY,
    "jornalero": ContractType.DAILY,
    "diario": ContractType.DAILY,
    "por dia": ContractType.DAILY,
    "per diem": ContractType.DAILY,
}

_STATUS_WORDS: Final[dict[str, JobStatus]] = {
    **{s.value: s for s in JobStatus},
    "abierta": JobStatus.OPEN,
    "abierto": JobStatus.OPEN,
    "activa": JobStatus.OPEN,
    "cerrada": JobStatus.CLOSED,
    "cerrado": JobStatus.CLOSED,
    "borrador": JobStatus.DRAFT,
    "cubierta": JobStatus.FILLED,
    "cubierto": JobStatus.FILLED,
}


def parse_contract_type(value: Any) -> ContractType | None:
    """A contract type from its value or words such as ``tiempo completo``, ``prácticas``."""
    if is_blank(value):
        return None
    found = _CONTRACT_WORDS.get(normalize(str(value))[:60])
    if found is None:
        raise ValueError(
            f"unknown contract type {str(value).strip()[:60]!r}: use tiempo completo, medio "
            "tiempo, temporal, prácticas, independiente or jornal (or "
            + ", ".join(c.value for c in ContractType)
            + ")"
        )
    return found


def parse_job_status(value: Any) -> JobStatus | None:
    """``abierta``/``cerrada``/``borrador``/``cubierta`` or the English values."""
    if is_blank(value):
        return None
    found = _STATUS_WORDS.get(normalize(str(value))[:30])
    if found is None:
        raise ValueError(f"unknown status {str(value).strip()[:30]!r}: use abierta or cerrada")
    return found


class WageRangeError(ValueError):
    """``wage_max`` below ``wage_min`` (a kind of its own, so a form can say so in words)."""


def _wage_not_below_min(value: Any, info: ValidationInfo) -> Any:
    """``wage_max`` (validated after ``wage_min``) may not be below ``wage_min``."""
    low = info.data.get("wage_min")
    if value is not None and low is not None and value < low:
        raise WageRangeError(f"must be at least wage_min (S/ {low})")
    return value


def _hours(value: Any) -> int | None:
    return parse_int(value, low=1, high=84, what="number of hours")


def _openings(value: Any) -> int | None:
    return parse_int(value, low=1, high=10_000, what="number of openings")


class JobIn(BaseModel):
    """A job posting to create or update.

    Money is in soles per month. ``skills`` (essential) and ``optional_skills`` hold skill ids
    when given to the service; importers resolve labels and synonyms to ids first.
    """

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[OptionalName, Field(max_length=200)] = None
    title: Title
    description: LongText = None
    employer: OptionalName = None
    employer_ruc: Ruc = None
    ubigeo: Ubigeo = None
    remote: OptionalBool = None
    hours_per_week: Annotated[int | None, BeforeValidator(_hours)] = None
    schedule: Slots = Field(default_factory=list)
    wage_min: Money = None
    wage_max: Money = None
    currency: Currency = "PEN"
    contract_type: Annotated[ContractType | None, BeforeValidator(parse_contract_type)] = None
    education_required: Education = None
    openings: Annotated[int | None, BeforeValidator(_openings)] = None
    status: Annotated[JobStatus | None, BeforeValidator(parse_job_status)] = None
    posted_at: Annotated[datetime | None, BeforeValidator(parse_datetime)] = None
    expires_at: Annotated[
        datetime | None, BeforeValidator(lambda v: parse_datetime(v, end_of_day=True))
    ] = None
    skills: TextList = Field(default_factory=list)
    optional_skills: TextList = Field(default_factory=list)
    #: Stated skill names no taxonomy skill matches (kept and shown, never a reason to reject).
    unlinked_skills: TextList = Field(default_factory=list)
    #: Skill id -> level the posting asks for; skill id -> importance (0..1) when read from text.
    skill_levels: dict[str, SkillLevel] = Field(default_factory=dict)
    skill_importance: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict
    )

    _wage_range = field_validator("wage_max")(_wage_not_below_min)

    @field_validator("expires_at")
    @classmethod
    def _expires_after_posted(cls, value: Any, info: ValidationInfo) -> Any:
        posted = info.data.get("posted_at")
        if value is not None and posted is not None and value < posted:
            raise ValueError("is before the posting date")
        return value

    @model_validator(mode="after")
    def _somewhere(self) -> JobIn:
        if self.ubigeo is None and not self.remote:
            raise ValueError(
                "ubigeo: give a location (ubigeo code or 'District, Province') "
                "or mark the job as remote"
            )
        return self


# --------------------------------------------------------------------------- API (/api/v1/jobs)

#: Most skills one posting may list.
MAX_JOB_SKILLS: Final = 50


class JobSkillIn(BaseModel):
    """A skill a posting asks for, by taxonomy id (see ``GET /api/v1/skills``)."""

    model_config = ConfigDict(extra="forbid")

    id: SkillId
    requirement: Requirement = Requirement.ESSENTIAL
    importance: float = Field(1.0, ge=0.0, le=1.0)
    level: SkillLevel | None = None


class JobCreate(BaseModel):
    """A job posting sent by an employer (``POST /api/v1/jobs``); money in soles a month.

    Without ``skills`` the service suggests them from the title and description.
    """

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: LongText = None
    location: LocationIn | None = None
    remote: bool = False
    hours_per_week: Annotated[int | None, BeforeValidator(_hours)] = None
    schedule: Slots = Field(default_factory=list)
    wage_min: Money = None
    wage_max: Money = None
    currency: Currency = "PEN"
    contract_type: Annotated[ContractType | None, BeforeValidator(parse_contract_type)] = None
    education_required: Education = None
    openings: Annotated[int | None, BeforeValidator(_openings)] = None
    expires_at: Annotated[
        datetime | None, BeforeValidator(lambda v: parse_datetime(v, end_of_day=True))
    ] = None
    occupation_id: Annotated[str | None, Field(max_length=200)] = None
    status: Annotated[JobStatus | None, BeforeValidator(parse_job_status)] = None
    skills: Annotated[list[JobSkillIn] | None, Field(max_length=MAX_JOB_SKILLS)] = None

    @field_validator("remote")
    @classmethod
    def _somewhere(cls, value: bool, info: ValidationInfo) -> bool:
        location = info.data.get("location")
        if not value and (location is None or location.ubigeo is None):
            raise ValueError(
                "give location.ubigeo (an ubigeo code or 'District, Province') or set remote true"
            )
        return value

    _wage_range = field_validator("wage_max")(_wage_not_below_min)

    @field_validator("skills")
    @classmethod
    def _distinct_skills(cls, value: list[JobSkillIn] | None) -> list[JobSkillIn] | None:
        if value is not None and len({s.id for s in value}) != len(value):
            raise ValueError("lists a skill twice")
        return value


class JobUpdate(BaseModel):
    """A partial change to a posting (``PATCH``): only the fields sent change.

    The result is checked with the rules of :class:`JobCreate`. ``skills`` replaces the list.
    """

    model_config = ConfigDict(extra="forbid")

    title: Any = None
    description: Any = None
    location: Any = None
    remote: Any = None
    hours_per_week: Any = None
    schedule: Any = None
    wage_min: Any = None
    wage_max: Any = None
    currency: Any = None
    contract_type: Any = None
    education_required: Any = None
    openings: Any = None
    expires_at: Any = None
    occupation_id: Any = None
    status: Any = None
    skills: Any = None


class SuggestSkillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: LongText = None
    lang: Literal["es", "en"] | None = None


class SkillOut(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    requirement: Requirement
    importance: float
    level: SkillLevel | None = None


class SuggestedSkillOut(SkillOut):
    confidence: float
    evidence: str
    field: str


class SuggestSkillsOut(BaseModel):
    skills: list[SuggestedSkillOut]


class JobOut(BaseModel):
    """A job posting as the API shows it: no contact or personal data."""

    id: int
    title: str
    description: str
    organisation: OrganisationRef | None
    occupation_id: str | None
    location: LocationOut | None
    remote: bool
    hours_per_week: int | None
    schedule: list[str]
    wage_min: Decimal | None
    wage_max: Decimal | None
    currency: str
    contract_type: ContractType | None
    education_required: EducationLevel | None
    openings: int
    status: JobStatus
    posted_at: datetime
    expires_at: datetime | None
    updated_at: datetime
    skills: list[SkillOut]
    #: Requirements the posting states that no taxonomy skill matches (imported postings).
    unlinked_skills: list[str] = Field(default_factory=list)
    #: Distance from the ``near`` place of a search (km; None for remote or unknown places).
    distance_km: float | None = None


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    page: int
    per_page: int


class JobSearch(BaseModel):
    """Query of ``GET /api/v1/jobs`` (already bounded by the route's ``Query`` declarations)."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = None
    region: str | None = None
    near: str | None = None
    distance_km: float | None = None
    remote: bool | None = None
    hours_max: int | None = None
    wage_min: Decimal | None = None
    #: Occupation ids (:func:`chamba.jobs.search.resolve_occupation` turns a name into them).
    occupations: list[str] | None = None
    status: JobStatus = JobStatus.OPEN
    page: int = 1
    per_page: int = 20


class DraftIn(BaseModel):
    """Facts for a job description draft (``POST /api/v1/jobs/draft``); nothing is stored.

    Give the confirmed ``skills`` (essential or optional); without them the skills are read from
    ``title`` and ``text`` (your own words) and returned, for you to confirm before publishing.
    """

    model_config = ConfigDict(extra="forbid")

    title: Title
    text: LongText = None
    skills: Annotated[list[JobSkillIn] | None, Field(max_length=MAX_JOB_SKILLS)] = None
    hours_per_week: Annotated[int | None, BeforeValidator(_hours)] = None
    wage_min: Money = None
    wage_max: Money = None
    location: LocationIn | None = None
    remote: bool = False
    lang: Literal["es", "en"] | None = None


class DraftSkillOut(BaseModel):
    id: str
    label: str
    requirement: Requirement


class DraftOut(BaseModel):
    """A description to edit, then publish with ``POST /api/v1/jobs``."""

    description: str
    #: ``template`` (built in) or ``llm`` (the configured chat model; checked to keep every
    #: essential skill).
    written_by: Literal["template", "llm"]
    skills: list[DraftSkillOut]
