"""``forcegen verify``: the independent plan checker (SPEC section 2 rules, section 4 plan workbook).

Plans are written here with openpyxl the way the plan writer lays them out
(Allocations / Summary / Tasks), for tiny problems from ``builders.tiny()``:

    nations   AAA (European), BBB (not European)
    INF       100 personnel per unit
    L1        in UKR, unlimited capacity
    T1        priority 1, periods 1..2, requires ceasefire, lead none, needs 2 INF per period
    P-A       AAA 1 INF, cost 10 per unit-period;  P-B  BBB 1 INF, cost 20
    horizon 2

The full plan (both pledges on T1 at L1 in both periods) has shortfall 0,
cost 2 × (10 + 20) = 60 and 4 contributions (AAA/BBB × periods 1/2). Allocation
rows start at spreadsheet row 2.
"""

from __future__ import annotations

import openpyxl
import pytest
from builders import problem_from_rows, tiny, write_workbook
from click.testing import CliRunner

from forcegen.cli import cli
from forcegen.errors import InputError
from forcegen.verify import (
    RULE_CAPACITY,
    RULE_CAVEATS,
    RULE_FORM,
    RULE_STAFFING,
    RULE_SUMMARY,
    RULE_SUPPLY,
    RULE_TASKS,
    Violation,
    verify_plan,
)

