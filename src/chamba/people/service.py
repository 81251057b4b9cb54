"""People: create and upsert by national id or (source, external id). Never commits; flushes.

A person with a national id (DNI/CE) is found by its blind index whatever the source, so the
same person imported twice from different files stays one person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chamba.auth import ratelimit
from chamba.db import blind_index, utcnow
from chamba.errors import Conflict
from chamba.events.schemas import ProfileUpdated, SkillsConfirmed
from chamba.events.service import emit
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.nlp import service as nlp_service
from chamba.nlp.schemas import ProposedSkill
from chamba.people import repository
from chamba.people.errors import ContactChangeNeedsConfirmation, NationalIdTaken, UnknownSkills
from chamba.people.models import Person, PersonSkill
from chamba.people.schemas import (
    MASK,
    Availability,
    Location,
    PersonIn,
    ProfileIn,
    ProfileOut,
    ProfileSkillOut,
    ProposedSkillOut,
    RemoteOut,
    SkillChoice,
    SkillsOut,
    mask_national_id,
)
from chamba.taxonomy.models import Skill
from chamba.vocab import SkillLevel, SkillSource

if TYPE_CHECKING:
    from chamba.auth.models import User

Outcome = Literal["created", "updated", "unchanged"]
_KEEP_WHEN_BLANK = ("has_internet", "device", "consent_visible")


@dataclass(frozen=True, slots=True)
class Match:
    """The existing person an item matches (None: new), or why it cannot be imported."""

    person: Person | None
    conflict: str | None = None


SELF_REGISTERED = (
    "matches a self-registered account; the row was not imported: an import never changes "
    "an account its owner created without their confirmation"
)


#: Fields a person with an account does not keep: its contact is the account's (confirmed).
ACCOUNT_CONTACT: Final = frozenset({"email", "phone"})


def national_id_index(national_id: str | None) -> str | None:
    """The blind index stored next to an encrypted national id."""
    return blind_index(national_id) if national_id else None


def match_existing(session: Session, items: Sequence[PersonIn], *, source: str) -> list[Match]:
    """Find the stored person of each item: by national id first, then (source, external id)."""
    by_ext = repository.by_external_ids(
        session, source, {i.external_id for i in items if i.external_id}
    )
    indexes = {i: national_id_index(item.national_id) for i, item in enumerate(items)}
    by_nid = repository.by_national_id_indexes(session, {k for k in indexes.values() if k})
    matches = []
    for i, item in enumerate(items):
        ext = by_ext.get(item.external_id) if item.external_id else None
        index = indexes[i]
        nid = by_nid.get(index) if index else None
        if nid is not None and nid.user_id is not None:
            # A self-registered account (its number is the person's own claim): an import
            # never overwrites it or attaches to it without that person's confirmation.
            matches.append(Match(None, SELF_REGISTERED))
        elif ext is not None and nid is not None and ext is not nid:
            matches.append(Match(None, "this national id belongs to another stored person"))
        elif ext is not None and index and ext.national_id_index not in (None, index):
            matches.append(Match(None, "differs from the national id stored for this person"))
        else:
            matches.append(Match(nid or ext))
    return matches


def _values(data: PersonIn) -> dict[str, Any]:
    return {
        "full_name": data.full_name,
        "email": data.email,
        "phone": data.phone,
        "national_id": data.national_id,
        "national_id_index": national_id_index(data.national_id),
        # an import from an institution vouches for the number it holds
        "national_id_verified": data.national_id is not None,
        "gender": data.gender,
        "birth_year": data.birth_year,
        "ubigeo": data.ubigeo,
        "languages": list(data.languages),
        "education_level": data.education_level,
        "years_experience": data.years_experience,
        "self_description": data.self_description,
        "interests": list(data.interests),
        "availability_hours": data.availability_hours,
        "availability_slots": list(data.availability_slots),
        "has_internet": data.has_internet,
        "device": data.device,
        "expected_wage": data.expected_wage,
        "max_distance_km": data.max_distance_km,
        "consent_visible": data.consent_visible,
    }


def _apply(person: Person, data: PersonIn, *, new: bool) -> bool:
    changed = False
    values: Mapping[str, Any] = _values(data)
    for key, value in values.items():
        if key in ACCOUNT_CONTACT and person.user_id is not None:
            continue  # a person with an account uses the account's confirmed contact
        if value is None and key in _KEEP_WHEN_BLANK:
            continue
        if key == "national_id" and value is None and not new:
            continue  # never forget a national id because a later file lacks it
        if key in ("national_id_index", "national_id_verified") and not new:
            if value is None or data.national_id is None:
                continue
        if new or getattr(person, key) != value:
            if key == "consent_visible":
                person.consent_at = utcnow() if value else None
            setattr(person, key, value)
            changed = True
    wanted: dict[str, SkillLevel | None] = {c.skill: c.level for c in data.skills}
    current = {} if new else {s.skill_id: s for s in person.skills}
    keep = [s for s in current.values() if s.source != SkillSource.DECLARED]
    rows = list(keep)
    for skill_id, level in wanted.items():
        row = current.get(skill_id)
        if row is not None and row.source != SkillSource.DECLARED:
            continue  # an extracted or certified skill already says more
        if row is None:
            row = PersonSkill(skill_id=skill_id, level=level, source=SkillSource.DECLARED)
            changed = True
        elif row.level != level:
            row.level = level
            changed = True
        rows.append(row)
    declared_now = {s.skill_id for s in current.values() if s.source == SkillSource.DECLARED}
    if declared_now - wanted.keys():
        changed = True
    if new or changed:
        person.skills = rows
    return changed


def upsert_people(session: Session, items: Sequence[PersonIn], *, source: str) -> list[Outcome]:
    """Create or update people; each item needs an external id. Skills must be skill ids.

    Raises:
        Conflict: an item's national id and external id point at two different people.
    """
    matches = match_existing(session, items, source=source)
    outcomes: list[Outcome] = []
    seen: dict[str, Person] = {}
    touched: list[Person] = []
    for item, match in zip(items, matches, strict=True):
        if not item.external_id:
            raise ValueError("every item needs an external_id")
        if match.conflict:
            raise Conflict(f"person {item.external_id!r}: national id {match.conflict}")
        person = match.person or seen.get(item.external_id)
        if person is None:
            person = Person(external_id=item.external_id, source=source)
            _apply(person, item, new=True)
            session.add(person)
            seen[item.external_id] = person
            outcomes.append("created")
        else:
            outcomes.append("updated" if _apply(person, item, new=False) else "unchanged")
        if outcomes[-1] != "unchanged":
            touched.append(person)
    session.flush()
    for person in dict.fromkeys(touched):
        emit(session, ProfileUpdated.about(person))
    return outcomes


def create_person(session: Session, data: PersonIn, *, source: str | None = None) -> Person:
    """Create one person (skills must be skill ids). Flushes to assign its id."""
    person = Person(external_id=data.external_id, source=source)
    _apply(person, data, new=True)
    session.add(person)
    session.flush()
    return person


def get_by_national_id(session: Session, national_id: str) -> Person | None:
    """The person with this (normalised) DNI/CE, found through the blind index."""
    index = blind_index(national_id)
    return repository.by_national_id_indexes(session, [index]).get(index)


# --- a seeker's own profile --------------------------------------------------------------------


def person_row_of_user(session: Session, user: User) -> Person:
    """:func:`person_of_user` without loading the skills up front (they load when first read):
    one query for a request that reads the person's skills its own way (a match ranking)."""
    return repository.row_of_user(session, user.id) or person_of_user(session, user)


