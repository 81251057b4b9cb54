"""Course options: best courses per skill, checked against a person's constraints."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from chamba.courses.models import Modality
from chamba.matching.course_options import CourseConstraints, course_options


def _world() -> ModuleType:
    name = "chamba_tests_pathway_world"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("pathway_world.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pw = _world()
sid = pw.sid


def test_defaults_follow_the_profile(session: Session) -> None:
    # GIVEN a person without internet, 10 h a week, 30 km radius; and one with internet
    w = pw.build(session)
    online = pw.add_person(session, [], remote=True, hours=None)
    online.max_distance_km = None
    # WHEN defaults are read
    offline_limits = CourseConstraints.defaults_for(w.person)
    online_limits = CourseConstraints.defaults_for(online)
    # THEN online is allowed only to the remote-ready, and the radius falls back to 30 km
    assert offline_limits.modalities == {Modality.IN_PERSON, Modality.HYBRID}
    assert offline_limits.hours_per_week == 10.0
    assert offline_limits.max_distance_km == 30.0
    assert offline_limits.budget is None
    assert online_limits.modalities is not None
    assert Modality.ONLINE in online_limits.modalities
    assert online_limits.hours_per_week is None
    assert online_limits.max_distance_km == 30.0


def test_options_ranked_fitting_first_then_cost(session: Session) -> None:
    # GIVEN the Ica world
    w = pw.build(session)
    # WHEN options for welding and electricity are asked with the profile's defaults
    opts = course_options(session, w.person, [sid("weld"), sid("elec")])
    # THEN fitting courses come first, cheapest first; blocked ones follow with the reason
    weld = [(o.title, o.fits, o.blocked_by) for o in opts[sid("weld")]]
    assert weld == [("B", True, []), ("A", True, []), ("E", False, ["hours_per_week"])]
    elec = [(o.title, o.fits, o.blocked_by) for o in opts[sid("elec")]]
    assert elec == [("C", True, []), ("A", True, []), ("D", False, ["modality"])]
    b = opts[sid("weld")][0]
    assert b.provider == "CETPRO Ica"
    assert b.cost == Decimal("100")
    assert b.hours == 30
    assert b.weeks == 6
    assert b.hours_per_week == 5.0
    assert b.distance_km == 0.0
    assert opts[sid("weld")][1].skills_taught == [sid("elec"), sid("weld")]


def test_all_options_and_closed_courses(session: Session) -> None:
    # GIVEN the Ica world
    w = pw.build(session)
    # WHEN every option for electricity is asked (per_skill=0)
    opts = course_options(session, w.person, [sid("elec")], per_skill=0, as_of=pw.AS_OF.date())[
        sid("elec")
    ]
    # THEN the closed course G is absent, the Lima course F is blocked by distance
    titles = {o.title: o for o in opts}
    assert set(titles) == {"A", "C", "D", "F"}
    assert titles["F"].blocked_by == ["distance"]
    assert titles["F"].distance_km is not None
    assert 260 < titles["F"].distance_km < 270
    assert titles["D"].distance_km is None
    assert str(titles["D"].next_start_date) == "2025-07-10"


def test_explicit_constraints_and_budget(session: Session) -> None:
    # GIVEN the Ica world and explicit limits: S/ 120, 25 h a week, any modality, 500 km
    w = pw.build(session)
    limits = CourseConstraints(
        budget=Decimal("120"), hours_per_week=25, modalities=None, max_distance_km=500
    )
    # WHEN options are asked
    opts = course_options(session, w.person, [sid("weld"), sid("elec")], limits, per_skill=0)
    # THEN budget blocks A and C; E, D and F now fit
    by = {o.title: o.blocked_by for o in opts[sid("weld")] + opts[sid("elec")]}
    assert by == {"A": ["budget"], "B": [], "C": ["budget"], "D": [], "E": [], "F": []}
    assert [o.title for o in opts[sid("elec")]] == ["D", "F", "C", "A"]


def test_unknown_and_empty_skills(session: Session) -> None:
    # GIVEN the Ica world
    w = pw.build(session)
    # WHEN asked for a skill no course teaches, an unknown id, or nothing
    opts = course_options(session, w.person, [sid("ghost"), "no-such-skill"])
    # THEN each gets an empty list, and nothing asked gives nothing
    assert opts == {sid("ghost"): [], "no-such-skill": []}
    assert course_options(session, w.person, []) == {}


def test_one_query_for_all_skills(session: Session) -> None:
    # GIVEN the Ica world and a statement counter
    w = pw.build(session)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    conn = session.connection()
    event.listen(conn, "before_cursor_execute", count)
    try:
        # WHEN options for five skills are asked
        course_options(session, w.person, [sid(s) for s in ("weld", "elec", "adv", "far", "web")])
    finally:
        event.remove(conn, "before_cursor_execute", count)
    # THEN one SELECT read them all
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def _reference(
    session: Session, person: Any, skills: list[str], limits: CourseConstraints, per_skill: int
) -> dict[str, list[Any]]:
    """What course_options returned before it ranked in numpy: every option, grouped, sorted."""
    from chamba.matching.course_options import load_options

    options = load_options(session, person, skills, limits, as_of=date(2025, 6, 1))
    out = {}
    for skill_id in skills:
        ranked = sorted(
            (o for o in options if skill_id in o.skills_taught),
            key=lambda o: (*o.sort_key(), o.course_id),
        )
        out[skill_id] = ranked[:per_skill] if per_skill > 0 else ranked
    return out


def test_ranked_options_equal_the_full_reference(session: Session) -> None:
    # GIVEN the Ica world, people near and far, with and without internet
    w = pw.build(session)
    people = [
        w.person,
        pw.add_person(session, [], remote=True, hours=None),
        pw.add_person(session, [], ubigeo="150101", remote=True, hours=3),
        pw.add_person(session, [], ubigeo=None),
    ]
    skills = [sid(s) for s in ("weld", "elec", "opt", "adv", "heavy", "far", "web", "ghost")]
    limits = [
        None,
        CourseConstraints(),
        CourseConstraints(budget=Decimal("100"), hours_per_week=5.0),
        CourseConstraints(budget=Decimal("99.99"), modalities={Modality.ONLINE}),
        CourseConstraints(max_distance_km=1.0, modalities={Modality.IN_PERSON, Modality.HYBRID}),
    ]
    # WHEN each asks for every skill with every set of limits and page size
    for person in people:
        for limit in limits:
            for per_skill in (0, 1, 2, 3):
                got = course_options(
                    session, person, skills, limit, per_skill, as_of=date(2025, 6, 1)
                )
                used = limit if limit is not None else CourseConstraints.defaults_for(person)
                # THEN the numpy ranking picks the same options, in the same order
                assert got == _reference(session, person, skills, used, per_skill)


def test_distances_per_place_equal_the_gazetteer_bit_for_bit() -> None:
    # GIVEN courses at real places (one listed twice), one unknown place and an online course
    import math

    from chamba.geo.service import get_gazetteer
    from chamba.matching.course_options import SkillCourses, _best, _km_to_places
    from chamba.matching.repository import CourseRow
    from chamba.people.models import Person

    places = ["110101", "150101", "080101", "110101", "999999", None]
    rows = [
        CourseRow(
            k,
            f"c{k}",
            None,
            Modality.ONLINE if place is None else Modality.IN_PERSON,
            Decimal(10 * k),
            False,
            False,
            40,
            4,
            None,
            place,
            "s",
            None,
        )  # fmt: skip
        for k, place in enumerate(places, start=1)
    ]
    block = SkillCourses.of(rows)
    gaz = get_gazetteer()
    for origin in ("110101", "150132", None, "999999"):
        person = Person(ubigeo=origin)
        # WHEN the distances of a ranking are measured once per place
        km = _km_to_places(person, [block])
        # THEN each course's equals the gazetteer's own float (NaN where a place is unknown)
        for k, place in enumerate(places):
            known = origin not in (None, "999999") and place not in (None, "999999")
            got = km[block.place[k]] if block.place[k] >= 0 else math.nan
            if known:
                assert got == gaz.distance_km(origin, place)
            else:
                assert math.isnan(got)
        # AND a radius puts the courses beyond it last (nearer first among the rest)
        far = {k for k in range(len(places)) if block.place[k] >= 0 and km[block.place[k]] > 30}
        order = _best(block, CourseConstraints(max_distance_km=30.0), 0, km).tolist()
        assert set(order[len(places) - len(far) :]) == far


def test_every_skill_ranked_at_once_equals_each_ranked_alone() -> None:
    # GIVEN random blocks of courses (some empty; shared places, costs and hours: ties)
    import random

    import numpy as np

    from chamba.matching.course_options import (
        _MODALITIES,
        SkillCourses,
        _best_of,
        _km_to_places,
    )
    from chamba.matching.repository import CourseRow
    from chamba.people.models import Person

    rng = random.Random(5)
    places = ["110101", "150101", "080101", "999999", None]
    for _ in range(40):
        blocks = []
        for b in range(rng.randint(1, 6)):
            rows = [
                CourseRow(
                    course_id,
                    f"c{course_id}",
                    None,
                    rng.choice(_MODALITIES),
                    Decimal(rng.choice([0, 50, 99.99, 100, 300])),
                    rng.random() < 0.2,
                    False,
                    rng.choice([20, 40, 60]),
                    rng.choice([None, 0, 2, 4, 8]),
                    None,
                    rng.choice(places),
                    f"s{b}",
                    None,
                )  # fmt: skip
                for course_id in rng.sample(range(1, 40), rng.randint(0, 9))
            ]
            blocks.append(SkillCourses.of(rows))
        person = Person(ubigeo=rng.choice(["110101", "150132", None]))
        km = _km_to_places(person, blocks)
        limits = CourseConstraints(
            budget=rng.choice([None, Decimal("99.99")]),
            hours_per_week=rng.choice([None, 5.0, 10.0]),
            modalities=rng.choice([None, {Modality.ONLINE}, {Modality.IN_PERSON}]),
            max_distance_km=rng.choice([None, 30.0, 300.0]),
        )
        per_skill = rng.choice([0, 1, 2, 3])
        # WHEN every block is ranked in one pass
        got = _best_of(blocks, limits, per_skill, km)
        # THEN each equals that block's own ranking by (fits, cost, hours, distance, id)
        for block, order in zip(blocks, got, strict=True):
            ranked = sorted(range(len(block.ids)), key=lambda k, b=block: _key(b, k, km, limits))
            assert order.tolist() == (ranked[:per_skill] if per_skill > 0 else ranked)
            assert order.dtype == np.intp


def _key(block: Any, k: int, km: Any, limits: CourseConstraints) -> tuple[Any, ...]:
    """One course's place in its skill's ranking, as violations() and sort_key() say."""
    import math

    row = block.rows[k]
    cost = Decimal("0") if row.is_free else Decimal(row.cost or 0)
    dist = km[block.place[k]] if block.place[k] >= 0 else math.nan
    per_week = block.per_week[k]
    blocked = (
        (limits.budget is not None and cost > limits.budget)
        or (limits.hours_per_week is not None and per_week > limits.hours_per_week)
        or (limits.modalities is not None and row.modality not in limits.modalities)
        or (limits.max_distance_km is not None and dist > limits.max_distance_km)
    )
    return (blocked, float(cost), row.hours, 0.0 if math.isnan(dist) else dist, row.course_id)
