"""Lenient, safe field parsers shared by every input schema (API forms and file imports).

Each ``parse_*`` function takes what a person typed (Spanish or English, Peruvian formats) and
returns the canonical value, or raises ``ValueError`` with a message a person can act on. The
``Annotated`` aliases plug them into pydantic models.

Money is stored in soles (PEN) only: another currency is refused rather than converted, because
an exchange rate is a business decision the importer cannot make silently.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, BeforeValidator, ConfigDict
from stdnum.pe import cui as pe_cui
from stdnum.pe import ruc as pe_ruc

from chamba.text import LONE_SURROGATE_MESSAGE, has_lone_surrogate, normalize
from chamba.vocab import EducationLevel, SkillLevel, validate_slots

#: Peru is UTC-5 all year (no daylight saving time).
PERU_TZ: Final = timezone(timedelta(hours=-5), "PET")
MAX_TITLE: Final = 300
MAX_TEXT: Final = 20_000
MAX_SHORT: Final = 300
MAX_MONEY: Final = Decimal("10000000")

_FORMULA_START: Final = ("=", "@")
_SIGN_START: Final = ("+", "-")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*/=?^_`{|}~+-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
_LIST_SPLIT = re.compile(r"[|;]")


def is_blank(value: Any) -> bool:
    """True for None, empty or whitespace-only strings."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_formula(text: str) -> None:
    """Refuse text a spreadsheet would run as a formula (CSV injection)."""
    if not text:
        return
    first = text[0]
    risky = first in _FORMULA_START or (
        first in _SIGN_START and len(text) > 1 and not text[1].isspace() and text[1] != first
    )
    if risky:
        raise ValueError(
            f"looks like a spreadsheet formula (starts with {first!r}); remove the leading "
            f"{first!r} or start the text with a letter"
        )


def clean_text(value: Any, *, max_length: int = MAX_SHORT, multiline: bool = False) -> str:
    """Strip, check length, control characters and formula injection."""
    if not isinstance(value, str):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = str(value)
        else:
            raise ValueError("must be text")
    text: str = value.strip()
    if len(text) > max_length:
        raise ValueError(f"is too long: {len(text):,} characters, the limit is {max_length:,}")
    if _CONTROL.search(text):
        raise ValueError("contains control characters (e.g. NUL); remove them")
    if has_lone_surrogate(text):
        raise ValueError(LONE_SURROGATE_MESSAGE)
    if not multiline:
        text = " ".join(text.split())
    check_formula(text)
    return text


def optional_text(max_length: int = MAX_SHORT, multiline: bool = False) -> BeforeValidator:
    """A BeforeValidator for an optional, safe text field (blank becomes None)."""

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        return clean_text(value, max_length=max_length, multiline=multiline)

    return BeforeValidator(parse)


def required_text(max_length: int = MAX_SHORT, multiline: bool = False) -> BeforeValidator:
    """A BeforeValidator for a required, safe text field."""

    def parse(value: Any) -> str:
        if is_blank(value):
            raise ValueError("is required")
        return clean_text(value, max_length=max_length, multiline=multiline)

    return BeforeValidator(parse)


