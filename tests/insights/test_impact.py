"""Training impact: completers' outcomes against a standardised comparison group."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.insights.impact import FOLLOW_UP_DAYS, impact


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


def test_provider_graduates_against_comparison(session: Session) -> None:
    # GIVEN the impact world
    ids = w.build_impact(session)
    # WHEN provider A's impact is computed on 2025-06-30 with a 180-day follow-up (groups of 4:
    # with 10, A would be hidden to protect B's 4, see the next test)
    r = impact(session, provider_id=ids["provider_a"], as_of=w.AS_OF, min_group=4)
    # THEN it is labelled observational
    assert r.observational is True
    assert "not a causal" in r.note
    # AND 20 graduates (completed interactions and certified skills alike), 15 applied after
    # finishing (applications before it do not count), 10 hired
    c = r.completers
    assert (c.people, c.applied, c.hired) == (20, 15, 10)
    assert (c.applied_rate, c.hired_rate) == (0.75, 0.5)
    assert not c.suppressed
    # AND the comparison is the 20 Ica people of the same education; Lima's stratum is unused
    k = r.comparison
    assert (k.people, k.applied, k.hired) == (20, 10, 0)
    assert (k.applied_rate, k.hired_rate) == (0.5, 0.0)
    assert r.comparison_coverage == 1.0
    assert (r.applied_rate_difference, r.hired_rate_difference) == (0.25, 0.5)
    # AND the 3 recent graduates are left out, their count hidden
    assert r.follow_up_incomplete is None
    # AND only provider A's course is listed
    assert [(x.course_id, x.graduates, x.hired) for x in r.courses] == [(ids["course_a"], 20, 10)]
    assert r.courses[0].title == "=Cocina peruana"


def test_small_groups_are_suppressed(session: Session) -> None:
    # GIVEN the impact world
    ids = w.build_impact(session)
    # WHEN provider B (4 graduates) is looked at
    r = impact(session, provider_id=ids["provider_b"], as_of=w.AS_OF)
    # THEN nothing about its graduates is shown, and no difference either
    assert r.completers.people is None
    assert r.completers.applied is None  # not "0 of a hidden few applied"
    assert r.completers.suppressed
    assert r.completers.applied_rate is None
    assert r.applied_rate_difference is None
    assert r.hired_rate_difference is None
    assert r.comparison_coverage is None
    row = r.courses[0]
    assert (row.course_id, row.graduates, row.applied_rate, row.suppressed) == (
        ids["course_b"], None, None, True,
    )  # fmt: skip


def test_a_provider_asked_for_alone_is_as_hidden_as_among_all_providers(
    session: Session,
) -> None:
    # GIVEN the impact world: over 180 days, 24 graduates, A's 20 and B's 4
    ids = w.build_impact(session)
    # WHEN all providers' and provider A's impact are read
    everyone = impact(session, as_of=w.AS_OF)
    a = impact(session, provider_id=ids["provider_a"], as_of=w.AS_OF)
    course_a = impact(session, course_id=ids["course_a"], as_of=w.AS_OF)
    # THEN everyone's 24 show, and A's 20 do not, alone or through its course: 24 - 20 would
    # be B's 4
    assert everyone.completers.people == 24
    assert (a.completers.people, a.completers.applied, a.completers.hired) == (None,) * 3
    assert a.courses[0].graduates is None
    assert course_a.completers.people is None
    # AND without the rule they would (groups of 1)
    assert (
        impact(session, provider_id=ids["provider_a"], as_of=w.AS_OF, min_group=1).completers.people
        == 20
    )


def test_a_hidden_course_cannot_be_recovered_from_the_completers(session: Session) -> None:
    # GIVEN the impact world: over 180 days, 24 graduates: A's 20 and B's 4
    ids = w.build_impact(session)
    # WHEN every course is included
    r = impact(session, as_of=w.AS_OF)
    # THEN the completers show 24, B's 4 are hidden, and so is A (24 - 20 would give B away)
    assert r.completers.people == 24
    rows = {x.course_id: x for x in r.courses}
    assert rows[ids["course_b"]].graduates is None
    assert (rows[ids["course_a"]].graduates, rows[ids["course_a"]].hired) == (None, None)
    assert all(x.suppressed for x in r.courses)
    # AND with groups of 4, nothing needs hiding
    r4 = impact(session, as_of=w.AS_OF, min_group=4)
    assert sorted(x.graduates or 0 for x in r4.courses) == [4, 20]


def test_all_courses_and_follow_up(session: Session) -> None:
    # GIVEN the impact world
    ids = w.build_impact(session)
    # WHEN every course is included and the follow-up is short (30 days)
    r = impact(session, as_of=w.AS_OF, window_days=30)
    # THEN 24 graduates: the 3 of May 2025 are still pending, as a month's graduates are
    # followed up 30 days after the month's end (1 July); the applications on day 30 or later
    # are outside [0, 30) days
    assert r.completers.people == 24
    assert r.follow_up_incomplete is None  # 3, hidden
    assert r.completers.applied == 0
    # AND with a lower threshold the 3 recent graduates show up as pending
    r3 = impact(session, course_id=ids["course_a"], as_of=w.AS_OF, window_days=30, min_group=3)
    assert r3.follow_up_incomplete == 3
    assert r3.completers.people == 20
    # AND a region without completers gives zeros and no comparison
    lima = impact(session, region="15", as_of=w.AS_OF)
    assert lima.completers.people == 0
    assert lima.comparison.applied_rate is None
    assert lima.courses == []


def test_completers_of_two_windows_do_not_give_a_few_away(session: Session) -> None:
    # GIVEN the impact world: 24 graduates in June 2024, 3 in May 2025
    w.build_impact(session)
    july = datetime(2025, 7, 15, tzinfo=UTC)
    # WHEN, in July 2025 with a 30-day follow-up, the completers until May and since ever are
    # read (the subtraction attack: the second minus the first is May's 3 graduates)
    may = datetime(2025, 5, 1, tzinfo=UTC)
    until_may = impact(session, until=may, as_of=july, window_days=30)
    since_ever = impact(session, as_of=july, window_days=30)
    # THEN "since ever", which ends later, hides all its counts (it differs by 3 from "until
    # May", which shares its start); "until May", the older window, stays shown
    assert until_may.completers.people == 24
    c = since_ever.completers
    assert (c.people, c.applied, c.hired, c.suppressed) == (None, None, None, True)
    # AND so does the report of their department (through the same rule)
    assert impact(session, region="11", as_of=july, window_days=30).completers.people is None
    # AND without the rule (groups of 3: a difference of 3 is not small) both show
    assert impact(session, as_of=july, window_days=30, min_group=3).completers.people == 27
    assert (
        impact(session, until=may, as_of=july, window_days=30, min_group=3).completers.people == 24
    )


@pytest.mark.parametrize("days", [1, 31, 32, 179, 181, 364, 730])
def test_a_follow_up_is_one_of_a_fixed_menu(session: Session, days: int) -> None:
    # GIVEN any follow-up off the menu (two nearly equal ones, 180 and 181 days, would differ by
    # the people whose outcome fell on day 181)
    # WHEN it is asked for
    # THEN it is refused, naming the menu
    with pytest.raises(InvalidInput, match="30, 90, 180, 365"):
        impact(session, window_days=days)
    assert FOLLOW_UP_DAYS == (30, 90, 180, 365)


def test_two_follow_ups_of_the_menu_do_not_give_a_few_away(session: Session) -> None:
    # GIVEN the impact world (of A's 20 graduates of June 2024, 15 applied within 90 days) and
    # 3 more graduates of A that month who applied on day 100
    ids = w.build_impact(session)
    job = w.job(session, None)
    for _ in range(3):
        p = w.person(session, education=w.EducationLevel.SECONDARY, created_at=w.BEFORE)
        w.complete(session, p, ids["course_a"], w.COMPLETED, certified=False)
        w.apply(session, p, job.id, w.COMPLETED + timedelta(days=100), hired=False)
    session.flush()
    # WHEN the 90- and 180-day follow-ups are read (the subtraction attack: 18 - 15 = the 3
    # who applied between day 90 and day 180)
    ninety = impact(session, course_id=ids["course_a"], as_of=w.AS_OF, window_days=90,
                    min_group=4)  # fmt: skip
    longer = impact(session, course_id=ids["course_a"], as_of=w.AS_OF, window_days=180,
                    min_group=4)  # fmt: skip
    # THEN the shorter follow-up shows its 15, the longer one hides its applied (and hired)
    assert (ninety.completers.people, ninety.completers.applied) == (23, 15)
    assert (longer.completers.people, longer.completers.applied) == (23, None)
    assert longer.completers.hired is None
    assert longer.completers.applied_rate is None
    # AND without the rule (groups of 3: a difference of 3 is not small) both would show
    loose = impact(session, course_id=ids["course_a"], as_of=w.AS_OF, window_days=180,
                   min_group=3)  # fmt: skip
    assert loose.completers.applied == 18


def test_comparison_hidden_when_its_stratum_is_small(session: Session) -> None:
    # GIVEN the impact world
    w.build_impact(session)
    # WHEN groups must hold at least 25 people
    r = impact(session, as_of=w.AS_OF, min_group=25)
    # THEN the Ica stratum (20 comparison people) is not used and nothing is shown
    assert r.comparison.people == 0
    assert r.comparison.applied_rate is None
    assert r.completers.people is None


@pytest.mark.parametrize(
    "kwargs", [{"window_days": 0}, {"window_days": 1000}, {"min_group": 0}, {"region": "x"}]
)
def test_bad_arguments(session: Session, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        impact(session, **kwargs)  # type: ignore[arg-type]


def test_a_report_does_not_change_within_a_month(session: Session) -> None:
    # GIVEN the impact world
    from datetime import UTC, datetime

    w.build_impact(session)
    # WHEN it is read on 2 and on 30 June 2025
    early = impact(session, as_of=datetime(2025, 6, 2, tzinfo=UTC))
    late = impact(session, as_of=w.AS_OF)
    # THEN both follow people up to 1 June: the same report
    assert early == late
    assert late.as_of == datetime(2025, 6, 1, tzinfo=UTC)


def test_a_province_asked_for_alone_is_as_hidden_as_among_its_department(
    session: Session,
) -> None:
    # GIVEN the impact world (24 graduates in Ica province, 1101) and 3 more in Chincha (1102)
    ids = w.build_impact(session)
    for _ in range(3):
        p = w.person(session, ubigeo="110201", education=w.EducationLevel.SECONDARY,
                     created_at=w.BEFORE)  # fmt: skip
        w.complete(session, p, ids["course_a"], w.COMPLETED, certified=False)
    session.flush()
    # WHEN the department and its province of Ica are read (the subtraction attack: the
    # department minus the province is Chincha's 3)
    department = impact(session, region="11", as_of=w.AS_OF)
    province = impact(session, region="1101", as_of=w.AS_OF)
    district = impact(session, region="110101", as_of=w.AS_OF)
    # THEN the department shows its 27, and neither the province nor its district shows 24
    assert department.completers.people == 27
    assert province.completers.people is None
    assert district.completers.people is None
    # AND without the rule (groups of 3) they would
    assert impact(session, region="1101", as_of=w.AS_OF, min_group=3).completers.people == 24


def test_comparison_groups_of_two_windows_do_not_give_a_few_away(session: Session) -> None:
    # GIVEN the impact world (20 Ica comparison people registered in January 2024; graduates
    # in June 2024 and May 2025) and 3 more Ica people registered in September 2024
    w.build_impact(session)
    for _ in range(3):
        w.person(session, education=w.EducationLevel.SECONDARY,
                 created_at=datetime(2024, 9, 1, tzinfo=UTC))  # fmt: skip
    session.flush()
    july = datetime(2025, 7, 15, tzinfo=UTC)
    may = datetime(2025, 5, 1, tzinfo=UTC)
    # WHEN the comparison of May 2025's graduates (registered by 1 May 2025: 23) and of June
    # 2024's (registered by 1 June 2024: 20) are read — the subtraction attack: the 3
    # registered in between, and what they did
    recent = impact(session, since=may, as_of=july, window_days=30)
    june = impact(session, since=datetime(2024, 6, 1, tzinfo=UTC),
                  until=datetime(2024, 7, 1, tzinfo=UTC), as_of=july, window_days=30)  # fmt: skip
    # THEN the second shows its 20, the first hides its comparison counts: it starts later
    # than "since ever" (20), which shares its end, and differs from it by 3; "since ever",
    # the older window, stays shown
    assert june.comparison.people == 20
    assert impact(session, as_of=july, window_days=30).comparison.people == 20
    k = recent.comparison
    assert (k.people, k.applied, k.hired, k.suppressed) == (None, None, None, True)
    assert k.applied_rate is None
    # AND without the rule (groups of 3: a difference of 3 is not small) it would show 23
    assert (
        impact(session, since=may, as_of=july, window_days=30, min_group=3).comparison.people == 23
    )


def test_people_still_followed_up_in_two_windows_do_not_give_a_few_away(
    session: Session,
) -> None:
    # GIVEN the impact world (3 graduates on 1 May 2025) and 10 more graduates in April 2025
    ids = w.build_impact(session)
    for _ in range(10):
        p = w.person(session, education=w.EducationLevel.SECONDARY, created_at=w.BEFORE)
        w.complete(session, p, ids["course_a"], datetime(2025, 4, 10, tzinfo=UTC), certified=False)
    session.flush()
    # WHEN the people still followed up are read since ever (13) and until May (10), in June
    # 2025 with 180 days — the subtraction attack: May's 3
    since_ever = impact(session, as_of=w.AS_OF)
    until_may = impact(session, until=datetime(2025, 5, 1, tzinfo=UTC), as_of=w.AS_OF)
    # THEN neither shows its count
    assert since_ever.follow_up_incomplete is None
    assert until_may.follow_up_incomplete is None
    # AND without the rule (groups of 3) both would
    assert impact(session, as_of=w.AS_OF, min_group=3).follow_up_incomplete == 13


def test_a_course_row_follows_the_time_rule_like_the_course_report(session: Session) -> None:
    # GIVEN the impact world (A's 20 and B's 4 graduates of June 2024) and 3 more graduates of
    # A in July 2024
    ids = w.build_impact(session)
    for _ in range(3):
        p = w.person(session, education=w.EducationLevel.SECONDARY, created_at=w.BEFORE)
        w.complete(session, p, ids["course_a"], datetime(2024, 7, 10, tzinfo=UTC), certified=False)
    session.flush()
    june, july, august = (datetime(2024, m, 1, tzinfo=UTC) for m in (6, 7, 8))

    def course_a(until: datetime, course_id: int | None = None) -> int | None:
        r = impact(session, course_id=course_id, since=june, until=until, as_of=w.AS_OF,
                   window_days=30, min_group=4)  # fmt: skip
        if course_id is not None:
            return r.completers.people
        return next(c.graduates for c in r.courses if c.course_id == ids["course_a"])

    # WHEN A's graduates of June, and of June and July, are read in the report of every course
    # (the subtraction attack: 23 - 20 = July's 3)
    # THEN the later window hides A's row, as the report of course A alone hides its count
    assert course_a(july) == 20
    assert course_a(august, ids["course_a"]) is None
    assert course_a(august) is None


def test_comparison_groups_of_two_windows_without_a_common_end_do_not_give_a_few_away(
    session: Session,
) -> None:
    # GIVEN the impact world (24 graduates in June 2024, the Ica comparison people registered
    # in January 2024), 30 more graduates in December 2024, and 3 Ica people registered in
    # September 2024
    ids = w.build_impact(session)
    for _ in range(30):
        p = w.person(session, education=w.EducationLevel.SECONDARY, created_at=w.BEFORE)
        w.complete(session, p, ids["course_a"], datetime(2024, 12, 5, tzinfo=UTC), certified=False)
    for _ in range(3):
        w.person(session, education=w.EducationLevel.SECONDARY,
                 created_at=datetime(2024, 9, 1, tzinfo=UTC))  # fmt: skip
    session.flush()
    july = datetime(2025, 7, 15, tzinfo=UTC)

    def comparison(since: datetime, until: datetime, min_group: int = 10) -> int | None:
        return impact(session, since=since, until=until, as_of=july, window_days=30,
                      min_group=min_group).comparison.people  # fmt: skip

    # WHEN the comparison groups of June 2024's graduates (registered by June: 20) and of
    # December 2024's (registered by December: 23) are read: the two windows share no end,
    # and every window sharing an end with December's has December's median too (the
    # subtraction attack: the 3 registered in between, and what they did)
    june = comparison(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC))
    december = comparison(datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    # THEN the older window shows its 20 and the later one hides its comparison group
    assert june == 20
    assert december is None
    # AND without the rule (groups of 3: a difference of 3 is not small) it would show 23
    assert comparison(datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC), 3) == 23
