"""Job posting routes: publish, search, read, change and close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.factories import AREQUIPA, CUSCO, LIMA_CERCADO, MIRAFLORES, job_body, skill_ids
from tests.support.problems import assert_problem

from chamba.auth.models import Role, User
from chamba.db import utcnow
from chamba.jobs.models import Job, JobStatus
from chamba.orgs.models import Organisation, OrgKind

pytestmark = pytest.mark.usefixtures("hashed_matching")


@pytest.fixture
def employer(make_user: MakeUser, seeded_session: Session) -> Any:
    org = Organisation(kind=OrgKind.EMPLOYER, name="Metalmecánica Gamarra SAC")
    seeded_session.add(org)
    seeded_session.flush()
    return make_user(Role.EMPLOYER, organisation_id=org.id)


def _post(client: Any, actor: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/jobs", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_employer_publishes_a_job_with_skills(
    client: Any, employer: Any, seeded_session: Session
) -> None:
    # GIVEN two catalogue skills
    skills = skill_ids(seeded_session, 2)
    # WHEN the employer publishes a job naming them
    job = _post(client, employer, **job_body(skills))
    # THEN the job is created for the employer's organisation with those skills
    assert job["id"] > 0
    assert job["status"] == "open"
    assert job["organisation"] == {
        "id": employer.user.organisation_id,
        "name": "Metalmecánica Gamarra SAC",
    }
    assert {s["id"] for s in job["skills"]} == set(skills)
    assert job["location"]["ubigeo"] == LIMA_CERCADO
    assert "contact_email" not in str(job)


def test_skills_are_suggested_when_none_are_given(
    client: Any, employer: Any, lexicon_extractor: Any
) -> None:
    # WHEN a posting gives no skills
    job = _post(
        client, employer,
        **job_body(title="Cajera", description="Atención al cliente y manejo de caja. "
                   "Excel deseable."),
    )  # fmt: skip
    # THEN skills read from its text are stored with requirement and importance
    assert job["skills"], job
    assert all(s["requirement"] in ("essential", "optional") for s in job["skills"])
    assert all(0 <= s["importance"] <= 1 for s in job["skills"])


def test_suggest_skills_returns_requirement_and_importance(
    client: Any, employer: Any, lexicon_extractor: Any
) -> None:
    response = client.post(
        "/api/v1/jobs/suggest-skills",
        json={"title": "Cajera", "description": "Manejo de caja indispensable."},
        headers=employer.headers,
    )
    assert response.status_code == 200, response.text
    skills = response.json()["skills"]
    assert skills
    assert {"id", "label", "requirement", "importance"} <= skills[0].keys()


def test_an_employer_without_organisation_gets_one(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN an employer account with no organisation
    lone = make_user(Role.EMPLOYER, name="Bodega Don Lucho")
    # WHEN it publishes twice
    first = _post(client, lone, **job_body(skill_ids(seeded_session, 1)))
    second = _post(client, lone, **job_body(skill_ids(seeded_session, 1)))
    # THEN one organisation named after the account owns both, and the account is linked to it
    assert first["organisation"]["name"] == "Bodega Don Lucho"
    assert first["organisation"]["id"] == second["organisation"]["id"]
    user = seeded_session.get(User, lone.id)
    assert user is not None
    assert user.organisation_id == first["organisation"]["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"wage_min": 2000, "wage_max": 1000}, "wage_max"),
        ({"wage_min": -5}, "wage_min"),
        ({"location": None, "remote": False}, "remote"),
        ({"location": {"ubigeo": "999999"}}, "location.ubigeo"),
        ({"hours_per_week": 500}, "hours_per_week"),
        ({"title": "x" * 301}, "title"),
        ({"title": "=HYPERLINK(1)"}, "title"),
        ({"currency": "USD"}, "currency"),
        ({"salary": 10}, "salary"),
        ({"skills": [{"id": "no-such-skill"}]}, "skills.0.id"),
        ({"skills": [{"id": "x", "importance": 2}]}, "skills.0.importance"),
        ({"occupation_id": "no-such-occupation"}, "occupation_id"),
        ({"expires_at": "mañana"}, "expires_at"),
        ({"schedule": ["someday"]}, "schedule"),
    ],
)
def test_invalid_postings_are_refused_with_the_field_at_fault(
    client: Any, employer: Any, change: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/api/v1/jobs", json={**job_body([]), **change}, headers=employer.headers
    )
    assert_problem(response, 422, field=field)


def test_unparseable_bodies_are_problems_not_crashes(client: Any, employer: Any) -> None:
    headers = {**employer.headers, "content-type": "application/json"}
    assert_problem(client.post("/api/v1/jobs", content=b"{nope", headers=headers), 422)
    assert_problem(client.post("/api/v1/jobs", json=[1, 2], headers=employer.headers), 422)
    assert_problem(client.get("/api/v1/jobs/99999999999"), 422)
    assert_problem(client.get("/api/v1/jobs?per_page=101"), 422, field="per_page")
    assert_problem(client.get("/api/v1/jobs?page=0"), 422, field="page")
    assert_problem(client.get("/api/v1/jobs?near=990101"), 422, field="near")
    assert_problem(client.get("/api/v1/jobs?distance_km=5"), 422, field="distance_km")
    assert_problem(client.get("/api/v1/jobs?region=atlantida"), 422, field="region")
    assert_problem(client.get("/api/v1/jobs?wage_min=-1"), 422, field="wage_min")
    assert_problem(client.get("/api/v1/jobs?status=draft"), 422, field="status")


def _job(session: Session, org: int | None = None, **kw: Any) -> Job:
    values: dict[str, Any] = {
        "title": "Ayudante", "description": "", "ubigeo": LIMA_CERCADO, "remote": False,
        "status": JobStatus.OPEN, "organisation_id": org,
    }  # fmt: skip
    values.update(kw)
    job = Job(**values)
    session.add(job)
    session.flush()
    return job


def _ids(client: Any, query: str) -> list[int]:
    response = client.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_search_filters_and_ranks(client: Any, seeded_session: Session) -> None:
    # GIVEN postings in several places, some remote, closed, expired or draft
    s = seeded_session
    now = utcnow()
    tecnico = _job(s, title="Técnico electricista", ubigeo=MIRAFLORES, hours_per_week=30,
                   wage_min=1200, wage_max=1400)  # fmt: skip
    desc = _job(s, title="Ayudante", description="Apoyo al técnico de mantenimiento",
                ubigeo=AREQUIPA, wage_max=3000)  # fmt: skip
    remote = _job(s, title="Soporte técnico remoto", ubigeo=None, remote=True, hours_per_week=20)
    closed = _job(s, title="Técnico cerrado", status=JobStatus.CLOSED)
    expired = _job(s, title="Técnico vencido", expires_at=now - timedelta(days=1))
    draft = _job(s, title="Técnico borrador", status=JobStatus.DRAFT)
    cusco = _job(s, title="Cocinero", ubigeo=CUSCO)
    # THEN text search is accent-insensitive, title hits first, and hides closed/expired/drafts
    found = _ids(client, "q=TECNICO")
    assert set(found[:2]) == {tecnico.id, remote.id}  # title hits first (by BM25, then newest)
    assert set(found) == {tecnico.id, desc.id, remote.id}
    assert set(_ids(client, "q=tecnico&status=closed")) == {closed.id}
    assert expired.id not in _ids(client, "per_page=100")
    assert draft.id not in _ids(client, "per_page=100&status=closed") + _ids(client, "per_page=100")
    # AND filters combine
    assert _ids(client, "q=tecnico&region=04") == [desc.id]
    assert _ids(client, "q=tecnico&remote=true") == [remote.id]
    assert set(_ids(client, "q=tecnico&hours_max=25")) == {remote.id, desc.id}
    assert set(_ids(client, "q=tecnico&wage_min=2000")) == {desc.id, remote.id}
    # AND near keeps on-site jobs within the radius (nearest first) and remote ones, last
    near = client.get(f"/api/v1/jobs?near={LIMA_CERCADO}&distance_km=30&per_page=100").json()
    ids = [i["id"] for i in near["items"]]
    assert tecnico.id in ids
    assert remote.id in ids
    assert desc.id not in ids
    assert cusco.id not in ids
    assert ids.index(tecnico.id) < ids.index(remote.id)
    assert near["items"][ids.index(tecnico.id)]["distance_km"] < 30
    assert _ids(client, f"near={LIMA_CERCADO}&distance_km=30&remote=false&q=tecnico") == [
        tecnico.id
    ]


def test_search_pages(client: Any, seeded_session: Session) -> None:
    for n in range(5):
        _job(seeded_session, title=f"Repartidor {n}")
    first = client.get("/api/v1/jobs?q=repartidor&per_page=2").json()
    third = client.get("/api/v1/jobs?q=repartidor&per_page=2&page=3").json()
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    assert len(first["items"]) == 2
    assert len(third["items"]) == 1


def test_owner_changes_and_closes_a_job(
    client: Any, employer: Any, seeded_session: Session
) -> None:
    job = _post(client, employer, **job_body(skill_ids(seeded_session, 2)))
    url = f"/api/v1/jobs/{job['id']}"
    # WHEN the owner changes the wage and the skills
    new_skill = skill_ids(seeded_session, 3)[2]
    response = client.patch(
        url, json={"wage_max": 2500, "skills": [{"id": new_skill}]}, headers=employer.headers
    )
    # THEN only those change
    assert response.status_code == 200, response.text
    body = response.json()
    assert float(body["wage_max"]) == 2500
    assert float(body["wage_min"]) == 1500
    assert [s["id"] for s in body["skills"]] == [new_skill]
    assert body["title"] == job["title"]
    # AND a change that breaks a rule across fields is refused, naming the field
    bad = client.patch(url, json={"wage_min": 9000}, headers=employer.headers)
    assert_problem(bad, 422, field="wage_max")
    assert_problem(client.patch(url, json={"nope": 1}, headers=employer.headers), 422, field="nope")
    # WHEN the owner deletes it THEN it is closed, not erased
    closed = client.delete(url, headers=employer.headers)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert client.get(url).json()["status"] == "closed"
    assert job["id"] not in _ids(client, "per_page=100")


def test_search_follows_a_changed_title_and_description(
    client: Any, employer: Any, seeded_session: Session
) -> None:
    # GIVEN a published job found by a word of its title
    job = _post(client, employer, **job_body(skill_ids(seeded_session, 1)))
    assert job["id"] in _ids(client, "q=soldador")
    # WHEN the owner changes its title and description
    url = f"/api/v1/jobs/{job['id']}"
    body = {"title": "Técnico en Refrigeración", "description": "Mantenimiento de cámaras."}
    assert client.patch(url, json=body, headers=employer.headers).status_code == 200
    # THEN search finds it by the new words (accents folded) and no longer by the old ones
    assert _ids(client, "q=REFRIGERACION") == [job["id"]]
    assert _ids(client, "q=camaras mantenimiento") == [job["id"]]
    assert job["id"] not in _ids(client, "q=soldador")


def test_drafts_are_seen_only_by_their_owner(
    client: Any, employer: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    job = _post(client, employer, **job_body(skill_ids(seeded_session, 1), status="draft"))
    url = f"/api/v1/jobs/{job['id']}"
    assert client.get(url, headers=employer.headers).status_code == 200
    assert_problem(client.get(url), 404)
    assert_problem(client.get(url, headers=make_user(Role.SEEKER).headers), 404)


def test_owner_reopens_a_job_closed_by_mistake_within_a_day(
    client: Any, employer: Any, seeded_session: Session, make_user: MakeUser
) -> None:
    from sqlalchemy import select

    from chamba.audit.models import AuditEntry
    from chamba.events.models import OutboxEvent
    from chamba.jobs import service as job_service

    job = _post(client, employer, **job_body(skill_ids(seeded_session, 2)))
    url = f"/api/v1/jobs/{job['id']}"
    reopen = f"{url}/reopen"
    # GIVEN an open job: there is no close to undo
    assert_problem(client.post(reopen, headers=employer.headers), 409)
    # WHEN its owner closes it and reopens it
    assert client.delete(url, headers=employer.headers).status_code == 200
    assert_problem(client.post(reopen, headers=make_user(Role.EMPLOYER).headers), 403)
    response = client.post(reopen, headers=employer.headers)
    # THEN it is open and searchable again, a job.reopened event is written, and the audit
    # log has the close and the reopening
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    assert job["id"] in _ids(client, "per_page=100")
    types = seeded_session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.occurred_at)).all()
    assert types[-2:] == ["job.closed", "job.reopened"]
    actions = seeded_session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_user_id == employer.user.id)
    ).all()
    assert actions == ["job.closed", "job.reopened"]
    # AND a job closed longer than the window ago, or expired, stays closed
    client.delete(url, headers=employer.headers)
    stored = seeded_session.get(Job, job["id"])
    assert stored is not None
    stored.updated_at = utcnow() - job_service.REOPEN_WINDOW - timedelta(minutes=1)
    seeded_session.commit()
    assert_problem(client.post(reopen, headers=employer.headers), 409)
    stored.updated_at = utcnow()
    stored.expires_at = utcnow() - timedelta(hours=1)
    seeded_session.commit()
    assert_problem(client.post(reopen, headers=employer.headers), 409)
