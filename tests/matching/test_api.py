"""A seeker's matches and pathways: explained items, logged as 'shown' interactions."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.encoders import HashEncoder
from tests.support.factories import AREQUIPA, LIMA_CERCADO, MIRAFLORES, skill_ids

from chamba.activity.models import Interaction, InteractionKind, SubjectType
from chamba.auth.models import Role
from chamba.courses.models import Course, CourseSkill, Modality
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.deps import get_match_indexes
from chamba.matching.schemas import MatchPage
from chamba.matching.store import IndexStore
from chamba.nlp.deps import get_text_encoder
from chamba.people.models import Device, PersonSkill
from chamba.vocab import Requirement, SkillSource


@pytest.fixture
def market(make_user: MakeUser, seeded_session: Session) -> dict[str, Any]:
    """A seeker in Lima with one skill; three jobs and two courses around them."""
    s = seeded_session
    have, lack, other = skill_ids(s, 3)
    seeker = make_user(Role.SEEKER)
    person = seeker.person
    person.ubigeo, person.has_internet, person.device = LIMA_CERCADO, True, Device.PHONE
    person.availability_hours, person.self_description = 40, "Soldador con experiencia"
    s.add(PersonSkill(person_id=person.id, skill_id=have, source=SkillSource.DECLARED))
    jobs = [
        Job(title="Soldador", description="Soldadura", ubigeo=MIRAFLORES, hours_per_week=40,
            wage_min=Decimal("1500"), wage_max=Decimal("1800"), status=JobStatus.OPEN),
        Job(title="Ayudante", description="Taller", ubigeo=LIMA_CERCADO, hours_per_week=30,
            wage_min=Decimal("1100"), wage_max=Decimal("1200"), status=JobStatus.OPEN),
        Job(title="Soldador Arequipa", ubigeo=AREQUIPA, status=JobStatus.OPEN),
    ]  # fmt: skip
    courses = [
        Course(title="Curso avanzado", modality=Modality.IN_PERSON, ubigeo=LIMA_CERCADO,
               hours=40, weeks=4, cost=Decimal("200")),
        Course(title="Curso gratis", modality=Modality.ONLINE, hours=20, weeks=2,
               cost=Decimal("0"), is_free=True),
    ]  # fmt: skip
    s.add_all(jobs + courses)
    s.flush()
    s.add_all(
        [
            JobSkill(job_id=jobs[0].id, skill_id=have, requirement=Requirement.ESSENTIAL),
            JobSkill(job_id=jobs[0].id, skill_id=lack, requirement=Requirement.ESSENTIAL),
            JobSkill(job_id=jobs[1].id, skill_id=have, requirement=Requirement.ESSENTIAL),
            JobSkill(job_id=jobs[1].id, skill_id=other, requirement=Requirement.OPTIONAL,
                     importance=0.5),
            CourseSkill(course_id=courses[0].id, skill_id=lack),
            CourseSkill(course_id=courses[1].id, skill_id=lack),
        ]
    )  # fmt: skip
    s.commit()
    return {"seeker": seeker, "jobs": jobs, "courses": courses, "lack": lack}


def _shown(session: Session, person_id: int) -> list[Interaction]:
    stmt = select(Interaction).where(
        Interaction.person_id == person_id, Interaction.kind == InteractionKind.SHOWN
    )
    return list(session.scalars(stmt.order_by(Interaction.position)))


@pytest.mark.usefixtures("hashed_matching")
def test_job_matches_are_explained_and_logged(
    client: Any, market: dict[str, Any], seeded_session: Session
) -> None:
    seeker = market["seeker"]
    # WHEN the seeker asks for job matches
    response = client.get("/api/v1/me/matches/jobs?limit=5", headers=seeker.headers)
    # THEN nearby jobs come back explained (Arequipa is too far), best first
    assert response.status_code == 200, response.text
    page = response.json()
    ids = [i["job_id"] for i in page["items"]]
    assert set(ids) == {market["jobs"][0].id, market["jobs"][1].id}
    assert [i["rank"] for i in page["items"]] == [1, 2]
    first = next(i for i in page["items"] if i["job_id"] == market["jobs"][0].id)
    assert [m["id"] for m in first["explanation"]["missing_essential"]] == [market["lack"]]
    assert first["explanation"]["summary"]
    # AND each served item is logged as 'shown' with its position, score and scorer version
    shown = _shown(seeded_session, seeker.person.id)
    assert [(r.subject_type, r.subject_id, r.position) for r in shown] == [
        (SubjectType.JOB, i, n) for n, i in enumerate(ids, start=1)
    ]
    assert all(r.model_version == page["scorer_version"] and r.person_key for r in shown)
    assert len({r.person_key for r in shown}) == 1
    # AND the metrics count what was shown and how long matching took
    exposition = client.get("/metrics").text
    assert 'chamba_recommendations_shown_total{kind="job"} 2.0' in exposition
    assert 'chamba_match_latency_seconds_count{kind="jobs"} 1.0' in exposition
    assert 'chamba_model_score_count{kind="jobs"}' in exposition  # served-score distribution
    assert 'chamba_feedback_rate{kind="jobs"} 0.0' in exposition  # shown, no feedback yet
    # AND filters apply
    remote_only = client.get("/api/v1/me/matches/jobs?remote=true", headers=seeker.headers)
    assert remote_only.json()["items"] == []
    rich = client.get("/api/v1/me/matches/jobs?min_wage=1700", headers=seeker.headers).json()
    assert [i["job_id"] for i in rich["items"]] == [market["jobs"][0].id]


@pytest.mark.usefixtures("hashed_matching")
def test_course_matches_and_pathways(
    client: Any, market: dict[str, Any], seeded_session: Session
) -> None:
    seeker = market["seeker"]
    courses = client.get("/api/v1/me/matches/courses", headers=seeker.headers)
    assert courses.status_code == 200, courses.text
    items = courses.json()["items"]
    assert {i["course_id"] for i in items} == {c.id for c in market["courses"]}
    assert all("explanation" in i for i in items)
    # WHEN the seeker plans a pathway to the job they lack a skill for
    job = market["jobs"][0].id
    response = client.get(f"/api/v1/me/pathways?job={job}", headers=seeker.headers)
    # THEN the cheapest course covering the gap is chosen, and it is logged as shown
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["status"] == "planned"
    assert [s["course_id"] for s in plan["steps"]] == [market["courses"][1].id]
    shown = [r for r in _shown(seeded_session, seeker.person.id) if r.model_version == "pathway"]
    assert [r.subject_id for r in shown] == [market["courses"][1].id]
    # AND constraints given as query parameters are honoured
    in_person = client.get(
        f"/api/v1/me/pathways?job={job}&modality=in_person&budget=100", headers=seeker.headers
    ).json()
    assert in_person["status"] == "infeasible"
    assert in_person["constraints"]["modalities"] == ["in_person"]


@pytest.mark.usefixtures("hashed_matching")
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 422),
        ("occupation=x&job=1", 422),
        ("job=999999", 404),
        ("occupation=no-such-occupation", 404),
        ("job=1&modality=teleport", 422),
        ("job=1&budget=-1", 422),
        ("job=1&hours_per_week=0", 422),
        ("job=1&lang=fr", 422),
    ],
)
def test_bad_pathway_requests_are_problems(
    client: Any, market: dict[str, Any], query: str, status: int
) -> None:
    response = client.get(f"/api/v1/me/pathways?{query}", headers=market["seeker"].headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.usefixtures("hashed_matching")
def test_bad_match_requests_are_problems(client: Any, market: dict[str, Any]) -> None:
    headers = market["seeker"].headers
    for query in ("limit=0", "limit=101", "offset=-1", "max_distance_km=0", "min_wage=-5"):
        response = client.get(f"/api/v1/me/matches/jobs?{query}", headers=headers)
        assert response.status_code == 422, query


def test_real_encoder_and_process_indexes(
    client: Any, market: dict[str, Any], tmp_path: Path
) -> None:
    """The real encoder and the app's own index store (loaded lazily on first use)."""
    from chamba.nlp.encoder import get_encoder

    # GIVEN the app's store on the real multilingual encoder, nothing overridden
    client.app.dependency_overrides.pop(get_match_indexes, None)
    client.app.dependency_overrides.pop(get_text_encoder, None)
    store = IndexStore(tmp_path, get_encoder(), cache=False)
    client.app.state.index_store = store
    # WHEN the seeker asks for matches
    response = client.get("/api/v1/me/matches/jobs", headers=market["seeker"].headers)
    # THEN the store was loaded from the database and upkeep hangs on the app's sessions
    assert response.status_code == 200, response.text
    assert store.indexes is not None
    assert len(store.indexes.jobs) >= 3
    assert client.app.state.index_upkeep.installed
    found = {i["job_id"] for i in response.json()["items"]}
    assert found == {market["jobs"][0].id, market["jobs"][1].id}
    client.app.state.index_upkeep.uninstall()


