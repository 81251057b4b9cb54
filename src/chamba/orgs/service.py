"""Organisations: get-or-create by name, for imports and quick job posting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.orm import Session

from chamba.orgs import repository
from chamba.orgs.models import Organisation, OrgKind
from chamba.orgs.schemas import OrganisationIn
from chamba.text import normalize


def name_key(kind: OrgKind, name: str) -> str:
    """The external id of an organisation known only by name: ``employer:gamarra textil sac``."""
    return f"{kind.value}:{normalize(name)}"[:200]


def get_or_create_by_names(
    session: Session, kind: OrgKind, items: Iterable[OrganisationIn], *, source: str
) -> dict[str, Organisation]:
    """Find or create organisations by normalised name within ``source``.

    Returns them keyed by :func:`name_key`. Existing ones are left as they are; new ones are
    added and flushed (ids assigned). Items are matched on name only (their own
    ``external_id`` is ignored).
    """
    wanted: dict[str, OrganisationIn] = {}
    for item in items:
        wanted.setdefault(name_key(kind, item.name), item)
    found = repository.by_external_ids(session, source, wanted)
    new = []
    for key, item in wanted.items():
        if key in found:
            continue
        org = Organisation(
            kind=kind,
            name=item.name,
            ruc=item.ruc,
            sector=item.sector,
            ubigeo=item.ubigeo,
            website=item.website,
            description=item.description,
            contact_email=item.contact_email,
            external_id=key,
            source=source,
        )
        new.append(org)
        found[key] = org
    if new:
        session.add_all(new)
        session.flush()
    return found


class Account(Protocol):
    """An employer or provider account (:class:`chamba.auth.models.User`)."""

    id: int
    name: str | None
    organisation_id: int | None


def get_organisation(session: Session, organisation_id: int) -> Organisation | None:
    return repository.by_id(session, organisation_id)


def account_organisation(session: Session, kind: OrgKind, account: Account) -> Organisation:
    """The organisation ``account`` publishes for (:func:`organisation_for_account`), linked
    to the account (``account.organisation_id``) when it was made or found anew."""
    org, _created = organisation_for_account(
        session, kind, organisation_id=account.organisation_id, user_id=account.id,
        name=account.name,
    )  # fmt: skip
    if account.organisation_id != org.id:
        account.organisation_id = org.id
    return org


def organisation_for_account(
    session: Session, kind: OrgKind, *, organisation_id: int | None, user_id: int, name: str | None
) -> tuple[Organisation, bool]:
    """The organisation an employer or provider account acts for, created when it has none.

    An account registered without naming its organisation gets one on its first posting, named
    after the account (``source="account"``, ``external_id="user:<id>"``); the caller links it
    to the user. Flushes, never commits.

    Returns:
        ``(organisation, created)``.
    """
    if organisation_id is not None:
        org = repository.by_id(session, organisation_id)
        if org is not None:
            return org, False
    key = f"user:{user_id}"
    found = repository.by_external_ids(session, "account", [key]).get(key)
    if found is not None:
        return found, False
    label = "Empleador" if kind == OrgKind.EMPLOYER else "Centro de formación"
    org = Organisation(
        kind=kind,
        name=((name or "").strip() or f"{label} {user_id}")[:300],
        external_id=key,
        source="account",
    )
    session.add(org)
    session.flush()
    return org, True
