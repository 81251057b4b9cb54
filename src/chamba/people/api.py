"""A seeker's own profile and skills: ``/me/profile``, ``/me/profile/describe``, ``/me/skills``.

Only seekers have a profile: every other role gets a 403 here. A seeker only ever reaches their
own record (the routes take no person id).
"""

from __future__ import annotations

from fastapi import APIRouter

from chamba.auth.deps import CurrentUser, limit_use
from chamba.auth.errors import NotAuthenticated, TooManyAttempts
from chamba.deps import SessionDep
from chamba.errors import InvalidInput
from chamba.nlp.schemas import TextIn
from chamba.people import service
from chamba.people.deps import CurrentPerson
from chamba.people.errors import NationalIdTaken, NotASeeker, UnknownSkills
from chamba.people.schemas import (
    ProfileIn,
    ProfileOut,
    ProposedSkills,
    SkillsIn,
    SkillsOut,
)
from chamba.problems import responses

router = APIRouter(tags=["profile"])
_errors = (NotAuthenticated, NotASeeker)


@router.get("/me/profile", summary="My seeker profile", responses=responses(*_errors))
def get_profile(person: CurrentPerson, user: CurrentUser, session: SessionDep) -> ProfileOut:
    return service.profile_view(session, person, user.language)


@router.put(
    "/me/profile",
    summary="Replace my seeker profile (omitted fields are cleared; national_id is kept)",
    description=(
        "The e-mail and phone are the account's confirmed contact: send them back as read or "
        "leave them out; another value is refused (422): change them with `POST /me/contact`."
    ),
    responses=responses(*_errors, NationalIdTaken, InvalidInput, TooManyAttempts),
)
def put_profile(
    data: ProfileIn, person: CurrentPerson, user: CurrentUser, session: SessionDep
) -> ProfileOut:
    service.update_profile(session, person, data, user=user)
    return service.profile_view(session, person, user.language)


@router.post(
    "/me/profile/describe",
    summary="Read skills from my own words, to confirm with PUT /me/skills",
    responses=responses(*_errors, InvalidInput, TooManyAttempts),
    dependencies=[limit_use("describe")],
)
def describe(
    data: TextIn, person: CurrentPerson, user: CurrentUser, session: SessionDep
) -> ProposedSkills:
    lang = data.lang or user.language
    return ProposedSkills(skills=service.propose_skills_out(session, person, data.text, lang))


@router.get("/me/skills", summary="My confirmed and proposed skills", responses=responses(*_errors))
def get_skills(person: CurrentPerson, user: CurrentUser, session: SessionDep) -> SkillsOut:
    return service.skills_view(session, person, user.language)


@router.put(
    "/me/skills",
    summary="Replace my confirmed skills (proposals not listed are dropped)",
    responses=responses(*_errors, UnknownSkills),
)
def put_skills(
    data: SkillsIn, person: CurrentPerson, user: CurrentUser, session: SessionDep
) -> SkillsOut:
    service.replace_skills(session, person, data.skills)
    return service.skills_view(session, person, user.language)