def test_store_is_loaded_once_and_fake_encoder_works_through_the_real_dependency(
    client: Any, market: dict[str, Any], tmp_path: Path
) -> None:
    store = IndexStore(tmp_path, HashEncoder(), cache=False)
    client.app.state.index_store = store
    headers = market["seeker"].headers
    assert client.get("/api/v1/me/matches/jobs", headers=headers).status_code == 200
    first = store.indexes
    assert client.get("/api/v1/me/matches/courses", headers=headers).status_code == 200
    assert store.indexes is first
    client.app.state.index_upkeep.uninstall()


def test_no_more_than_the_ranking_slots_rank_at_once() -> None:
    import threading

    from chamba.matching import api as matching_api
    from chamba.matching.schemas import MatchPage
    from chamba.observability.metrics import Metrics

    metrics = Metrics(version="test")
    page = MatchPage(items=[], total_candidates=0, scorer_version="t", lang="es", limit=10,
                     offset=0)  # fmt: skip
    lock, entered, release = threading.Lock(), threading.Semaphore(0), threading.Event()
    state = {"active": 0, "peak": 0, "done": 0}

    def rank() -> MatchPage:
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        entered.release()
        release.wait(30)
        with lock:
            state["active"] -= 1
        return page

    def request() -> None:
        person: Any = type("P", (), {"id": 1})()
        matching_api._serve_page(None, person, SubjectType.JOB, metrics, rank)  # type: ignore[arg-type]
        with lock:
            state["done"] += 1

    # GIVEN more match requests at once than the process ranks at once
    n = matching_api.RANKING_SLOTS + 4
    threads = [threading.Thread(target=request) for _ in range(n)]
    for t in threads:
        t.start()
    # WHEN the first rankings hold their slots
    for _ in range(matching_api.RANKING_SLOTS):
        assert entered.acquire(timeout=30)
    # THEN no other request starts ranking until one of them ends
    assert not entered.acquire(timeout=1.0)
    release.set()
    for t in threads:
        t.join(30)
    assert state == {"active": 0, "peak": matching_api.RANKING_SLOTS, "done": n}


