"""The structured shortfall reasons (diagnosis.py) on hand-derived instances: kind, periods, and the
pledges, caveats, tasks, nations, locations and figures each names; and their rendering."""

from __future__ import annotations

import pytest
from builders import problem_from_rows, tiny
from solving import solve_and_verify
from test_logistics import lift_rows
from test_rotation_montreux import _ships, est_rows, sea_rows

from forcegen.diagnosis import DATED, KINDS, CaveatRef, Diagnosis, Reason, clause, diagnose, kinds, render
from forcegen.domain import Allocation as A
from forcegen.domain import Plan, SolveInfo
from forcegen.report import build_report


def plan_of(allocations=(), leads=None, status="optimal") -> Plan:
    return Plan(tuple(allocations), leads=leads or {}, info=SolveInfo("highs", "", status, 0.0, 0.0))


def with_monitoring(rows, t1_priority: int, need: int = 1, end: int = 2) -> dict:
    """tiny() with a task MON-ISR of priority 1 on L1 before T1, needing ``need`` INF in periods 1..end."""
    rows["Tasks"].insert(0, {"task": "MON-ISR", "name": "Monitoring", "pillar": "monitoring", "priority": 1,
                             "start_period": 1, "end_period": end, "requires_ceasefire": "yes", "lead": "none"})
    rows["Tasks"][1]["priority"] = t1_priority
    rows["Basing"].append({"task": "MON-ISR", "location": "L1"})
    rows["Requirements"].append({"task": "MON-ISR", "capability": "INF", "units": need})
    return rows


def test_no_pledge():
    rows = tiny()
    rows["Capabilities"].append({"capability": "HEL", "name": "Helicopters", "domain": "air", "unit": "squadron",
                                 "personnel_per_unit": 20})
    rows["Requirements"].append({"task": "T1", "capability": "HEL", "units": 1})
    [r] = diagnose(problem_from_rows(rows), plan_of(), "T1", "HEL", [1, 2])
    assert (r.kind, r.periods, r.task, r.capability, r.capability_name) == ("no_pledge", (1, 2), "T1", "HEL",
                                                                             "Helicopters")
    assert r.rule == "Pledges"


def test_barred_by_a_caveat_and_the_rest_consumed_by_a_higher_priority_task():
    rows = with_monitoring(tiny(), t1_priority=2)
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "task": "T1"}]
    # AAA may not serve T1; BBB's only unit is on MON-ISR (p1) in both periods
    plan = plan_of([A(1, "MON-ISR", "L1", "P-B", 1), A(2, "MON-ISR", "L1", "P-B", 1)])
    barred, consumed = diagnose(problem_from_rows(rows), plan, "T1", "INF", [1, 2])
    assert (barred.kind, barred.periods, barred.pledges, barred.nations) == ("barred_by_caveat", (1, 2), ("P-A",),
                                                                             ("AAA",))
    assert barred.caveats == (CaveatRef("AAA forbid (task=T1)", 2, ("P-A",)),)
    assert (consumed.kind, consumed.periods, consumed.pledges, consumed.tasks) == ("consumed", (1, 2), ("P-B",),
                                                                                   ("MON-ISR",))
    [part] = consumed.parts
    assert (part.kind, part.tasks, part.value("priorities"), part.periods) == (
        "consumed_by_higher_priority", ("MON-ISR",), (1,), (1, 2))
    assert kinds([barred, consumed]) == "barred_by_caveat, consumed_by_higher_priority"


def test_every_pledge_barred_names_each_caveat_with_the_pledges_it_bars():
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "country": "UKR"},
                       {"nation": "BBB", "rule": "only", "pillar": "air"}]
    [r] = diagnose(problem_from_rows(rows), plan_of(), "T1", "INF", [1, 2])
    assert (r.kind, r.pledges) == ("all_barred_by_caveat", ("P-A", "P-B"))
    assert [(c.label, c.row, c.pledges) for c in r.caveats] == [
        ("AAA forbid (country=UKR)", 2, ("P-A",)), ("BBB only (pillar=air)", 3, ("P-B",))]


