"""Service tests: hard filters, candidate privacy, courses, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chamba.activity.models import ApplicationStatus
from chamba.courses.models import Modality
from chamba.jobs.models import JobStatus
from chamba.matching.errors import InvalidMatchRequest, JobNotFound, PersonNotFound
from chamba.matching.schemas import JobsRequest
from chamba.matching.service import candidates_for_job, courses_for_person, jobs_for_person
from chamba.people.models import Device

from .conftest import AREQUIPA, LIMA, LURIN, NOW, SAN_BORJA, World

Indexes = Callable[[], Any]


def _job_ids(page: Any) -> list[int]:
    return [item.job_id for item in page.items]


def test_each_hard_filter_excludes_its_job(session: Session, world: World,
                                           make_indexes: Indexes) -> None:  # fmt: skip
    # GIVEN a welder in Lima (48 h, asks S/ 1,200, 30 km radius, no internet)
    person = world.person(["mt-soldadura"], has_internet=False, device=Device.NONE)
    good = world.job({"mt-soldadura": (True, 1.0)}, ubigeo=SAN_BORJA)
    bad = {
        "closed": world.job({"mt-soldadura": (True, 1.0)}, status=JobStatus.CLOSED),
        "expired": world.job({"mt-soldadura": (True, 1.0)}, expires_at=NOW - timedelta(days=1)),
        "too far": world.job({"mt-soldadura": (True, 1.0)}, ubigeo=AREQUIPA),
        "wage below floor": world.job({"mt-soldadura": (True, 1.0)}, wage_min=Decimal("700"),
                                      wage_max=Decimal("800")),
        "remote without internet": world.job({"mt-soldadura": (True, 1.0)}, remote=True),
    }  # fmt: skip
    # WHEN jobs are matched
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(limit=50, now=NOW))
    ids = set(_job_ids(page))
    # THEN the good job is in and every filtered job is out
    assert good.id in ids
    for reason, job in bad.items():
        assert job.id not in ids, reason
    # AND hours are a preference, not a filter: a 60-hour job is listed below the good one,
    # explained as more hours than the person has free
    long_hours = world.job({"mt-soldadura": (True, 1.0)}, ubigeo=SAN_BORJA, hours_per_week=60)
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(limit=50, now=NOW))
    order = _job_ids(page)
    assert order.index(good.id) < order.index(long_hours.id)
    item = next(i for i in page.items if i.job_id == long_hours.id)
    assert item.explanation.hours.fit == "exceeds"
    # AND asking for expired jobs brings the expired one back
    again = jobs_for_person(session, make_indexes(), person.id,
                            JobsRequest(limit=50, now=NOW, include_expired=True))  # fmt: skip
    assert bad["expired"].id in _job_ids(again)


def test_request_options_narrow_the_search(session: Session, world: World,
                                           make_indexes: Indexes) -> None:  # fmt: skip
    # GIVEN a remote-ready person, a remote job, a near job and one 31 km away
    person = world.person(["mt-soldadura"], max_distance_km=None)
    remote = world.job({"mt-soldadura": (True, 1.0)}, remote=True)
    near = world.job({"mt-soldadura": (True, 1.0)}, ubigeo=SAN_BORJA, wage_max=Decimal("2000"))
    lurin = world.job({"mt-soldadura": (True, 1.0)}, ubigeo=LURIN)
    idx = make_indexes()
    # WHEN / THEN remote only
    remote_only = JobsRequest(now=NOW, remote=True)
    assert set(_job_ids(jobs_for_person(session, idx, person.id, remote_only))) >= {remote.id}
    assert near.id not in _job_ids(jobs_for_person(session, idx, person.id, remote_only))
    # on-site only within 10 km
    on_site_near = JobsRequest(now=NOW, remote=False, max_distance_km=10)
    ids = _job_ids(jobs_for_person(session, idx, person.id, on_site_near))
    assert near.id in ids
    assert remote.id not in ids
    assert lurin.id not in ids
    # default radius (50 km without a personal one) keeps Lurín; a wage floor drops S/ 1,500 jobs
    assert lurin.id in _job_ids(jobs_for_person(session, idx, person.id,
                                                JobsRequest(now=NOW, limit=50)))  # fmt: skip
    ids = _job_ids(jobs_for_person(session, idx, person.id, JobsRequest(now=NOW, min_wage=1800)))
    assert near.id in ids
    assert lurin.id not in ids


def test_best_match_ranks_first(session: Session, world: World, make_indexes: Indexes) -> None:
    # GIVEN a welder who reads blueprints, a job needing both, and a sales job next door
    person = world.person(["mt-soldadura", "mt-planos"])
    weld = world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 0.8)}, ubigeo=SAN_BORJA)
    sales = world.job({"mt-ventas": (True, 1.0)}, title="Vendedor", description="Tienda")
    # WHEN matched
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(limit=50, now=NOW))
    ranks = {item.job_id: item.rank for item in page.items}
    # THEN the welding job outranks the sales job; ranks are 1-based and scores descend
    assert ranks[weld.id] < ranks[sales.id]
    scores = [item.score for item in page.items]
    assert scores == sorted(scores, reverse=True)
    assert page.items[0].rank == 1
    assert page.scorer_version.startswith("rule-based")
    # AND paging continues the same ranking
    second = jobs_for_person(
        session, make_indexes(), person.id, JobsRequest(limit=1, offset=1, now=NOW)
    )
    assert second.items[0].rank == 2
    assert second.items[0].job_id == page.items[1].job_id


def test_candidates_never_include_non_consenting_non_applicants(
    session: Session, world: World, make_indexes: Indexes
) -> None:
    # GIVEN a welding job and people with every combination of consent and application
    job = world.job({"mt-soldadura": (True, 1.0)})
    visible = world.person(["mt-soldadura"], consent_visible=True)
    hidden = world.person(["mt-soldadura"], consent_visible=False)  # the best match, but private
    applicant = world.person([], consent_visible=False, ubigeo=AREQUIPA)
    withdrawn = world.person(["mt-soldadura"], consent_visible=False)
    other_job_applicant = world.person(["mt-soldadura"], consent_visible=False)
    far_visible = world.person(["mt-soldadura"], consent_visible=True, ubigeo=AREQUIPA)
    world.apply(applicant, job)
    world.apply(withdrawn, job, status=ApplicationStatus.WITHDRAWN)
    world.apply(other_job_applicant, world.job())
    # WHEN the employer asks for candidates
    page = candidates_for_job(session, make_indexes(), job.id, limit=200, now=NOW)
    ids = {item.person_id for item in page.items}
    # THEN consenting nearby people and applicants are in; nobody else ever is
    assert visible.id in ids
    assert applicant.id in ids  # applied: shown whatever the distance and consent
    for private in (hidden, withdrawn, other_job_applicant, far_visible):
        assert private.id not in ids
    # AND no item carries contact data
    for item in page.items:
        dumped = item.model_dump_json()
        assert "full_name" not in dumped
        assert "phone" not in dumped


def test_courses_for_person_prefers_the_missing_skill(session: Session, world: World,
                                                      make_indexes: Indexes) -> None:  # fmt: skip
    # GIVEN a welder whose nearby jobs also need blueprint reading
    person = world.person(["mt-soldadura"])
    world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 1.0)})
    world.job({"mt-soldadura": (True, 1.0), "mt-planos": (True, 1.0)}, ubigeo=SAN_BORJA)
    planos = world.course(["mt-planos"], title="Lectura de planos")
    repeat = world.course(["mt-soldadura"], title="Soldadura básica")
    pricey = world.course(["mt-planos"], title="Planos premium", is_free=False,
                          cost=Decimal("900"))  # fmt: skip
    online = world.course(["mt-planos"], title="Planos online", modality=Modality.ONLINE)
    # WHEN courses are recommended within a S/ 300 budget
    page = courses_for_person(session, make_indexes(), person.id, budget=300, now=NOW, limit=50)
    ids = [item.course_id for item in page.items]
    # THEN the course on the missing skill comes before the one that repeats a held skill
    assert ids.index(planos.id) < ids.index(repeat.id)
    assert pricey.id not in ids
    assert online.id in ids  # the person is remote-ready
    first = page.items[ids.index(planos.id)]
    assert first.features["skill_gap"] > 0
    assert "Lectura de planos" in first.explanation.summary
    # AND without a device online courses are not offered
    offline = world.person(["mt-soldadura"], device=Device.NONE)
    ids = [i.course_id for i in courses_for_person(session, None, offline.id, now=NOW).items]
    assert online.id not in ids


def test_person_without_skills_or_text_still_gets_jobs(session: Session, world: World,
                                                       make_indexes: Indexes) -> None:  # fmt: skip
    # GIVEN a person with no skills and no description, and two jobs (one of them without skills)
    person = world.person([], self_description=None)
    near = world.job({"mt-soldadura": (True, 1.0)})
    bare = world.job({}, title="Ayudante", description="")
    # WHEN matched
    page = jobs_for_person(session, make_indexes(), person.id, JobsRequest(now=NOW, limit=50))
    # THEN results come with a hint, and nothing crashes
    assert {near.id, bare.id} <= set(_job_ids(page))
    assert "add_skills" in page.hints
    cands = candidates_for_job(session, make_indexes(), bare.id, now=NOW)
    assert "add_job_skills" in cands.hints


def test_unknown_ids_and_bad_arguments(session: Session, world: World) -> None:
    person = world.person()
    with pytest.raises(PersonNotFound):
        jobs_for_person(session, None, 987654321)
    with pytest.raises(PersonNotFound):
        courses_for_person(session, None, 987654321)
    with pytest.raises(JobNotFound):
        candidates_for_job(session, None, 987654321)
    for kwargs in ({"limit": 0}, {"offset": -1}, {"max_distance_km": -5},
                   {"min_wage": float("nan")}):  # fmt: skip
        with pytest.raises(InvalidMatchRequest):
            jobs_for_person(session, None, person.id, JobsRequest(**kwargs))
    with pytest.raises(InvalidMatchRequest):
        courses_for_person(session, None, person.id, modality="by pigeon")


def test_nothing_passes_gives_an_empty_page(session: Session, world: World) -> None:
    # GIVEN a person with 0 available hours
    person = world.person(availability_hours=0, has_internet=False)
    world.job()
    page = jobs_for_person(session, None, person.id, JobsRequest(now=NOW, remote=False))
    assert page.items == []
    assert page.total_candidates == 0
    assert "no_availability" in page.hints
    assert LIMA  # the world is in Lima


def test_a_ranking_decrypts_no_contact_data(
    session: Session, world: World, make_indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a seeker with a name, contact data and a national id, and a job for them
    from chamba import db
    from chamba.auth.models import Role, User
    from chamba.people import repository as people_repository

    user = User(role=Role.SEEKER, language="es")
    session.add(user)
    session.flush()
    person = world.person(["mt-soldadura"], user_id=user.id)
    contact = ("Rosa Q.", "rosa@example.pe", "999888777", "44556677")
    person.full_name, person.email, person.phone, person.national_id = contact
    world.job({"mt-soldadura": (True, 1.0)}, ubigeo=SAN_BORJA)
    session.flush()
    indexes = make_indexes()
    real = db.cipher()
    read: list[str] = []

    class Spy:  # the cipher, noting every value it decrypts
        def decrypt(self, token: bytes) -> bytes:
            read.append(real.decrypt(token).decode())
            return read[-1].encode()

    monkeypatch.setattr(db, "cipher", Spy)
    for read_first in (False, True):
        session.expunge_all()  # the person read afresh, as by a new request
        row = people_repository.row_of_user(session, user.id) if read_first else None
        # WHEN their jobs and courses are ranked and explained (after the API's match route
        # read its seeker's row, or not)
        page = jobs_for_person(session, indexes, person.id, JobsRequest(now=NOW))
        courses_for_person(session, indexes, person.id, now=NOW)
        # THEN none of those columns was decrypted (their own words were: explanations read them)
        assert page.items
        assert not set(contact) & set(read)
        assert "Trabajo como soldador en talleres" in read
        # AND they still read as written when something asks for them
        loaded = row or session.get(type(person), person.id)
        assert loaded is not None
        assert (loaded.full_name, loaded.national_id) == ("Rosa Q.", "44556677")
        read.clear()
