"""Insights routes: demand, funnel, impact, fairness; CSV and PNG; who may see what."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import struct
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.problems import assert_problem

from chamba.auth.models import Role
from chamba.jobs.models import Job, JobSkill
from chamba.people.models import PersonSkill
from chamba.taxonomy.models import Skill
from chamba.vocab import Requirement, SkillSource, SkillType

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STAFF = (Role.COUNSELOR, Role.ANALYST, Role.ADMIN)
OTHERS = (Role.SEEKER, Role.EMPLOYER, Role.PROVIDER)


def _world() -> ModuleType:
    name = "chamba_tests_insights_world"
    if name not in sys.modules:
        path = Path(__file__).with_name("insights_world.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


w = _world()


def _demand_world(session: Session) -> None:
    """Ica: 3 jobs (5 openings) ask for a skill whose label looks like a formula, and 12
    people hold it; 2 jobs ask for cooking, held by 4 people (hidden supply). The people have
    held their skills since January 2025 (supply counts closed months)."""
    formula = Skill(id="tiw_formula", label_es='=HYPERLINK("http://x.example")',
                    label_en="+Formula", type=SkillType.SKILL)  # fmt: skip
    cook = Skill(id="tiw_cook_skill", label_es="Cocina", label_en="Cooking", type=SkillType.SKILL)
    session.add_all([formula, cook])
    session.flush()
    for skill, openings in (("tiw_formula", [1, 2, 2]), ("tiw_cook_skill", [1, 1])):
        for n in openings:
            job = Job(title="Puesto", ubigeo="110101", openings=n)
            session.add(job)
            session.flush()
            session.add(JobSkill(job_id=job.id, skill_id=skill, requirement=Requirement.ESSENTIAL))
    for skill, people in (("tiw_formula", 12), ("tiw_cook_skill", 4)):
        for _ in range(people):
            p = w.person(session)
            session.add(PersonSkill(person_id=p.id, skill_id=skill, source=SkillSource.DECLARED,
                                    created_at=w.JOINED))  # fmt: skip
    session.commit()


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.text)))


def _assert_png(response: Any) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    data = response.content
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    assert len(data) < 150_000
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ----------------------------------------------------------------------------- demand


def test_demand_json_csv_and_chart(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN the demand world and a seeker
    _demand_world(seeded_session)
    seeker = make_user(Role.SEEKER)
    url = "/api/v1/insights/demand?region=11&skill=tiw_formula&skill=tiw_cook_skill"
    # WHEN the seeker asks for demand in Ica as JSON
    rows = client.get(url, headers=seeker.headers).json()
    # THEN both skills appear; the small supply of cooks is hidden
    by_skill = {r["skill_id"]: r for r in rows}
    assert by_skill["tiw_formula"]["openings"] == 5
    assert by_skill["tiw_formula"]["supply"] == 12
    assert by_skill["tiw_cook_skill"]["supply"] is None
    assert by_skill["tiw_cook_skill"]["supply_suppressed"] is True
    # WHEN the same is asked as CSV, by query and by Accept header
    for response in (
        client.get(url + "&format=csv", headers=seeker.headers),
        client.get(url, headers={**seeker.headers, "Accept": "text/csv"}),
    ):
        table = _csv(response)
        # THEN the formula-like labels are neutralised and hidden supply is an empty cell
        cells = {r["skill_id"]: r for r in table}
        assert cells["tiw_formula"]["skill_label_es"] == '\'=HYPERLINK("http://x.example")'
        assert cells["tiw_formula"]["skill_label_en"] == "'+Formula"
        assert cells["tiw_cook_skill"]["supply"] == ""
        # (a negative number stays a number: only text may not start like a formula)
        assert all(
            not v.startswith(("=", "+", "-", "@")) or re.fullmatch(r"-\d+(\.\d+)?", v)
            for r in table
            for v in r.values()
        )
    # AND the chart is a small valid PNG
    width, height = _assert_png(
        client.get("/api/v1/insights/demand/chart.png?region=11&top=5", headers=seeker.headers)
    )
    assert (width, height) > (100, 50)
    _assert_png(client.get("/api/v1/insights/demand/chart.png?lang=en", headers=seeker.headers))


def test_demand_refuses_a_lower_threshold_and_bad_regions(client: Any, make_user: MakeUser) -> None:
    analyst = make_user(Role.ANALYST)
    assert_problem(
        client.get("/api/v1/insights/demand?min_group=2", headers=analyst.headers),
        422,
        field="min_group",
    )
    assert_problem(
        client.get("/api/v1/insights/demand?region=Ica", headers=analyst.headers),
        422,
        field="region",
    )


# ----------------------------------------------------------------------------- funnel


def test_funnel_json_csv_and_chart(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN the funnel world and an analyst
    w.build_funnel(seeded_session)
    seeded_session.commit()
    analyst = make_user(Role.ANALYST)
    url = "/api/v1/insights/funnel?occupation=tiw_cook&since=2025-06-01T00:00:00&until=2025-07-01"
    # WHEN the June funnel is read
    body = client.get(url, headers=analyst.headers).json()
    # THEN Ica's job funnel is hidden with Lima's (the total minus Ica would say that Lima and
    # the erased person are 4), its course funnel (nobody else took the course) is shown
    regions = {g["region_code"]: g for g in body["regions"]}
    assert [s["people"] for s in regions["11"]["jobs"]] == [None] * 5
    assert [s["people"] for s in regions["11"]["courses"]] == [12, None, None]  # 2 stopped
    assert [s["people"] for s in regions["15"]["jobs"]] == [None] * 5
    assert body["min_group"] == 10
    # WHEN it is read as CSV
    table = _csv(client.get(url + "&format=csv", headers=analyst.headers))
    # THEN one row per group, funnel and stage, hidden counts empty
    ica_jobs = [r for r in table if r["region_code"] == "11" and r["funnel"] == "jobs"]
    assert [r["people"] for r in ica_jobs] == [""] * 5
    assert [r["suppressed"] for r in ica_jobs] == ["true"] * 5
    ica_courses = [r for r in table if r["region_code"] == "11" and r["funnel"] == "courses"]
    assert [r["people"] for r in ica_courses] == ["12", "", ""]
    assert table[0]["region_code"] == "ALL"
    # AND the chart is a valid PNG, for a region and overall
    _assert_png(client.get("/api/v1/insights/funnel/chart.png?region=11", headers=analyst.headers))
    _assert_png(client.get("/api/v1/insights/funnel/chart.png?lang=en", headers=analyst.headers))


# ----------------------------------------------------------------------------- impact


def test_impact_provider_sees_only_its_own(
    client: Any, make_user: MakeUser, seeded_session: Session
) -> None:
    # GIVEN the impact world, a user of provider A and a user of provider B
    ids = w.build_impact(seeded_session)
    seeded_session.commit()
    a = make_user(Role.PROVIDER, organisation_id=ids["provider_a"])
    b = make_user(Role.PROVIDER, organisation_id=ids["provider_b"])
    # WHEN A asks without naming a provider
    body = client.get("/api/v1/insights/impact", headers=a.headers).json()
    # THEN it gets its own graduates only, labelled observational
    assert body["provider_id"] == ids["provider_a"]
    assert body["observational"] is True
    assert [c["course_id"] for c in body["courses"]] == [ids["course_a"]]
    # (today every follow-up has ended: A has 23 graduates, B 4; A's 23 are hidden, as all
    # providers' 27 minus A's 23 would give B's 4 away)
    assert body["completers"]["people"] is None
    assert body["completers"]["suppressed"] is True
    # AND naming itself or its course works; B's id or B's course is refused
    own = f"/api/v1/insights/impact?provider_id={ids['provider_a']}&course_id={ids['course_a']}"
    assert client.get(own, headers=a.headers).status_code == 200
    assert_problem(
        client.get(f"/api/v1/insights/impact?provider_id={ids['provider_b']}", headers=a.headers),
        403,
    )
    assert_problem(
        client.get(f"/api/v1/insights/impact?course_id={ids['course_b']}", headers=a.headers), 403
    )
    # AND B sees its 4 graduates as hidden
    small = client.get("/api/v1/insights/impact", headers=b.headers).json()
    assert small["completers"]["people"] is None
    assert small["completers"]["suppressed"] is True
    # AND a provider account without an organisation is refused
    lone = make_user(Role.PROVIDER)
    assert_problem(client.get("/api/v1/insights/impact", headers=lone.headers), 403)
    # AND staff see any provider; an unknown course is a 404
    analyst = make_user(Role.ANALYST)
    url = f"/api/v1/insights/impact?provider_id={ids['provider_b']}"
    assert client.get(url, headers=analyst.headers).status_code == 200
    assert_problem(client.get("/api/v1/insights/impact?course_id=999999", headers=a.headers), 404)


def test_impact_csv_is_safe(client: Any, make_user: MakeUser, seeded_session: Session) -> None:
    # GIVEN the impact world (course A is titled "=Cocina peruana")
    ids = w.build_impact(seeded_session)
    seeded_session.commit()
    analyst = make_user(Role.ANALYST)
    # WHEN the impact is downloaded as CSV
    table = _csv(client.get("/api/v1/insights/impact?format=csv", headers=analyst.headers))
    # THEN the groups, the courses and the observational note are rows; the title is neutralised
    groups = [r["group"] for r in table]
    assert groups == ["completers", "comparison", "course", "course", "note"]
    course_a = next(r for r in table if r["course_id"] == str(ids["course_a"]))
    assert course_a["title"] == "'=Cocina peruana"
    course_b = next(r for r in table if r["course_id"] == str(ids["course_b"]))
    assert (course_b["people"], course_b["applied"], course_b["suppressed"]) == ("", "", "true")
    assert "not a causal" in table[-1]["title"]


# ----------------------------------------------------------------------------- fairness


def test_fairness_json_and_csv(client: Any, make_user: MakeUser, seeded_session: Session) -> None:
    # GIVEN the fairness world
    w.build_fairness(seeded_session)
    seeded_session.commit()
    counselor = make_user(Role.COUNSELOR)
    # WHEN fairness is read
    body = client.get("/api/v1/insights/fairness", headers=counselor.headers).json()
    rows = {(r["dimension"], r["group"]): r for r in body["rows"]}
    # THEN the 3 'other' people are hidden, and so are women (43 - 20 - 20 would give the 3
    # away); men's exposure and application gaps are flagged
    assert rows[("gender", "other")]["people"] is None
    assert rows[("gender", "female")]["people"] is None
    assert rows[("gender", "male")]["people"] == 20
    assert rows[("gender", "male")]["flagged"] == ["exposure", "application"]
    # WHEN it is read as CSV
    table = _csv(
        client.get("/api/v1/insights/fairness", headers={**counselor.headers, "Accept": "text/csv"})
    )
    # THEN the overall row comes first, flags are |-joined and hidden counts are empty
    assert table[0]["dimension"] == "all"
    men = next(r for r in table if r["group"] == "male")
    assert (men["people"], men["flagged"]) == ("20", "exposure|application")
    women = next(r for r in table if r["group"] == "female")
    assert (women["people"], women["suppressed"]) == ("", "true")
    other = next(r for r in table if r["group"] == "other")
    assert (other["people"], other["suppressed"]) == ("", "true")


# ----------------------------------------------------------------------------- who may see


ROUTES_FOR_ALL = ("/api/v1/insights/demand", "/api/v1/insights/demand/chart.png")
STAFF_ROUTES = (
    "/api/v1/insights/funnel",
    "/api/v1/insights/funnel/chart.png",
    "/api/v1/insights/fairness",
)


def test_authorisation_matrix(client: Any, make_user: MakeUser, seeded_session: Session) -> None:
    # GIVEN one user of every role (the provider with an organisation)
    ids = w.build_impact(seeded_session)
    seeded_session.commit()
    users = {role: make_user(role) for role in Role if role != Role.PROVIDER}
    users[Role.PROVIDER] = make_user(Role.PROVIDER, organisation_id=ids["provider_a"])
    expected: dict[str, dict[Role | None, int]] = {}
    for url in ROUTES_FOR_ALL:
        expected[url] = {None: 401, **dict.fromkeys(Role, 200)}
    for url in STAFF_ROUTES:
        expected[url] = {None: 401, **dict.fromkeys(OTHERS, 403), **dict.fromkeys(STAFF, 200)}
    expected["/api/v1/insights/impact"] = {
        None: 401, Role.SEEKER: 403, Role.EMPLOYER: 403, Role.PROVIDER: 200,
        **dict.fromkeys(STAFF, 200),
    }  # fmt: skip
    other = f"/api/v1/insights/impact?provider_id={ids['provider_b']}"
    expected[other] = {
        None: 401, Role.SEEKER: 403, Role.EMPLOYER: 403, Role.PROVIDER: 403,
        **dict.fromkeys(STAFF, 200),
    }  # fmt: skip
    # WHEN each role calls each route THEN the status is exactly the expected one
    got: dict[str, dict[Role | None, int]] = {}
    for url, want in expected.items():
        got[url] = {}
        for role in want:
            headers = users[role].headers if role is not None else {}
            response = client.get(url, headers=headers)
            got[url][role] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
    assert got == expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/insights/funnel?min_group=9",
        "/api/v1/insights/fairness?gap_threshold=1.5",
        "/api/v1/insights/impact?window_days=0",
        "/api/v1/insights/impact?window_days=181",
        "/api/v1/insights/funnel?format=xml",
        "/api/v1/insights/funnel?since=2025-07-01&until=2025-06-01",
    ],
)
def test_bad_queries_are_422(client: Any, make_user: MakeUser, url: str) -> None:
    analyst = make_user(Role.ANALYST)
    assert_problem(client.get(url, headers=analyst.headers), 422)


def test_a_follow_up_off_the_menu_is_a_clear_problem(client: Any, make_user: MakeUser) -> None:
    # GIVEN an analyst
    analyst = make_user(Role.ANALYST)
    # WHEN a follow-up of 181 days is asked for (next to 180: the subtraction attack)
    response = client.get("/api/v1/insights/impact?window_days=181", headers=analyst.headers)
    # THEN a 422 problem document names the follow-ups there are
    assert_problem(response, 422)
    assert "30, 90, 180, 365" in response.json()["detail"]
