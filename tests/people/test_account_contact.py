"""One contact per person: a seeker's profile shows and uses the account's confirmed e-mail and
phone (no copy of its own), a profile edit cannot put an unconfirmed address there (the change
goes through ``/me/contact``), employers read only confirmed contacts, and migration 0019
deletes the copies that profiles held."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from tests.support.accounts import PASSWORD
from tests.support.api_fixtures import MakeUser
from tests.support.factories import LIMA_CERCADO
from tests.support.migrations import run_alembic
from tests.support.problems import assert_problem
from tests.support.signup import code_in, deliver_in

from chamba.activity.models import Application
from chamba.auth.models import Role
from chamba.db import make_engine
from chamba.jobs.models import Job, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.people.schemas import PersonIn

API = "/api/v1"
PHONE = "+51 987 654 321"


def raw_contact(session: Session, person_id: int) -> tuple[Any, Any]:
    """The person row's own e-mail and phone columns, as stored."""
    row = session.execute(
        text("SELECT email, phone FROM people WHERE id = :p"), {"p": person_id}
    ).one()
    return row[0], row[1]


def add_phone(client: Any, seeded_session: Session, headers: dict[str, str]) -> Any:
    """Add a phone to the account through the confirmed change (password, then the code)."""
    asked = client.post(
        f"{API}/me/contact", json={"phone": "987654321", "current_password": PASSWORD},
        headers=headers,
    )  # fmt: skip
    assert asked.status_code == 202, asked.text
    [message] = [m for m in deliver_in(seeded_session) if m.to == PHONE]
    return client.post(
        f"{API}/me/contact/confirm", json={"code": code_in(message)}, headers=headers
    )