def split_list(value: Any) -> list[str]:
    """``"a|b; c"`` or ``["a", "b"]`` -> ``["a", "b", "c"]`` (blanks dropped)."""
    if is_blank(value):
        return []
    items = _LIST_SPLIT.split(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("must be a list or text separated by '|' or ';'")
    out: list[str] = []
    for item in items:
        if is_blank(item):
            continue
        text = clean_text(item, max_length=MAX_SHORT)
        if text not in out:
            out.append(text)
    return out


def parse_bool(value: Any) -> bool | None:
    """Yes/no in Spanish or English (sí, si, x, 1, true / no, 0, false); blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = normalize(str(value))
    if word in {"si", "s", "yes", "y", "true", "verdadero", "1", "x"}:
        return True
    if word in {"no", "n", "false", "falso", "0"}:
        return False
    raise ValueError(f"{value!r} is not yes/no: use 'sí' or 'no'")


def _to_decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return number


def parse_money(value: Any) -> Decimal | None:
    """Soles as typed in Peru: ``1500``, ``S/ 1,500.00``, ``S/. 1 500``, ``1.500,50``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("must be an amount in soles")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().upper()
        for prefix in ("S/.", "S/", "PEN", "SOLES"):
            text = text.removeprefix(prefix).removesuffix(prefix).strip()
        text = text.replace(" ", "").replace("\u00a0", "")
        if len(text) > 30:
            raise ValueError("is not an amount in soles")
        if "," in text and "." in text:
            decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal_sep == "," else ","
            text = text.replace(thousands, "").replace(decimal_sep, ".")
        elif "," in text:
            head, _, tail = text.rpartition(",")
            text = text.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
        number = _to_decimal(text)
    else:
        raise ValueError("must be an amount in soles")
    if not number.is_finite():
        raise ValueError("is not a number")
    if number < 0:
        raise ValueError("cannot be negative")
    if number >= MAX_MONEY:
        raise ValueError(f"is too large (over S/ {MAX_MONEY:,})")
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_currency(value: Any) -> str:
    """Only soles are stored; blank means PEN."""
    if is_blank(value):
        return "PEN"
    code = normalize(str(value)).upper().replace(" ", "")
    if code in {"PEN", "S", "SOLES", "SOL", "NUEVOSSOLES"}:
        return "PEN"
    raise ValueError(
        f"currency {str(value).strip()!r} is not supported: amounts are stored in soles (PEN); "
        "convert them to soles before importing"
    )


def parse_int(value: Any, *, low: int, high: int, what: str = "number") -> int | None:
    """An integer within [low, high]; accepts ``"40"``, ``"40.0"``, ``"40 h"``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"must be a whole {what}")
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError(f"must be a whole {what}")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        text = re.sub(r"\s*(h|hrs?|horas?|hours?|semanas?|weeks?|años?|anos?)$", "", text)
        if len(text) > 12 or not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(f"{str(value).strip()!r} is not a whole {what}")
        number = int(float(text))
    if not low <= number <= high:
        raise ValueError(f"must be between {low} and {high}, got {number}")
    return number


def parse_float(value: Any, *, low: float, high: float) -> float | None:
    """A decimal number within [low, high]; accepts a decimal comma."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        text = str(value).strip().replace(",", ".")
        if len(text) > 20:
            raise ValueError("is not a number")
        number = float(_to_decimal(text))
    if not low <= number <= high:
        raise ValueError(f"must be between {low:g} and {high:g}, got {number:g}")
    return number


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: Any) -> date | None:
    """ISO ``2025-03-31`` (time part ignored) or Peruvian ``31/03/2025``."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) > 40:
        raise ValueError("is not a date")
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date: use 2025-03-31 or 31/03/2025")


def parse_datetime(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """A timezone-aware UTC datetime; a bare date is taken in Peru time (start or end of day)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        moment_or_none: datetime | None = None
        if len(text) > 10 and len(text) <= 40 and text[4:5] == "-":
            try:
                moment_or_none = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment_or_none = None
        if moment_or_none is None:
            day = parse_date(text)
            assert day is not None
            moment_or_none = datetime.combine(day, time.max if end_of_day else time.min)
            moment_or_none = moment_or_none.replace(microsecond=0)
        moment = moment_or_none
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PERU_TZ)
    return moment.astimezone(UTC)


def parse_slots(value: Any) -> list[str]:
    """Weekly slots (``mon_morning|sat_afternoon``), checked by :func:`validate_slots`."""
    if is_blank(value):
        return []
    items = split_list(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):  # a number or an object: refused, not a crash
        raise ValueError("must be a list such as ['mon_morning', 'sat_afternoon']")
    return validate_slots([s.strip().lower() if isinstance(s, str) else s for s in items])


