"""Labour-market demand per region × skill, supply, gaps, privacy suppression."""

from __future__ import annotations

import importlib.util
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from chamba.errors import InvalidInput
from chamba.insights.demand import REMOTE_REGION, demand_index, skill_demand
from chamba.people.models import PersonSkill


def _world() -> ModuleType:
    name = "chamba_tests_pathway_world"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).parents[1] / "matching" / "pathway_world.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pw = _world()
sid = pw.sid
AS_OF = pw.AS_OF
SKILLS = [sid(s) for s in ("known", "weld", "elec", "excel", "opt")]


def _build(session: Session) -> None:
    """The pathway world plus: a 4-opening welding job in Ica without a wage (optional: blueprint
    reading); five welders in Ica; two remote-ready electricians in Lima.

    Open, non-expired jobs: Ica (110102) near {known, weld, elec} 1500-2500, qualified {known}
    1000-1200, excel {known, weld, excel} 1500-2500, big {weld; opt optional} x4; Lima (150101)
    far {known, weld, elec} 3000-4000; remote {known, weld, elec} 2800-3200.
    """
    pw.build(session)
    pw.add_job(session, ["weld"], optional=("opt",), wage=None, openings=4, ubigeo="110201")
    for _ in range(5):
        pw.add_person(session, ["weld"], ubigeo="110101")
    for _ in range(2):
        pw.add_person(session, ["elec"], ubigeo="150101", remote=True)


JOINED = datetime(2025, 1, 15, tzinfo=UTC)


def _joined(session: Session) -> None:
    """Everyone's skills held since January 2025 (supply is a snapshot of closed months: a
    skill added in the month of ``AS_OF`` or later does not count yet)."""
    session.execute(update(PersonSkill).values(created_at=JOINED))
    session.flush()


def _rows(session: Session, **kw: object) -> dict[tuple[str, str], object]:
    _joined(session)
    rows = skill_demand(session, skill_ids=SKILLS, as_of=AS_OF, **kw)  # type: ignore[arg-type]
    return {(r.region_code, r.skill_id.removeprefix("tpw_")): r for r in rows}


def test_department_counts_wages_supply_and_gap(session: Session) -> None:
    # GIVEN the world above
    _build(session)
    # WHEN demand per department is computed
    rows = _rows(session)
    # THEN Ica welding: 3 jobs, 6 openings, median of midpoints 2000, 5 welders, gap 1
    weld = rows[("11", "weld")]
    assert (weld.open_jobs, weld.essential_jobs, weld.openings) == (3, 3, 6)  # type: ignore[attr-defined]
    assert weld.median_wage == 2000.0  # type: ignore[attr-defined]
    assert weld.supply == 5
    assert not weld.supply_suppressed
    assert weld.gap == 1
    assert weld.gap_ratio == 1.2
    assert weld.remote_jobs == 1
    assert weld.region_name == "Ica"
    assert weld.skill_label_es == "Soldadura"
    assert weld.skill_label_en == "Welding"
    # AND customer service in Ica: 3 jobs, median(2000, 1100, 2000); one person: suppressed
    known = rows[("11", "known")]
    assert known.open_jobs == 3
    assert known.median_wage == 2000.0
    assert known.supply is None
    assert known.supply_suppressed
    assert known.gap is None
    # AND electricity in Ica: nobody has it (zero is shown), ratio undefined
    elec = rows[("11", "elec")]
    assert (elec.supply, elec.gap, elec.gap_ratio) == (0, 1, None)  # type: ignore[attr-defined]
    # AND an optional listing counts as a job but not as essential; no wage stated
    opt = rows[("11", "opt")]
    assert (opt.open_jobs, opt.essential_jobs, opt.openings, opt.median_wage) == (1, 0, 4, None)  # type: ignore[attr-defined]
    # AND Lima has its own rows; closed and expired jobs never count
    assert rows[("15", "weld")].open_jobs == 1
    assert rows[("15", "weld")].median_wage == 3500.0


def test_remote_pseudo_region(session: Session) -> None:
    # GIVEN the world above
    _build(session)
    # WHEN demand is computed for every region, then for REMOTE only
    rows = _rows(session)
    remote_only = _rows(session, region=REMOTE_REGION)
    # THEN the remote job counts once, under REMOTE, with remote-ready supply (2: suppressed)
    r = rows[(REMOTE_REGION, "elec")]
    assert r.open_jobs == 1
    assert r.median_wage == 3000.0
    assert r.supply is None
    assert r.supply_suppressed
    assert set(remote_only) == {(REMOTE_REGION, s) for s in ("known", "weld", "elec")}
    # AND with a threshold of 2 the remote supply is shown
    shown = _rows(session, region=REMOTE_REGION, min_group=2)
    assert shown[(REMOTE_REGION, "elec")].supply == 2  # type: ignore[attr-defined]


def test_region_filter_and_province_level(session: Session) -> None:
    # GIVEN the world above
    _build(session)
    # WHEN Ica is asked by province
    rows = _rows(session, region="11", level="province", min_group=1)
    # THEN Ica province (1101) and Chincha (1102) appear, no Lima and no REMOTE rows
    assert {k[0] for k in rows} == {"1101", "1102"}
    assert rows[("1101", "weld")].open_jobs == 2  # type: ignore[attr-defined]
    assert rows[("1102", "weld")].openings == 4  # type: ignore[attr-defined]
    assert rows[("1101", "known")].supply == 1  # type: ignore[attr-defined]
    assert rows[("1101", "weld")].remote_jobs == 1  # type: ignore[attr-defined]