def person_of_user(session: Session, user: User) -> Person:
    """The profile of a seeker account, skills loaded; created (empty) when it has none yet.

    Signing up creates it, but an account made a seeker later by an administrator has none.
    """
    person = repository.by_user_id(session, user.id)
    if person is None:
        # No copy of the account's e-mail or phone: the profile shows the account's own.
        person = Person(user_id=user.id, full_name=user.name, source="signup")
        session.add(person)
        session.flush()
        person = repository.by_user_id(session, user.id)
        assert person is not None
    return person


def get_person(session: Session, person_id: int) -> Person | None:
    """A person with skills loaded, or None."""
    return repository.by_id(session, person_id)


def people_by_ids(session: Session, person_ids: Sequence[int]) -> dict[int, Person]:
    """People keyed by id; unknown ids are absent."""
    return repository.by_ids(session, person_ids)


def update_profile(session: Session, person: Person, data: ProfileIn, *, user: User) -> Person:
    """Replace the editable fields of ``person`` with ``data`` (PUT semantics).

    The e-mail and phone are the account's (confirmed): ``data`` may repeat them or leave them
    out, and a different one is refused (:class:`ContactChangeNeedsConfirmation`).

    The national id is kept when ``data`` omits it or sends back its masked form. The account's
    display name follows the profile's name.

    A new national id is kept as an unverified claim (see :attr:`Person.national_id_verified`).

    Raises:
        TooManyAttempts: the national id was changed too often today.
        ContactChangeNeedsConfirmation: an e-mail or phone other than the account's.
    """
    _check_contact_unchanged(data, user)
    national_id = person.national_id
    if "national_id" in data.model_fields_set and data.national_id != MASK:
        national_id = data.national_id
    changed_id = national_id != person.national_id
    if changed_id and national_id is not None:
        now = utcnow()
        claims = ratelimit.national_id_claims()
        claims.check(session, str(user.id), now=now)
        claims.hit(session, str(user.id), now=now)
    consent_now = data.consent_visible
    if consent_now and not person.consent_visible:
        person.consent_at = utcnow()
    elif not consent_now:
        person.consent_at = None
    person.full_name = data.name
    if changed_id:
        # The seeker's own number is a claim: unverified, and indexed (for imports to find)
        # only while no one else holds it. The answer is the same either way, so that the
        # profile form tells no one whose number is already on file.
        person.national_id = national_id
        person.national_id_verified = False
        index = national_id_index(national_id)
        taken = index is not None and repository.by_national_id_indexes(session, [index])
        person.national_id_index = None if taken else index
    person.gender = data.gender
    person.birth_year = data.birth_year
    person.ubigeo = data.ubigeo
    person.languages = list(data.languages)
    person.education_level = data.education_level
    person.years_experience = data.years_experience
    person.self_description = data.self_description
    person.interests = list(data.interests)
    person.availability_hours = data.availability.hours_per_week
    person.availability_slots = list(data.availability.slots)
    person.has_internet = data.remote.has_internet
    person.device = data.remote.device
    person.expected_wage = data.expected_wage
    person.max_distance_km = data.max_distance_km
    person.consent_visible = consent_now
    # Showing contact details only makes sense to employers who can see the profile at all.
    person.consent_contact = data.consent_contact and consent_now
    user.name = data.name
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same national id claimed at this very moment: try again
        raise NationalIdTaken() from None
    emit(session, ProfileUpdated.about(person))
    return person


