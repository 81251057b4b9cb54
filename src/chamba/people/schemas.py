"""Pydantic input of seekers/learners (API and file imports share it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from chamba.fields import (
    Education,
    Email,
    LongText,
    Money,
    Name,
    NationalId,
    OptionalBool,
    OptionalName,
    Phone,
    SkillClaims,
    Slots,
    TextList,
    is_blank,
    optional_text,
    parse_float,
    parse_int,
    parse_national_id,
    parse_skill_level,
    split_list,
)
from chamba.geo.fields import Ubigeo
from chamba.nlp.schemas import ExtractedSkillOut
from chamba.people.models import Device
from chamba.text import normalize
from chamba.vocab import EducationLevel, SkillLevel, SkillSource

_LANGUAGES: Final[dict[str, str]] = {
    "es": "es",
    "espanol": "es",
    "castellano": "es",
    "spanish": "es",
    "qu": "qu",
    "quechua": "qu",
    "runasimi": "qu",
    "runa simi": "qu",
    "ay": "ay",
    "aimara": "ay",
    "aymara": "ay",
    "en": "en",
    "ingles": "en",
    "english": "en",
    "pt": "pt",
    "portugues": "pt",
    "portuguese": "pt",
    "asheninka": "cni",
    "ashaninka": "cni",
    "awajun": "agr",
    "shipibo": "shp",
    "shipibo konibo": "shp",
}
_GENDERS: Final[dict[str, str]] = {
    "f": "female",
    "femenino": "female",
    "mujer": "female",
    "female": "female",
    "m": "male",
    "masculino": "male",
    "hombre": "male",
    "varon": "male",
    "male": "male",
    "otro": "other",
    "other": "other",
    "no binario": "non_binary",
    "non binary": "non_binary",
    "prefiero no decir": "undisclosed",
    "undisclosed": "undisclosed",
}
_DEVICES: Final[dict[str, Device]] = {
    "none": Device.NONE,
    "ninguno": Device.NONE,
    "no": Device.NONE,
    "phone": Device.PHONE,
    "celular": Device.PHONE,
    "telefono": Device.PHONE,
    "smartphone": Device.PHONE,
    "movil": Device.PHONE,
    "computer": Device.COMPUTER,
    "computadora": Device.COMPUTER,
    "laptop": Device.COMPUTER,
    "pc": Device.COMPUTER,
}


def parse_languages(value: Any) -> list[str]:
    """Language names or codes -> ISO codes where known (``quechua`` -> ``qu``)."""
    out: list[str] = []
    for item in split_list(value):
        word = normalize(item)[:40]
        code = _LANGUAGES.get(word, word)
        if code and code not in out:
            out.append(code)
    return out


def parse_gender(value: Any) -> str | None:
    """``F``/``femenino``/``mujer`` -> ``female``; ``M``/``masculino`` -> ``male``; ..."""
    if is_blank(value):
        return None
    found = _GENDERS.get(normalize(str(value))[:30])
    if found is None:
        raise ValueError(
            f"unknown gender {str(value).strip()[:30]!r}: use femenino, masculino, otro or "
            "prefiero no decir"
        )
    return found


def parse_device(value: Any) -> Device | None:
    """``celular`` -> phone, ``computadora``/``laptop`` -> computer, ``ninguno`` -> none."""
    if is_blank(value):
        return None
    found = _DEVICES.get(normalize(str(value))[:30])
    if found is None:
        raise ValueError(
            f"unknown device {str(value).strip()[:30]!r}: use celular, computadora or ninguno"
        )
    return found


def _birth_year(value: Any) -> int | None:
    return parse_int(value, low=1900, high=date.today().year - 14, what="year")


class PersonIn(BaseModel):
    """A seeker/learner to create or update. Skills hold skill ids when given to the service."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[OptionalName, Field(max_length=200)] = None
    full_name: Annotated[OptionalName, Field(max_length=200)] = None
    email: Email = None
    phone: Phone = None
    national_id: NationalId = None
    gender: Annotated[str | None, BeforeValidator(parse_gender)] = None
    birth_year: Annotated[int | None, BeforeValidator(_birth_year)] = None
    ubigeo: Ubigeo = None
    languages: Annotated[list[str], BeforeValidator(parse_languages)] = Field(default_factory=list)
    education_level: Education = None
    years_experience: Annotated[
        float | None, BeforeValidator(lambda v: parse_float(v, low=0, high=70))
    ] = None
    self_description: LongText = None
    interests: TextList = Field(default_factory=list)
    availability_hours: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=0, high=112, what="hours"))
    ] = None
    availability_slots: Slots = Field(default_factory=list)
    has_internet: OptionalBool = None
    device: Annotated[Device | None, BeforeValidator(parse_device)] = None
    expected_wage: Money = None
    max_distance_km: Annotated[
        float | None, BeforeValidator(lambda v: parse_float(v, low=0, high=3000))
    ] = None
    consent_visible: OptionalBool = None
    skills: SkillClaims = Field(default_factory=list)


# --- the seeker's own profile (API contract: /api/v1/me/profile, /me/skills) ------------------

MAX_DESCRIPTION: Final = 5_000
#: A masked national id sent back unchanged ("****5678") keeps the stored one.
MASK: Final = "****"


