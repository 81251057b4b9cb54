"""JSON Resume (https://jsonresume.org/schema) -> PersonIn fields.

``basics`` gives name, e-mail, phone, summary and location (``city, region``); ``work`` gives
years of experience (summed periods) and a short history appended to the description;
``education`` gives the highest level (``studyType``); ``skills`` names and keywords become
skills (every one must be known); ``languages`` become language codes. ``meta.id`` (or a top
level ``id``) is the external id. Chamba fields the schema lacks (``national_id``,
``availability_hours``, ``consent_visible``...) may be given in a top-level ``chamba`` object.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from chamba.fields import parse_education, parse_skill_level
from chamba.ingest.errors import BadJson
from chamba.ingest.reading import Record


def is_resume(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("basics"), dict)


def resumes(doc: Any, *, name: str) -> Iterator[Record]:
    """Every résumé of a document (one object or a list), numbered from 1."""
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise BadJson(f"{name}: the list is empty")
    for number, item in enumerate(items, 1):
        if not is_resume(item):
            yield Record(number, {"__errors__": [("basics", "not a JSON Resume (no 'basics')")]})
            continue
        yield _record(number, item)


def _partial_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    parts = value.strip()[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def _record(number: int, resume: dict[str, Any]) -> Record:
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    errors: list[tuple[str, str]] = []

    def put(field: str, value: Any, source: str) -> None:
        if value is not None and value != "" and value != []:
            data[field] = value
            origin[field] = source

    basics = resume["basics"]
    meta_value = resume.get("meta")
    meta = meta_value if isinstance(meta_value, dict) else {}
    ident = meta.get("id") or resume.get("id")
    put("external_id", str(ident) if ident not in (None, "") else None, "meta.id")
    put("full_name", basics.get("name"), "basics.name")
    put("email", basics.get("email"), "basics.email")
    put("phone", basics.get("phone"), "basics.phone")
    location = basics.get("location")
    if isinstance(location, dict):
        country = location.get("countryCode")
        if isinstance(country, str) and country.strip().upper() not in ("", "PE", "PER"):
            errors.append(("basics.location.countryCode", f"{country!r} is not Peru (PE)"))
        parts = [location.get("city"), location.get("region")]
        text = ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        put("ubigeo", text, "basics.location")

    summary = basics.get("summary") if isinstance(basics.get("summary"), str) else ""
    history, years = _work(resume.get("work"))
    description = "\n".join(p for p in (summary.strip(), history) if p)
    put("self_description", description, "basics.summary")
    put("years_experience", years, "work")
    _education(resume.get("education"), put, errors)
    skills: list[dict[str, Any]] = []
    for i, skill in enumerate(_dicts(resume.get("skills"))):
        try:
            level = parse_skill_level(skill.get("level"))
        except ValueError:
            level = None  # free-text levels ("Master", "5 años") say too little to keep
        names = [skill.get("name"), *(skill.get("keywords") or [])]
        if not isinstance(skill.get("keywords") or [], list):
            errors.append((f"skills[{i}].keywords", "must be a list"))
            continue
        skills.extend(
            {"skill": n, "level": level} for n in names if isinstance(n, str) and n.strip()
        )
    put("skills", skills, "skills")
    languages = [lang.get("language") for lang in _dicts(resume.get("languages"))]
    put("languages", [lang for lang in languages if isinstance(lang, str)], "languages")
    interests = [i.get("name") for i in _dicts(resume.get("interests"))]
    put("interests", [i for i in interests if isinstance(i, str)], "interests")
    extra = resume.get("chamba")
    if isinstance(extra, dict):
        for key, value in extra.items():
            put(str(key), value, f"chamba.{key}")
    return Record(number, {**data, "__errors__": errors} if errors else data, origin)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _work(value: Any) -> tuple[str, float | None]:
    lines, days = [], 0
    for job in _dicts(value):
        start, end = _partial_date(job.get("startDate")), _partial_date(job.get("endDate"))
        if start is not None:
            days += max(0, ((end or date.today()) - start).days)
        what = " - ".join(
            str(job[k]).strip() for k in ("position", "name") if isinstance(job.get(k), str)
        )
        period = f" ({job.get('startDate', '?')} a {job.get('endDate') or 'hoy'})" if start else ""
        if what:
            lines.append(f"{what}{period}")
    years = round(days / 365.25, 1) if days else None
    return ("Experiencia: " + "; ".join(lines) if lines else ""), years


def _education(value: Any, put: Any, errors: list[tuple[str, str]]) -> None:
    best = None
    for i, item in enumerate(_dicts(value)):
        study = item.get("studyType")
        if not isinstance(study, str) or not study.strip():
            continue
        try:
            level = parse_education(study)
        except ValueError as exc:
            errors.append((f"education[{i}].studyType", str(exc)))
            continue
        if level is not None and (best is None or level.rank > best.rank):
            best = level
    if best is not None:
        put("education_level", best.value, "education")