def _check_contact_unchanged(data: ProfileIn, user: User) -> None:
    """A profile may send back the account's contact (or none), never another one: a new
    e-mail or phone is confirmed with a code first (:mod:`chamba.auth.contact`).

    Raises:
        ContactChangeNeedsConfirmation: an e-mail or phone other than the account's.
    """
    if data.email is not None and data.email.casefold() != (user.email or "").casefold():
        raise ContactChangeNeedsConfirmation()
    if data.phone is not None and data.phone != user.phone:  # both as +51 987 654 321
        raise ContactChangeNeedsConfirmation()


@dataclass(frozen=True, slots=True)
class ConfirmedContact:
    """A person's e-mail and phone as others may use them: those of their account, once it
    is confirmed and active (``None`` otherwise, and for people without an account)."""

    email: str | None = None
    phone: str | None = None


def confirmed_contacts(session: Session, people: Sequence[Person]) -> dict[int, ConfirmedContact]:
    """The :class:`ConfirmedContact` of each person, keyed by person id (one query)."""
    accounts = repository.accounts_by_ids(session, {p.user_id for p in people if p.user_id})
    out: dict[int, ConfirmedContact] = {}
    for person in people:
        user = accounts.get(person.user_id or 0)
        confirmed = user is not None and user.is_active and user.confirmed_at is not None
        out[person.id] = (
            ConfirmedContact(email=user.email, phone=user.phone)
            if confirmed and user is not None
            else ConfirmedContact()
        )
    return out