def test_reasons_by_period_window_consumed_and_too_few():
    rows = with_monitoring(tiny(), t1_priority=2, need=2, end=1)
    rows["Pledges"][1].update(from_period=1, to_period=1)
    # period 1: both units on MON-ISR; period 2: P-B outside its window, P-A on T1
    plan = plan_of([A(1, "MON-ISR", "L1", "P-A", 1), A(1, "MON-ISR", "L1", "P-B", 1), A(2, "T1", "L1", "P-A", 1)])
    window, consumed, few = diagnose(problem_from_rows(rows), plan, "T1", "INF", [1, 2])
    assert (window.kind, window.periods, window.pledges, window.value("window")) == (
        "outside_window", (2,), ("P-B",), (1,))
    assert (consumed.kind, consumed.periods, consumed.pledges) == ("consumed", (1,), ("P-A", "P-B"))
    assert (few.kind, few.periods, few.pledges, few.value("units")) == ("too_few_pledged", (2,), ("P-A",), 1)
    assert render([window, consumed, few], [1, 2]).startswith("Period 2: pledge P-B is available only in period 1; "
                                                               "period 1: the allowed and available pledges")


def test_conditional_excluded():
    rows = tiny()
    rows["Scenario"].append({"parameter": "include_conditional", "value": "no"})
    rows["Pledges"][1]["status"] = "conditional"
    excluded, few = diagnose(problem_from_rows(rows), plan_of([A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)]),
                             "T1", "INF", [1, 2])
    assert (excluded.kind, excluded.pledges, excluded.rule) == ("conditional_excluded", ("P-B",),
                                                                "Scenario include_conditional")
    assert few.kind == "too_few_pledged"


def test_capacity_and_max_personnel_name_their_location_caveat_and_figures():
    rows = tiny()
    rows["Locations"][0]["personnel_capacity"] = 100
    plan = plan_of([A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)])
    [r] = diagnose(problem_from_rows(rows), plan, "T1", "INF", [1, 2])
    assert (r.kind, r.periods, r.locations, r.nations) == ("capacity", (1, 2), ("L1",), ("BBB",))
    assert (r.value("personnel"), r.value("personnel_capacity"), r.value("location_name")) == (100, 100, "Base one")

    rows = tiny()
    rows["Caveats"] = [{"nation": "BBB", "rule": "max_personnel", "country": "UKR", "limit": 50}]
    [r] = diagnose(problem_from_rows(rows), plan, "T1", "INF", [1, 2])
    assert (r.kind, r.nations, [c.label for c in r.caveats]) == (
        "caveat_max_personnel", ("BBB",), ["BBB max_personnel ≤ 50 (country=UKR)"])
    assert (r.value("personnel"), r.value("limit"), r.value("unit_personnel")) == (0, 50, 100)


def test_staffing_rules_are_parts_of_one_reason():
    rows = tiny()
    rows["Tasks"][0]["min_nations"] = 2
    rows["Pledges"] = [dict(rows["Pledges"][0], units=2)]  # only AAA pledges
    [r] = diagnose(problem_from_rows(rows), plan_of(), "T1", "INF", [1, 2])
    assert r.kind == "staffing" and [p.kind for p in r.parts] == ["staffing_min_nations"]
    assert (r.parts[0].nations, r.parts[0].value("min_nations")) == (("AAA",), 2)

    rows = tiny()
    rows["Scenario"].append({"parameter": "lead_min_share", "value": 0.5})
    rows["Tasks"][0].update(lead="european")
    rows["Requirements"][0]["units"] = 4
    rows["Pledges"][1]["units"] = 5
    plan = plan_of([A(p, "T1", "L1", pl, 1) for p in (1, 2) for pl in ("P-A", "P-B")], leads={"T1": "AAA"})
    [r] = diagnose(problem_from_rows(rows), plan, "T1", "INF", [1, 2])
    [part] = r.parts
    assert (part.kind, part.nations, part.value("lead_min_share")) == ("staffing_lead_share", ("AAA",), 0.5)
    assert kinds([r]) == "staffing_lead_share"


def test_unexplained_names_the_free_pledges_and_the_status():
    plan = plan_of([A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)], status="feasible")
    [r] = diagnose(problem_from_rows(tiny()), plan, "T1", "INF", [1, 2])
    assert (r.kind, r.periods, r.pledges, r.value("status")) == ("unexplained", (1, 2), ("P-B",), "feasible")


