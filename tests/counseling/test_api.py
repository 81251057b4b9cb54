"""Counselor access: grants, the people a counselor sees, pathways, matches, notes, audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser

from chamba.auth.models import Role


def test_a_grant_opens_a_persons_profile_and_a_revocation_closes_it(
    client: Any, make_user: MakeUser
) -> None:
    # GIVEN a seeker and a counselor
    rosa = make_user(Role.SEEKER, name="Rosa Quispe")
    carla = make_user(Role.COUNSELOR, name="Carla")
    assert rosa.person is not None
    url = f"/api/v1/people/{rosa.person.id}/profile"
    # WHEN the counselor asks before any grant THEN the person does not exist for them
    assert client.get(url, headers=carla.headers).status_code == 404
    # WHEN the seeker grants access
    granted = client.post(
        "/api/v1/me/counselors", json={"counselor_id": carla.id}, headers=rosa.headers
    )
    assert granted.status_code == 201
    assert granted.json()["counselor_name"] == "Carla"
    # THEN the counselor lists and reads the person
    people = client.get("/api/v1/counselor/people?q=rosa", headers=carla.headers).json()
    assert [p["person_id"] for p in people["items"]] == [rosa.person.id]
    none = client.get("/api/v1/counselor/people?q=juan", headers=carla.headers).json()
    assert none["total"] == 0
    profile = client.get(url, headers=carla.headers)
    assert profile.status_code == 200
    assert profile.json()["name"] == "Rosa Quispe"
    mine = client.get("/api/v1/me/counselors", headers=rosa.headers).json()
    assert [g["counselor_id"] for g in mine["items"]] == [carla.id]
    # WHEN the seeker revokes it THEN access ends at once
    revoked = client.delete(f"/api/v1/me/counselors/{carla.id}", headers=rosa.headers)
    assert revoked.status_code == 204
    assert client.get(url, headers=carla.headers).status_code == 404
    assert client.get("/api/v1/me/counselors", headers=rosa.headers).json()["items"] == []
    again = client.delete(f"/api/v1/me/counselors/{carla.id}", headers=rosa.headers)
    assert again.status_code == 404


def test_only_active_counselors_can_be_granted(client: Any, make_user: MakeUser) -> None:
    rosa, employer = make_user(Role.SEEKER), make_user(Role.EMPLOYER)
    response = client.post(
        "/api/v1/me/counselors", json={"counselor_id": employer.id}, headers=rosa.headers
    )
    assert response.status_code == 422
    assert str(employer.id) in response.json()["detail"]


def test_counselor_plans_a_pathway_lists_matches_and_writes_notes(
    client: Any, make_user: MakeUser, no_match_indexes: None
) -> None:
    rosa, carla = make_user(Role.SEEKER), make_user(Role.COUNSELOR)
    assert rosa.person is not None
    client.post("/api/v1/me/counselors", json={"counselor_id": carla.id}, headers=rosa.headers)
    base = f"/api/v1/people/{rosa.person.id}"
    pathway = client.get(f"{base}/pathways?occupation=farm_labourer&lang=en", headers=carla.headers)
    assert pathway.status_code == 200, pathway.text
    assert pathway.json()["status"] in {"planned", "infeasible", "already_qualified"}
    no_target = client.get(f"{base}/pathways", headers=carla.headers)
    assert no_target.status_code == 422
    matches = client.get(f"{base}/matches/jobs?limit=5", headers=carla.headers)
    assert matches.status_code == 200, matches.text
    assert "items" in matches.json()
    note = client.post(f"{base}/notes", json={"body": "Llamar el lunes."}, headers=carla.headers)
    assert note.status_code == 201
    notes = client.get(f"{base}/notes", headers=carla.headers).json()["items"]
    assert [n["body"] for n in notes] == ["Llamar el lunes."]
    empty = client.post(f"{base}/notes", json={"body": "  "}, headers=carla.headers)
    assert empty.status_code == 422


def test_counselor_and_admin_actions_are_audited_without_personal_values(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN a counselor who reads a granted profile and an admin who changes a role
    rosa, carla = make_user(Role.SEEKER, name="Rosa Quispe"), make_user(Role.COUNSELOR)
    admin = make_user(Role.ADMIN)
    assert rosa.person is not None
    client.post("/api/v1/me/counselors", json={"counselor_id": carla.id}, headers=rosa.headers)
    client.get(f"/api/v1/people/{rosa.person.id}/profile", headers=carla.headers)
    client.get(f"/api/v1/people/{rosa.person.id}/profile", headers=admin.headers)
    other = make_user(Role.EMPLOYER)
    changed = client.patch(
        f"/api/v1/admin/users/{other.id}",
        json={"role": "provider", "is_active": False},
        headers=admin.headers,
    )
    assert changed.status_code == 200
    # WHEN the admin reads the audit log, filtered by actor
    page = client.get(f"/api/v1/admin/audit?actor_id={carla.id}", headers=admin.headers).json()
    # THEN the counselor's read is there, with ids only
    assert [(e["action"], e["object_type"], e["object_id"]) for e in page["items"]] == [
        ("person.profile_read", "person", str(rosa.person.id))
    ]
    reads = client.get(
        "/api/v1/admin/audit?action=person.profile_read", headers=admin.headers
    ).json()
    assert {(e["actor_user_id"], e["actor_role"]) for e in reads["items"]} == {
        (carla.id, "counselor"),
        (admin.id, "admin"),
    }
    assert all(e["request_id"] for e in reads["items"])
    admin_actions = client.get(
        f"/api/v1/admin/audit?actor_id={admin.id}&object_type=user", headers=admin.headers
    ).json()
    assert {e["action"] for e in admin_actions["items"]} == {
        "user.role_changed",
        "user.deactivated",
    }
    paged = client.get("/api/v1/admin/audit?per_page=1&page=2", headers=admin.headers).json()
    assert paged["per_page"] == 1
    assert len(paged["items"]) == 1
    assert paged["total"] >= 4
    # AND the log holds no names
    dump = " ".join(str(r) for r in seeded_session.execute(text("SELECT * FROM audit_log")).all())
    assert "Rosa" not in dump


def test_a_counselor_cannot_plan_a_pathway_to_a_draft_job(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN a seeker who let a counselor in, and an employer's unpublished draft
    from chamba.jobs.models import Job, JobStatus

    seeker, counselor = make_user(Role.SEEKER), make_user(Role.COUNSELOR)
    granted = client.post(
        "/api/v1/me/counselors", json={"counselor_id": counselor.id}, headers=seeker.headers
    )
    assert granted.status_code == 201
    draft = Job(title="Borrador secreto", status=JobStatus.DRAFT)
    seeded_session.add(draft)
    seeded_session.commit()
    # WHEN the counselor plans the seeker's pathway to it THEN it is not found (as for the seeker)
    url = f"/api/v1/people/{seeker.person.id}/pathways?job={draft.id}"  # type: ignore[union-attr]
    response = client.get(url, headers=counselor.headers)
    assert response.status_code == 404
    assert "Borrador" not in response.text