def test_supply_only_rows_need_a_big_enough_group(session: Session) -> None:
    # GIVEN five Ica welders and no jobs at all for "excel" in Lima
    _build(session)
    # WHEN asked for Ica only
    rows = _rows(session, region="11")
    # THEN each row has demand or a visible supply
    for row in rows.values():
        assert row.open_jobs > 0 or (row.supply or 0) >= 5  # type: ignore[attr-defined]


def test_demand_index(session: Session) -> None:
    # GIVEN the world above
    _build(session)
    # WHEN the index is computed
    index = demand_index(session, as_of=AS_OF, fresh=True)
    # THEN the most opened (Ica welding: 6) scores 1, others by log1p
    assert index[("11", sid("weld"))] == pytest.approx(1.0)
    assert index[("11", sid("elec"))] == pytest.approx(math.log(2) / math.log(7))
    assert index[(REMOTE_REGION, sid("elec"))] == pytest.approx(math.log(2) / math.log(7))
    assert all(0.0 < v <= 1.0 for v in index.values())
    # AND it is cached for the session
    assert demand_index(session, as_of=AS_OF) == index


def test_bad_input(session: Session) -> None:
    # GIVEN / WHEN / THEN malformed arguments are InvalidInput
    with pytest.raises(InvalidInput):
        skill_demand(session, level="district")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        skill_demand(session, region="Ica")
    with pytest.raises(InvalidInput):
        skill_demand(session, min_group=0)
    # AND an empty database gives no rows
    assert skill_demand(session, skill_ids=["no-such-skill"]) == []


def _ica_welders(session: Session) -> None:
    """The pathway world with 12 more welders in district 110101 (province 1101) and 3 in 110201."""
    pw.build(session)
    for _ in range(12):
        pw.add_person(session, ["weld"], ubigeo="110101")
    for _ in range(3):
        pw.add_person(session, ["weld"], ubigeo="110201")


def test_a_hidden_province_cannot_be_recovered_from_its_department(session: Session) -> None:
    # GIVEN the pathway world with 12 more welders in province 1101 (Ica) and 3 in 1102
    _ica_welders(session)
    # WHEN Ica's welders are read by department and by province (groups of at least 5)
    department = _rows(session, region="11")[("11", "weld")].supply  # type: ignore[attr-defined]
    provinces = {
        code: row.supply  # type: ignore[attr-defined]
        for (code, skill), row in _rows(session, region="11", level="province").items()
        if skill == "weld"
    }
    # THEN the department is shown, 1102's 3 are hidden (no row: no job there, few people), and
    # the shown provinces leave nothing small unexplained in the department: 1101 is hidden too
    assert department is not None
    assert department >= 15
    assert provinces.get("1102") is None
    assert "1101" in provinces
    assert provinces["1101"] is None
    residual = department - sum(n for n in provinces.values() if n is not None)
    assert residual >= 5
    # AND each province asked for alone (at department level, or at its own) is as hidden
    for code in ("1101", "1102"):
        row = _rows(session, region=code).get(("11", "weld"))
        assert row is None or row.supply is None  # type: ignore[attr-defined]
        alone = _rows(session, region=code, level="province").get((code, "weld"))
        assert alone is None or alone.supply is None  # type: ignore[attr-defined]


def test_a_district_cannot_give_away_its_hidden_province(session: Session) -> None:
    # GIVEN the pathway world with 12 more welders in district 110101 (province 1101 is hidden
    # among Ica's provinces, next to 1102's 3, see the previous test)
    _ica_welders(session)
    department = _rows(session, region="11")[("11", "weld")].supply  # type: ignore[attr-defined]
    province = _rows(session, region="1101", level="province").get(("1101", "weld"))
    # WHEN the district 110101 is asked for alone (the subtraction attack: the department
    # minus the district, when the district is the whole province, is 1102's 3)
    district = _rows(session, region="110101", level="province").get(("1101", "weld"))
    # THEN the department shows, and neither the province nor its district does
    assert department is not None
    assert province is None or province.supply is None  # type: ignore[attr-defined]
    assert district is None or district.supply is None  # type: ignore[attr-defined]


def test_supply_is_a_snapshot_of_closed_months(session: Session) -> None:
    # GIVEN the world (5 welders in Ica since January 2025) and 3 more who add the skill today
    _build(session)
    _joined(session)
    for _ in range(3):
        pw.add_person(session, ["weld"], ubigeo="110101")
    session.flush()
    now = datetime.now(UTC)

    def ica_welders(as_of: datetime) -> int | None:
        rows = skill_demand(session, skill_ids=SKILLS, as_of=as_of, min_group=1)
        row = next(r for r in rows if (r.region_code, r.skill_id) == ("11", sid("weld")))
        return row.supply

    # WHEN the supply is read today and again later this month (the subtraction attack on a
    # live count: the second reading minus the first is the day's new welders)
    # THEN both readings count the people who held the skill when the month began: 5
    assert ica_welders(now) == ica_welders(now + timedelta(seconds=1)) == 5
    # AND today's 3 count once their month has closed (a whole month's additions at once)
    assert ica_welders(now + timedelta(days=32)) == 8