def parse_national_id_or_mask(value: Any) -> str | None:
    """A DNI/CE, or the masked form this API returns (``****5678``), kept as :data:`MASK`."""
    if isinstance(value, str) and value.strip().startswith("*"):
        return MASK
    return parse_national_id(value)


def mask_national_id(value: str | None) -> str | None:
    """``"45678912"`` -> ``"****8912"``: enough to recognise it, not enough to use it."""
    if not value:
        return None
    return MASK + value[-4:]


def _bounded(max_items: int) -> Any:
    def check(items: list[str]) -> list[str]:
        if len(items) > max_items:
            raise ValueError(f"has {len(items)} items; the limit is {max_items}")
        for item in items:
            if len(item) > 100:
                raise ValueError(f"{item[:30]!r}... is too long: at most 100 characters")
        return items

    return AfterValidator(check)


class Availability(BaseModel):
    """Hours a week and weekly slots (``mon_morning``, ``sat_afternoon``...)."""

    model_config = ConfigDict(extra="forbid")

    hours_per_week: Annotated[
        int | None, BeforeValidator(lambda v: parse_int(v, low=0, high=112, what="hours"))
    ] = None
    slots: Slots = Field(default_factory=list, max_length=21)


class RemoteReadiness(BaseModel):
    """What remote work needs: an internet connection and a phone or computer."""

    model_config = ConfigDict(extra="forbid")

    has_internet: bool = False
    device: Annotated[Device, BeforeValidator(lambda v: parse_device(v) or Device.NONE)] = (
        Device.NONE
    )


class ProfileIn(BaseModel):
    """The editable profile. ``PUT`` replaces every field: an omitted field is cleared.

    ``national_id`` is write-only: responses mask it. Omitted or sent back masked
    (``"****5678"``) it is kept; ``null`` removes it; a new value replaces it.

    ``email`` and ``phone`` are the account's confirmed contact, not profile fields: omitted or
    sent back as read they change nothing; another value is refused (422), since a new
    address is confirmed with a code first (``POST /api/v1/me/contact``).
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Name, Field(max_length=200)]
    email: Email = None
    phone: Phone = None
    national_id: Annotated[str | None, BeforeValidator(parse_national_id_or_mask)] = None
    gender: Annotated[str | None, BeforeValidator(parse_gender)] = None
    birth_year: Annotated[int | None, BeforeValidator(_birth_year)] = None
    ubigeo: Ubigeo = None
    languages: Annotated[list[str], BeforeValidator(parse_languages), _bounded(10)] = Field(
        default_factory=list
    )
    education_level: Education = None
    years_experience: Annotated[
        float | None, BeforeValidator(lambda v: parse_float(v, low=0, high=70))
    ] = None
    self_description: Annotated[str | None, optional_text(MAX_DESCRIPTION, multiline=True)] = None
    interests: Annotated[TextList, _bounded(20)] = Field(default_factory=list)
    availability: Availability = Field(default_factory=Availability)
    remote: RemoteReadiness = Field(default_factory=RemoteReadiness)
    expected_wage: Money = None
    max_distance_km: Annotated[
        float | None, BeforeValidator(lambda v: parse_float(v, low=0, high=3000))
    ] = None
    consent_visible: bool = False
    consent_contact: bool = False


class Location(BaseModel):
    ubigeo: str
    department: str | None
    province: str | None
    district: str | None


class RemoteOut(RemoteReadiness):
    #: Has internet and a phone or computer.
    ready: bool


class ProfileSkillOut(BaseModel):
    id: str
    label: str
    esco_uri: str | None
    level: SkillLevel | None
    #: ``declared`` (said by the person), ``extracted`` (read from their words, then
    #: confirmed) or ``certified`` (by completing a course).
    source: SkillSource
    confirmed: bool
    confidence: float | None
    evidence: str | None


class ProfileOut(BaseModel):
    id: int
    name: str | None
    #: The account's confirmed e-mail and phone (change them with ``POST /me/contact``).
    email: str | None
    phone: str | None
    #: Masked (``****5678``); never returned in full.
    national_id: str | None
    #: False while the number is only the seeker's own claim (no institution vouched for it).
    national_id_verified: bool = False
    gender: str | None
    birth_year: int | None
    ubigeo: str | None
    location: Location | None
    languages: list[str]
    education_level: EducationLevel | None
    years_experience: float | None
    self_description: str | None
    interests: list[str]
    availability: Availability
    remote: RemoteOut
    expected_wage: float | None
    max_distance_km: float | None
    consent_visible: bool
    consent_contact: bool
    consent_at: datetime | None
    skills: list[ProfileSkillOut]
    updated_at: datetime


class ProposedSkillOut(ExtractedSkillOut):
    already_on_profile: bool


class ProposedSkills(BaseModel):
    skills: list[ProposedSkillOut]


class SkillChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=80)]
    level: Annotated[SkillLevel | None, BeforeValidator(parse_skill_level)] = None


class SkillsIn(BaseModel):
    """The complete confirmed skill set: what is not listed is removed."""

    model_config = ConfigDict(extra="forbid")

    skills: Annotated[list[SkillChoice], Field(max_length=300)]


class SkillsOut(BaseModel):
    #: Confirmed skills (the profile).
    skills: list[ProfileSkillOut]
    #: Skills read from the person's words and not confirmed yet.
    proposed: list[ProfileSkillOut]
