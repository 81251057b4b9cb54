"""Pydantic input of job postings (API and file imports share it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

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
    Ubigeo,
    is_blank,
    parse_datetime,
    parse_int,
)
from chamba.jobs.models import ContractType, JobStatus
from chamba.text import normalize

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

    @field_validator("wage_max")
    @classmethod
    def _wage_range(cls, value: Any, info: ValidationInfo) -> Any:
        low = info.data.get("wage_min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"must be at least wage_min (S/ {low})")
        return value

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
