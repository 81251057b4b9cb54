"""``CurrentPerson``: the profile of the seeker making the request (others get a 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from chamba.auth.deps import CurrentUser
from chamba.auth.models import Role
from chamba.deps import SessionDep
from chamba.people import service
from chamba.people.errors import NotASeeker
from chamba.people.models import Person


def current_person(user: CurrentUser, session: SessionDep) -> Person:
    """The current seeker's person record, skills loaded.

    Raises:
        NotASeeker: employers, providers and staff have no seeker profile.
    """
    if user.role != Role.SEEKER:
        raise NotASeeker(user.role.value)
    return service.person_of_user(session, user)


CurrentPerson = Annotated[Person, Depends(current_person)]


def current_person_row(user: CurrentUser, session: SessionDep) -> Person:
    """:func:`current_person` with the row alone (skills load when first read), for routes that
    read the person's skills their own way (the match rankings): one query, not two.

    Raises:
        NotASeeker: employers, providers and staff have no seeker profile.
    """
    if user.role != Role.SEEKER:
        raise NotASeeker(user.role.value)
    return service.person_row_of_user(session, user)


CurrentPersonRow = Annotated[Person, Depends(current_person_row)]
