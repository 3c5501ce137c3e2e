"""Report tables from hand-built plans; every figure derived by hand in a comment."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from builders import FIGURES_PLAN, META, figures_rows, problem_from_rows, tiny
from spec4 import COLUMNS as SPEC_COLUMNS
from spec4 import SUMMARY_ROWS as SPEC_SUMMARY_ROWS

from forcegen import __version__
from forcegen.domain import Allocation as A
from forcegen.domain import LevelResult, Plan, SolveInfo
from forcegen.report import COLUMNS, Report, build_report, compact_periods


def info(status="optimal", **kw) -> SolveInfo:
    return SolveInfo(solver="highs", solver_version="1.16.0", status=status, gap=kw.get("gap", 0.0),
                     runtime_s=kw.get("runtime_s", 1.5), options=kw.get("options", {"time_limit": 60}),
                     levels=kw.get("levels", ()))


def report(rows, allocations=(), leads=None, status="optimal") -> Report:
    problem = problem_from_rows(rows)
    plan = Plan(allocations=tuple(allocations), leads=leads or {}, info=info(status))
    return build_report(problem, plan, **META)


def reason(rep: Report, task="T1", capability="INF") -> str:
    sf = rep.shortfalls
    hit = sf[(sf["task"] == task) & (sf["capability"] == capability)]
    assert len(hit) == 1, sf
    return hit.iloc[0]["reason"]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("periods, text", [
    ([1, 2, 3, 6], "1-3, 6"), ([], ""), ([4], "4"), ([3, 1, 2], "1-3"), ([1, 3, 5], "1, 3, 5"), ([2, 2, 3], "2-3"),
])
def test_compact_periods(periods, text):
    assert compact_periods(periods) == text


# --------------------------------------------------------------------------- figures


@pytest.fixture
def fig() -> Report:
    problem = problem_from_rows(figures_rows())
    levels = (LevelResult("shortfall_p1", "optimal", 3.0, 3.0, 0.0, 0.25),
              LevelResult("cost", "feasible", 90.0, 85.5, 0.05, 1.0))
    plan = Plan(FIGURES_PLAN, leads={"T1": "AAA"},
                info=SolveInfo("highs", "1.16.0", "feasible", 0.05, 1.25, {"time_limit": 60, "gap": 0.01}, levels))
    return build_report(problem, plan, **META)


def test_columns_follow_spec_then_extras(fig):
    for sheet, cols in SPEC_COLUMNS.items():
        df = fig.summary if sheet == "Summary" else getattr(fig, sheet.lower())
        assert tuple(df.columns[: len(cols)]) == cols, sheet
        assert tuple(df.columns) == COLUMNS[sheet]
    params = list(fig.summary["parameter"])
    assert all(p in params for p in SPEC_SUMMARY_ROWS)
    assert len(params) == len(set(params))


def test_summary_figures(fig):
    v = fig.value
    assert v("scenario") == "figures"
    assert (v("status"), v("solver"), v("solver_version")) == ("feasible", "highs", "1.16.0")
    assert v("gap") == 0.05 and v("runtime_s") == 1.25
    # required: T1 INF 2 × 3 periods + T1 HEL 1 × 3 + T2 INF 1 × 2 periods = 6 + 3 + 2 = 11
    assert v("required_unit_periods") == 11
    # covered: T1 INF 2+2+1 = 5; T1 HEL 1+1+0 = 2; T2 INF 1+1 = 2 -> 9
    assert v("covered_unit_periods") == 9
    assert v("coverage_pct") == pytest.approx(100 * 9 / 11)
    # priority 1 (T1): INF short 1 in period 3 × weight 1 + HEL short 1 in period 3 × weight 2 = 3
    assert v("shortfall_p1") == 3
    assert [v(f"shortfall_p{k}") for k in (2, 3, 4, 5)] == [0, 0, 0, 0]
    # cost: P-A 2+1+1+1+1 = 6 units × 10 = 60; P-B 1 × 20 = 20; P-H 2 × 5 = 10 -> 90
    assert v("total_cost") == 90
    # contributions: AAA-T1 in 1, 2, 3; BBB-T1 in 2; AAA-T2 in 2, 3 -> 6
    assert v("contributions") == 6
    # personnel: p1 200 + 20 = 220; p2 100 + 100 + 20 + 100 = 320; p3 100 + 100 = 200 -> 320
    assert v("personnel_peak") == 320
    # per country: UKR 220 (p1, p2), POL 100 (p2, p3)
    assert v("personnel_peak_by_country") == "POL 100; UKR 220"
    assert v("input_file") == "inputs/x.xlsx" and v("input_sha256") == "ab" * 32
    assert v("forcegen_version") == __version__ and v("created_at") == META["created_at"]
    assert v("options") == "gap=0.01, time_limit=60"
    assert v("currency") == "GBP"
    assert fig.options == {"time_limit": 60, "gap": 0.01}
    with pytest.raises(KeyError):
        v("nope")


def test_solve_log(fig):
    log = fig.solve_log
    assert list(log.columns) == ["level", "name", "status", "value", "bound", "gap", "seconds"]
    assert log.to_dict(orient="records") == [
        {"level": 1, "name": "shortfall_p1", "status": "optimal", "value": 3, "bound": 3, "gap": 0, "seconds": 0.25},
        {"level": 2, "name": "cost", "status": "feasible", "value": 90, "bound": 85.5, "gap": 0.05, "seconds": 1},
    ]


def test_allocations_table(fig):
    a = fig.allocations
    assert len(a) == 8
    # sorted by period, task, location, nation, capability, pledge
    assert list(zip(a["period"], a["task"], a["pledge"])) == [
        (1, "T1", "P-H"), (1, "T1", "P-A"),  # AAA HEL before AAA INF
        (2, "T1", "P-H"), (2, "T1", "P-A"), (2, "T1", "P-B"), (2, "T2", "P-A"),
        (3, "T1", "P-A"), (3, "T2", "P-A"),
    ]
    first = a.iloc[1].to_dict()
    # 2 units × 100 personnel; 2 × 10 cost
    assert first == {"period": 1, "task": "T1", "location": "L1", "country": "UKR", "nation": "AAA",
                     "capability": "INF", "pledge": "P-A", "units": 2, "personnel": 200, "cost": 20}
    heli = a.iloc[0].to_dict()
    assert (heli["personnel"], heli["cost"], heli["capability"]) == (20, 5, "HEL")
    assert a.loc[a["task"] == "T2", "country"].unique().tolist() == ["POL"]
    assert a["cost"].sum() == 90


def test_allocations_merge_duplicates_and_drop_zero_units():
    rep = report(tiny(), [A(1, "T1", "L1", "P-A", 1), A(1, "T1", "L1", "P-A", 0), A(2, "T1", "L1", "P-B", 0)])
    assert rep.allocations[["period", "pledge", "units"]].values.tolist() == [[1, "P-A", 1]]


def test_unknown_ids_in_plan_are_an_error():
    with pytest.raises(ValueError, match="unknown pledge 'P-X'"):
        report(tiny(), [A(1, "T1", "L1", "P-X", 1)])


def test_coverage_table(fig):
    c = fig.coverage
    # every requirement row × active period: T1 INF 3 + T1 HEL 3 + T2 INF 2 = 8 rows
    assert len(c) == 8
    got = {(r.task, r.capability, r.period): (r.required, r.allocated, r.shortfall) for r in c.itertuples()}
    assert got == {
        ("T1", "INF", 1): (2, 2, 0), ("T1", "INF", 2): (2, 2, 0), ("T1", "INF", 3): (2, 1, 1),
        ("T1", "HEL", 1): (1, 1, 0), ("T1", "HEL", 2): (1, 1, 0), ("T1", "HEL", 3): (1, 0, 1),
        ("T2", "INF", 2): (1, 1, 0), ("T2", "INF", 3): (1, 1, 0),
    }
    assert c.loc[c["capability"] == "HEL", "weight"].unique().tolist() == [2]


def test_inactive_tasks_have_no_coverage_rows():
    rows = figures_rows()
    rows["Scenario"].append({"parameter": "ceasefire", "value": "no"})  # T1 requires a ceasefire
    rep = report(rows, [A(2, "T2", "L2", "P-A", 1), A(3, "T2", "L2", "P-A", 1)])
    assert set(rep.coverage["task"]) == {"T2"}
    # only T2: 1 unit × 2 periods, all covered
    assert (rep.value("required_unit_periods"), rep.value("coverage_pct")) == (2, 100)
    t1 = rep.tasks.set_index("task").loc["T1"]
    assert pd.isna(t1["coverage_pct"]) and t1["active_periods"] == "" and t1["required_unit_periods"] == 0


def test_shortfalls_table(fig):
    sf = fig.shortfalls
    assert sf[["task", "capability", "periods", "units_missing", "priority", "weighted"]].values.tolist() == [
        ["T1", "INF", "3", 1, 1, 1],  # 1 unit in period 3 × weight 1
        ["T1", "HEL", "3", 1, 1, 2],  # 1 unit in period 3 × weight 2
    ]
    assert sf.iloc[0]["reason"] == (
        "Pledge P-B is available only in periods 1-2; the allowed and available pledge P-A of Infantry (INF) "
        "is consumed by lower-priority task T2 (p2)."
    )
    assert sf.iloc[1]["reason"] == "Pledge P-H is available only in periods 1-2."


def test_tasks_table(fig):
    t = fig.tasks.set_index("task")
    assert t.loc["T1", ["name", "priority", "lead", "nations", "staffed_periods"]].tolist() == [
        "Task one", 1, "AAA", "AAA, BBB", "1-3"]
    # T1: required 6 + 3 = 9, covered 5 + 2 = 7
    assert t.loc["T1", "coverage_pct"] == pytest.approx(100 * 7 / 9)
    assert t.loc["T1", ["required_unit_periods", "covered_unit_periods", "shortfall_weighted"]].tolist() == [9, 7, 3]
    # T1 personnel: p1 220, p2 220, p3 100; cost 10×(2+1+1) + 20 + 5×2 = 70
    assert t.loc["T1", ["personnel_peak", "cost"]].tolist() == [220, 70]
    # T2 has lead none: lead blank even if a lead were given
    assert t.loc["T2", ["lead", "nations", "staffed_periods", "coverage_pct", "active_periods"]].tolist() == [
        "", "AAA", "2-3", 100, "2-3"]


def test_nations_table(fig):
    n = fig.nations.set_index("nation")
    # AAA personnel: p1 200 + 20 = 220; p2 100 + 20 (UKR) + 100 (POL) = 220; p3 100 + 100 = 200 -> 220
    # per country: UKR max(220, 120, 100) = 220; POL 100
    assert n.loc["AAA", ["name", "personnel_peak", "personnel_by_country"]].tolist() == [
        "Alpha", 220, "POL 100; UKR 220"]
    # AAA cost: P-A 60 + P-H 10 = 70 of 90; BBB: 20 of 90
    assert n.loc["AAA", "cost"] == 70 and n.loc["BBB", "cost"] == 20
    assert n.loc["AAA", "cost_share"] == pytest.approx(70 / 90)
    assert n.loc["BBB", "cost_share"] == pytest.approx(20 / 90)
    assert n.loc["AAA", "fair_share"] == 0.5
    assert n.loc["AAA", "burden_gap"] == pytest.approx(70 / 90 - 0.5)
    assert n.loc["AAA", "tasks_led"] == "T1" and n.loc["BBB", "tasks_led"] == ""
    # contributions: AAA T1×3 + T2×2 = 5; BBB T1 in period 2 = 1
    assert n.loc["AAA", ["contributions", "tasks", "european"]].tolist() == [5, "T1, T2", "yes"]
    assert n.loc["BBB", ["personnel_peak", "personnel_by_country", "contributions", "european"]].tolist() == [
        100, "UKR 100", 1, "no"]


def test_empty_plan_figures():
    rep = build_report(problem_from_rows(tiny()), Plan(()), **META)
    # tiny: T1 needs INF 2 in periods 1-2 -> 4 unit-periods, none covered, all priority 1
    assert (rep.value("required_unit_periods"), rep.value("covered_unit_periods")) == (4, 0)
    assert (rep.value("coverage_pct"), rep.value("shortfall_p1"), rep.value("total_cost")) == (0, 4, 0)
    assert (rep.value("status"), rep.value("solver"), rep.value("gap")) == ("unknown", "", None)
    assert rep.value("personnel_peak") == 0 and rep.value("contributions") == 0
    assert rep.allocations.empty and list(rep.allocations.columns) == list(COLUMNS["Allocations"])
    assert rep.solve_log.empty
    n = rep.nations.set_index("nation")
    assert pd.isna(n.loc["AAA", "cost_share"]) and n.loc["AAA", "personnel_by_country"] == ""
    assert math.isclose(rep.value("coverage_pct"), 0)


def test_summary_dict_is_plain(fig):
    d = fig.summary_dict()
    assert isinstance(d["required_unit_periods"], int) and isinstance(d["coverage_pct"], float)
    assert d["shortfall_p1"] == 3 and d["status"] == "feasible"


# --------------------------------------------------------------------------- caveats


def test_caveat_status_forbid_only_and_max_personnel():
    rows = tiny()
    rows["Locations"].append({"location": "L2", "name": "Base two", "country": "POL", "kind": "land_base"})
    rows["Basing"].append({"task": "T1", "location": "L2"})
    rows["Caveats"] = [
        {"nation": "AAA", "rule": "forbid", "country": "UKR", "note": "no troops in Ukraine"},
        {"nation": "BBB", "rule": "only", "pillar": "air", "country": "POL"},
        {"nation": "AAA", "rule": "max_personnel", "country": "POL", "limit": 150},
        {"nation": "AAA", "rule": "forbid", "pillar": "sea"},
    ]
    # plan: AAA 1 unit at L2 (POL) in both periods
    rep = report(rows, [A(1, "T1", "L2", "P-A", 1), A(2, "T1", "L2", "P-A", 1)])
    c = rep.caveats
    assert c[["nation", "rule", "filters", "note", "row"]].values.tolist() == [
        ["AAA", "forbid", "country=UKR", "no troops in Ukraine", 2],
        ["BBB", "only", "country=POL, pillar=air", "", 3],
        ["AAA", "max_personnel", "country=POL", "", 4],
        ["AAA", "forbid", "pillar=sea", "", 5],
    ]
    assert c["limit"].isna().tolist() == [True, True, False, True] and c.iloc[2]["limit"] == 150
    # possible allocations of AAA: P-A × T1 × {L1, L2} = 2; the forbid bars L1
    assert c.iloc[0]["status"] == "respected; barred 1 of 2 possible allocations (pledge × task × location)"
    # BBB: P-B × T1 × {L1, L2}; T1 is pillar land, so no only row matches: both barred
    assert c.iloc[1]["status"] == "respected; barred 2 of 2 possible allocations (pledge × task × location)"
    # 100 personnel in POL in each period; one more INF unit (100) would make 200 > 150
    assert c.iloc[2]["status"] == "peak 100 of limit 150 in period 1 (binding in periods 1-2: no further unit fits)"
    assert c.iloc[3]["status"] == "respected; bars no possible allocation (not binding)"


def test_caveat_status_slack_and_violation():
    rows = tiny()
    rows["Caveats"] = [
        {"nation": "AAA", "rule": "max_personnel", "limit": 500},
        {"nation": "BBB", "rule": "max_personnel", "limit": 50},
        {"nation": "AAA", "rule": "forbid", "task": "T1"},
    ]
    rep = report(rows, [A(2, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-B", 1)])
    st = rep.caveats["status"].tolist()
    # AAA: 100 in period 2 of 500; 100 + 100 fits
    assert st[0] == "peak 100 of limit 500 in period 2 (slack 400)"
    # BBB: 100 > 50 in period 2
    assert st[1] == "VIOLATED: peak 100 of limit 50 in period 2"
    assert st[2] == "VIOLATED by 1 allocation"


# --------------------------------------------------------------------------- shortfall reasons


def test_reason_no_pledge():
    rows = tiny()
    rows["Capabilities"].append({"capability": "HEL", "name": "Helicopters", "domain": "air", "unit": "squadron",
                                 "personnel_per_unit": 20})
    rows["Requirements"].append({"task": "T1", "capability": "HEL", "units": 1})
    rep = report(rows, [A(p, "T1", "L1", pl, 1) for p in (1, 2) for pl in ("P-A", "P-B")])
    assert rep.shortfalls[["task", "capability", "periods", "units_missing"]].values.tolist() == [
        ["T1", "HEL", "1-2", 2]]
    assert reason(rep, capability="HEL") == "No nation pledges Helicopters (HEL) — seek a pledge of it."


def test_reason_all_barred_names_caveats_and_pledges():
    rows = tiny()
    rows["Caveats"] = [
        {"nation": "AAA", "rule": "forbid", "country": "UKR"},
        {"nation": "BBB", "rule": "only", "pillar": "air"},
    ]
    rep = report(rows)
    assert reason(rep) == (
        "Every pledge of Infantry (INF), P-A, P-B, is barred for T1 at all its basing locations by caveats "
        "AAA forbid (country=UKR) [P-A], BBB only (pillar=air) [P-B] — negotiate a caveat or add a basing "
        "location they allow."
    )


def test_reason_some_barred_and_rest_consumed_by_higher_priority():
    rows = tiny()
    rows["Tasks"].insert(0, {"task": "MON-ISR", "name": "Monitoring", "pillar": "monitoring", "priority": 1,
                             "start_period": 1, "end_period": 2, "requires_ceasefire": "yes", "lead": "none"})
    rows["Tasks"][1]["priority"] = 2
    rows["Basing"].append({"task": "MON-ISR", "location": "L1"})
    rows["Requirements"].append({"task": "MON-ISR", "capability": "INF", "units": 1})
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "task": "T1"}]
    # BBB's only unit goes to MON-ISR (p1); AAA may not serve T1
    rep = report(rows, [A(1, "MON-ISR", "L1", "P-B", 1), A(2, "MON-ISR", "L1", "P-B", 1)])
    assert reason(rep) == (
        "Pledge P-A of INF is barred for T1 by caveats AAA forbid (task=T1) [P-A]; the allowed and available "
        "pledge P-B of Infantry (INF) is consumed by higher-priority task MON-ISR (p1)."
    )


def test_reason_consumed_by_higher_priority_task_named():
    rows = tiny()
    rows["Tasks"].insert(0, {"task": "MON-ISR", "name": "Monitoring", "pillar": "monitoring", "priority": 1,
                             "start_period": 1, "end_period": 2, "requires_ceasefire": "yes", "lead": "none"})
    rows["Tasks"][1]["priority"] = 3
    rows["Basing"].append({"task": "MON-ISR", "location": "L1"})
    rows["Requirements"].append({"task": "MON-ISR", "capability": "INF", "units": 2})
    rep = report(rows, [A(p, "MON-ISR", "L1", pl, 1) for p in (1, 2) for pl in ("P-A", "P-B")])
    assert rep.shortfalls[["task", "periods", "units_missing", "priority", "weighted"]].values.tolist() == [
        ["T1", "1-2", 4, 3, 4]]
    assert rep.value("shortfall_p3") == 4 and rep.value("shortfall_p1") == 0
    assert reason(rep) == (
        "The allowed and available pledges P-A, P-B of Infantry (INF) are consumed by higher-priority "
        "task MON-ISR (p1)."
    )


def test_reason_window():
    rows = tiny()
    rows["Pledges"][1].update(from_period=2, to_period=2)
    # period 1: only P-A (1 unit); period 2: both
    rep = report(rows, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-B", 1)])
    assert rep.shortfalls[["periods", "units_missing"]].values.tolist() == [["1", 1]]
    assert reason(rep) == (
        "Pledge P-B is available only in period 2; too few units pledged: the 1 allowed and available unit of "
        "Infantry (INF), from P-A, is already on T1 — more pledges would close the gap."
    )


def test_reason_conditional_excluded():
    rows = tiny()
    rows["Scenario"].append({"parameter": "include_conditional", "value": "no"})
    rows["Pledges"][1]["status"] = "conditional"
    rep = report(rows, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)])
    assert reason(rep) == (
        "Conditional pledge P-B is excluded (Scenario include_conditional = no); too few units pledged: the 1 "
        "allowed and available unit of Infantry (INF), from P-A, is already on T1 — more pledges would close the gap."
    )


def test_reason_differs_by_period():
    rows = tiny()
    rows["Tasks"].insert(0, {"task": "MON-ISR", "name": "Monitoring", "pillar": "monitoring", "priority": 1,
                             "start_period": 1, "end_period": 1, "requires_ceasefire": "yes", "lead": "none"})
    rows["Tasks"][1]["priority"] = 2
    rows["Basing"].append({"task": "MON-ISR", "location": "L1"})
    rows["Requirements"].append({"task": "MON-ISR", "capability": "INF", "units": 2})
    rows["Pledges"][1].update(from_period=1, to_period=1)
    # period 1: both units to MON-ISR; period 2: P-B is out of its window, P-A to T1
    rep = report(rows, [A(1, "MON-ISR", "L1", "P-A", 1), A(1, "MON-ISR", "L1", "P-B", 1), A(2, "T1", "L1", "P-A", 1)])
    assert rep.shortfalls[["periods", "units_missing"]].values.tolist() == [["1-2", 3]]  # 2 + 1
    assert reason(rep) == (
        "Period 2: pledge P-B is available only in period 1; "
        "period 1: the allowed and available pledges P-A, P-B of Infantry (INF) are consumed by higher-priority "
        "task MON-ISR (p1); "
        "period 2: too few units pledged: the 1 allowed and available unit of Infantry (INF), from P-A, is already "
        "on T1 — more pledges would close the gap."
    )


def test_reason_capacity():
    rows = tiny()
    rows["Locations"][0]["personnel_capacity"] = 100
    rep = report(rows, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)])
    # P-B is free, but L1 holds 100 of 100 personnel: one more INF unit (100) does not fit
    assert reason(rep) == "Basing location capacity exhausted at L1 (Base one): 100/100 personnel."


def test_reason_max_personnel_caveat():
    rows = tiny()
    rows["Caveats"] = [{"nation": "BBB", "rule": "max_personnel", "country": "UKR", "limit": 50}]
    rep = report(rows, [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)])
    assert reason(rep) == (
        "Caveat BBB max_personnel ≤ 50 (country=UKR) binds: 0 of 50 personnel used and one more unit of "
        "Infantry needs 100."
    )
    assert rep.caveats.iloc[0]["status"] == "peak 0 of limit 50 (binding in periods 1-2: no further unit fits)"


def test_reason_staffing_no_european_lead():
    rows = tiny()
    rows["Tasks"][0]["lead"] = "european"
    rows["Pledges"] = [rows["Pledges"][1]]  # only BBB (not European) pledges
    rep = report(rows)
    assert reason(rep) == "Staffing rules cannot be met: no European nation can lead T1: none has a unit it could contribute."


def test_reason_staffing_lead_absent_in_a_period():
    rows = tiny()
    rows["Tasks"][0]["lead"] = "any"
    rows["Pledges"][0].update(from_period=1, to_period=1)  # the lead AAA is there in period 1 only
    rep = report(rows, [A(1, "T1", "L1", "P-A", 1), A(1, "T1", "L1", "P-B", 1)], leads={"T1": "AAA"})
    assert rep.shortfalls[["periods", "units_missing"]].values.tolist() == [["2", 2]]
    assert reason(rep) == (
        "Pledge P-A is available only in period 1; staffing rules cannot be met: lead AAA has no unit it could "
        "add, and the lead must contribute in every staffed period."
    )


def test_reason_staffing_lead_share():
    rows = tiny()
    rows["Scenario"].append({"parameter": "lead_min_share", "value": 0.5})
    rows["Tasks"][0].update(lead="european")
    rows["Requirements"][0]["units"] = 4
    rows["Pledges"][1]["units"] = 5
    # lead AAA has 1 unit; BBB 1 unit keeps AAA at 100/200 = 50 %; a second BBB unit -> 100/300 < 50 %
    rep = report(rows, [A(p, "T1", "L1", pl, 1) for p in (1, 2) for pl in ("P-A", "P-B")], leads={"T1": "AAA"})
    assert rep.shortfalls[["periods", "units_missing"]].values.tolist() == [["1-2", 4]]
    assert reason(rep) == (
        "Staffing rules cannot be met: lead AAA has no more units to add, and more units from other nations "
        "would leave it below the 50% lead share of T1's personnel."
    )


def test_reason_staffing_min_nations():
    rows = tiny()
    rows["Tasks"][0]["min_nations"] = 2
    rows["Pledges"] = [dict(rows["Pledges"][0], units=2)]  # only AAA pledges
    rep = report(rows)
    assert reason(rep) == "Staffing rules cannot be met: only 1 nation (AAA) can contribute to T1, 2 needed (min_nations)."


def test_reason_staffing_max_nation_share():
    rows = tiny()
    rows["Tasks"][0]["max_nation_share"] = 0.5
    rows["Requirements"][0]["units"] = 4
    rows["Pledges"][0]["units"] = 3
    # AAA 1 + BBB 1 per period; a second AAA unit: 200 of 300 > 50 %
    rep = report(rows, [A(p, "T1", "L1", pl, 1) for p in (1, 2) for pl in ("P-A", "P-B")])
    assert reason(rep) == (
        "Staffing rules cannot be met: every nation with a free unit is at the 50% max_nation_share of T1's "
        "personnel."
    )


def test_reason_unexplained_names_the_free_units():
    rep = report(tiny(), [A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1)], status="feasible")
    assert reason(rep) == (
        "Units were free but left unused (P-B); no rule found that prevents them "
        "(solve status feasible: a longer run may close the gap)."
    )


def test_reasons_are_deterministic():
    rows = figures_rows()
    a = report(rows, FIGURES_PLAN, leads={"T1": "AAA"})
    b = report(rows, tuple(reversed(FIGURES_PLAN)), leads={"T1": "AAA"})
    for name in ("allocations", "coverage", "shortfalls", "tasks", "nations", "caveats"):
        assert getattr(a, name).equals(getattr(b, name)), name


def test_counts_beside_the_lists(fig):
    # figures_rows: T1 is staffed in periods 1-3, T2 in 2-3; AAA leads T1, BBB leads nothing
    tasks = fig.tasks.set_index("task")
    assert (tasks.loc["T1", "staffed_periods"], tasks.loc["T1", "staffed_period_count"]) == ("1-3", 3)
    assert (tasks.loc["T2", "staffed_periods"], tasks.loc["T2", "staffed_period_count"]) == ("2-3", 2)
    nations = fig.nations.set_index("nation")
    assert (nations.loc["AAA", "tasks_led"], nations.loc["AAA", "tasks_led_count"]) == ("T1", 1)
    assert (nations.loc["BBB", "tasks_led"], nations.loc["BBB", "tasks_led_count"]) == ("", 0)