def confirmed_contact(session: Session, person: Person) -> ConfirmedContact:
    """:func:`confirmed_contacts` of one person."""
    return confirmed_contacts(session, [person])[person.id]


def propose_skills(
    session: Session, person: Person, text: str, lang: str | None = None
) -> list[ProposedSkill]:
    """Skills read from the person's words; new ones are kept as unconfirmed proposals.

    A proposal becomes part of the profile when the person confirms it (:func:`replace_skills`),
    and keeps ``source = extracted`` with its evidence then.
    """
    profile = repository.skill_levels(session, person.id)
    proposed = nlp_service.propose_person_skills(session, profile, text, lang)
    current = {s.skill_id: s for s in person.skills}
    for item in proposed:
        row = current.get(item.skill_id)
        if row is None:
            row = PersonSkill(
                person_id=person.id,
                skill_id=item.skill_id,
                level=SkillLevel(item.level) if item.level else None,
                source=SkillSource.EXTRACTED,
                confidence=item.confidence,
                evidence=item.evidence[:500],
                confirmed=False,
            )
            person.skills.append(row)
            current[item.skill_id] = row
        elif not row.confirmed:  # a proposal again: keep the latest evidence
            row.confidence = item.confidence
            row.evidence = item.evidence[:500]
            if item.level:
                row.level = SkillLevel(item.level)
    session.flush()
    return proposed


def propose_skills_out(
    session: Session, person: Person, text: str, lang: str | None = None
) -> list[ProposedSkillOut]:
    """:func:`propose_skills`, as the API and the pages show the proposals: each with its
    evidence, level and whether the profile already holds it."""
    return [
        ProposedSkillOut(
            id=p.skill_id,
            label=p.label,
            esco_uri=p.esco_uri,
            confidence=p.confidence,
            evidence=p.evidence,
            level=SkillLevel(p.level) if p.level else None,
            already_on_profile=p.on_profile,
        )
        for p in propose_skills(session, person, text, lang)
    ]


def replace_skills(session: Session, person: Person, choices: Sequence[SkillChoice]) -> Person:
    """Make ``choices`` the person's confirmed skills; everything else is removed.

    A chosen skill that was proposed (or is already on the profile) keeps its source
    (extracted, certified) and evidence; a new one is ``declared``. A level given replaces the
    stored one; no level keeps it. Proposals not chosen are dropped.

    Raises:
        UnknownSkills: naming every id that is not in the taxonomy.
    """
    wanted: dict[str, SkillLevel | None] = {}
    for choice in choices:
        wanted[choice.id] = choice.level
    known = repository.skills_by_ids(session, wanted.keys())
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise UnknownSkills(unknown)
    current = {s.skill_id: s for s in person.skills}
    rows: list[PersonSkill] = []
    for skill_id, level in wanted.items():
        row = current.get(skill_id)
        if row is None:
            row = PersonSkill(skill_id=skill_id, level=level, source=SkillSource.DECLARED)
        elif level is not None:
            row.level = level
        row.confirmed = True
        rows.append(row)
    person.skills = rows
    session.flush()
    emit(session, SkillsConfirmed.about(person, len(rows)))
    return person