_EDUCATION_WORDS: Final[dict[str, EducationLevel]] = {
    "none": EducationLevel.NONE,
    "ninguno": EducationLevel.NONE,
    "ninguna": EducationLevel.NONE,
    "sin estudios": EducationLevel.NONE,
    "primary": EducationLevel.PRIMARY,
    "primaria": EducationLevel.PRIMARY,
    "primaria completa": EducationLevel.PRIMARY,
    "secondary": EducationLevel.SECONDARY,
    "secundaria": EducationLevel.SECONDARY,
    "secundaria completa": EducationLevel.SECONDARY,
    "high school": EducationLevel.SECONDARY,
    "technical": EducationLevel.TECHNICAL,
    "tecnico": EducationLevel.TECHNICAL,
    "tecnica": EducationLevel.TECHNICAL,
    "tecnico superior": EducationLevel.TECHNICAL,
    "superior tecnica": EducationLevel.TECHNICAL,
    "cetpro": EducationLevel.TECHNICAL,
    "instituto": EducationLevel.TECHNICAL,
    "professional certificate": EducationLevel.TECHNICAL,
    "associate degree": EducationLevel.TECHNICAL,
    "university": EducationLevel.UNIVERSITY,
    "universidad": EducationLevel.UNIVERSITY,
    "universitaria": EducationLevel.UNIVERSITY,
    "universitario": EducationLevel.UNIVERSITY,
    "superior universitaria": EducationLevel.UNIVERSITY,
    "bachiller": EducationLevel.UNIVERSITY,
    "licenciatura": EducationLevel.UNIVERSITY,
    "licenciado": EducationLevel.UNIVERSITY,
    "titulado": EducationLevel.UNIVERSITY,
    "bachelor": EducationLevel.UNIVERSITY,
    "bachelor degree": EducationLevel.UNIVERSITY,
    "postgraduate": EducationLevel.POSTGRADUATE,
    "posgrado": EducationLevel.POSTGRADUATE,
    "postgrado": EducationLevel.POSTGRADUATE,
    "maestria": EducationLevel.POSTGRADUATE,
    "doctorado": EducationLevel.POSTGRADUATE,
    "master": EducationLevel.POSTGRADUATE,
    "mba": EducationLevel.POSTGRADUATE,
    "phd": EducationLevel.POSTGRADUATE,
    "postgraduate degree": EducationLevel.POSTGRADUATE,
}


def parse_education(value: Any) -> EducationLevel | None:
    """An :class:`EducationLevel` from its value or Spanish/English words (``secundaria``)."""
    if is_blank(value):
        return None
    if isinstance(value, EducationLevel):
        return value
    word = normalize(str(value))[:60]
    level = _EDUCATION_WORDS.get(word) or _EDUCATION_WORDS.get(word.removesuffix(" completa"))
    if level is None:
        raise ValueError(
            f"unknown education level {str(value).strip()[:60]!r}: use primaria, secundaria, "
            "técnica, universitaria, posgrado (or none/primary/secondary/technical/university/"
            "postgraduate)"
        )
    return level


_SKILL_LEVEL_WORDS: Final[dict[str, SkillLevel]] = {
    "basic": SkillLevel.BASIC,
    "basico": SkillLevel.BASIC,
    "beginner": SkillLevel.BASIC,
    "principiante": SkillLevel.BASIC,
    "intermediate": SkillLevel.INTERMEDIATE,
    "intermedio": SkillLevel.INTERMEDIATE,
    "advanced": SkillLevel.ADVANCED,
    "avanzado": SkillLevel.ADVANCED,
    "expert": SkillLevel.ADVANCED,
    "experto": SkillLevel.ADVANCED,
    "master": SkillLevel.ADVANCED,
}


