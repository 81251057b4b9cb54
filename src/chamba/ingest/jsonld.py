"""schema.org ``JobPosting`` JSON-LD -> JobIn fields.

Salaries become soles per month with these factors (documented, deliberately simple):
HOUR x hours a week (``workHours``, else 48, Peru's legal full week) x 52/12; DAY x 26 working
days (six-day week); WEEK x 52/12; MONTH x 1; YEAR / 12. Only PEN is accepted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final

from chamba.fields import parse_money
from chamba.ingest.errors import BadJson
from chamba.ingest.reading import Record

FULL_WEEK_HOURS: Final = 48
MONTHLY_FACTORS: Final[dict[str, Decimal]] = {
    "MONTH": Decimal(1),
    "WEEK": Decimal(52) / Decimal(12),
    "DAY": Decimal(26),
    "YEAR": Decimal(1) / Decimal(12),
}
_EMPLOYMENT: Final[dict[str, str]] = {
    "FULL_TIME": "full_time",
    "PART_TIME": "part_time",
    "CONTRACTOR": "freelance",
    "TEMPORARY": "temporary",
    "INTERN": "internship",
    "PER_DIEM": "daily",
    "SEASONAL": "temporary",
}
_CREDENTIALS: Final[dict[str, str]] = {
    "high school": "secondary",
    "associate degree": "technical",
    "professional certificate": "technical",
    "bachelor degree": "university",
    "postgraduate degree": "postgraduate",
}
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK = re.compile(r"<\s*(br|/p|/li|/div|/h\d)\s*/?\s*>", re.IGNORECASE)
_WORK_HOURS = re.compile(r"(\d{1,2})\s*(?:h\b|hrs?\b|horas|hours)", re.IGNORECASE)


def is_jsonld(item: Any) -> bool:
    return isinstance(item, dict) and any(k in item for k in ("@type", "@context", "@graph"))


def _types(item: dict[str, Any]) -> list[str]:
    raw = item.get("@type", [])
    names = raw if isinstance(raw, list) else [raw]
    return [str(n).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for n in names]


def job_postings(doc: Any, *, name: str) -> Iterator[Record]:
    """Every JobPosting of a document (object, list or ``@graph``), numbered from 1."""
    if isinstance(doc, dict) and "@graph" in doc:
        graph = doc["@graph"]
        if not isinstance(graph, list):
            raise BadJson(f"{name}: '@graph' must be a list")
        nodes = {
            n["@id"]: n for n in graph if isinstance(n, dict) and isinstance(n.get("@id"), str)
        }
        items = [
            (i, n)
            for i, n in enumerate(graph, 1)
            if isinstance(n, dict) and "JobPosting" in _types(n)
        ]
        if not items:
            raise BadJson(f"{name}: the '@graph' holds no JobPosting")
        for number, node in items:
            yield _record(number, node, nodes)
        return
    items_list = doc if isinstance(doc, list) else [doc]
    for number, node in enumerate(items_list, 1):
        if not isinstance(node, dict) or "JobPosting" not in _types(node):
            found = _types(node) if isinstance(node, dict) else [type(node).__name__]
            yield Record(
                number, {"__errors__": [("@type", f"expected a JobPosting, found {found}")]}
            )
            continue
        yield _record(number, node, {})


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("name") or value.get("value") or value.get("@value")
    return value


def html_to_text(value: Any) -> Any:
    """Descriptions often come as HTML: keep the words, drop the tags."""
    if not isinstance(value, str) or "<" not in value:
        return value
    text = _BLOCK.sub("\n", value)
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _record(number: int, node: dict[str, Any], nodes: dict[str, Any]) -> Record:
    def deref(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return nodes.get(value["@id"], value)
        return value

    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    errors: list[tuple[str, str]] = []

    def put(field: str, value: Any, source: str) -> None:
        if value is not None and value != "" and value != []:
            data[field] = value
            origin[field] = source

    ident = deref(node.get("identifier"))
    ident = _first(ident)
    ident = ident.get("value") if isinstance(ident, dict) else ident
    put(
        "external_id",
        str(ident) if ident not in (None, "") else node.get("@id") or node.get("url"),
        "identifier",
    )
    put("title", _text(node.get("title")), "title")
    put("description", html_to_text(node.get("description")), "description")
    put("posted_at", node.get("datePosted"), "datePosted")
    put("expires_at", node.get("validThrough"), "validThrough")
    employment = node.get("employmentType")
    for kind in employment if isinstance(employment, list) else [employment]:
        if isinstance(kind, str) and kind.strip():
            mapped = _EMPLOYMENT.get(kind.strip().upper().replace(" ", "_"))
            put("contract_type", mapped or kind, "employmentType")
            break
    org = deref(_first(node.get("hiringOrganization")))
    put("employer", _text(org), "hiringOrganization.name")
    if isinstance(org, dict):
        ruc = _first(org.get("taxID") or org.get("vatID"))
        put("employer_ruc", ruc, "hiringOrganization.taxID")
    location_type = node.get("jobLocationType")
    if "TELECOMMUTE" in str(location_type).upper():
        data["remote"] = True
    _location(deref(_first(node.get("jobLocation"))), deref, put, errors)
    hours = _work_hours(node.get("workHours"))
    put("hours_per_week", hours, "workHours")
    put("openings", node.get("totalJobOpenings"), "totalJobOpenings")
    _salary(deref(node.get("baseSalary")), hours, put, errors)
    _education(node.get("educationRequirements"), put)
    put("skills", _skills(node.get("skills")), "skills")
    return Record(number, {**data, "__errors__": errors} if errors else data, origin)


def _location(place: Any, deref: Any, put: Any, errors: list[tuple[str, str]]) -> None:
    if place is None:
        return
    address = deref(place.get("address")) if isinstance(place, dict) else place
    if isinstance(address, str):
        put("ubigeo", address, "jobLocation.address")
        return
    if not isinstance(address, dict):
        return
    country = _text(address.get("addressCountry"))
    if isinstance(country, str) and country.strip().upper() not in ("PE", "PER", "PERU", "PERÚ"):
        errors.append(("jobLocation.address.addressCountry", f"{country!r} is not Peru (PE)"))
        return
    postal = str(address.get("postalCode") or "").strip()
    if len(postal) == 6 and postal.isdigit():
        put("ubigeo", postal, "jobLocation.address.postalCode")
        return
    parts = [address.get("addressLocality"), address.get("addressRegion")]
    text = ", ".join(str(p).strip() for p in parts if isinstance(p, str | int) and str(p).strip())
    put("ubigeo", text, "jobLocation.address")


def _work_hours(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    match = _WORK_HOURS.search(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def _salary(amount: Any, hours: int | None, put: Any, errors: list[tuple[str, str]]) -> None:
    if amount is None:
        return
    if not isinstance(amount, dict):
        amount = {"value": amount}
    currency = amount.get("currency")
    if currency:
        put("currency", currency, "baseSalary.currency")
    value = amount.get("value")
    if not isinstance(value, dict):
        value = {"value": value}
    unit = str(value.get("unitText") or amount.get("unitText") or "MONTH").strip().upper()
    if unit == "HOUR":
        factor = Decimal(hours or FULL_WEEK_HOURS) * Decimal(52) / Decimal(12)
    elif unit in MONTHLY_FACTORS:
        factor = MONTHLY_FACTORS[unit]
    else:
        errors.append(
            (
                "baseSalary.value.unitText",
                f"unknown unit {unit[:20]!r}: use HOUR, DAY, WEEK, MONTH or YEAR",
            )
        )
        return
    low = value.get("minValue", value.get("value"))
    high = value.get("maxValue", value.get("value"))
    for field, raw, where in (("wage_min", low, "minValue"), ("wage_max", high, "maxValue")):
        try:
            money = parse_money(raw)
        except ValueError as exc:
            errors.append((f"baseSalary.value.{where}", str(exc)))
            continue
        if money is not None:
            put(field, (money * factor).quantize(Decimal("0.01")), f"baseSalary.value.{where}")


def _education(value: Any, put: Any) -> None:
    for item in value if isinstance(value, list) else [value]:
        category = item.get("credentialCategory") if isinstance(item, dict) else item
        if isinstance(category, str):
            mapped = _CREDENTIALS.get(category.strip().lower())
            if mapped:
                put("education_required", mapped, "educationRequirements")
                return


def _skills(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        item = _text(item)
        if isinstance(item, str):
            out.extend(p.strip() for p in re.split(r"[|;,]", item) if p.strip())
    return out
