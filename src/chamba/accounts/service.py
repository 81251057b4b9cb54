"""Opening accounts: self-registration, accounts made by an administrator and the first
administrator. An account of a seeker comes with their person profile, and one of an employer
or provider may come with its organisation, so this use case sits above ``auth`` (logins,
tokens), ``people`` and ``orgs``. Never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chamba.auth import contact as contact_service
from chamba.auth import ratelimit, security
from chamba.auth import service as auth_service
from chamba.auth.errors import AccountExists, StaffRoleRefused
from chamba.auth.models import Role, User
from chamba.auth.passwords import check_password_policy
from chamba.auth.schemas import OrganisationSignup, RegisterIn, UserCreate, parse_account_email
from chamba.auth.service import SELF_SERVICE_ROLES, Client
from chamba.config import Settings, get_settings
from chamba.db import utcnow
from chamba.errors import InvalidInput
from chamba.events import service as event_service
from chamba.events.schemas import SignupRepeated, SignupRepeatedPayload
from chamba.orgs import service as org_service
from chamba.orgs.models import Organisation, OrgKind
from chamba.people import service as people_service
from chamba.people.schemas import PersonIn


def _create_account(
    session: Session,
    *,
    email: str | None,
    phone: str | None,
    password: str,
    role: Role,
    name: str,
    organisation: Organisation | None,
    settings: Settings,
    confirmed: bool = True,
) -> User:
    """Validate everything first, then write: user, and the seeker's person or organisation.

    ``confirmed=False`` (self-registration) leaves the account unable to log in until its
    contact is confirmed (:mod:`chamba.auth.contact`); staff-made accounts are confirmed."""
    check_password_policy(password, email=email, phone=phone)
    email_index, phone_index = auth_service.identifier_indexes(email, phone)
    auth_service.check_free(session, email_index, phone_index)
    user = User(
        email=email,
        email_index=email_index,
        phone=phone,
        phone_index=phone_index,
        password_hash=security.hash_password(password, settings),
        role=role,
        name=name,
        is_active=True,
    )
    try:
        with session.begin_nested():
            if organisation is not None:
                session.add(organisation)
                session.flush()
                user.organisation_id = organisation.id
            session.add(user)
            session.flush()
            if not confirmed:
                # The column defaults to "confirmed" (an INSERT treats None as "use the
                # default"), so a self-registration clears it once the row exists.
                user.confirmed_at = None
                session.flush()
    except IntegrityError:  # registered concurrently between the check and the insert
        raise AccountExists("e-mail address or phone number") from None
    if role == Role.SEEKER:
        # The person keeps no copy of the account's e-mail or phone (it uses the account's).
        person = people_service.create_person(session, PersonIn(full_name=name), source="signup")
        person.user_id = user.id
        session.flush()
    return user


def _signup_organisation(role: Role, data: OrganisationSignup | None) -> Organisation | None:
    if data is None:
        return None
    if role not in (Role.EMPLOYER, Role.PROVIDER):
        raise InvalidInput("Only employer and provider accounts can register an organisation.")
    return Organisation(kind=OrgKind(role.value), name=data.name, ruc=data.ruc, source="signup")


def register(
    session: Session,
    data: RegisterIn,
    *,
    client: Client,
    settings: Settings,
    now: datetime | None = None,
) -> User | None:
    """Self-registration of a seeker, employer or provider (rate-limited per client address).

    A seeker gets a linked person profile; an employer or provider may name its organisation,
    which is created and linked (joining an existing organisation is an administrator's job).

    A new account cannot log in before it is confirmed: a code goes to its e-mail or phone
    (:func:`chamba.auth.contact.start_signup`), and :func:`chamba.auth.contact.confirm_signup`
    takes it back with the password.

    When the e-mail or phone already belongs to a confirmed account, nothing is created and
    ``None`` is returned: the caller answers exactly as for a new account (the password is
    hashed all the same, so the time taken says nothing either), and the owner is told through
    their own e-mail (event ``account.signup_repeated``) that someone tried. When it belongs to
    an account still waiting for its confirmation (nobody has shown the address is theirs), that
    sign-up is taken over: its password becomes this one and a new code is sent (the earlier one
    stops working); its name, role and organisation stay.

    Raises:
        TooManyAttempts, StaffRoleRefused, WeakPassword, InvalidInput, SmsUnavailable (a
        phone-only sign-up where the deployment sends no SMS).
    """
    now = now or utcnow()
    limit = ratelimit.registration_per_address(settings)
    address = client.address or "unknown"
    limit.check(session, address, now=now)
    limit.hit(session, address, now=now)
    if data.role not in SELF_SERVICE_ROLES:
        raise StaffRoleRefused(data.role.value)
    contact_service.require_sender(settings, phone=data.phone, email=data.email)
    try:
        user = _create_account(
            session,
            email=data.email,
            phone=data.phone,
            password=data.password,
            role=data.role,
            name=data.name,
            organisation=_signup_organisation(data.role, data.organisation),
            settings=settings,
            confirmed=False,
        )
    except AccountExists:
        password_hash = security.hash_password(data.password, settings)  # the same work
        for owner in auth_service.owners_of(session, data.email, data.phone):
            if owner.confirmed_at is None and owner.is_active:
                owner.password_hash = password_hash
                session.flush()
                contact_service.start_signup(session, owner, settings=settings, now=now)
                continue
            event_service.emit(
                session, SignupRepeated(payload=SignupRepeatedPayload(user_id=owner.id))
            )
        session.flush()
        return None
    contact_service.start_signup(session, user, settings=settings, now=now)
    return user


def create_user(session: Session, data: UserCreate, *, settings: Settings) -> User:
    """An administrator creates an account of any role (staff included)."""
    organisation = None
    if data.organisation_id is not None:
        organisation = org_service.get_organisation(session, data.organisation_id)
        if organisation is None:
            raise InvalidInput(f"There is no organisation with id {data.organisation_id}.")
    user = _create_account(
        session,
        email=data.email,
        phone=data.phone,
        password=data.password,
        role=data.role,
        name=data.name,
        organisation=None,
        settings=settings,
    )
    if organisation is not None:
        user.organisation_id = organisation.id
        session.flush()
    return user


def create_admin(
    session: Session, email: str, password: str, name: str, *, settings: Settings | None = None
) -> User:
    """Create an administrator (for the ``chamba`` command that sets up the first admin).

    Raises:
        InvalidInput: the e-mail is not valid; WeakPassword; AccountExists.
    """
    try:
        normalised = parse_account_email(email)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if normalised is None:
        raise InvalidInput("An e-mail address is required.")
    return _create_account(
        session,
        email=normalised,
        phone=None,
        password=password,
        role=Role.ADMIN,
        name=name.strip() or "Admin",
        organisation=None,
        settings=settings or get_settings(),
    )
