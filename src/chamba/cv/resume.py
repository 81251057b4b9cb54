"""A seeker's profile as a JSON Resume (https://jsonresume.org/schema), and back.

Export: ``basics`` (name, contact, summary, location in Peru), confirmed ``skills`` (label,
level, the person's words as keywords), ``languages``, the highest ``education`` level, and a
``chamba`` object with the skill ids. Import reads a résumé with the same reader as the bulk
importer (:mod:`chamba.ingest.jsonresume`) and fills only the profile's descriptive fields (the
summary and work history, years of experience, education level, languages); its skills are
read by the skill extractor and become *proposals* to confirm, never confirmed skills. Contact
details and consents are never changed by an import.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.orm import Session

from chamba.cv.errors import CvUnreadable
from chamba.events.schemas import ProfileUpdated
from chamba.events.service import emit
from chamba.fields import parse_education
from chamba.ingest.jsonresume import is_resume, resumes
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.people.schemas import ProposedSkillOut
from chamba.vocab import SkillSource

SCHEMA_URL: Final = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"
MAX_DESCRIPTION: Final = 5000


def export_resume(session: Session, person: Person, lang: str) -> dict[str, Any]:
    """The person's profile as a JSON Resume document."""
    profile = people_service.profile_view(session, person, lang)
    location: dict[str, Any] = {"countryCode": "PE"}
    if profile.location is not None:
        city = profile.location.district or profile.location.province
        if city:
            location["city"] = city
        if profile.location.department:
            location["region"] = profile.location.department
    basics: dict[str, Any] = {"name": profile.name or "", "location": location}
    for key, value in (
        ("email", profile.email),
        ("phone", profile.phone),
        ("summary", profile.self_description),
    ):
        if value:
            basics[key] = value
    rows = {row.skill_id: row for row in person.skills if row.confirmed}
    skills = []
    for skill in profile.skills:
        row = rows.get(skill.id)
        item: dict[str, Any] = {"name": skill.label}
        if skill.level is not None:
            item["level"] = skill.level.value
        if row is not None and row.evidence:
            item["keywords"] = [row.evidence]
        if row is not None and row.source == SkillSource.CERTIFIED:
            item["keywords"] = [*item.get("keywords", []), "certified"]
        skills.append(item)
    doc: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "basics": basics,
        "skills": skills,
        "languages": [{"language": name} for name in profile.languages],
        "meta": {"version": "v1.0.0", "lastModified": profile.updated_at.isoformat()},
        "chamba": {"skill_ids": [s.id for s in profile.skills]},
    }
    if profile.education_level is not None:
        doc["education"] = [{"studyType": profile.education_level.value}]
    return doc


def import_resume(
    session: Session, person: Person, doc: Any, lang: str
) -> tuple[list[str], list[ProposedSkillOut]]:
    """Fill the person's descriptive fields from a JSON Resume; propose its skills.

    Returns:
        The profile fields changed, and the skills proposed (to confirm).

    Raises:
        CvUnreadable: ``doc`` is not one JSON Resume object.
    """
    if not is_resume(doc):
        raise CvUnreadable("This is not a JSON Resume: it needs a 'basics' object.")
    # The bulk importer's top-level ``chamba`` object sets any profile field; a person's own
    # import fills only the fields below, so it is left out.
    doc = {key: value for key, value in doc.items() if key != "chamba"}
    try:
        data = next(iter(resumes(doc, name="resume"))).data
    except (TypeError, ValueError, AttributeError):
        raise CvUnreadable(
            "This JSON Resume has fields of the wrong type (see jsonresume.org/schema)."
        ) from None
    changed: list[str] = []
    description = data.get("self_description")
    if isinstance(description, str) and description.strip():
        person.self_description = description.strip()[:MAX_DESCRIPTION]
        changed.append("self_description")
    years = data.get("years_experience")
    if isinstance(years, int | float) and 0 <= years <= 80:
        person.years_experience = float(years)
        changed.append("years_experience")
    try:
        education = parse_education(data.get("education_level"))
    except ValueError:
        education = None
    if education is not None:
        person.education_level = education
        changed.append("education_level")
    found = data.get("languages")
    languages = [x for x in found if isinstance(x, str)] if isinstance(found, list) else []
    if languages:
        merged = list(dict.fromkeys([*(person.languages or []), *(x[:40] for x in languages)]))
        person.languages = merged[:20]
        changed.append("languages")
    skills = data.get("skills")
    names = [
        s["skill"]
        for s in (skills if isinstance(skills, list) else [])
        if isinstance(s, dict) and isinstance(s.get("skill"), str)
    ]
    text = ". ".join(n[:100] for n in names[:200])
    proposed = people_service.propose_skills_out(session, person, text, lang) if text else []
    session.flush()
    if changed:
        emit(session, ProfileUpdated.about(person))
    return changed, proposed