def test_the_profile_shows_the_accounts_confirmed_contact_and_follows_its_changes(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN a seeker whose account has an e-mail only
    rosa = make_user(Role.SEEKER)
    assert rosa.person is not None
    profile = client.get(f"{API}/me/profile", headers=rosa.headers).json()
    assert (profile["email"], profile["phone"]) == (rosa.user.email, None)
    # WHEN she adds a phone through the confirmed change
    assert add_phone(client, seeded_session, rosa.headers).status_code == 200
    # THEN her profile shows it, with no second copy kept on the person row
    profile = client.get(f"{API}/me/profile", headers=rosa.headers).json()
    assert (profile["email"], profile["phone"]) == (rosa.user.email, PHONE)
    assert raw_contact(seeded_session, rosa.person.id) == (None, None)


def test_a_profile_edit_cannot_set_an_unconfirmed_contact(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    rosa = make_user(Role.SEEKER)
    assert rosa.person is not None
    # WHEN the profile is saved with another e-mail, or a phone the account does not have
    for contact in ({"email": "otra@example.pe"}, {"phone": "912345678"}):
        refused = client.put(
            f"{API}/me/profile", json={"name": "Rosa", **contact}, headers=rosa.headers
        )
        # THEN it is refused, pointing to the confirmed change; nothing is saved
        problem = assert_problem(refused, 422)
        assert "/me/contact" in problem["detail"]
    profile = client.get(f"{API}/me/profile", headers=rosa.headers).json()
    assert profile["email"] == rosa.user.email
    assert profile["name"] != "Rosa"
    # AND sending back what was read (or leaving the contact out) saves the rest
    read = {k: profile[k] for k in ("email", "phone")}
    body = {"name": "Rosa", **read}
    assert client.put(f"{API}/me/profile", json=body, headers=rosa.headers).status_code == 200
    upper = {"name": "Rosa Q", "email": rosa.user.email.upper()}
    assert client.put(f"{API}/me/profile", json=upper, headers=rosa.headers).status_code == 200
    saved = client.put(f"{API}/me/profile", json={"name": "Rosa Quispe"}, headers=rosa.headers)
    assert saved.json()["email"] == rosa.user.email
    assert raw_contact(seeded_session, rosa.person.id) == (None, None)


@pytest.fixture
def applied(make_user: MakeUser, seeded_session: Session) -> tuple[Any, Any, Person]:
    """An employer's open job and a seeker who applied to it."""
    org = Organisation(kind=OrgKind.EMPLOYER, name="Bodega Rosa")
    seeded_session.add(org)
    seeded_session.flush()
    employer = make_user(Role.EMPLOYER, organisation_id=org.id)
    seeker = make_user(Role.SEEKER)
    job = Job(
        organisation_id=org.id, title="Cajera", description="Caja", ubigeo=LIMA_CERCADO,
        status=JobStatus.OPEN, hours_per_week=40,
    )  # fmt: skip
    seeded_session.add(job)
    seeded_session.flush()
    seeded_session.add(Application(job_id=job.id, person_id=seeker.person.id))
    seeded_session.commit()
    return employer, seeker, job


def test_employers_read_only_the_confirmed_account_contact(
    client: Any, applied: Any, seeded_session: Session
) -> None:
    employer, seeker, job = applied
    url = f"{API}/jobs/{job.id}/applications"
    [item] = client.get(url, headers=employer.headers).json()["items"]
    assert item["contact"]["email"] == seeker.user.email
    # GIVEN a person row still holding an address of its own (as profiles did before 0019)
    seeker.person.email, seeker.person.phone = "no.confirmado@example.pe", "+51 911 111 111"
    seeded_session.commit()
    # THEN the employer still reads the account's, never that one
    text_ = client.get(url, headers=employer.headers).text
    assert "no.confirmado" not in text_
    assert "911 111 111" not in text_
    [item] = client.get(url, headers=employer.headers).json()["items"]
    assert (item["contact"]["email"], item["contact"]["phone"]) == (seeker.user.email, None)
    # WHEN the account is not confirmed (or deactivated) THEN no contact is shown at all
    seeker.user.confirmed_at = None
    seeded_session.commit()
    [item] = client.get(url, headers=employer.headers).json()["items"]
    assert (item["contact"]["email"], item["contact"]["phone"]) == (None, None)


def test_an_import_writes_no_contact_onto_a_person_with_an_account(
    make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN an imported person now linked to an account (as the demo links one)
    first = PersonIn(external_id="e-1", full_name="Rosa", email="rosa@cetpro.pe")
    assert people_service.upsert_people(seeded_session, [first], source="cetpro") == ["created"]
    [match] = people_service.match_existing(seeded_session, [first], source="cetpro")
    person = match.person
    assert person is not None
    assert person.email == "rosa@cetpro.pe"  # an institution's record, no account yet
    person.user_id = make_user(Role.EMPLOYER).user.id  # any account will do
    person.email = None
    seeded_session.flush()
    # WHEN the institution's file is imported again with a contact
    item = PersonIn(external_id="e-1", full_name="Rosa", email="rosa@cetpro.pe", phone="987000111")
    people_service.upsert_people(seeded_session, [item], source="cetpro")
    # THEN the person keeps no copy of it (the account's contact is the one used)
    assert raw_contact(seeded_session, person.id) == (None, None)


# --- migration 0019 -------------------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'contact.db'}")
    yield eng
    eng.dispose()


def test_migration_0019_deletes_the_copies_of_linked_people_only(engine: Engine) -> None:
    # GIVEN a database before 0019: a linked person with its own copy, an imported one
    run_alembic(engine, "upgrade", "0018")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, role, is_active, language, created_at, email) "
                          "VALUES (1, 'seeker', 1, 'es', '2026-01-01', 'cipher-of-account')"))
        conn.execute(text("INSERT INTO people (id, user_id, email, phone, languages, interests, "
                          "availability_slots, has_internet, device, consent_visible, "
                          "consent_contact, national_id_verified, created_at, updated_at) VALUES "
                          "(1, 1, 'cipher-copy', 'cipher-phone', '[]', '[]', '[]', 0, 'none', 0, "
                          "0, 0, '2026-01-01', '2026-01-01'), "
                          "(2, NULL, 'cipher-imported', NULL, '[]', '[]', '[]', 0, 'none', 0, 0, "
                          "0, '2026-01-01', '2026-01-01')"))  # fmt: skip
    # WHEN it is migrated
    run_alembic(engine, "upgrade", "0019")
    # THEN the linked person's copy is gone, the imported person's contact stays
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, email, phone FROM people ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, None, None), (2, "cipher-imported", None)]
    # AND going back down puts the account's contact on the linked person
    run_alembic(engine, "downgrade", "0018")
    with engine.connect() as conn:
        email = conn.execute(text("SELECT email FROM people WHERE id = 1")).scalar_one()
    assert email == "cipher-of-account"