def parse_skill_level(value: Any) -> SkillLevel | None:
    """``básico``/``intermedio``/``avanzado`` (or English); blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, SkillLevel):
        return value
    level = _SKILL_LEVEL_WORDS.get(normalize(str(value))[:40])
    if level is None:
        raise ValueError(
            f"unknown skill level {str(value).strip()[:40]!r}: use básico, intermedio or avanzado"
        )
    return level


def _ascii_domain(address: str) -> str:
    """``address`` with an internationalised domain in its ASCII (punycode) form, as the
    syntax check reads it: the Unicode form this parser returns must parse again."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address  # refused by the syntax check


def parse_email(value: Any) -> str | None:
    """A syntactically valid e-mail address (``email-validator``, no DNS look-up), its domain
    lower-cased and internationalised domains in their Unicode form."""
    if is_blank(value):
        return None
    text = str(value).strip()
    if len(text) > 254 or not _EMAIL.match(_ascii_domain(text)):
        raise ValueError(f"{text[:80]!r} is not a valid e-mail address")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{text[:80]!r} is not a valid e-mail address: {exc}") from None
    return f"{checked.local_part}@{checked.domain.lower()}"


def parse_phone(value: Any) -> str | None:
    """A Peruvian phone number in international form, checked against ``phonenumbers``'
    numbering plan for Peru.

    Mobiles become ``+51 987 654 321``; Lima landlines ``+51 1 234 5678``; other landlines
    ``+51 54 123456`` (two-digit area code). A leading ``+`` is not a formula here. A Lima
    subscriber number never starts with 0 or 1, so ``(01) 000 0000`` is refused.
    """
    if is_blank(value):
        return None
    raw = str(value).strip()
    if len(raw) > 30 or re.search(r"[^\d\s+().-]", raw):
        raise ValueError(f"{raw[:40]!r} is not a phone number")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") and not digits.startswith("51"):
        raise ValueError(f"{raw!r} is not a Peruvian number (+51)")
    if digits.startswith("0051"):
        digits = digits[4:]
    elif (
        digits.startswith("51")
        and len(digits) in (10, 11)
        and (raw.startswith("+") or len(digits) == 11)
    ):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    wrong = ValueError(
        f"{raw!r} is not a Peruvian phone number: use a 9-digit mobile (987 654 321) or a "
        "landline with its area code (01 234 5678, 054 123456)"
    )
    try:
        number = phonenumbers.parse(digits, "PE")
    except phonenumbers.NumberParseException:
        raise wrong from None
    if not phonenumbers.is_valid_number_for_region(number, "PE"):
        raise wrong
    national = str(number.national_number)
    if len(national) == 9 and national[0] == "9":
        return f"+51 {national[:3]} {national[3:6]} {national[6:]}"
    if len(national) == 8 and national[0] == "1" and national[1] not in "01":
        return f"+51 1 {national[1:4]} {national[4:]}"
    if len(national) == 8 and national[0] in "45678":
        return f"+51 {national[:2]} {national[2:]}"
    raise wrong


def parse_national_id(value: Any) -> str | None:
    """A DNI (8 digits) or carné de extranjería (``CE`` + 9-12 letters/digits), normalised.

    A DNI written with its check character, as on the card (``12345678-1`` or ``12345678 E``),
    is checked with ``python-stdnum`` (``pe.cui``) and kept as the 8 digits.
    Returns ``"12345678"`` for a DNI and ``"CE001234567"`` for a CE.
    """
    if is_blank(value):
        return None
    raw = str(value).strip().upper()
    if len(raw) > 30:
        raise ValueError("is not a DNI or carné de extranjería")
    dni_with_check = re.fullmatch(r"(?:DNI[:\s]*)?(\d{8})(?:\s*-\s*|\s+)([0-9A-K])", raw)
    if dni_with_check:
        number = "".join(dni_with_check.groups())
        if not pe_cui.is_valid(number):
            raise ValueError(
                f"{raw!r} is not a valid DNI: the check character after the 8 digits does not "
                "match (write only the 8 digits if unsure)"
            )
        return dni_with_check.group(1)
    compact = re.sub(r"[\s.-]", "", raw)
    kind = None
    for prefix, name in (("DNI", "DNI"), ("CE", "CE"), ("C.E", "CE")):
        if compact.startswith(prefix.replace(".", "")):
            kind, compact = name, compact[len(prefix.replace(".", "")) :].lstrip(":")
            break
    if kind in (None, "DNI") and re.fullmatch(r"\d{8}", compact):
        return compact
    if kind == "DNI" or (kind is None and compact.isdigit() and len(compact) < 9):
        raise ValueError(f"{raw!r} is not a DNI: a DNI has exactly 8 digits")
    if re.fullmatch(r"[A-Z0-9]{9,12}", compact):
        return "CE" + compact
    raise ValueError(
        f"{raw!r} is not a DNI (8 digits) or carné de extranjería (CE + 9 to 12 characters)"
    )


