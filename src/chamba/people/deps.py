"""``CurrentPerson``: the profile of the seeker making the request (others get a 403)."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import Depends
from sqlalchemy.orm import Session

from chamba.auth.deps import BearerDep, CurrentUser, count_use_of, current_login
from chamba.auth.models import Role, User
from chamba.deps import SessionDep, SettingsDep
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
    return _person_row(user, session)


def _person_row(user: User, session: Session) -> Person:
    if user.role != Role.SEEKER:
        raise NotASeeker(user.role.value)
    return service.person_row_of_user(session, user)


CurrentPersonRow = Annotated[Person, Depends(current_person_row)]


class SeekerRow(NamedTuple):
    """The current seeker's user and person row (see :func:`counted_seeker_row`)."""

    user: User
    person: Person


def counted_seeker_row(scope: str) -> Any:
    """The current seeker's :class:`SeekerRow` for a route that also counts one use of ``scope``
    (``limit_use``), as ONE dependency: the token's login, the count (a 429 before anything
    else is read) and the person's row (as ``CurrentPersonRow``) on one thread of the pool.
    Three synchronous dependencies cost three hops to a pool thread and back, each waiting
    for the GIL behind the rankings running meanwhile. The user is returned too so that it
    stays in the session's identity map for the request (a later ``session.get(User, id)``
    needs no query).

    Example:
        ``seeker: Annotated[SeekerRow, counted_seeker_row("match")]``
    """

    def seeker_row(credentials: BearerDep, session: SessionDep, settings: SettingsDep) -> SeekerRow:
        user = current_login(credentials, session, settings).user
        count_use_of(scope, user, session, settings)
        return SeekerRow(user, _person_row(user, session))

    return Depends(seeker_row)
