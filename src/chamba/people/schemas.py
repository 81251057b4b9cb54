"""Pydantic input of seekers/learners (API and file imports share it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chamba.fields import (
    Education,
    Email,
    LongText,
    Money,
    NationalId,
    OptionalBool,
    OptionalName,
    Phone,
    SkillClaims,
    Slots,
    TextList,
    Ubigeo,
    is_blank,
    parse_float,
    parse_int,
    split_list,
)
from chamba.people.models import Device
from chamba.text import normalize

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