def test_rotation_names_the_pledge_and_its_limit():
    problem = problem_from_rows(est_rows())
    plan = solve_and_verify(problem)
    line = build_report(problem, plan, input_file="", input_sha256="", created_at="").shortfalls.iloc[0]
    reasons = Diagnosis(problem, plan).reasons(line.task, line.capability, _periods(line.periods))
    assert [r.kind for r in reasons] == ["rotation"] and line.reason_kinds == "rotation"
    r = reasons[0]
    assert (r.pledges, r.value("tour"), r.value("dwell"), r.value("units")) == (("P-A",), 6, 12, 1)
    assert r.value("sustainable") == pytest.approx(1 / 3)
    assert render(reasons, _periods(line.periods)) == line.reason


def test_straits_closed_and_montreux_name_pledges_locations_and_tonnage():
    rows = sea_rows("closed", need=3)
    _ships(rows, "AAA", 4, 10)
    problem = problem_from_rows(rows)
    plan = solve_and_verify(problem)
    sf = build_report(problem, plan, input_file="", input_sha256="", created_at="").shortfalls.iloc[0]
    r = Diagnosis(problem, plan).reasons(sf.task, sf.capability, _periods(sf.periods))[0]
    assert (r.kind, r.pledges, r.locations, r.rule) == ("straits_closed", ("AAA-FFG",), ("ODS",), "Scenario straits")

    rows = sea_rows(need=8)
    _ships(rows, "AAA", 4, 10)
    _ships(rows, "BBB", 4, 20)
    problem = problem_from_rows(rows)
    plan = solve_and_verify(problem)
    sf = build_report(problem, plan, input_file="", input_sha256="", created_at="").shortfalls.iloc[0]
    reasons = Diagnosis(problem, plan).reasons(sf.task, sf.capability, _periods(sf.periods))
    agg = next(r for r in reasons if r.kind == "montreux_aggregate")
    assert (agg.value("tonnage_t"), agg.value("unit_tonnage_t"), agg.value("aggregate_t")) == (27000, 4500, 30000)
    assert "montreux_aggregate" in sf.reason_kinds.split(", ")


def test_lift_names_its_periods_and_the_figures():
    problem = problem_from_rows(lift_rows())
    plan = solve_and_verify(problem)
    sf = build_report(problem, plan, input_file="", input_sha256="", created_at="").shortfalls.iloc[0]
    [r] = Diagnosis(problem, plan).reasons(sf.task, sf.capability, _periods(sf.periods))
    assert (r.kind, r.periods, r.value("arrivals"), r.value("available")) == ("lift", (1, 2), (100, 100), (100, 100))
    assert r.value("unit_personnel") is None  # the lift is used up, not short by the unit's own arrival
    assert r.kind in DATED and sf.reason_kinds == "lift"


def test_every_kind_has_a_rule_entry_and_an_unknown_kind_is_refused():
    assert all(isinstance(k.rule, str) and k.says for k in KINDS.values())
    with pytest.raises(ValueError, match="unknown reason kind"):
        Reason("nonsense", (1,))


def test_rendering_joins_merges_and_capitalises():
    a = Reason("conditional_excluded", (1, 2), pledges=("P-B",))
    b = Reason("outside_window", (2,), pledges=("P-C",), figures=(("window", (1,)),))
    assert clause(a) == "conditional pledge P-B is excluded (Scenario include_conditional = no)"
    assert render([a, b], [1, 2]) == ("Conditional pledge P-B is excluded (Scenario include_conditional = no); "
                                      "period 2: pledge P-C is available only in period 1.")
    assert render([], [1]) == "No cause found."


def test_the_shortfalls_sheet_has_the_kinds_after_specs_columns():
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "country": "UKR"},
                       {"nation": "BBB", "rule": "only", "pillar": "air"}]
    sf = build_report(problem_from_rows(rows), plan_of(), input_file="", input_sha256="", created_at="").shortfalls
    assert list(sf.columns) == ["task", "capability", "periods", "units_missing", "reason", "priority", "weighted",
                                "reason_kinds"]
    assert sf.iloc[0]["reason_kinds"] == "all_barred_by_caveat"


def _periods(text: str) -> list[int]:
    """ "1-3, 6" -> [1, 2, 3, 6]."""
    out = []
    for part in str(text).split(", "):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out
