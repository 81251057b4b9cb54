"""Pydantic input of training courses (API and file imports share it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
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

from chamba.courses.models import CourseStatus, Modality
from chamba.fields import (
    Currency,
    Education,
    LongText,
    Money,
    OptionalBool,
    OptionalName,
    Ruc,
    SkillClaims,
    Slots,
    Title,
    is_blank,
    parse_date,
    parse_int,
    parse_skill_level,
    split_list,
)
from chamba.geo.fields import Ubigeo
from chamba.postings.schemas import LocationIn, LocationOut, OrganisationRef, SkillId
from chamba.text import normalize
from chamba.vocab import EducationLevel, SkillLevel

_MODALITIES: Final[dict[str, Modality]] = {
    **{normalize(m.value): m for m in Modality},
    "presencial": Modality.IN_PERSON,
    "in person": Modality.IN_PERSON,
    "virtual": Modality.ONLINE,
    "online": Modality.ONLINE,
    "en linea": Modality.ONLINE,
    "a distancia": Modality.ONLINE,
    "remoto": Modality.ONLINE,
    "semipresencial": Modality.HYBRID,
    "semi presencial": Modality.HYBRID,
    "hibrido": Modality.HYBRID,
    "hibrida": Modality.HYBRID,
    "mixto": Modality.HYBRID,
    "blended": Modality.HYBRID,
}
_STATUSES: Final[dict[str, CourseStatus]] = {
    "open": CourseStatus.OPEN,
    "abierto": CourseStatus.OPEN,
    "abierta": CourseStatus.OPEN,
    "inscripciones abiertas": CourseStatus.OPEN,
    "closed": CourseStatus.CLOSED,
    "cerrado": CourseStatus.CLOSED,
    "cerrada": CourseStatus.CLOSED,
}


def parse_modality(value: Any) -> Modality:
    """``presencial`` / ``virtual`` / ``semipresencial`` (or English values)."""
    if is_blank(value):
        raise ValueError("is required: presencial, virtual or semipresencial")
    found = _MODALITIES.get(normalize(str(value))[:40])
    if found is None:
        raise ValueError(
            f"unknown modality {str(value).strip()[:40]!r}: use presencial, virtual or "
            "semipresencial"
        )
    return found


def parse_course_status(value: Any) -> CourseStatus | None:
    """``abierto``/``cerrado`` or ``open``/``closed``."""
    if is_blank(value):
        return None
    found = _STATUSES.get(normalize(str(value))[:40])
    if found is None:
        raise ValueError(f"unknown status {str(value).strip()[:40]!r}: use abierto or cerrado")
    return found


def parse_start_dates(value: Any) -> list[str]:
    """Dates as ISO strings, sorted: ``"01/04/2025|2025-06-02"``."""
    if is_blank(value):
        return []
    items = split_list(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("must be a list of dates")
    days = {parse_date(item) for item in items if not is_blank(item)}
    return sorted(d.isoformat() for d in days if d is not None)


class LocationNeeded(ValueError):
    """An in-person or hybrid course without a place."""


class CostOfAFreeCourse(ValueError):
    """A course marked free that has a cost."""


def _required_hours(value: Any) -> int:
    hours = parse_int(value, low=1, high=5_000, what="number of hours")
    if hours is None:
        raise ValueError("is required: total hours of study")
    return hours


class CourseIn(BaseModel):
    """A course to create or update; cost in soles. Skills hold skill ids for the service."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[OptionalName, Field(max_length=200)] = None
    title: Title
    description: LongText = None
    provider: OptionalName = None
    provider_ruc: Ruc = None
    modality: Annotated[Modality, BeforeValidator(parse_modality)]
    ubigeo: Ubigeo = None
    hours: Annotated[int, BeforeValidator(_required_hours)]
    weeks: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=1, high=260, what="weeks"))
    ] = None
    cost: Money = None
    currency: Currency = "PEN"
    is_free: OptionalBool = None
    scholarship: OptionalBool = None
    schedule: Slots = Field(default_factory=list)
    start_dates: Annotated[list[str], BeforeValidator(parse_start_dates)] = Field(
        default_factory=list
    )
    certificate: OptionalBool = None
    seats: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=0, high=100_000, what="seats"))
    ] = None
    education_required: Education = None
    status: Annotated[CourseStatus | None, BeforeValidator(parse_course_status)] = None
    skills: SkillClaims = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> CourseIn:
        if self.is_free and self.cost:
            raise ValueError(f"cost: a free course cannot cost S/ {self.cost}")
        if self.is_free is None:
            self.is_free = not self.cost
        if self.cost is None:
            self.cost = Decimal("0.00")
        if self.modality != Modality.ONLINE and self.ubigeo is None:
            raise ValueError(
                "ubigeo: a presencial or semipresencial course needs a location "
                "(ubigeo code or 'District, Province')"
            )
        return self