def decide_proposals(
    session: Session,
    person: Person,
    confirm: Mapping[str, SkillLevel | None],
    reject: Sequence[str] = (),
    *,
    evidence: Mapping[str, str] | None = None,
) -> int:
    """Confirm some skills and drop some proposals, leaving the rest of the profile alone.

    A confirmed skill that was proposed keeps its source and evidence (``evidence`` may give
    the person's words for one that was not stored); one not on the profile is added as
    ``extracted``. Rejecting removes only an unconfirmed proposal. Returns how many skills were
    newly confirmed (a ``SkillsConfirmed`` event is emitted when any was).

    Raises:
        UnknownSkills: a confirmed id is not in the taxonomy.
    """
    known = repository.skills_by_ids(session, confirm.keys())
    unknown = [i for i in confirm if i not in known]
    if unknown:
        raise UnknownSkills(unknown)
    current = {s.skill_id: s for s in person.skills}
    added = 0
    for skill_id, level in confirm.items():
        row = current.get(skill_id)
        if row is None:
            said = (evidence or {}).get(skill_id)
            row = PersonSkill(
                skill_id=skill_id,
                level=level,
                source=SkillSource.EXTRACTED,
                evidence=said[:500] if said else None,
                confirmed=True,
            )
            person.skills.append(row)
            current[skill_id] = row
            added += 1
            continue
        if not row.confirmed:
            row.confirmed = True
            added += 1
        if level is not None and row.level is None:
            row.level = level
    drop = {i for i in reject if i in current and not current[i].confirmed}
    if drop:
        person.skills = [s for s in person.skills if s.skill_id not in drop]
    session.flush()
    if added:
        confirmed = sum(1 for s in person.skills if s.confirmed)
        emit(session, SkillsConfirmed.about(person, confirmed))
    return added


def skill_rows(session: Session, person: Person) -> list[tuple[PersonSkill, Skill | None]]:
    """The person's skill rows with their taxonomy entries (for labels), in a stable order."""
    skills = repository.skills_by_ids(session, [s.skill_id for s in person.skills])
    rows = [(s, skills.get(s.skill_id)) for s in person.skills]
    rows.sort(key=lambda r: (not r[0].confirmed, r[0].created_at, r[0].skill_id))
    return rows


def _location(ubigeo: str | None) -> Location | None:
    if not ubigeo:
        return None
    try:
        place = get_gazetteer().get(ubigeo)
    except UnknownUbigeo:
        return Location(ubigeo=ubigeo, department=None, province=None, district=None)
    return Location(
        ubigeo=ubigeo,
        department=place.department,
        province=place.province,
        district=place.name if place.level == "district" else None,
    )


def skill_view(row: PersonSkill, skill: Skill | None, lang: str) -> ProfileSkillOut:
    label = row.skill_id
    if skill is not None:
        label = (skill.label_en if lang == "en" else skill.label_es) or skill.label_es
    return ProfileSkillOut(
        id=row.skill_id,
        label=label,
        esco_uri=skill.esco_uri if skill is not None else None,
        level=row.level,
        source=row.source,
        confirmed=row.confirmed,
        confidence=row.confidence,
        evidence=row.evidence,
    )


def skills_view(session: Session, person: Person, lang: str) -> SkillsOut:
    views = [(row, skill_view(row, skill, lang)) for row, skill in skill_rows(session, person)]
    return SkillsOut(
        skills=[v for row, v in views if row.confirmed],
        proposed=[v for row, v in views if not row.confirmed],
    )


def profile_view(session: Session, person: Person, lang: str) -> ProfileOut:
    """The profile as the API returns it: national id masked, place names, confirmed skills."""
    contact = confirmed_contact(session, person)
    return ProfileOut(
        id=person.id,
        name=person.full_name,
        email=contact.email,
        phone=contact.phone,
        national_id=mask_national_id(person.national_id),
        national_id_verified=person.national_id_verified,
        gender=person.gender,
        birth_year=person.birth_year,
        ubigeo=person.ubigeo,
        location=_location(person.ubigeo),
        languages=list(person.languages or []),
        education_level=person.education_level,
        years_experience=person.years_experience,
        self_description=person.self_description,
        interests=list(person.interests or []),
        availability=Availability(
            hours_per_week=person.availability_hours,
            slots=list(person.availability_slots or []),
        ),
        remote=RemoteOut(
            has_internet=person.has_internet,
            device=person.device,
            ready=person.remote_ready,
        ),
        expected_wage=float(person.expected_wage) if person.expected_wage is not None else None,
        max_distance_km=person.max_distance_km,
        consent_visible=person.consent_visible,
        consent_contact=person.consent_contact,
        consent_at=person.consent_at,
        skills=skills_view(session, person, lang).skills,
        updated_at=person.updated_at,
    )
