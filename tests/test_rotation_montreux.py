"""SPEC 5.3 (rotation: tour and dwell) and 5.4 (the Montreux Convention on Black Sea tasks).

One tiny instance per way each rule binds, optimum derived by hand in the comment next
to it, solved by every back end through ``solve_and_verify`` (which writes the plan
workbook and runs the independent verifier). Then: a workbook without the new columns
plans exactly as before, the model's period blocks, parts, repaired starts and
``restricts`` with the new rules, the verifier on hand-made plans that break them, and
the report's figures and reasons.

Unless an instance says otherwise (``tiny()`` of builders.py):

    AAA European, BBB not European, neither a Black Sea state
    INF       land, 100 personnel per unit
    L1        land base in UKR, unlimited capacity
    T1        priority 1, lead none, based at L1, needs INF
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import problem_from_rows, tiny
from solving import SOLVERS, level_values, solve_and_verify

from forcegen.domain import Allocation as A
from forcegen.domain import Plan
from forcegen.model import build as model_build
from forcegen.model.bounds import restricts
from forcegen.model.decompose import components
from forcegen.model.repair import repaired_start
from forcegen.model.linear import violations
from forcegen.report import build_report
from forcegen.verify import RULE_MONTREUX, RULE_ROTATION, verify_plan
from forcegen.workbook.write import write_plan

solvers = pytest.mark.parametrize("solver", SOLVERS)
META = dict(input_file="<test>", input_sha256="0" * 64, created_at="2026-01-01T00:00:00Z")


def _task(tid: str, priority: int, start: int, end: int, pillar: str = "land") -> dict:
    return {"task": tid, "name": tid, "pillar": pillar, "priority": priority, "start_period": start,
            "end_period": end, "requires_ceasefire": "yes", "lead": "none"}


def _units(plan: Plan) -> dict[tuple[int, str, str], int]:
    """(period, task, pledge) -> units."""
    out: dict[tuple[int, str, str], int] = {}
    for a in plan.allocations:
        out[(a.period, a.task, a.pledge)] = out.get((a.period, a.task, a.pledge), 0) + a.units
    return out


def _families(problem, **kw) -> dict[str, int]:
    return model_build.build(problem, **kw).model.row_families()


# --------------------------------------------------------------------------- rotation instances


def surge_rows(horizon: int = 3, tour: int | None = 1) -> dict:
    """The rule of thirds as a surge then rest: AAA holds 3 companies, tour 1, dwell 2.

    T1 (priority 1) needs 3 INF in period 1 only; T2 (priority 2) needs 1 INF in periods 2..horizon.
    """
    rows = tiny()
    rows["Scenario"][1]["value"] = horizon
    rows["Tasks"] = [_task("T1", 1, 1, 1), _task("T2", 2, 2, horizon)]
    rows["Basing"] = [{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L1"}]
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": 3},
                            {"task": "T2", "capability": "INF", "units": 1}]
    rows["Pledges"] = [{"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 3, "cost_per_unit": 10,
                        "tour": tour, "dwell": 2 if tour else None}]
    return rows


@solvers
def test_rotation_surge_then_rest(solver):
    # horizon 3: one run of 3 periods, at most 3 × 1 = 3 unit-periods in it.
    # Level p1: all 3 companies on T1 in period 1 (shortfall_p1 0) — the run's budget is spent,
    # so T2 gets nothing in periods 2 and 3: shortfall_p2 = 2. Cost 3 × 10 = 30, 1 contribution.
    # Without the rule T2 would take one company in periods 2 and 3 (shortfall_p2 0).
    plan = solve_and_verify(problem_from_rows(surge_rows(3)), solver)
    lv = level_values(plan)
    assert (lv["shortfall_p1"], lv["shortfall_p2"], lv["cost"], lv["contributions"]) == (0, 2, 30, 1)
    assert _units(plan) == {(1, "T1", "P-A"): 3}
    free = solve_and_verify(problem_from_rows(surge_rows(3, tour=None)), solver)
    assert level_values(free)["shortfall_p2"] == 0


@solvers
def test_rotation_sliding_window_returns_after_the_dwell(solver):
    # horizon 4: runs 1-3 and 2-4, each at most 3 unit-periods. Period 1 takes all 3 (priority 1),
    # so periods 2 and 3 get nothing (run 1-3 is full); run 2-4 still has 3 to spend: T2 gets its
    # one company in period 4. shortfall_p2 = 2 (periods 2, 3), cost 4 × 10 = 40.
    plan = solve_and_verify(problem_from_rows(surge_rows(4)), solver)
    lv = level_values(plan)
    assert (lv["shortfall_p1"], lv["shortfall_p2"], lv["cost"], lv["contributions"]) == (0, 2, 40, 2)
    assert _units(plan) == {(1, "T1", "P-A"): 3, (4, "T2", "P-A"): 1}


def steady_rows() -> dict:
    """The rule of thirds kept on station: AAA holds 3 companies, tour 1, dwell 2, horizon 6.

    T1 (priority 1) needs 1 INF and T2 (priority 2) 2 INF in every period 1..6.
    """
    rows = tiny()
    rows["Scenario"][1]["value"] = 6
    rows["Tasks"] = [_task("T1", 1, 1, 6), _task("T2", 2, 1, 6)]
    rows["Basing"] = [{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L1"}]
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": 1},
                            {"task": "T2", "capability": "INF", "units": 2}]
    rows["Pledges"] = [{"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 3, "cost_per_unit": 10,
                        "tour": 1, "dwell": 2}]
    return rows


@solvers
@pytest.mark.parametrize("formulation", list(model_build.FORMULATIONS))
def test_rotation_one_on_station_for_good(solver, formulation):
    # Runs 1-3, 2-4, 3-5, 4-6, each at most 3 unit-periods. T1 covered in all 6 periods needs one
    # company a period, which fills every run exactly (1 + 1 + 1 = 3): shortfall_p1 0 forces it, and
    # then T2 can have nothing: shortfall_p2 = 6 × 2 = 12. Cost 6 × 10 = 60, 6 contributions.
    # (Without the rule all three companies serve in every period and nothing is short.)
    plan = solve_and_verify(problem_from_rows(steady_rows()), solver, formulation=formulation)
    lv = level_values(plan)
    assert (lv["shortfall_p1"], lv["shortfall_p2"], lv["cost"], lv["contributions"]) == (0, 12, 60, 6)
    assert _units(plan) == {(k, "T1", "P-A"): 1 for k in range(1, 7)}


def est_rows(horizon: int = 12, tour: int = 6, dwell: int = 12) -> dict:
    """One company held (units 1), T1 needs it in every period 1..horizon."""
    rows = tiny()
    rows["Scenario"][1]["value"] = horizon
    rows["Tasks"] = [_task("T1", 1, 1, horizon)]
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": 1}]
    rows["Pledges"] = [{"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 1, "cost_per_unit": 10,
                        "tour": tour, "dwell": dwell}]
    return rows


@solvers
def test_rotation_tour_and_dwell_longer_than_the_horizon(solver):
    # tour 6, dwell 12, horizon 12: the one run 1-12 (cut at the horizon) holds at most 1 × 6
    # unit-periods: the company serves 6 of the 12 periods, shortfall_p1 = 6, cost 60.
    plan = solve_and_verify(problem_from_rows(est_rows()), solver)
    lv = level_values(plan)
    assert (lv["shortfall_p1"], lv["cost"]) == (6, 60)
    assert sum(_units(plan).values()) == 6


@solvers
def test_rotation_a_tour_longer_than_the_horizon_sets_no_limit(solver):
    # tour 6, dwell 12, horizon 3: any run holds at most 3 periods ≤ tour, so only "at most units a
    # period" applies: the company serves all 3 periods, shortfall 0, and the model has no rotation row.
    problem = problem_from_rows(est_rows(horizon=3))
    assert "rotation" not in _families(problem)
    plan = solve_and_verify(problem, solver)
    assert level_values(plan)["shortfall_p1"] == 0 and sum(_units(plan).values()) == 3


def test_a_dwell_of_zero_sets_no_limit():
    # tour 2, dwell 0: runs of 2 periods with at most 2 × units unit-periods — what supply allows anyway
    problem = problem_from_rows(est_rows(horizon=6, tour=2, dwell=0))
    assert problem.rotation_windows(problem.pledges[0]) == []
    assert "rotation" not in _families(problem)


def test_rotation_windows_follow_the_pledge_window():
    rows = est_rows(horizon=8, tour=2, dwell=2)
    problem = problem_from_rows(rows)
    assert problem.rotation_windows(problem.pledges[0]) == [(1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 6), (4, 5, 6, 7),
                                                           (5, 6, 7, 8)]
    rows["Pledges"][0].update(from_period=3, to_period=6)  # runs hold at most periods 3..6 of it
    problem = problem_from_rows(rows)
    assert problem.rotation_windows(problem.pledges[0]) == [(3, 4, 5, 6)]
    assert _families(problem)["rotation"] == 1


# --------------------------------------------------------------------------- Montreux instances


def sea_rows(straits: str = "montreux", aggregate: float | None = 30000, need: int = 6) -> dict:
    """A Black Sea frigate task: SEA1 (priority 1, period 1) at ODS (UKR naval base, sea_area black_sea)
    needs ``need`` FFG (sea, 190 personnel, 4,500 t). AAA and BBB are not Black Sea states, CCC is one."""
    rows = tiny()
    rows["Scenario"][1]["value"] = 1
    rows["Scenario"].append({"parameter": "straits", "value": straits})
    if aggregate is not None:
        rows["Scenario"].append({"parameter": "montreux_aggregate_t", "value": aggregate})
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes", "black_sea_state": "yes"})
    rows["Capabilities"].append({"capability": "FFG", "name": "Frigate", "domain": "sea", "unit": "ship",
                                 "personnel_per_unit": 190, "tonnage": 4500})
    rows["Locations"].append({"location": "ODS", "name": "Odesa", "country": "UKR", "kind": "naval_base",
                              "sea_area": "black_sea"})
    rows["Tasks"] = [_task("SEA1", 1, 1, 1, pillar="sea")]
    rows["Basing"] = [{"task": "SEA1", "location": "ODS"}]
    rows["Requirements"] = [{"task": "SEA1", "capability": "FFG", "units": need}]
    rows["Pledges"] = []
    return rows


def _ships(rows: dict, nation: str, units: int, cost: float) -> None:
    rows["Pledges"].append({"pledge": f"{nation}-FFG", "nation": nation, "capability": "FFG", "units": units,
                            "cost_per_unit": cost})


@solvers
def test_montreux_one_nation_at_most_two_thirds(solver):
    # aggregate 30,000 t: one nation at most 20,000 t, i.e. 4 frigates of 4,500 t (18,000; a fifth
    # makes 22,500). AAA alone offers 6, SEA1 needs 6: shortfall_p1 = 2, cost 4 × 10 = 40.
    rows = sea_rows()
    _ships(rows, "AAA", 6, 10)
    plan = solve_and_verify(problem_from_rows(rows), solver)
    assert (level_values(plan)["shortfall_p1"], level_values(plan)["cost"]) == (2, 40)


@solvers
def test_montreux_two_thirds_is_exact_at_the_boundary(solver):
    # 5,000 t frigates, aggregate 30,000: 4 of them are 20,000 t = exactly two thirds (allowed), 5 are not.
    rows = sea_rows()
    rows["Capabilities"][1]["tonnage"] = 5000
    _ships(rows, "AAA", 6, 10)
    plan = solve_and_verify(problem_from_rows(rows), solver)
    assert level_values(plan)["shortfall_p1"] == 2 and _units(plan) == {(1, "SEA1", "AAA-FFG"): 4}


@solvers
def test_montreux_aggregate_limit(solver):
    # SEA1 needs 8; AAA (10 a ship) and BBB (20 a ship) offer 4 each, within the per-nation limit
    # (4 × 4,500 = 18,000 ≤ 20,000) — but 8 ships are 36,000 t > 30,000: at most 6 (27,000 t).
    # shortfall_p1 = 2; the cheapest 6: AAA 4 + BBB 2, cost 40 + 40 = 80.
    rows = sea_rows(need=8)
    _ships(rows, "AAA", 4, 10)
    _ships(rows, "BBB", 4, 20)
    plan = solve_and_verify(problem_from_rows(rows), solver)
    assert (level_values(plan)["shortfall_p1"], level_values(plan)["cost"]) == (2, 80)
    assert _units(plan) == {(1, "SEA1", "AAA-FFG"): 4, (1, "SEA1", "BBB-FFG"): 2}


@solvers
def test_montreux_the_raised_aggregate(solver):
    # aggregate 45,000 t: per nation 30,000 (6 frigates), 8 ships = 36,000 ≤ 45,000: nothing short.
    rows = sea_rows(aggregate=45000, need=8)
    _ships(rows, "AAA", 4, 10)
    _ships(rows, "BBB", 4, 20)
    assert level_values(solve_and_verify(problem_from_rows(rows), solver))["shortfall_p1"] == 0


@solvers
def test_straits_closed(solver):
    # closed: AAA's frigates may not be at ODS at all (no column is created); CCC, a Black Sea
    # state, serves with its 1: shortfall_p1 = 3 − 1 = 2.
    rows = sea_rows("closed", need=3)
    _ships(rows, "AAA", 4, 10)
    _ships(rows, "CCC", 1, 50)
    problem = problem_from_rows(rows)
    built = model_build.build(problem)
    assert not any(key[0] == "AAA-FFG" for key in built.x)
    plan = solve_and_verify(problem, solver)
    assert level_values(plan)["shortfall_p1"] == 2 and _units(plan) == {(1, "SEA1", "CCC-FFG"): 1}


@solvers
@pytest.mark.parametrize("straits", ["montreux", "closed"])
def test_a_black_sea_state_is_not_limited(solver, straits):
    # CCC is a Black Sea state: its 8 frigates (36,000 t, more than the 30,000 aggregate and two thirds
    # of it) all serve, open straits or not.
    rows = sea_rows(straits, need=8)
    _ships(rows, "CCC", 8, 10)
    problem = problem_from_rows(rows)
    assert not {"montreux_aggregate", "montreux_nation"} & set(_families(problem))
    assert level_values(solve_and_verify(problem, solver))["shortfall_p1"] == 0


@solvers
@pytest.mark.parametrize("straits", ["montreux", "closed"])
def test_other_domains_at_a_black_sea_port_and_ships_elsewhere_are_not_limited(solver, straits):
    # AAA's infantry (land) at the Black Sea port ODS, and AAA's frigates at a Mediterranean base:
    # neither is a warship in the Black Sea, so both serve in full whatever the straits.
    rows = sea_rows(straits, need=6)
    rows["Locations"].append({"location": "MED", "name": "Souda Bay", "country": "GRC", "kind": "naval_base",
                              "sea_area": "mediterranean"})
    rows["Tasks"].append(_task("LAND1", 1, 1, 1))
    rows["Basing"] = [{"task": "SEA1", "location": "MED"}, {"task": "LAND1", "location": "ODS"}]
    rows["Requirements"].append({"task": "LAND1", "capability": "INF", "units": 3})
    _ships(rows, "AAA", 6, 10)
    rows["Pledges"].append({"pledge": "AAA-INF", "nation": "AAA", "capability": "INF", "units": 3})
    problem = problem_from_rows(rows)
    assert not {"montreux_aggregate", "montreux_nation"} & set(_families(problem))
    plan = solve_and_verify(problem, solver)
    assert level_values(plan)["shortfall_p1"] == 0
    assert _units(plan) == {(1, "SEA1", "AAA-FFG"): 6, (1, "LAND1", "AAA-INF"): 3}


# --------------------------------------------------------------------------- a v1 workbook plans as before


@pytest.mark.parametrize("rows_of", [tiny, lambda: surge_rows(4, tour=None)])
def test_without_the_new_columns_the_plan_is_the_same(tmp_path, rows_of):
    """A workbook written for SPEC sections 1-4 gives the same Problem, model and plan as one that sets
    every new column and parameter to its default (straits open, no tour): the rules are off."""
    plain = problem_from_rows(rows_of())
    rows = rows_of()
    rows["Scenario"] += [{"parameter": "straits", "value": "open"},
                         {"parameter": "montreux_aggregate_t", "value": 30000}]
    for sheet, col, value in (("Nations", "black_sea_state", "no"), ("Capabilities", "tonnage", 0),
                              ("Locations", "sea_area", None), ("Pledges", "tour", None), ("Pledges", "dwell", 0)):
        for r in rows[sheet]:
            r[col] = value
    explicit = problem_from_rows(rows)
    assert explicit == plain
    a, b = model_build.build(plain), model_build.build(explicit)
    assert a.model.row_families() == b.model.row_families() and a.model.names == b.model.names
    assert not {"rotation", "montreux_aggregate", "montreux_nation"} & set(a.model.row_families())
    plan_a, plan_b = solve_and_verify(plain), solve_and_verify(explicit)
    assert plan_a.allocations == plan_b.allocations and level_values(plan_a) == level_values(plan_b)


def test_open_straits_ignore_the_black_sea_data():
    # straits open (the default): Black Sea locations, states and tonnage change nothing
    rows = sea_rows("open", need=8)
    _ships(rows, "AAA", 8, 10)
    problem = problem_from_rows(rows)
    assert not {"montreux_aggregate", "montreux_nation"} & set(_families(problem))
    assert level_values(solve_and_verify(problem))["shortfall_p1"] == 0


# --------------------------------------------------------------------------- model internals


def test_rotation_keeps_its_periods_apart_and_the_rest_aggregated():
    # periods 1-6 alike: without a tour one block; with a binding rotation limit every period the
    # pledge is available in is its own model period (copies of one period could break the limit)
    rows = steady_rows()
    rows["Pledges"][0].update(tour=None, dwell=None)
    assert model_build.build(problem_from_rows(rows)).blocks == {1: (1, 2, 3, 4, 5, 6)}
    rows["Pledges"][0].update(tour=1, dwell=2, from_period=1, to_period=3)
    rows["Pledges"].append({"pledge": "P-B", "nation": "BBB", "capability": "INF", "units": 1})
    blocks = model_build.build(problem_from_rows(rows)).blocks
    assert blocks == {1: (1,), 2: (2,), 3: (3,), 4: (4, 5, 6)}


def test_rotation_rows_join_the_periods_into_one_part():
    problem = problem_from_rows(steady_rows())
    built = model_build.build(problem)
    linking = set(built.lead.values())
    comps = components(built.model, linking)
    x_cols = set(built.x.values())
    assert sum(1 for comp in comps if x_cols & set(comp)) == 1
    rows = steady_rows()
    rows["Pledges"][0].update(tour=None, dwell=None)
    built = model_build.build(problem_from_rows(rows), aggregate_periods=False)
    assert sum(1 for comp in components(built.model, set()) if set(built.x.values()) & set(comp)) >= 6


def test_repaired_start_keeps_rotation_and_montreux():
    # a baseline plan that serves every period with all 3 companies, carried over to a variant with
    # the rule of thirds: the repair takes units away until every run holds at most 3
    rows = steady_rows()
    problem = problem_from_rows(rows)
    built = model_build.build(problem)
    start = Plan(tuple(A(k, "T1", "L1", "P-A", 1) for k in range(1, 7))
                 + tuple(A(k, "T2", "L1", "P-A", 2) for k in range(1, 7)))
    values = repaired_start(built, start)
    assert values is not None and violations(built.model, built.model.rows, values) == 0
    # the same for a Montreux start with 6 frigates of one nation
    rows = sea_rows()
    _ships(rows, "AAA", 6, 10)
    built = model_build.build(problem_from_rows(rows))
    values = repaired_start(built, Plan((A(1, "SEA1", "ODS", "AAA-FFG", 6),)))
    assert values is not None and violations(built.model, built.model.rows, values) == 0
    assert sum(values[c] for c in built.x.values()) == 4


def test_restricts_knows_the_new_rules():
    base = problem_from_rows(steady_rows())
    rows = steady_rows()
    rows["Pledges"][0].update(tour=None, dwell=None)
    free = problem_from_rows(rows)
    assert restricts(free, base)  # adding a tour only takes plans away
    assert not restricts(base, free)  # dropping it adds plans
    rows = steady_rows()
    rows["Pledges"][0]["dwell"] = 1
    assert not restricts(base, problem_from_rows(rows))  # a shorter dwell loosens it
    order = ["open", "montreux", "closed"]
    sea = {s: problem_from_rows(sea_rows(s)) for s in order}
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            assert restricts(sea[a], sea[b]) == (j >= i), (a, b)
    assert restricts(problem_from_rows(sea_rows(aggregate=45000)), problem_from_rows(sea_rows(aggregate=30000)))
    assert not restricts(problem_from_rows(sea_rows(aggregate=30000)), problem_from_rows(sea_rows(aggregate=45000)))
    rows = sea_rows()
    rows["Nations"][0]["black_sea_state"] = "yes"  # AAA becomes a Black Sea state: its ships go free
    assert not restricts(sea["montreux"], problem_from_rows(rows))


# --------------------------------------------------------------------------- the verifier


def _verify(problem, allocations, tmp_path: Path):
    plan = Plan(tuple(allocations))
    out = tmp_path / "plan.xlsx"
    write_plan(build_report(problem, plan, **META), out)
    return verify_plan(problem, out)


def test_the_verifier_catches_a_broken_rotation(tmp_path):
    problem = problem_from_rows(steady_rows())
    # one company in every period keeps the rule of thirds; a second one in period 2 breaks runs 1-3 and 2-4
    ok = [A(k, "T1", "L1", "P-A", 1) for k in range(1, 7)]
    assert _verify(problem, ok, tmp_path).ok
    result = _verify(problem, ok + [A(2, "T2", "L1", "P-A", 1)], tmp_path)
    broken = [v for v in result.violations if v.rule == RULE_ROTATION]
    assert not [v for v in result.violations if v.rule not in (RULE_ROTATION, "summary")]
    assert [v.message.split(" (units")[0] for v in broken] == [
        "pledge P-A (AAA, 3 INF) deploys 4 unit-periods in periods 1-3, limit 3",
        "pledge P-A (AAA, 3 INF) deploys 4 unit-periods in periods 2-4, limit 3"]
    assert "tour 1 + dwell 2" in broken[0].message and broken[0].rows == (2, 3, 4, 5)


def test_the_verifier_catches_montreux_and_closed_straits(tmp_path):
    rows = sea_rows(need=8)
    _ships(rows, "AAA", 5, 10)
    _ships(rows, "BBB", 3, 20)
    problem = problem_from_rows(rows)
    result = _verify(problem, [A(1, "SEA1", "ODS", "AAA-FFG", 5), A(1, "SEA1", "ODS", "BBB-FFG", 3)], tmp_path)
    texts = [v.message for v in result.violations if v.rule == RULE_MONTREUX]
    assert any("total 36000 t in period 1, aggregate limit 30000 t" in t for t in texts)
    assert any("nation AAA's warships at Black Sea locations total 22500 t in period 1" in t for t in texts)
    assert not any("nation BBB" in t for t in texts)
    closed = problem_from_rows({**rows, "Scenario": [r if r["parameter"] != "straits" else
                                                     {"parameter": "straits", "value": "closed"}
                                                     for r in rows["Scenario"]]})
    result = _verify(closed, [A(1, "SEA1", "ODS", "BBB-FFG", 1)], tmp_path)
    texts = [v.message for v in result.violations if v.rule == RULE_MONTREUX]
    assert texts == ["the straits are closed (Scenario straits): BBB, not a Black Sea state, has 1 FFG (sea) at "
                     "Black Sea location ODS in period 1 (pledge BBB-FFG)"]


# --------------------------------------------------------------------------- reports


def _report(problem, plan):
    return build_report(problem, plan, **META)


def test_rotation_figures_and_reason(tmp_path):
    import openpyxl

    problem = problem_from_rows(est_rows())
    plan = solve_and_verify(problem)
    rep = _report(problem, plan)
    row = rep.rotation.iloc[0]
    assert (row.pledge, row.nation, row.held, row.tour, row.dwell, row.deployed_peak) == ("P-A", "AAA", 1, 6, 12, 1)
    assert row.sustainable == pytest.approx(1 / 3, abs=1e-6) and row.deployed_average == 0.5
    assert (row.run_limit, row.run_most) == (6, 6) and row.status.startswith("binding")
    nations = rep.nations.set_index("nation")
    assert (nations.loc["AAA", "held"], nations.loc["AAA", "sustainable"]) == ("P-A 1", "P-A 0.33")
    assert nations.loc["AAA", "deployed"] == "P-A peak 1, average 0.5" and nations.loc["BBB", "held"] == ""
    reason = rep.shortfalls.iloc[0].reason
    assert reason == "rotation: P-A holds 1 company, tour 6, dwell 12: at most 0.33 deployed on average."
    assert rep.value("rotation_pledges") == 1
    out = write_plan(rep, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    assert "Rotation" in wb.sheetnames and "Montreux" not in wb.sheetnames
    assert [c.value for c in wb["Rotation"][1]] == list(rep.rotation.columns)


def test_a_v1_plan_workbook_has_no_rule_sheets(tmp_path):
    import openpyxl

    from forcegen.workbook.write import SHEET_ORDER

    problem = problem_from_rows(tiny())
    out = write_plan(_report(problem, solve_and_verify(problem)), tmp_path / "plan.xlsx")
    assert openpyxl.load_workbook(out).sheetnames == list(SHEET_ORDER)


def test_montreux_sheet_and_reasons(tmp_path):
    import openpyxl

    rows = sea_rows()
    _ships(rows, "AAA", 6, 10)
    _ships(rows, "CCC", 1, 50)
    rows["Requirements"][0]["units"] = 8
    problem = problem_from_rows(rows)
    plan = solve_and_verify(problem)  # AAA 4 (two thirds), CCC 1 (unlimited): 3 short
    rep = _report(problem, plan)
    m = rep.montreux
    assert list(m["nation"]) == ["AAA", "all"]
    aaa, total = m.iloc[0], m.iloc[1]
    assert (aaa.ships, aaa.tonnage_t, aaa.limit_t, aaa.aggregate_t) == (4, 18000, 20000, 30000)
    assert (total.ships, total.tonnage_t, total.limit_t) == (4, 18000, 30000)
    assert aaa.status == "slack 2000 t" and total.share_of_aggregate == pytest.approx(0.6)
    stay = rep.montreux_stay
    assert list(zip(stay["nation"], stay["pledge"], stay["location"], stay["ships"])) == [("AAA", "AAA-FFG", "ODS", 4)]
    assert rep.value("black_sea_tonnage_peak") == 18000 and rep.value("straits") == "montreux"
    reason = rep.shortfalls.iloc[0].reason
    assert "Montreux: AAA's warships in the Black Sea total 18000 t, and one more FFG (4500 t) would pass two " \
           "thirds of the 30000 t aggregate" in reason
    out = write_plan(rep, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    assert "Montreux" in wb.sheetnames and "Rotation" not in wb.sheetnames
    assert sorted(wb["Montreux"].tables) == ["tblMontreux", "tblMontreuxStay"]


def test_montreux_aggregate_reason():
    rows = sea_rows(need=8)
    _ships(rows, "AAA", 4, 10)
    _ships(rows, "BBB", 4, 20)
    problem = problem_from_rows(rows)
    rep = _report(problem, solve_and_verify(problem))
    assert "Montreux: non-Black-Sea warships in the Black Sea total 27000 t, and one more FFG (4500 t) would pass " \
           "the 30000 t aggregate" in rep.shortfalls.iloc[0].reason


def test_straits_closed_reason():
    rows = sea_rows("closed", need=3)
    _ships(rows, "AAA", 4, 10)
    problem = problem_from_rows(rows)
    rep = _report(problem, solve_and_verify(problem))
    reason = rep.shortfalls.iloc[0].reason
    assert reason.startswith("straits closed: only Black Sea states' ships may serve SEA1 at ODS; AAA-FFG is barred")
    assert list(rep.montreux["status"]) == ["closed: no non-Black-Sea warship"]


def test_the_comparison_shows_what_reopening_the_straits_changes():
    from forcegen.compare import build_comparison

    runs = []
    for straits in ("closed", "montreux"):
        rows = sea_rows(straits, need=8)
        _ships(rows, "AAA", 4, 10)
        _ships(rows, "BBB", 4, 20)
        problem = problem_from_rows(rows)
        runs.append(_report(problem, solve_and_verify(problem)))
    comp = build_comparison(*runs)
    fig = comp.summary.set_index("figure")
    assert (fig.loc["black_sea_tonnage_peak", "baseline"], fig.loc["black_sea_tonnage_peak", "variant"]) == (0, 27000)
    assert (fig.loc["shortfall_p1", "baseline"], fig.loc["shortfall_p1", "variant"]) == (8, 2)
    assert list(comp.runs["straits"]) == ["closed", "montreux"]


def test_a_whatif_sets_the_straits_and_a_tour():
    from builders import tables_from_rows

    from forcegen.whatif import apply_changes, parse_change

    rows = sea_rows("open")
    rows["Scenario"] = [r for r in rows["Scenario"] if r["parameter"] not in ("straits", "montreux_aggregate_t")]
    _ships(rows, "AAA", 6, 10)
    changes = [parse_change(c) for c in ("Scenario:straits:value=montreux", "Pledges:AAA-FFG:tour=1",
                                         "Pledges:AAA-FFG:dwell=2")]
    problem, applied = apply_changes(tables_from_rows(rows), changes)
    assert problem.scenario.straits == "montreux" and problem.scenario.montreux_aggregate_t == 30000
    assert (problem.pledge["AAA-FFG"].tour, problem.pledge["AAA-FFG"].dwell) == (1, 2)
    assert [(a.column, a.old, a.new) for a in applied] == [("value", None, "montreux"), ("tour", None, "1"),
                                                          ("dwell", None, "2")]