# (period, task, location, pledge, units)
FULL = [(1, "T1", "L1", "P-A", 1), (1, "T1", "L1", "P-B", 1),
        (2, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-B", 1)]
HEADER = ["period", "task", "location", "country", "nation", "capability", "pledge", "units", "personnel", "cost"]


def write_plan(path, problem, allocs, *, shortfall=(0, 0, 0, 0, 0), cost=60, contributions=None, leads=None,
               solve_log=None, header=HEADER):
    """Write a plan workbook; derived columns are filled from ``problem`` unless a row overrides them.

    ``allocs`` items are (period, task, location, pledge, units) tuples, optionally followed by a
    dict of raw cell overrides, or None for a blank row.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Allocations"
    ws.append(header)
    for item in allocs:
        if item is None:
            ws.append([])
            continue
        period, task, location, pledge, units, *more = item
        p = problem.pledge.get(pledge)
        loc = problem.location.get(location)
        values = {
            "period": period, "task": task, "location": location, "pledge": pledge, "units": units,
            "country": loc.country if loc else None,
            "nation": p.nation if p else None,
            "capability": p.capability if p else None,
            "personnel": units * problem.capability[p.capability].personnel_per_unit if p else None,
            "cost": units * p.cost_per_unit if p else None,
        }
        if more:
            values.update(more[0])
        ws.append([values.get(c.strip().lower()) for c in header])
    s = wb.create_sheet("Summary")
    s.append(["parameter", "value"])
    s.append(["scenario", "tiny"])
    s.append(["status", "optimal"])
    for k, v in enumerate(shortfall, start=1):
        s.append([f"shortfall_p{k}", v])
    s.append(["total_cost", cost])
    if contributions is not None:
        s.append(["contributions", contributions])
    if solve_log:
        s.append([])
        s.append(["level", "status", "value"])
        for row in solve_log:
            s.append(list(row))
    t = wb.create_sheet("Tasks")
    t.append(["task", "name", "priority", "lead", "nations", "staffed_periods", "coverage_pct"])
    for task in problem.tasks:
        t.append([task.id, task.name, task.priority, (leads or {}).get(task.id), 2, 2, 100.0])
    wb.save(path)
    return path


def check(problem, tmp_path, allocs, **kw):
    return verify_plan(problem, write_plan(tmp_path / "plan.xlsx", problem, allocs, **kw))


def found(result):
    """(sheet, row, rule) of each violation, sorted."""
    return sorted((v.sheet, v.row, v.rule) for v in result.violations)


def edit(**changes):
    """tiny() with changes: {sheet: callable(rows)}."""
    rows = tiny()
    for sheet, fn in changes.items():
        fn(rows[sheet])
    return problem_from_rows(rows)


def set_(index, **values):
    return lambda rows: rows[index].update(values)


# --------------------------------------------------------------------------------------------
# correct plans


def test_correct_plan_passes(tmp_path):
    problem = problem_from_rows(tiny())
    result = check(problem, tmp_path, FULL, contributions=4)
    assert result.ok, [str(v) for v in result.violations]
    assert result.recomputed == {"shortfall_p1": 0, "shortfall_p2": 0, "shortfall_p3": 0, "shortfall_p4": 0,
                                 "shortfall_p5": 0, "total_cost": 60, "contributions": 4}
    assert result.stated["total_cost"] == 60
    assert result.allocation_rows == 4


def test_empty_plan_passes_with_its_shortfall(tmp_path):
    # nothing allocated: T1 misses 2 INF in each of periods 1 and 2 -> shortfall_p1 = 4, cost 0
    problem = problem_from_rows(tiny())
    result = check(problem, tmp_path, [], shortfall=(4, 0, 0, 0, 0), cost=0, contributions=0)
    assert result.ok, [str(v) for v in result.violations]


def test_weights_and_priorities_in_shortfall(tmp_path):
    # T1 priority 3, requirement weight 2.5; only P-A in period 1 -> missing 1 (p1) + 2 (p2) = 3 units,
    # weighted 3 × 2.5 = 7.5 at priority 3; cost 10
    problem = edit(Tasks=set_(0, priority=3), Requirements=set_(0, weight=2.5))
    result = check(problem, tmp_path, [FULL[0]], shortfall=(0, 0, 7.5, 0, 0), cost=10)
    assert result.ok, [str(v) for v in result.violations]
    assert result.recomputed["shortfall_p3"] == 7.5


def test_layout_tolerance_header_case_blank_rows_extra_columns_and_solve_log(tmp_path):
    # header in other case with spaces and an extra column; a blank row between allocations;
    # the solve log below the Summary (after a blank row) states a wrong "contributions": not read
    problem = problem_from_rows(tiny())
    header = [" Period", "TASK", "location ", "country", "nation", "capability", "pledge", "units",
              "personnel", "cost", "note"]
    allocs = FULL[:2] + [None] + [(2, "T1", "L1", "P-A", 1, {"note": "moved"}), FULL[3]]
    result = check(problem, tmp_path, allocs, header=header, solve_log=[("contributions", "optimal", 999)])
    assert result.ok, [str(v) for v in result.violations]
    assert "contributions" not in result.stated
    assert result.allocation_rows == 4


def test_duplicate_rows_are_summed(tmp_path):
    # P-A units 2; rows 2 and 3 each put 1 unit of P-A on T1 in period 1: summed to 2 <= 2, fine;
    # cost 2 × 10 = 20, shortfall p1: period 1 covered (2), period 2 missing 2 -> 2
    problem = edit(Pledges=set_(0, units=2))
    allocs = [(1, "T1", "L1", "P-A", 1), (1, "T1", "L1", "P-A", 1)]
    result = check(problem, tmp_path, allocs, shortfall=(2, 0, 0, 0, 0), cost=20, contributions=1)
    assert result.ok, [str(v) for v in result.violations]


# --------------------------------------------------------------------------------------------
# rule 1 supply


def test_supply_over_pledge(tmp_path):
    # P-A (1 unit) gets 2 units in period 1 (row 2); T1 period 1 = 2 units = requirement, fine.
    # shortfall 0; cost 2×10 + (10+20) = 50; contributions (AAA,1) (AAA,2) (BBB,2) = 3
    problem = problem_from_rows(tiny())
    allocs = [(1, "T1", "L1", "P-A", 2), FULL[2], FULL[3]]
    result = check(problem, tmp_path, allocs, cost=50, contributions=3)
    assert found(result) == [("Allocations", 2, RULE_SUPPLY)]
    assert "pledge P-A allocates 2 units in period 1, pledged 1" in str(result.violations[0])


def test_supply_over_pledge_across_duplicate_rows(tmp_path):
    # the same 2 units of P-A split over rows 2 and 3: summed, one violation naming both rows
    problem = problem_from_rows(tiny())
    allocs = [(1, "T1", "L1", "P-A", 1), (1, "T1", "L1", "P-A", 1), FULL[2], FULL[3]]
    result = check(problem, tmp_path, allocs, cost=50, contributions=3)
    assert found(result) == [("Allocations", 2, RULE_SUPPLY)]
    v = result.violations[0]
    assert v.rows == (2, 3)
    assert str(v).startswith(f"{tmp_path / 'plan.xlsx'}: Allocations rows 2, 3: rule 1 supply: pledge P-A")


def test_supply_outside_window(tmp_path):
    # P-A available in period 1 only; the full plan uses it in period 2 (row 4)
    problem = edit(Pledges=set_(0, to_period=1))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 4, RULE_SUPPLY)]
    assert "outside its window 1..1" in result.violations[0].message


def test_row_numbers_count_blank_rows(tmp_path):
    # two blank rows after row 3: P-A in period 2 is then on spreadsheet row 6
    problem = edit(Pledges=set_(0, to_period=1))
    result = check(problem, tmp_path, FULL[:2] + [None, None] + FULL[2:])
    assert found(result) == [("Allocations", 6, RULE_SUPPLY)]


def test_supply_conditional_excluded(tmp_path):
    # P-B conditional and include_conditional = no: rows 3 and 5 (P-B in periods 1, 2)
    problem = edit(Scenario=lambda r: r.append({"parameter": "include_conditional", "value": "no"}),
                   Pledges=set_(1, status="conditional"))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 3, RULE_SUPPLY), ("Allocations", 5, RULE_SUPPLY)]
    assert "conditional" in result.violations[0].message


# --------------------------------------------------------------------------------------------
# rule 2 tasks


def test_task_inactive_without_ceasefire(tmp_path):
    # ceasefire = no and T1 requires one: T1 is never active -> every row; shortfall counts active
    # periods only -> 0; cost 60
    problem = edit(Scenario=lambda r: r.append({"parameter": "ceasefire", "value": "no"}))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", r, RULE_TASKS) for r in (2, 3, 4, 5)]
    assert "ceasefire" in result.violations[0].message


def test_task_inactive_outside_its_periods(tmp_path):
    # T1 ends in period 1: rows 4, 5 (period 2); shortfall: only period 1 counts, covered -> 0
    problem = edit(Tasks=set_(0, end_period=1))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 4, RULE_TASKS), ("Allocations", 5, RULE_TASKS)]
    assert "not active in period 2" in result.violations[0].message


def test_task_wrong_location(tmp_path):
    # L2 (POL) exists but is no basing location of T1; row 3 puts P-B there in period 1.
    # allocated to T1 still counts: shortfall 0, cost 60
    problem = edit(Locations=lambda r: r.append({"location": "L2", "name": "Base two", "country": "POL",
                                                 "kind": "land_base"}))
    allocs = [FULL[0], (1, "T1", "L2", "P-B", 1), FULL[2], FULL[3]]
    result = check(problem, tmp_path, allocs)
    assert found(result) == [("Allocations", 3, RULE_TASKS)]
    assert "location L2 is not a basing location of task T1" in result.violations[0].message


def test_task_unrequired_capability(tmp_path):
    # ENG (50 per unit) pledged by AAA as P-E at cost 5; T1 does not require ENG; row 6.
    # cost 60 + 5 = 65; contributions still 4 (AAA already on T1 in period 1)
    problem = edit(
        Capabilities=lambda r: r.append({"capability": "ENG", "name": "Engineers", "domain": "land",
                                         "unit": "company", "personnel_per_unit": 50}),
        Pledges=lambda r: r.append({"pledge": "P-E", "nation": "AAA", "capability": "ENG", "units": 1,
                                    "cost_per_unit": 5}),
    )
    result = check(problem, tmp_path, FULL + [(1, "T1", "L1", "P-E", 1)], cost=65, contributions=4)
    assert found(result) == [("Allocations", 6, RULE_TASKS)]
    assert "capability ENG" in result.violations[0].message


def test_task_over_requirement(tmp_path):
    # T1 needs only 1 INF; the full plan gives 2 in each period: rows 2+3 and rows 4+5
    problem = edit(Requirements=set_(0, units=1))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 2, RULE_TASKS), ("Allocations", 4, RULE_TASKS)]
    assert result.violations[0].rows == (2, 3)
    assert "task T1 gets 2 units of INF in period 1, requires 1" in result.violations[0].message


# --------------------------------------------------------------------------------------------
# rule 3 caveats


def _caveat(**c):
    return {"Caveats": lambda r: r.append(c)}


def test_caveat_forbid(tmp_path):
    # BBB forbids UKR: its rows 3 and 5
    problem = edit(**_caveat(nation="BBB", rule="forbid", country="UKR"))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 3, RULE_CAVEATS), ("Allocations", 5, RULE_CAVEATS)]
    assert "forbid" in result.violations[0].message


def test_caveat_only(tmp_path):
    # AAA only in POL: its rows 2 and 4 (L1 is in UKR)
    problem = edit(**_caveat(nation="AAA", rule="only", country="POL"))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 2, RULE_CAVEATS), ("Allocations", 4, RULE_CAVEATS)]


def test_caveat_only_any_matching_row_allows(tmp_path):
    # AAA only in POL, or only land domain: INF is land, so every AAA row matches the second
    rows = tiny()
    rows["Caveats"] += [{"nation": "AAA", "rule": "only", "country": "POL"},
                        {"nation": "AAA", "rule": "only", "domain": "land"}]
    result = check(problem_from_rows(rows), tmp_path, FULL)
    assert result.ok, [str(v) for v in result.violations]


def test_caveat_max_personnel(tmp_path):
    # AAA at most 50 personnel in UKR; 1 INF = 100 in each period: row 2 (period 1), row 4 (period 2)
    problem = edit(**_caveat(nation="AAA", rule="max_personnel", country="UKR", limit=50))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 2, RULE_CAVEATS), ("Allocations", 4, RULE_CAVEATS)]
    assert "100 personnel" in result.violations[0].message and "limit 50" in result.violations[0].message


def test_caveat_max_personnel_exactly_at_limit(tmp_path):
    problem = edit(**_caveat(nation="AAA", rule="max_personnel", country="UKR", limit=100))
    assert check(problem, tmp_path, FULL).ok


# --------------------------------------------------------------------------------------------
# rule 4 capacity


def test_location_capacity(tmp_path):
    # L1 holds 150; each period puts 2 × 100 = 200 there: rows 2+3, rows 4+5
    problem = edit(Locations=set_(0, personnel_capacity=150))
    result = check(problem, tmp_path, FULL)
    assert found(result) == [("Allocations", 2, RULE_CAPACITY), ("Allocations", 4, RULE_CAPACITY)]
    assert "location L1 holds 200 personnel in period 1, capacity 150" in result.violations[0].message


# --------------------------------------------------------------------------------------------
# rule 5 staffing


def test_min_nations(tmp_path):
    # T1 needs 2 nations; period 1 has only AAA (row 2). shortfall: 1 unit missing in period 1 -> 1;
    # cost 10 + 30 = 40; contributions 3
    problem = edit(Tasks=set_(0, min_nations=2))
    result = check(problem, tmp_path, [FULL[0], FULL[2], FULL[3]], shortfall=(1, 0, 0, 0, 0), cost=40,
                   contributions=3)
    assert found(result) == [("Allocations", 2, RULE_STAFFING)]
    assert "1 contributing nation in period 1, needs at least 2" in result.violations[0].message


def test_max_nation_share(tmp_path):
    # share ≤ 0.5; P-A 2 units, T1 needs 3. Period 1: P-A 2 (row 2) + P-B 1 (row 3): AAA 200 of 300
    # = 66.7% > 50%. Period 2: 1 + 1: 50%, exactly at the limit, fine.
    # shortfall: period 2 misses 1 -> 1; cost 20 + 20 + 10 + 20 = 70; contributions 4
    problem = edit(Tasks=set_(0, max_nation_share=0.5), Pledges=set_(0, units=2), Requirements=set_(0, units=3))
    allocs = [(1, "T1", "L1", "P-A", 2), FULL[1], FULL[2], FULL[3]]
    result = check(problem, tmp_path, allocs, shortfall=(1, 0, 0, 0, 0), cost=70, contributions=4)
    assert found(result) == [("Allocations", 2, RULE_STAFFING)]
    assert "AAA supplies 66.7%" in result.violations[0].message


def test_lead_stated_and_valid(tmp_path):
    problem = edit(Tasks=set_(0, lead="european"))
    assert check(problem, tmp_path, FULL, leads={"T1": "AAA"}).ok


def test_lead_not_european(tmp_path):
    # T1 lead european; the Tasks sheet (row 2) names BBB, which is not European
    problem = edit(Tasks=set_(0, lead="european"))
    result = check(problem, tmp_path, FULL, leads={"T1": "BBB"})
    assert found(result) == [("Tasks", 2, RULE_STAFFING)]
    assert "not European" in result.violations[0].message


def test_lead_unknown_nation(tmp_path):
    problem = edit(Tasks=set_(0, lead="any"))
    result = check(problem, tmp_path, FULL, leads={"T1": "ZZZ"})
    assert found(result) == [("Tasks", 2, RULE_STAFFING)]
    assert "not a known nation" in result.violations[0].message


def test_lead_not_contributing_in_a_staffed_period(tmp_path):
    # T1 lead any, BBB stated; period 2 has only P-A (AAA): BBB absent where T1 is staffed.
    # shortfall: period 2 misses 1 -> 1; cost 30 + 10 = 40; contributions 3
    problem = edit(Tasks=set_(0, lead="any"))
    result = check(problem, tmp_path, FULL[:3], leads={"T1": "BBB"}, shortfall=(1, 0, 0, 0, 0), cost=40,
                   contributions=3)
    assert found(result) == [("Tasks", 2, RULE_STAFFING)]
    assert "does not contribute in period 2" in result.violations[0].message


def _below_share_problem():
    # T1 lead european needs 5 INF; BBB pledges 4 (P-B). Plan: period 1 P-A 1 (row 2) + P-B 4 (row 3):
    # AAA has 100 of 500 = 20% < lead_min_share 25%. Period 2 unstaffed.
    # shortfall: period 1 0, period 2 5 -> 5; cost 10 + 4 × 20 = 90; contributions 2
    return edit(Tasks=set_(0, lead="european"), Pledges=set_(1, units=4), Requirements=set_(0, units=5))


BELOW = [(1, "T1", "L1", "P-A", 1), (1, "T1", "L1", "P-B", 4)]


def test_lead_below_share(tmp_path):
    result = check(_below_share_problem(), tmp_path, BELOW, leads={"T1": "AAA"}, shortfall=(5, 0, 0, 0, 0),
                   cost=90, contributions=2)
    assert found(result) == [("Tasks", 2, RULE_STAFFING)]
    assert "lead AAA supplies 20% of task T1's personnel in period 1 (100 of 500), needs at least 25%" \
        in result.violations[0].message


def test_lead_not_stated_and_none_qualifies(tmp_path):
    # same plan, Tasks sheet lead blank: AAA (the only European) is below 25%, BBB is not European
    result = check(_below_share_problem(), tmp_path, BELOW, shortfall=(5, 0, 0, 0, 0), cost=90, contributions=2)
    assert found(result) == [("Tasks", 2, RULE_STAFFING)]
    assert "no nation qualifies" in result.violations[0].message


def test_lead_not_stated_but_one_qualifies(tmp_path):
    # lead european, nothing stated: AAA contributes 50% in both periods, so the plan keeps the rule
    problem = edit(Tasks=set_(0, lead="european"))
    assert check(problem, tmp_path, FULL).ok


# --------------------------------------------------------------------------------------------
# Summary figures


def test_summary_mismatch_shortfall_and_cost(tmp_path):
    # full plan: shortfall_p1 0 and cost 60, but the Summary states 1 and 61 (rows 4 and 9)
    problem = problem_from_rows(tiny())
    result = check(problem, tmp_path, FULL, shortfall=(1, 0, 0, 0, 0), cost=61)
    assert found(result) == [("Summary", 4, RULE_SUMMARY), ("Summary", 9, RULE_SUMMARY)]
    texts = [v.message for v in result.violations]
    assert texts == ["shortfall_p1 states 1, recomputed 0", "total_cost states 61, recomputed 60"]
    assert result.stated["shortfall_p1"] == 1 and result.recomputed["shortfall_p1"] == 0


def test_summary_mismatch_after_hand_edit_and_tolerance(tmp_path):
    # staff delete P-B in period 2 (row 5) but leave the Summary: shortfall_p1 is now 1, cost 40,
    # contributions 3; a difference within 1e-6 relative is not reported (60 vs 60.00001 would be)
    problem = problem_from_rows(tiny())
    result = check(problem, tmp_path, FULL[:3], contributions=4)
    assert found(result) == [("Summary", r, RULE_SUMMARY) for r in (4, 9, 10)]
    ok = check(problem, tmp_path, FULL, cost=60 * (1 + 1e-7), contributions=4.0)
    assert ok.ok


def test_summary_missing_row_and_non_number(tmp_path):
    problem = problem_from_rows(tiny())
    path = write_plan(tmp_path / "plan.xlsx", problem, FULL)
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    ws.delete_rows(5)  # shortfall_p2 gone
    ws["B8"] = "sixty"  # total_cost moved up to row 8
    wb.save(path)
    result = verify_plan(problem, path)
    assert [(v.sheet, v.row, v.rule) for v in result.violations] == [
        ("Summary", None, RULE_SUMMARY), ("Summary", 8, RULE_SUMMARY)]
    assert "no shortfall_p2 row" in result.violations[0].message
    assert "not a number" in result.violations[1].message


# --------------------------------------------------------------------------------------------
# malformed rows


def test_malformed_rows_are_named(tmp_path):
    # One problem per row (P-A pledges 2 units here so that P-A's rows do not break supply):
    #   rows 3, 4, 5, 9, 10 cannot be placed (unknown id, units not whole or 0, period outside 1..2)
    #   and are left out of the rule checks and figures; rows 6, 7, 8, 11 have a wrong derived column
    #   but are placed.
    problem = edit(Pledges=set_(0, units=2))
    allocs = [
        FULL[0],  # 2
        (1, "T1", "L1", "P-X", 1),  # 3 unknown pledge
        (1, "T1", "L1", "P-B", 1.5),  # 4 units not whole
        (3, "T1", "L1", "P-B", 1),  # 5 period outside 1..2
        (2, "T1", "L1", "P-A", 1, {"nation": "BBB"}),  # 6
        (1, "T1", "L1", "P-B", 1, {"cost": 21}),  # 7 cost 21 for 1 × 20
        (2, "T1", "L1", "P-B", 1, {"country": "POL"}),  # 8
        (2, "T1", "L1", "P-A", 0, {"personnel": 0, "cost": 0}),  # 9 units 0
        ("x", "T9", "L9", "P-A", 1),  # 10 bad period, unknown task and location
        (1, "T1", "L1", "P-A", 1, {"personnel": 90, "capability": None}),  # 11 blank capability, personnel
    ]
    # placed: rows 2, 6, 7, 8, 11 -> T1 period 1: P-A 2 (rows 2, 11) + P-B 1 = 3 > 2 required -> rule 2
    # on rows 2, 7, 11; P-A period 1 = 2 units <= 2. Period 2: P-A 1 + P-B 1 = 2, covered.
    # cost 10 + 20 + 10 (p1) + 10 + 20 (p2) = 70; contributions (AAA,1) (BBB,1) (AAA,2) (BBB,2) = 4
    result = check(problem, tmp_path, allocs, cost=70, contributions=4)
    assert found(result) == sorted([
        ("Allocations", 2, RULE_TASKS),
        ("Allocations", 3, RULE_FORM),
        ("Allocations", 4, RULE_FORM),
        ("Allocations", 5, RULE_FORM),
        ("Allocations", 6, RULE_FORM),
        ("Allocations", 7, RULE_FORM),
        ("Allocations", 8, RULE_FORM),
        ("Allocations", 9, RULE_FORM),
        ("Allocations", 10, RULE_FORM), ("Allocations", 10, RULE_FORM), ("Allocations", 10, RULE_FORM),
        ("Allocations", 11, RULE_FORM), ("Allocations", 11, RULE_FORM),
    ])
    by_row = {}
    for v in result.violations:
        by_row.setdefault(v.row, []).append(v.message)
    assert by_row[3] == ["unknown pledge P-X"]
    assert "units 1.5 is not a whole number" in by_row[4][0]
    assert by_row[5] == ["period 3 is outside 1..2"]
    assert by_row[6] == ["nation BBB does not match pledge P-A, whose nation is AAA"]
    assert by_row[7] == ["cost 21 should be 20 (1 × cost per unit 20)"]
    assert sorted(by_row[11]) == ["capability (blank) does not match pledge P-A, whose capability is INF",
                                  "personnel 90 should be 100 (1 × 100 personnel per unit)"]
    assert "units 0 is not a whole number ≥ 1" in by_row[9][0]
    assert by_row[8] == ["country POL does not match location L1, which is in UKR"]
    assert sorted(by_row[10]) == ["period 'x' is not a whole number", "unknown location L9", "unknown task T9"]
    assert next(v for v in result.violations if v.rule == RULE_TASKS).rows == (2, 7, 11)


def test_missing_derived_column_is_reported_once(tmp_path):
    problem = problem_from_rows(tiny())
    header = [c for c in HEADER if c != "country"]
    result = check(problem, tmp_path, FULL, header=header)
    assert found(result) == [("Allocations", 1, RULE_FORM)]
    assert "no country column" in result.violations[0].message


def test_violation_str():
    v = Violation("Allocations", 7, RULE_SUPPLY, "pledge P-A allocates 3 units in period 2, pledged 2",
                  file="plan.xlsx")
    assert str(v) == "plan.xlsx: Allocations row 7: rule 1 supply: pledge P-A allocates 3 units in period 2, pledged 2"


# --------------------------------------------------------------------------------------------
# not a plan workbook


def test_missing_sheets_and_not_xlsx_raise_input_error(tmp_path):
    problem = problem_from_rows(tiny())
    wb = openpyxl.Workbook()
    wb.active.title = "Allocations"
    wb.active.append(HEADER)
    wb.save(tmp_path / "nosummary.xlsx")
    with pytest.raises(InputError, match="no Summary sheet"):
        verify_plan(problem, tmp_path / "nosummary.xlsx")
    (tmp_path / "plan.csv").write_text("period,task\n1,T1\n")
    with pytest.raises(InputError, match="not an .xlsx"):
        verify_plan(problem, tmp_path / "plan.csv")
    with pytest.raises(InputError, match="not found"):
        verify_plan(problem, tmp_path / "absent.xlsx")
    wb = openpyxl.Workbook()
    wb.active.title = "Allocations"
    wb.active.append(["period", "task", "units"])
    wb.create_sheet("Summary").append(["parameter", "value"])
    wb.save(tmp_path / "nocols.xlsx")
    with pytest.raises(InputError, match="no location, pledge columns"):
        verify_plan(problem, tmp_path / "nocols.xlsx")


# --------------------------------------------------------------------------------------------
# CLI


@pytest.fixture
def cli_files(tmp_path):
    rows = tiny()
    inp = write_workbook(rows, tmp_path / "input.xlsx")
    problem = problem_from_rows(rows)
    good = write_plan(tmp_path / "good.xlsx", problem, FULL)
    bad = write_plan(tmp_path / "bad.xlsx", problem, [(1, "T1", "L1", "P-A", 2)] + FULL[2:], cost=50)
    return tmp_path, inp, good, bad


def test_cli_ok_exit_0(cli_files):
    _, inp, good, _ = cli_files
    res = CliRunner().invoke(cli, ["verify", str(inp), str(good)])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"{good}: OK — every hard rule holds; figures match the Summary"


def test_cli_violations_exit_1(cli_files):
    _, inp, _, bad = cli_files
    res = CliRunner().invoke(cli, ["verify", str(inp), str(bad)])
    assert res.exit_code == 1, res.output
    lines = res.output.strip().splitlines()
    assert lines == [f"{bad}: Allocations row 2: rule 1 supply: pledge P-A allocates 2 units in period 1, pledged 1",
                     "1 violation found"]


def test_cli_input_problems_exit_2(cli_files):
    tmp_path, inp, good, _ = cli_files
    (tmp_path / "junk.xlsx").write_text("not a workbook")
    res = CliRunner().invoke(cli, ["verify", str(inp), str(tmp_path / "junk.xlsx")])
    assert res.exit_code == 2
    assert "not an .xlsx" in res.output
    rows = tiny()
    rows["Pledges"][0]["units"] = -1  # an invalid input workbook
    bad_input = write_workbook(rows, tmp_path / "bad-input.xlsx")
    res = CliRunner().invoke(cli, ["verify", str(bad_input), str(good)])
    assert res.exit_code == 2, res.output
    assert "Pledges row 2" in res.output
    res = CliRunner().invoke(cli, ["verify", str(inp)])  # usage
    assert res.exit_code == 2
