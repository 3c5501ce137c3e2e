"""SPEC 5.1 (sustainment: depots within resupply range) and 5.2 (deployment flow against lift):
the independent verifier on hand-made plans that keep or break each rule, and the reports (the
Sustainment and Deployment sheets, Summary figures, shortfall reasons, comparison and sweep).

The model's own hand-derived optima of both rules are in test_model_rules.py; here every figure
is derived by hand from a plan written out below it.

The instances (``sustain_rows``, ``lift_rows``) put every location on the 50th parallel, where one
degree of longitude is about 71.5 km:

    L1    lon 30, UKR, no host support            (the task's base)
    NEAR  lon 32, about 143 km from L1, host support ``near_host`` t/day
    FAR   lon 36, about 429 km from L1, host support 100 t/day
    DEP   lon 31, about 72 km from L1, a depot site with no host support

supply_rate 40 t/day per 1,000 personnel: one company of 100 needs 4 t/day, a depot crew of 10
needs 0.4 t/day.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import problem_from_rows, tiny
from solving import solve_and_verify

from forcegen.domain import Allocation as A
from forcegen.domain import Plan
from forcegen.report import build_report
from forcegen.verify import RULE_LIFT, RULE_SUSTAINMENT, verify_plan
from forcegen.workbook.write import write_plan

META = dict(input_file="<test>", input_sha256="0" * 64, created_at="2026-01-01T00:00:00Z")


def _task(tid: str, priority: int = 1, start: int = 1, end: int = 2, pillar: str = "land") -> dict:
    return {"task": tid, "name": tid, "pillar": pillar, "priority": priority, "start_period": start,
            "end_period": end, "requires_ceasefire": "yes", "lead": "none"}


def site(lid: str, lon: float, host: float = 0, country: str = "UKR", **kw) -> dict:
    return {"location": lid, "name": f"Site {lid}", "country": country, "kind": "land_base", "latitude": 50.0,
            "longitude": lon, "host_throughput": host, **kw}


def sustain_rows(*, near_host: float = 4, resupply_km: float = 300, need: int = 2, horizon: int = 2,
                 depot: float | None = None) -> dict:
    """T1 (priority 1) at L1 needs ``need`` INF in every period; AAA pledges 3 INF at cost 10.

    With ``depot`` (its throughput, t/day): capability DEPOT (10 personnel), task T2 (priority 2)
    at DEP needs one, BBB pledges one (P-D).
    """
    rows = tiny()
    rows["Scenario"] = [{"parameter": "name", "value": "logistics"}, {"parameter": "horizon", "value": horizon},
                        {"parameter": "supply_rate", "value": 40}, {"parameter": "resupply_km", "value": resupply_km}]
    rows["Locations"] = [site("L1", 30), site("NEAR", 32, near_host), site("FAR", 36, 100), site("DEP", 31)]
    rows["Tasks"] = [_task("T1", end=horizon)]
    rows["Basing"] = [{"task": "T1", "location": "L1"}]
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": need}]
    rows["Pledges"] = [{"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 3, "cost_per_unit": 10}]
    if depot is not None:
        rows["Capabilities"].append({"capability": "DEPOT", "name": "Depot", "domain": "logistics", "unit": "depot",
                                     "personnel_per_unit": 10, "throughput": depot})
        rows["Tasks"].append(_task("T2", 2, end=horizon, pillar="logistics"))
        rows["Basing"].append({"task": "T2", "location": "DEP"})
        rows["Requirements"].append({"task": "T2", "capability": "DEPOT", "units": 1})
        rows["Pledges"].append({"pledge": "P-D", "nation": "BBB", "capability": "DEPOT", "units": 1})
    return rows


def lift_rows(*, lift: int = 100, airlift: bool = False, home_in_area: str = "no", horizon: int = 3) -> dict:
    """T1 (priority 1) at L1 needs 3 INF in periods 1..horizon; AAA pledges 3 INF at cost 10.

    With ``airlift``: capability ALIFT (10 personnel, moves 100 a period), task T0 (priority 1) at HOME
    (GBR, in_area ``home_in_area``) needs one, BBB pledges one (P-L).
    """
    rows = tiny()
    rows["Scenario"] = [{"parameter": "name", "value": "lift"}, {"parameter": "horizon", "value": horizon},
                        {"parameter": "lift_capacity", "value": lift}]
    rows["Tasks"] = [_task("T1", end=horizon)]
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": 3}]
    rows["Pledges"] = [{"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 3, "cost_per_unit": 10}]
    rows["Locations"].append({"location": "L2", "name": "Base two", "country": "UKR", "kind": "land_base"})
    if airlift:
        rows["Capabilities"].append({"capability": "ALIFT", "name": "Airlift", "domain": "logistics",
                                     "unit": "detachment", "personnel_per_unit": 10, "lift_per_period": 100})
        rows["Locations"].append({"location": "HOME", "name": "Home base", "country": "GBR", "kind": "air_base",
                                  "in_area": home_in_area})
        rows["Tasks"].append(_task("T0", end=horizon, pillar="logistics"))
        rows["Basing"].append({"task": "T0", "location": "HOME"})
        rows["Requirements"].append({"task": "T0", "capability": "ALIFT", "units": 1})
        rows["Pledges"].append({"pledge": "P-L", "nation": "BBB", "capability": "ALIFT", "units": 1})
    return rows


def _write(problem, allocations, tmp_path: Path) -> Path:
    out = tmp_path / "plan.xlsx"
    write_plan(build_report(problem, Plan(tuple(allocations)), **META), out)
    return out


def _verify(problem, allocations, tmp_path: Path):
    return verify_plan(problem, _write(problem, allocations, tmp_path))


def _broken(result, rule: str) -> list[str]:
    """The messages of ``rule``; no other rule may be broken (the Summary is written from the plan)."""
    assert not [v for v in result.violations if v.rule != rule], [str(v) for v in result.violations]
    return [v.message for v in result.violations if v.rule == rule]


# --------------------------------------------------------------------------- verify: sustainment


def test_the_verifier_accepts_supply_within_range_and_catches_too_little(tmp_path):
    problem = problem_from_rows(sustain_rows())
    # one company at L1 needs 4 t/day; NEAR (143 km) has 4: kept. FAR's 100 are out of range (429 km).
    assert _verify(problem, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)], tmp_path).ok
    # two companies in period 2 need 8 t/day; within 300 km only NEAR's 4 (rows 2 and 3 are period 2's)
    result = _verify(problem, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 2)], tmp_path)
    assert _broken(result, RULE_SUSTAINMENT) == [
        "period 2: supply within 300 km of L1 delivers at most 4 of 8 t/day needed (sources in range: NEAR 4; "
        "need = supply_rate 40 t/day per 1,000 personnel)"]
    assert result.violations[0].rows == (3,)


def test_the_verifier_counts_far_sources_once_the_range_reaches_them(tmp_path):
    problem = problem_from_rows(sustain_rows(resupply_km=500))
    assert _verify(problem, [A(1, "T1", "L1", "P-A", 2)], tmp_path).ok  # 8 t/day from NEAR 4 + FAR 100


def test_the_verifier_names_a_location_without_any_source(tmp_path):
    problem = problem_from_rows(sustain_rows(resupply_km=100))  # NEAR at 143 km is out of range
    result = _verify(problem, [A(1, "T1", "L1", "P-A", 1)], tmp_path)
    assert _broken(result, RULE_SUSTAINMENT) == [
        "period 1: supply within 100 km of L1 delivers at most 0 of 4 t/day needed (no source in range; "
        "need = supply_rate 40 t/day per 1,000 personnel)"]


def test_the_verifier_counts_depot_units_and_their_own_crew(tmp_path):
    # the depot at DEP (72 km) delivers 10 t/day: two companies (8) and its crew (0.4) need 8.4: kept.
    # With throughput 8 the same plan needs 8.4 of 8: short 0.4, and the message names both locations,
    # which draw on the one depot.
    plan = [A(1, "T1", "L1", "P-A", 2), A(1, "T2", "DEP", "P-D", 1)]
    assert _verify(problem_from_rows(sustain_rows(near_host=0, depot=10, horizon=1)), plan, tmp_path).ok
    result = _verify(problem_from_rows(sustain_rows(near_host=0, depot=8, horizon=1)), plan, tmp_path)
    assert _broken(result, RULE_SUSTAINMENT) == [
        "period 1: supply within 300 km of DEP, L1 delivers at most 8 of 8.4 t/day needed (sources in range: "
        "DEP 8; need = supply_rate 40 t/day per 1,000 personnel)"]
    # without the depot unit nothing is in range of L1 at all
    result = _verify(problem_from_rows(sustain_rows(near_host=0, depot=10, horizon=1)),
                     [A(1, "T1", "L1", "P-A", 1)], tmp_path)
    assert "delivers at most 0 of 4 t/day needed (no source in range" in _broken(result, RULE_SUSTAINMENT)[0]


def test_the_verifier_solves_the_transportation_problem_not_each_location_alone(tmp_path):
    # L1 and L2 (lon 30 and 34) are 286 km apart; NEAR (lon 32) is 143 km from each and the only source
    # (6 t/day). One company at each needs 4 + 4 = 8 > 6, although each alone could be fed (4 ≤ 6).
    rows = sustain_rows(near_host=6, horizon=1)
    rows["Locations"] = [site("L1", 30), site("L2", 34), site("NEAR", 32, 6), site("ZZZ", 50, 1000)]
    rows["Tasks"].append(_task("T2", end=1))
    rows["Basing"].append({"task": "T2", "location": "L2"})
    rows["Requirements"].append({"task": "T2", "capability": "INF", "units": 1})
    problem = problem_from_rows(rows)
    result = _verify(problem, [A(1, "T1", "L1", "P-A", 1), A(1, "T2", "L2", "P-A", 1)], tmp_path)
    assert _broken(result, RULE_SUSTAINMENT) == [
        "period 1: supply within 300 km of L1, L2 delivers at most 6 of 8 t/day needed (sources in range: "
        "NEAR 6; need = supply_rate 40 t/day per 1,000 personnel)"]
    # host support at L2 itself (2 t/day) closes the gap: L2 takes 2 from itself and 2 from NEAR
    rows["Locations"][1]["host_throughput"] = 2
    assert _verify(problem_from_rows(rows), [A(1, "T1", "L1", "P-A", 1), A(1, "T2", "L2", "P-A", 1)], tmp_path).ok


def test_the_verifier_reports_each_group_of_short_locations(tmp_path):
    # two bases far apart (lon 30 and 40, 715 km), each with 2 t/day of its own: each is 2 short
    rows = sustain_rows(near_host=0, horizon=1)
    rows["Locations"] = [site("L1", 30, 2), site("L2", 40, 2)]
    rows["Tasks"].append(_task("T2", end=1))
    rows["Basing"].append({"task": "T2", "location": "L2"})
    rows["Requirements"].append({"task": "T2", "capability": "INF", "units": 1})
    result = _verify(problem_from_rows(rows), [A(1, "T1", "L1", "P-A", 1), A(1, "T2", "L2", "P-A", 1)], tmp_path)
    texts = _broken(result, RULE_SUSTAINMENT)
    assert [t.split(" (")[0] for t in texts] == ["period 1: supply within 300 km of L1 delivers at most 2 of 4 t/day "
                                                 "needed", "period 1: supply within 300 km of L2 delivers at most "
                                                 "2 of 4 t/day needed"]


def test_locations_without_a_country_need_no_supply(tmp_path):
    rows = sustain_rows(near_host=0)
    rows["Locations"].append({"location": "SPACE", "name": "Space", "country": "---", "kind": "remote"})
    rows["Basing"].append({"task": "T1", "location": "SPACE"})
    assert _verify(problem_from_rows(rows), [A(1, "T1", "SPACE", "P-A", 2)], tmp_path).ok


def test_the_verifier_leaves_sustainment_alone_when_the_rule_is_off(tmp_path):
    rows = sustain_rows(resupply_km=100)
    rows["Scenario"] = rows["Scenario"][:2]
    assert _verify(problem_from_rows(rows), [A(1, "T1", "L1", "P-A", 2)], tmp_path).ok


# --------------------------------------------------------------------------- verify: lift


def test_the_verifier_accepts_a_paced_build_up_and_catches_a_rush(tmp_path):
    problem = problem_from_rows(lift_rows())
    paced = [A(k, "T1", "L1", "P-A", k) for k in (1, 2, 3)]  # 100 arrive in each period
    assert _verify(problem, paced, tmp_path).ok
    rush = [A(1, "T1", "L1", "P-A", 2), A(2, "T1", "L1", "P-A", 2), A(3, "T1", "L1", "P-A", 3)]
    result = _verify(problem, rush, tmp_path)
    assert _broken(result, RULE_LIFT) == [
        "period 1: 200 personnel arrive in the area of operations (L1 +200), lift available 100 "
        "(surface and charter 100)"]
    assert result.violations[0].rows == (2,)
    # leaving and coming back: 300 in period 1 is over; after a gap in period 2 all 300 arrive again in period 3
    gap = [A(1, "T1", "L1", "P-A", 1), A(3, "T1", "L1", "P-A", 2)]
    assert [m.split(" (")[0] for m in _broken(_verify(problem, gap, tmp_path), RULE_LIFT)] == [
        "period 3: 200 personnel arrive in the area of operations"]


def test_the_verifier_counts_allocated_lift_units(tmp_path):
    # the airlift at HOME (out of the area) adds 100: 200 may arrive in period 1
    problem = problem_from_rows(lift_rows(airlift=True))
    plan = [A(k, "T1", "L1", "P-A", u) for k, u in ((1, 2), (2, 3), (3, 3))] + [A(k, "T0", "HOME", "P-L", 1)
                                                                               for k in (1, 2, 3)]
    assert _verify(problem, plan, tmp_path).ok
    # without it in period 1 only surface lift is there
    result = _verify(problem, plan[:3] + plan[4:], tmp_path)
    assert _broken(result, RULE_LIFT)[0].startswith("period 1: 200 personnel arrive")
    # HOME in the area: the detachment's own 10 arrive too, 210 > 200
    problem = problem_from_rows(lift_rows(airlift=True, home_in_area="yes"))
    assert _broken(_verify(problem, plan, tmp_path), RULE_LIFT) == [
        "period 1: 210 personnel arrive in the area of operations (HOME +10, L1 +200), lift available 200 "
        "(surface and charter 100 + P-L 1 × 100)"]


def test_the_verifier_counts_a_move_between_locations_as_an_arrival(tmp_path):
    # one company at L1 in period 1 moves to L2 in period 2: 100 arrive at L2, over a lift of 0 ...
    rows = lift_rows(lift=100)
    rows["Tasks"].append(_task("T2", end=3))
    rows["Basing"].append({"task": "T2", "location": "L2"})
    rows["Requirements"].append({"task": "T2", "capability": "INF", "units": 1})
    plan = [A(1, "T1", "L1", "P-A", 1), A(2, "T2", "L2", "P-A", 1)]
    assert _verify(problem_from_rows(rows), plan, tmp_path).ok
    rows["Scenario"][2]["value"] = 0
    texts = _broken(_verify(problem_from_rows(rows), plan, tmp_path), RULE_LIFT)
    assert [t.split(",")[0] for t in texts] == [
        "period 1: 100 personnel arrive in the area of operations (L1 +100)",
        "period 2: 100 personnel arrive in the area of operations (L2 +100)"]


def test_the_verifier_leaves_lift_alone_when_the_rule_is_off_or_out_of_the_area(tmp_path):
    rows = lift_rows()
    rows["Scenario"] = rows["Scenario"][:2]
    assert _verify(problem_from_rows(rows), [A(1, "T1", "L1", "P-A", 3)], tmp_path).ok
    rows = lift_rows()
    rows["Locations"][0]["in_area"] = "no"
    assert _verify(problem_from_rows(rows), [A(1, "T1", "L1", "P-A", 3)], tmp_path).ok


# --------------------------------------------------------------------------- reports: sustainment


def _report(problem, plan):
    return build_report(problem, plan, **META)


def _sheet(path: Path, name: str) -> list[list]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in wb[name].iter_rows()]


def test_sustainment_sheet_summary_and_reason(tmp_path):
    # NEAR's 4 t/day feed one company at L1 in each period (the model tests derive the optimum);
    # the second company is short in periods 1 and 2 for want of supply.
    problem = problem_from_rows(sustain_rows())
    rep = _report(problem, solve_and_verify(problem))
    s = rep.sustainment
    assert list(s.columns[:7]) == ["location", "period", "personnel", "need", "delivered", "sources",
                                   "spare_depot_throughput"]
    rows = [tuple(r) for r in s[["location", "period", "personnel", "need", "delivered", "sources", "sent"]]
            .itertuples(index=False)]
    assert rows == [("L1", 1, 100, 4, 4, "NEAR: 4", 0), ("L1", 2, 100, 4, 4, "NEAR: 4", 0),
                    ("NEAR", 1, 0, 0, 0, "", 4), ("NEAR", 2, 0, 0, 0, "", 4)]
    assert rep.value("sustainment") == "on: 40 t/day per 1,000 personnel, resupply within 300 km"
    assert rep.value("supply_need_peak") == 4 and rep.value("lift") == "off"
    assert rep.deployment is None
    assert list(rep.shortfalls.reason) == [
        "sustainment: no depot within 300 km of L1 has spare throughput in periods 1-2: one more INF needs "
        "4 t/day, more than the sources in range (NEAR) have to spare."]
    out = write_plan(rep, tmp_path / "plan.xlsx")
    sheet = _sheet(out, "Sustainment")
    assert sheet[0] == list(s.columns) and sheet[1][:6] == ["L1", 1, 100, 4, 4, "NEAR: 4"]
    import openpyxl

    assert "Deployment" not in openpyxl.load_workbook(out).sheetnames


def test_depot_spare_throughput_and_its_reason():
    # the depot at DEP (throughput 8) feeds its own crew (0.4) and one company at L1 (4): spare 3.6,
    # less than a second company needs (4), so T1 is short one company in each period
    problem = problem_from_rows(sustain_rows(near_host=0, depot=8))
    rep = _report(problem, solve_and_verify(problem))
    s = rep.sustainment.set_index(["location", "period"])
    assert (s.loc[("DEP", 1), "need"], s.loc[("DEP", 1), "sources"]) == (0.4, "DEP: 0.4")
    assert (s.loc[("DEP", 1), "depot_units"], s.loc[("DEP", 1), "depot_throughput"]) == (1, 8)
    assert (s.loc[("DEP", 1), "sent"], s.loc[("DEP", 1), "spare_depot_throughput"]) == (4.4, 3.6)
    assert (s.loc[("L1", 2), "sources"], s.loc[("L1", 2), "spare_depot_throughput"]) == ("DEP: 4", 0)
    assert rep.value("supply_need_peak") == 4.4
    assert rep.shortfalls.set_index("task").loc["T1", "reason"] == (
        "sustainment: no depot within 300 km of L1 has spare throughput in periods 1-2: one more INF needs "
        "4 t/day, more than the sources in range (DEP) have to spare.")


def test_the_reason_when_nothing_is_in_range():
    problem = problem_from_rows(sustain_rows(resupply_km=100))
    rep = _report(problem, solve_and_verify(problem))
    assert rep.sustainment.empty
    assert list(rep.shortfalls.reason) == [
        "sustainment: nothing within 100 km of L1 can supply it in periods 1-2 (no host support and no depot "
        "unit in range): one more INF needs 4 t/day."]


def test_a_location_draws_on_its_own_support_first():
    # L1 has 4 t/day of its own and NEAR 4: one company is fed by L1 itself, the second by NEAR
    rows = sustain_rows()
    rows["Locations"][0]["host_throughput"] = 4
    problem = problem_from_rows(rows)
    rep = _report(problem, solve_and_verify(problem))
    s = rep.sustainment.set_index(["location", "period"])
    assert s.loc[("L1", 1), "sources"] == "L1: 4; NEAR: 4" and s.loc[("L1", 1), "delivered"] == 8
    assert rep.shortfalls.empty


# --------------------------------------------------------------------------- reports: deployment


def test_deployment_sheet_chart_summary_and_reason(tmp_path):
    import zipfile

    # lift 100 a period: one company arrives in each of periods 1-3 (the model tests derive it)
    problem = problem_from_rows(lift_rows())
    rep = _report(problem, solve_and_verify(problem))
    d = rep.deployment
    assert list(d.columns) == ["period", "arrivals", "surface_lift", "lift_available", "lift_used", "lift_spare",
                               "personnel_in_area", "personnel_deployed", "arriving_at"]
    assert [tuple(r) for r in d.itertuples(index=False)] == [
        (1, 100, 100, 100, 100, 0, 100, 100, "L1 +100"), (2, 100, 100, 100, 100, 0, 200, 200, "L1 +100"),
        (3, 100, 100, 100, 100, 0, 300, 300, "L1 +100")]
    assert rep.value("lift") == "on: 100 personnel a period by surface and charter"
    assert (rep.value("arrivals_peak"), rep.value("build_up_periods")) == (100, 3)
    assert rep.value("sustainment") == "off" and rep.value("supply_need_peak") == 0 and rep.sustainment is None
    assert list(rep.shortfalls.reason) == [
        "lift into the area of operations is used up in period 1: 100 of 100 personnel, in period 2: 100 of 100 "
        "personnel."]
    out = write_plan(rep, tmp_path / "plan.xlsx")
    assert _sheet(out, "Deployment")[0] == list(d.columns)
    with zipfile.ZipFile(out) as z:  # the build-up chart sits on the Deployment sheet, beside the Charts sheet's three
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 4
        assert any("Deployment" in z.read(n).decode() for n in charts)


def test_an_airlift_pledge_has_its_own_column_and_speeds_the_build_up():
    # with the airlift (100 more a period, from HOME out of the area) two companies arrive in period 1
    # and the third in period 2: in place after 2 periods
    problem = problem_from_rows(lift_rows(airlift=True))
    rep = _report(problem, solve_and_verify(problem))
    d = rep.deployment
    assert list(d.columns[:5]) == ["period", "arrivals", "surface_lift", "lift_P-L", "lift_available"]
    assert list(d["lift_P-L"]) == [100, 100, 100] and list(d["lift_available"]) == [200, 200, 200]
    assert list(d["arrivals"]) == [200, 100, 0] and list(d["lift_spare"]) == [0, 100, 200]
    assert list(d["personnel_in_area"]) == [200, 300, 300] and list(d["personnel_deployed"]) == [210, 310, 310]
    assert (rep.value("arrivals_peak"), rep.value("build_up_periods")) == (200, 2)
    assert list(rep.shortfalls.reason) == [
        "lift into the area of operations is used up in period 1: 200 of 200 personnel."]


def test_the_lift_reason_with_thousands_and_a_remainder():
    # companies of 2,000 against 4,000 of lift: two arrive in period 1, the third in period 2
    rows = lift_rows(lift=4000)
    rows["Capabilities"][0]["personnel_per_unit"] = 2000
    problem = problem_from_rows(rows)
    rep = _report(problem, solve_and_verify(problem))
    assert list(rep.shortfalls.reason) == [
        "lift into the area of operations is used up in period 1: 4,000 of 4,000 personnel."]
    # 4,500 of lift: period 1 still takes two (4,000), 500 are left but a company needs 2,000
    rows["Scenario"][2]["value"] = 4500
    problem = problem_from_rows(rows)
    rep = _report(problem, solve_and_verify(problem))
    assert list(rep.shortfalls.reason) == [
        "lift into the area of operations is used up in period 1: 4,000 of 4,500 personnel (one more INF brings "
        "2,000)."]


# --------------------------------------------------------------------------- comparison, what-if, sweep


def test_the_comparison_shows_what_more_lift_changes(tmp_path):
    from forcegen.compare import build_comparison
    from forcegen.workbook.plan_read import read_plan_report

    runs = []
    for lift in (100, 300):
        problem = problem_from_rows(lift_rows(lift=lift))
        runs.append(write_plan(_report(problem, solve_and_verify(problem)), tmp_path / f"plan-{lift}.xlsx"))
    comp = build_comparison(*(read_plan_report(p) for p in runs))
    fig = comp.summary.set_index("figure")
    # 100: one company a period (in place after 3 periods, shortfall 2 + 1); 300: all three at once
    assert (fig.loc["arrivals_peak", "baseline"], fig.loc["arrivals_peak", "variant"]) == (100, 300)
    assert (fig.loc["build_up_periods", "baseline"], fig.loc["build_up_periods", "variant"]) == (3, 1)
    assert (fig.loc["shortfall_p1", "baseline"], fig.loc["shortfall_p1", "variant"]) == (3, 0)
    assert list(comp.runs["lift"]) == ["on: 100 personnel a period by surface and charter",
                                       "on: 300 personnel a period by surface and charter"]
    assert list(comp.runs["sustainment"]) == ["off", "off"]


def test_the_comparison_shows_the_supply_need():
    from forcegen.compare import build_comparison

    reps = []
    for near in (4, 8):
        problem = problem_from_rows(sustain_rows(near_host=near))
        reps.append(_report(problem, solve_and_verify(problem)))
    fig = build_comparison(*reps).summary.set_index("figure")
    assert (fig.loc["supply_need_peak", "baseline"], fig.loc["supply_need_peak", "variant"]) == (4, 8)
    assert fig.loc["supply_need_peak", "delta"] == 4


def test_a_whatif_switches_the_rules_on():
    from builders import tables_from_rows

    from forcegen.whatif import apply_changes, parse_change

    rows = sustain_rows()
    rows["Scenario"] = rows["Scenario"][:2]
    changes = [parse_change(c) for c in ("Scenario:supply_rate:value=40", "Scenario:resupply_km:value=300",
                                         "Scenario:lift_capacity:value=100", "Locations:NEAR:host_throughput=8")]
    problem, applied = apply_changes(tables_from_rows(rows), changes)
    assert (problem.scenario.supply_rate, problem.scenario.resupply_km, problem.scenario.lift_capacity) == (40, 300, 100)
    assert problem.location["NEAR"].host_throughput == 8
    rep = _report(problem, solve_and_verify(problem))
    assert rep.value("supply_need_peak") == 8 and rep.value("arrivals_peak") == 100


def test_a_sweep_reports_the_rules_figures():
    from concurrent.futures import ThreadPoolExecutor

    from builders import tables_from_rows

    from forcegen.model.solve import PlanOptions
    from forcegen.sweep import grid, run_sweep

    tables = tables_from_rows(lift_rows())
    with ThreadPoolExecutor(max_workers=2) as ex:
        result = run_sweep(tables, grid(["Scenario:lift_capacity:value=100,300"]), ex, PlanOptions(), kind="grid")
    figures = [(r["figures"]["arrivals_peak"], r["figures"]["build_up_periods"]) for r in result.results]
    assert figures == [(100, 3), (300, 1)]
    assert result.baseline["figures"]["supply_need_peak"] == 0


# --------------------------------------------------------------------------- the two max-flows


def test_both_max_flows_reach_the_min_cut():
    """The report's flow (logistics.max_flow) and the verifier's own (verify._transport) deliver the same
    total, and it equals the least cut: over every set D of locations, the need outside D plus the supply
    of the sources that can serve D. Small random networks, every D enumerated; the flow keeps every
    source's supply, every location's need and the ranges."""
    import itertools
    import random
    from fractions import Fraction as F

    from forcegen import verify
    from forcegen.logistics import max_flow

    rng = random.Random(14)
    for _ in range(200):
        locs = [f"L{i}" for i in range(rng.randint(1, 5))]
        supply = {s: F(rng.choice([1, 2, 5, 7, 1.5])) for s in locs if rng.random() < 0.7}
        need = {loc: F(rng.choice([1, 3, 4, 6, 0.4])) for loc in locs if rng.random() < 0.8}
        serves = {s: [loc for loc in locs if loc == s or rng.random() < 0.4] for s in locs}
        sources_of = {loc: tuple(s for s in locs if loc in serves[s]) for loc in locs}
        flow = max_flow(supply, need, sources_of)
        total = sum(flow.values(), F(0))
        assert verify._transport(supply, need, serves)[0] == total
        assert all(s in sources_of[loc] and f > 0 for (s, loc), f in flow.items())
        assert all(sum(f for (a, _), f in flow.items() if a == s) <= supply[s] for s in supply)
        assert all(sum(f for (_, b), f in flow.items() if b == loc) <= need[loc] for loc in need)
        cuts = [sum((need[loc] for loc in need if loc not in D), F(0))
                + sum((supply[s] for s in {s for loc in D for s in sources_of[loc]} if s in supply), F(0))
                for k in range(len(locs) + 1) for D in itertools.combinations(locs, k)]
        assert min(cuts) == total


def test_a_plan_with_both_rules_carries_over_as_a_start():
    # model/repair.py sets the flow and arrival columns from the allocations: a plan of the same problem
    # is a start that keeps every row (it was dropped before, its arrival columns left at 0)
    from forcegen.model.build import build
    from forcegen.model.linear import violations
    from forcegen.model.repair import repaired_start
    from forcegen.model.solve import solve_problem

    rows = sustain_rows(near_host=0, depot=8, horizon=3)
    rows["Scenario"].append({"parameter": "lift_capacity", "value": 150})
    problem = problem_from_rows(rows)
    plan = solve_problem(problem)
    built = build(problem)
    values = repaired_start(built, plan)
    assert values is not None and violations(built.model, built.model.rows, values) == 0
    assert sum(values[c] for c in built.arrive.values()) > 0 and sum(values[c] for c in built.flow.values()) > 0


def test_build_up_ends_when_the_force_stays_near_its_peak():
    from forcegen.report import _build_up_periods

    # baseline-wave2's run: 8,495 in month 1, then about 10,500-10,825 with small swings (peak in month 8):
    # in place from month 2 (≥ 90 % of 10,825 = 9,742.5 from then on), not month 8
    in_area = [8495, 10470, 10625, 10700, 10750, 10610, 10810, 10825, 10505, 10645, 10505, 10505]
    assert _build_up_periods(in_area) == 2
    assert _build_up_periods([100, 200, 300]) == 3 and _build_up_periods([300, 100, 300]) == 3
    assert _build_up_periods([0, 0]) == 0 and _build_up_periods([]) == 0 and _build_up_periods([5]) == 1


def test_the_baseline_with_every_section_5_column_at_its_default_is_the_same_model():
    """SPEC section 5: a workbook written for sections 1-4 plans exactly as before. The bundled baseline,
    and the same workbook with every new column and parameter written out at its default (rules off),
    give the same Problem and the same model, row for row and coefficient for coefficient, so the same
    levels and plan (the solve is deterministic)."""
    import dataclasses
    from pathlib import Path

    from builders import tables_from_rows

    from forcegen.model import build as model_build
    from forcegen.validate import build_problem
    from forcegen.workbook.read import read_problem, read_tables

    baseline = Path(__file__).resolve().parents[1] / "inputs" / "baseline-core.xlsx"
    plain = dataclasses.replace(read_problem(baseline), source="")
    tables = read_tables(baseline)
    rows = {name: [dict(r) for _, r in t.rows] for name, t in tables.items() if name in
            {"Scenario", "Nations", "Capabilities", "Locations", "Tasks", "Basing", "Requirements", "Pledges",
             "Caveats"}}
    rows["Scenario"] += [{"parameter": "straits", "value": "open"}]
    for sheet, col, value in (("Capabilities", "throughput", 0), ("Capabilities", "lift_per_period", 0),
                              ("Capabilities", "tonnage", 0), ("Locations", "host_throughput", 0),
                              ("Locations", "in_area", None), ("Locations", "sea_area", None),
                              ("Nations", "black_sea_state", "no"), ("Pledges", "tour", None),
                              ("Pledges", "dwell", 0)):
        for r in rows[sheet]:
            r[col] = value
    explicit = build_problem(tables_from_rows(rows))
    assert dataclasses.replace(explicit, source="", warnings=()) == dataclasses.replace(plain, warnings=())
    a, b = model_build.build(plain), model_build.build(explicit)
    assert a.model.names == b.model.names and a.model.lb == b.model.lb and a.model.ub == b.model.ub
    assert [(r.name, r.cols, r.coefs, r.lo, r.hi) for r in a.model.rows] == \
           [(r.name, r.cols, r.coefs, r.lo, r.hi) for r in b.model.rows]
    assert [(o.cols, o.coefs, o.constant) for o in a.objectives] == [(o.cols, o.coefs, o.constant)
                                                                     for o in b.objectives]
    assert not {"sustain_need", "sustain_source", "arrivals", "lift", "rotation", "montreux_aggregate",
                "montreux_nation"} & set(a.model.row_families())