@pytest.mark.usefixtures("hashed_matching")
def test_a_job_match_request_hops_to_the_pool_for_its_work_only(
    client: Any, market: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import anyio.to_thread

    real = anyio.to_thread.run_sync
    hops: list[str] = []

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        inner = getattr(func, "func", func)  # a functools.partial's function
        hops.append(getattr(inner, "__qualname__", type(inner).__name__))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    # WHEN the seeker asks for job matches
    response = client.get("/api/v1/me/matches/jobs?limit=5", headers=market["seeker"].headers)
    assert response.status_code == 200, response.text
    # THEN the log-in, the rate-limit count and the person's row take one hop to a thread of
    # the pool (each hop waits for the GIL behind the rankings running meanwhile), the ranking
    # one more, besides the session's opening and closing; the page is not validated again on
    # yet another hop (the test's indexes are a synchronous override: not a hop in the app)
    assert [h for h in hops if h != "hashed_matching.<locals>.<lambda>"] == [
        "_GeneratorContextManager.__enter__",
        "counted_seeker_row.<locals>.seeker_row",
        "_run_sync_endpoint",
        "_GeneratorContextManager.__exit__",
    ]
    # AND the page is the one the response model describes, as its serializer writes it
    page = MatchPage.model_validate_json(response.content)
    assert response.content == page.model_dump_json(by_alias=True).encode()
    assert response.headers["content-type"] == "application/json"


@pytest.mark.usefixtures("hashed_matching")
def test_a_job_match_request_reads_the_seekers_user_once(
    client: Any, market: dict[str, Any], seeded_session: Session, seeded_engine: Engine
) -> None:
    headers = market["seeker"].headers
    seeded_session.expunge_all()  # nothing the test holds keeps the user in the identity map
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(seeded_engine, "before_cursor_execute", seen)
    try:
        response = client.get("/api/v1/me/matches/jobs?limit=5", headers=headers)
    finally:
        event.remove(seeded_engine, "before_cursor_execute", seen)
    assert response.status_code == 200, response.text
    # THEN the user is read once, with its login; the page's language comes from that row
    reads = [s for s in statements if re.search(r"\bFROM (auth_sessions JOIN )?users\b", s)]
    assert len(reads) == 1, reads
    assert "FROM auth_sessions JOIN users" in reads[0]