# ------------------------------------------------------------------------ API (/api/v1/courses)

MAX_COURSE_SKILLS: Final = 50


class CourseSkillIn(BaseModel):
    """A skill a course teaches, by taxonomy id, with the level it reaches."""

    model_config = ConfigDict(extra="forbid")

    id: SkillId
    level: Annotated[SkillLevel | None, BeforeValidator(parse_skill_level)] = None


class CourseCreate(BaseModel):
    """A course sent by a provider (``POST /api/v1/courses``); cost in soles.

    Without ``skills`` the skills taught are read from the title and description.
    """

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: LongText = None
    location: LocationIn | None = None
    modality: Annotated[Modality, BeforeValidator(parse_modality)]
    hours: Annotated[int, BeforeValidator(_required_hours)]
    weeks: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=1, high=260, what="weeks"))
    ] = None
    cost: Money = None
    currency: Currency = "PEN"
    is_free: OptionalBool = None
    scholarship: bool = False
    schedule: Slots = Field(default_factory=list)
    start_dates: Annotated[list[str], BeforeValidator(parse_start_dates)] = Field(
        default_factory=list, max_length=100
    )
    certificate: bool = False
    seats: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=0, high=100_000, what="seats"))
    ] = None
    education_required: Education = None
    status: Annotated[CourseStatus | None, BeforeValidator(parse_course_status)] = None
    skills: Annotated[list[CourseSkillIn] | None, Field(max_length=MAX_COURSE_SKILLS)] = None

    @field_validator("modality")
    @classmethod
    def _located(cls, value: Modality, info: ValidationInfo) -> Modality:
        location = info.data.get("location")
        if value != Modality.ONLINE and (location is None or location.ubigeo is None):
            raise LocationNeeded(
                "an in-person or hybrid course needs location.ubigeo (an ubigeo code or "
                "'District, Province')"
            )
        return value

    @field_validator("is_free")
    @classmethod
    def _free(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        cost = info.data.get("cost")
        if value and cost:
            raise CostOfAFreeCourse(f"a free course cannot cost S/ {cost}")
        return value

    @field_validator("skills")
    @classmethod
    def _distinct(cls, value: list[CourseSkillIn] | None) -> list[CourseSkillIn] | None:
        if value is not None and len({s.id for s in value}) != len(value):
            raise ValueError("lists a skill twice")
        return value


class CourseUpdate(BaseModel):
    """A partial change (``PATCH``); the result is checked with the rules of ``CourseCreate``."""

    model_config = ConfigDict(extra="forbid")

    title: Any = None
    description: Any = None
    location: Any = None
    modality: Any = None
    hours: Any = None
    weeks: Any = None
    cost: Any = None
    currency: Any = None
    is_free: Any = None
    scholarship: Any = None
    schedule: Any = None
    start_dates: Any = None
    certificate: Any = None
    seats: Any = None
    education_required: Any = None
    status: Any = None
    skills: Any = None


class CourseSkillOut(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    level: SkillLevel | None


class CourseOut(BaseModel):
    id: int
    title: str
    description: str
    provider: OrganisationRef | None
    modality: Modality
    location: LocationOut | None
    hours: int
    weeks: int | None
    cost: Decimal
    currency: str
    is_free: bool
    scholarship: bool
    schedule: list[str]
    start_dates: list[str]
    certificate: bool
    seats: int | None
    education_required: EducationLevel | None
    status: CourseStatus
    updated_at: datetime
    skills: list[CourseSkillOut]


class CoursePage(BaseModel):
    items: list[CourseOut]
    total: int
    page: int
    per_page: int
