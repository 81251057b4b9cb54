"""Object-level authorisation of jobs, courses, matches, candidates, applications, feedback.

Every endpoint is tried by every kind of caller; the expected status codes are exact. Then the
lists, the search and the candidates are checked for leaks: a person who neither consented nor
applied never appears, contact details only where allowed, national ids never.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.factories import LIMA_CERCADO, course_body, job_body, skill_ids

from chamba.activity.models import Application
from chamba.auth.models import Role
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.db import blind_index
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.orgs.models import Organisation, OrgKind
from chamba.people.models import Device, PersonSkill
from chamba.taxonomy.models import OccupationSkill
from chamba.vocab import Requirement, SkillSource

pytestmark = pytest.mark.usefixtures("hashed_matching")

ROLES = (
    "seeker", "other_seeker", "owner_employer", "other_employer", "owner_provider",
    "other_provider", "counselor", "analyst", "admin", "anonymous",
)  # fmt: skip
SEEKERS = {"seeker", "other_seeker"}
EMPLOYERS = {"owner_employer", "other_employer"}
PROVIDERS = {"owner_provider", "other_provider"}


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    job: Job
    course: Course
    application: Application
    occupation: str
    secrets: list[str]  # strings that must never leak to anyone but the allowed
    seeker: Any
    other_seeker: Any


@pytest.fixture
def world(make_user: MakeUser, seeded_session: Session) -> World:
    s = seeded_session
    skills = skill_ids(s, 3)
    orgs = {
        name: Organisation(kind=kind, name=name, contact_email=f"rrhh@{name}.pe")
        for name, kind in (
            ("acme", OrgKind.EMPLOYER), ("otra", OrgKind.EMPLOYER),
            ("senati", OrgKind.PROVIDER), ("cetpro", OrgKind.PROVIDER),
        )
    }  # fmt: skip
    s.add_all(orgs.values())
    s.flush()
    actors = {
        "seeker": make_user(Role.SEEKER, name="Rosa Quispe"),
        "other_seeker": make_user(Role.SEEKER, name="Juan Mamani"),
        "owner_employer": make_user(Role.EMPLOYER, organisation_id=orgs["acme"].id),
        "other_employer": make_user(Role.EMPLOYER, organisation_id=orgs["otra"].id),
        "owner_provider": make_user(Role.PROVIDER, organisation_id=orgs["senati"].id),
        "other_provider": make_user(Role.PROVIDER, organisation_id=orgs["cetpro"].id),
        "counselor": make_user(Role.COUNSELOR),
        "analyst": make_user(Role.ANALYST),
        "admin": make_user(Role.ADMIN),
    }
    for name in SEEKERS:
        person = actors[name].person
        person.ubigeo, person.has_internet, person.device = LIMA_CERCADO, True, Device.PHONE
        # Their contact is the account's (confirmed), which employers see as allowed
        account = actors[name].user
        account.phone = "+51 987 654 321" if name == "seeker" else "+51 912 345 678"
        account.phone_index = blind_index(account.phone)
        person.national_id = "12345678" if name == "seeker" else "87654321"
        s.add(PersonSkill(person_id=person.id, skill_id=skills[0], source=SkillSource.DECLARED))
    job = Job(
        organisation_id=orgs["acme"].id, title="Soldador", description="Soldadura",
        ubigeo=LIMA_CERCADO, status=JobStatus.OPEN, wage_min=Decimal("1200"),
        wage_max=Decimal("1500"), hours_per_week=40,
    )  # fmt: skip
    course = Course(
        provider_id=orgs["senati"].id, title="Soldadura básica", modality=Modality.IN_PERSON,
        ubigeo=LIMA_CERCADO, hours=40, weeks=4, cost=Decimal("100"),
    )  # fmt: skip
    s.add_all([job, course])
    s.flush()
    s.add_all(
        [
            JobSkill(job_id=job.id, skill_id=skills[0], requirement=Requirement.ESSENTIAL),
            JobSkill(job_id=job.id, skill_id=skills[1], requirement=Requirement.ESSENTIAL),
            CourseSkill(course_id=course.id, skill_id=skills[1]),
        ]
    )
    application = Application(job_id=job.id, person_id=actors["seeker"].person.id)
    s.add(application)
    s.flush()
    occupation = s.scalars(select(OccupationSkill.occupation_id).limit(1)).one()
    s.commit()
    headers = {name: actor.headers for name, actor in actors.items()}
    headers["anonymous"] = {}
    return World(
        headers=headers, job=job, course=course, application=application,
        occupation=occupation,
        secrets=["+51 987 654 321", "+51 912 345 678", "12345678", "87654321",
                 actors["seeker"].user.email, actors["other_seeker"].user.email],
        seeker=actors["seeker"], other_seeker=actors["other_seeker"],
    )  # fmt: skip


def expect(allowed: set[str], ok: int, *, denied: int = 403) -> dict[str, int]:
    """``ok`` for the allowed roles, 401 for anonymous callers, ``denied`` for the rest."""
    return {
        role: ok if role in allowed else (401 if role == "anonymous" else denied) for role in ROLES
    }


def check(world: World, client: Any, method: str, url: str, want: dict[str, int], **kw: Any):
    got = {
        role: client.request(method, url, headers=world.headers[role], **kw).status_code
        for role in want
    }
    assert got == want, f"{method} {url}"


def test_reading_jobs_and_courses_is_public(client: Any, world: World) -> None:
    everyone = expect(set(ROLES), 200)
    for url in (
        "/api/v1/jobs", f"/api/v1/jobs/{world.job.id}", "/api/v1/courses",
        f"/api/v1/courses/{world.course.id}",
    ):  # fmt: skip
        check(world, client, "GET", url, everyone)


def test_only_employers_publish_and_suggest(client: Any, world: World) -> None:
    check(world, client, "POST", "/api/v1/jobs", expect(EMPLOYERS, 201), json=job_body([]))
    check(
        world, client, "POST", "/api/v1/jobs/suggest-skills", expect(EMPLOYERS, 200),
        json={"title": "Cajera", "description": "caja"},
    )  # fmt: skip


def test_only_the_owner_employer_writes_a_job(client: Any, world: World) -> None:
    url = f"/api/v1/jobs/{world.job.id}"
    check(world, client, "PATCH", url, expect({"owner_employer"}, 200), json={"openings": 2})
    check(world, client, "DELETE", url, expect({"owner_employer"}, 200))
    # unknown job: the owner's role gets 404, other roles still their 401/403
    missing = expect({"owner_employer", "other_employer"}, 404)
    check(world, client, "PATCH", "/api/v1/jobs/999999", missing, json={"openings": 2})


def test_only_providers_publish_and_only_the_owner_writes_a_course(
    client: Any, world: World
) -> None:
    check(world, client, "POST", "/api/v1/courses", expect(PROVIDERS, 201), json=course_body([]))
    url = f"/api/v1/courses/{world.course.id}"
    check(world, client, "PATCH", url, expect({"owner_provider"}, 200), json={"seats": 10})
    check(world, client, "DELETE", url, expect({"owner_provider"}, 200))


def test_only_the_owner_employer_sees_candidates_and_applications(
    client: Any, world: World
) -> None:
    for what in ("candidates", "applications"):
        url = f"/api/v1/jobs/{world.job.id}/{what}"
        check(world, client, "GET", url, expect({"owner_employer"}, 200))


def test_only_seekers_apply_match_and_give_feedback(client: Any, world: World) -> None:
    want = expect(SEEKERS, 201) | {"seeker": 409}  # the seeker applied already
    check(world, client, "POST", f"/api/v1/jobs/{world.job.id}/applications", want)
    for url in (
        "/api/v1/me/applications", "/api/v1/me/matches/jobs", "/api/v1/me/matches/courses",
        f"/api/v1/me/pathways?occupation={world.occupation}",
    ):  # fmt: skip
        check(world, client, "GET", url, expect(SEEKERS, 200))
    feedback = {"subject_type": "job", "subject_id": world.job.id, "kind": "saved"}
    check(world, client, "POST", "/api/v1/feedback", expect(SEEKERS, 201), json=feedback)


def test_application_moves_by_the_right_party_only(client: Any, world: World) -> None:
    url = f"/api/v1/applications/{world.application.id}"
    check(
        world, client, "PATCH", url, expect({"owner_employer"}, 200), json={"status": "reviewing"}
    )
    check(world, client, "PATCH", url, expect({"seeker"}, 200), json={"status": "withdrawn"})
    signed_in = expect(set(ROLES) - {"anonymous"}, 404)
    missing = "/api/v1/applications/999999"
    check(world, client, "PATCH", missing, signed_in, json={"status": "reviewing"})


def _text(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(response.text)


def test_nothing_leaks_through_search_reads_and_lists(client: Any, world: World) -> None:
    # GIVEN contact details, national ids and organisation e-mails in the database
    for role in ROLES:
        headers = world.headers[role]
        texts = [
            _text(client.get("/api/v1/jobs", headers=headers)),
            _text(client.get(f"/api/v1/jobs/{world.job.id}", headers=headers)),
            _text(client.get("/api/v1/courses", headers=headers)),
        ]
        # THEN no one reads them through search or job/course pages
        for text in texts:
            for secret in [*world.secrets, "rrhh@"]:
                assert secret not in text, (role, secret)
    # AND a seeker's own list names only their own applications
    mine = client.get("/api/v1/me/applications", headers=world.headers["other_seeker"]).json()
    assert mine["items"] == []


def test_candidates_show_only_consenting_or_applying_people_and_contact_as_allowed(
    client: Any, world: World, seeded_session: Session
) -> None:
    url = f"/api/v1/jobs/{world.job.id}/candidates?per_page=100"
    owner = world.headers["owner_employer"]
    # GIVEN the applicant (no consent) and another seeker who did not consent
    ids = lambda: {i["person_id"]: i for i in client.get(url, headers=owner).json()["items"]}  # noqa: E731
    found = ids()
    # THEN only the applicant appears, with contact details (they applied), no national id
    assert set(found) == {world.seeker.person.id}
    assert found[world.seeker.person.id]["contact"]["phone"] == "+51 987 654 321"
    assert found[world.seeker.person.id]["applied"] is True
    # AND the employer's reading of those contact details is in the audit log
    from sqlalchemy import text as sql

    reads = seeded_session.execute(
        sql("SELECT object_id FROM audit_log WHERE action = 'person.contact_read'")
    ).all()
    assert (str(world.seeker.person.id),) in reads
    text = client.get(url, headers=owner).text
    assert "12345678" not in text
    assert "87654321" not in text
    # WHEN the other seeker consents to be seen (but not contacted)
    other = world.other_seeker.person
    other.consent_visible = True
    seeded_session.commit()
    found = ids()
    # THEN they appear without contact details
    assert other.id in found
    assert found[other.id]["contact"] is None
    # WHEN they also consent to be contacted THEN their contact details are shown
    if hasattr(other, "consent_contact"):
        other.consent_contact = True
        seeded_session.commit()
        assert ids()[other.id]["contact"]["phone"] == "+51 912 345 678"
    # WHEN the applicant withdraws and never consented THEN they are gone
    client.patch(
        f"/api/v1/applications/{world.application.id}",
        json={"status": "withdrawn"},
        headers=world.headers["seeker"],
    )
    assert world.seeker.person.id not in ids()


def test_job_applications_show_contact_until_withdrawn(client: Any, world: World) -> None:
    url = f"/api/v1/jobs/{world.job.id}/applications"
    owner = world.headers["owner_employer"]
    [item] = client.get(url, headers=owner).json()["items"]
    assert item["contact"]["phone"] == "+51 987 654 321"
    assert "12345678" not in client.get(url, headers=owner).text
    client.patch(
        f"/api/v1/applications/{world.application.id}",
        json={"status": "withdrawn"},
        headers=world.headers["seeker"],
    )
    [item] = client.get(url, headers=owner).json()["items"]
    assert item["status"] == "withdrawn"
    assert item["contact"] is None
