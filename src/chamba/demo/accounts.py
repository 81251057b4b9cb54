"""Demo log-ins for every role, linked to demo data so that each journey has something to show.

Only ``chamba demo`` calls this. The accounts share one published password: they exist to try
the product on a local machine, never on a server holding real people's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chamba.auth import repository as auth_repository
from chamba.auth import security
from chamba.auth.models import Role, User
from chamba.config import Settings
from chamba.counseling.models import CounselorGrant
from chamba.db import blind_index, utcnow
from chamba.demo.loader import SOURCE
from chamba.jobs.models import Job, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, Person, PersonSkill

DEMO_PASSWORD = "chamba-demo-2026"

#: (role, e-mail, display name) of each demo account.
ACCOUNTS: tuple[tuple[Role, str, str], ...] = (
    (Role.SEEKER, "buscador@demo.chamba.pe", "Rosa Quispe (demo)"),
    (Role.EMPLOYER, "empleador@demo.chamba.pe", "Empleador demo"),
    (Role.PROVIDER, "capacitador@demo.chamba.pe", "Centro de formación demo"),
    (Role.COUNSELOR, "consejera@demo.chamba.pe", "Consejera demo"),
    (Role.ANALYST, "analista@demo.chamba.pe", "Analista demo"),
    (Role.ADMIN, "admin@demo.chamba.pe", "Administración demo"),
)


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    linked_to: str


def _user(session: Session, role: Role, email: str, name: str, settings: Settings) -> User:
    user = auth_repository.user_by_email_index(session, blind_index(email))
    if user is None:
        user = User(email=email, email_index=blind_index(email), role=role, name=name)
        session.add(user)
    user.role, user.name, user.is_active = role, name, True
    user.password_hash = security.hash_password(DEMO_PASSWORD, settings)
    # A demo log-in works at once, even where someone signed up with its address and never
    # confirmed it (that sign-up is taken over, as a new one would).
    user.confirmed_at = user.confirmed_at or utcnow()
    session.flush()
    return user


def _busiest_org(session: Session, kind: OrgKind) -> Organisation | None:
    if kind is OrgKind.EMPLOYER:
        open_jobs = (
            select(Job.organisation_id, func.count().label("n"))
            .where(Job.status == JobStatus.OPEN)
            .group_by(Job.organisation_id)
            .subquery()
        )
        stmt = (
            select(Organisation)
            .join(open_jobs, open_jobs.c.organisation_id == Organisation.id)
            .where(Organisation.kind == kind, Organisation.source == SOURCE)
            .order_by(open_jobs.c.n.desc(), Organisation.id)
        )
    else:
        stmt = (
            select(Organisation)
            .where(Organisation.kind == kind, Organisation.source == SOURCE)
            .order_by(Organisation.id)
        )
    return session.scalars(stmt.limit(1)).first()


def _demo_seeker(session: Session) -> Person | None:
    """A consenting, remote-ready demo person in Lima with several skills."""
    skills = (
        select(PersonSkill.person_id, func.count().label("n"))
        .group_by(PersonSkill.person_id)
        .subquery()
    )
    stmt = (
        select(Person)
        .join(skills, skills.c.person_id == Person.id)
        .where(Person.source == SOURCE, Person.consent_visible.is_(True))
        .order_by(
            Person.ubigeo.like("1501%").desc(),
            (Person.has_internet & (Person.device != Device.NONE)).desc(),
            skills.c.n.desc(),
            Person.id,
        )
    )
    return session.scalars(stmt.limit(1)).first()


def ensure_demo_accounts(session: Session, settings: Settings) -> list[DemoAccount]:
    """Create (or reset) one log-in per role and link them to demo data. Idempotent.

    Returns:
        The accounts with their password, to print for whoever runs the demo.
    """
    out: list[DemoAccount] = []
    users = {role: _user(session, role, email, name, settings) for role, email, name in ACCOUNTS}
    seeker = users[Role.SEEKER]
    session.execute(update(Person).where(Person.user_id == seeker.id).values(user_id=None))
    person = _demo_seeker(session)
    if person is not None:
        person.user_id = seeker.id
        # One name everywhere: the account (admin's list) and the person (counselor's view).
        person.full_name = seeker.name
        # And one contact: the account's (a person with an account keeps no copy).
        person.email = person.phone = None
        grant = session.get(CounselorGrant, (person.id, users[Role.COUNSELOR].id))
        if grant is None:
            session.add(
                CounselorGrant(person_id=person.id, counselor_user_id=users[Role.COUNSELOR].id)
            )
        else:
            grant.revoked_at, grant.granted_at = None, utcnow()
    for role, kind in ((Role.EMPLOYER, OrgKind.EMPLOYER), (Role.PROVIDER, OrgKind.PROVIDER)):
        org = _busiest_org(session, kind)
        users[role].organisation_id = org.id if org is not None else None
    session.flush()
    for role, email, _name in ACCOUNTS:
        user = users[role]
        if role is Role.SEEKER:
            linked = f"person #{person.id}" if person is not None else "-"
        elif user.organisation_id is not None:
            org = session.get(Organisation, user.organisation_id)
            linked = org.name if org is not None else "-"
        elif role is Role.COUNSELOR and person is not None:
            linked = f"granted by person #{person.id}"
        else:
            linked = "-"
        out.append(DemoAccount(role=role, email=email, password=DEMO_PASSWORD, linked_to=linked))
    return out