def parse_ruc(value: Any) -> str | None:
    """Peru's tax id: 11 digits starting with 10, 15, 17 or 20, whose last digit is the check
    digit (verified with ``python-stdnum``'s ``pe.ruc``)."""
    if is_blank(value):
        return None
    digits = re.sub(r"[\s.-]", "", str(value).strip())
    if not re.fullmatch(r"(10|15|17|20)\d{9}", digits):
        raise ValueError(f"{str(value).strip()[:20]!r} is not a RUC (11 digits, e.g. 20100070970)")
    if not pe_ruc.is_valid(digits):
        raise ValueError(f"{digits!r} is not a valid RUC: its check digit does not match")
    return digits


OptionalBool = Annotated[bool | None, BeforeValidator(parse_bool)]
Money = Annotated[Decimal | None, BeforeValidator(parse_money)]
Currency = Annotated[str, BeforeValidator(parse_currency)]
Email = Annotated[str | None, BeforeValidator(parse_email)]
Phone = Annotated[str | None, BeforeValidator(parse_phone)]
NationalId = Annotated[str | None, BeforeValidator(parse_national_id)]
Ruc = Annotated[str | None, BeforeValidator(parse_ruc)]
Slots = Annotated[list[str], BeforeValidator(parse_slots)]
Education = Annotated[EducationLevel | None, BeforeValidator(parse_education)]
TextList = Annotated[list[str], BeforeValidator(split_list)]
Title = Annotated[str, required_text(MAX_TITLE)]
Name = Annotated[str, required_text(MAX_SHORT)]
OptionalName = Annotated[str | None, optional_text(MAX_SHORT)]
LongText = Annotated[str | None, optional_text(MAX_TEXT, multiline=True)]


class SkillClaim(BaseModel):
    """A skill named by id, label or synonym, with an optional level (``costura:avanzado``)."""

    model_config = ConfigDict(frozen=True)

    skill: str
    level: SkillLevel | None = None


def parse_skill_claims(value: Any) -> list[SkillClaim]:
    """``"costura:avanzado|excel"`` or ``[{"skill": "excel", "level": "básico"}]``."""
    if is_blank(value):
        return []
    items = _LIST_SPLIT.split(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("must be a list or text separated by '|' or ';'")
    claims: dict[str, SkillClaim] = {}
    for item in items:
        if isinstance(item, SkillClaim):
            claim = item
        elif isinstance(item, dict):
            name = clean_text(item.get("skill") or item.get("name") or "", max_length=MAX_SHORT)
            if not name:
                raise ValueError("a skill has no name")
            claim = SkillClaim(skill=name, level=parse_skill_level(item.get("level")))
        elif is_blank(item):
            continue
        else:
            text = clean_text(item, max_length=MAX_SHORT)
            name, sep, tail = text.rpartition(":")
            level = None
            if sep and normalize(tail) in _SKILL_LEVEL_WORDS:
                level, text = parse_skill_level(tail), name.strip()
            claim = SkillClaim(skill=text, level=level)
        claims.setdefault(claim.skill, claim)
    return list(claims.values())


SkillClaims = Annotated[list[SkillClaim], BeforeValidator(parse_skill_claims)]
