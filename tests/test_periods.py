"""Period by period first (model/periods.py): the blocks' bounds, their limits, and the joined plan.

Each instance is small enough to derive its optimum by hand; each is solved with the device on
and off, on every backend, through the verifier, and must give the hand-derived levels both ways.
"""

from __future__ import annotations

import pytest
from builders import problem_from_rows
from solving import SOLVERS, solve_and_verify
from test_model_rules import assert_levels, location, need, pledge, rows, task, units_on

from forcegen.domain import Allocation, Plan
from forcegen.model.build import build
from forcegen.model.periods import blocks_of, period_problem, relaxed, scheduled, solve_by_periods, worth_it
from forcegen.model.repair import repaired_start
from forcegen.model.solve import PlanOptions, solve_problem

solvers = pytest.mark.parametrize("solver", SOLVERS)


def blocks_solved(problem, solver: str = "highs", time_limit: float | None = None):
    """``solve_by_periods`` with each block solved by ``solve_problem`` on ``solver``, in the time it is given."""
    return solve_by_periods(problem, lambda sub, b, left, lower, start=None: solve_problem(
        sub, PlanOptions(solver=solver, periods=False, time_limit=left), built=b, lower=lower, start=start),
        time_limit)
periods = pytest.mark.parametrize("by_periods", [True, False])

HOME = {"location": "HOME", "name": "Home base", "country": "GBR", "kind": "training_area", "in_area": "no"}


def lift_binds() -> dict:
    # T1 (priority 1, periods 1-2) at L1 in the area needs 2 INF of 100; T2 (priority 2) at HOME, outside
    # the area, needs 1 INF; AAA pledges 2. Lift 100 a period.
    # Without lift (the blocks' relaxation): T1 holds both companies in both periods: p1 0, p2 2.
    # With lift: one company reaches L1 in period 1, the other serves T2 at HOME; in period 2 the second
    # company arrives too (100 ≤ 100): p1 = 1, p2 = 1. Contributions: AAA on T1 twice and T2 once = 3.
    # The relaxation's bound on p2 (1 a period) would be wrong after p1: p1 is worse than its bound.
    return rows(tasks=[task("T1"), task("T2", priority=2)], requirements=[need("T1", 2), need("T2", 1)],
                basing=[{"task": "T1", "location": "L1"}, {"task": "T2", "location": "HOME"}],
                pledges=[pledge("P-A", "AAA", 2)], locations=[location("L1"), HOME], lift_capacity=100)


@solvers
@periods
def test_bounds_end_where_lift_makes_a_level_worse(solver, by_periods):
    plan = solve_and_verify(problem_from_rows(lift_binds()), solver, periods=by_periods)
    assert_levels(plan, p1=1, p2=1, contributions=3)
    assert units_on(plan, task="T1", period=1) == 1 and units_on(plan, task="T2", period=1) == 1


@solvers
@periods
def test_rotation_costs_what_the_blocks_do_not_see(solver, by_periods):
    # T1 needs 1 INF in periods 1-2. AAA pledges 1 at no cost with tour 1, dwell 1: one period of the
    # two; BBB pledges 1 at 10 a period. The blocks (no rotation) would use AAA twice: cost 0. The whole
    # problem uses AAA once and BBB once: p1 0, cost 10, contributions 2.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 1)],
             pledges=[pledge("P-A", "AAA", 1, tour=1, dwell=1), pledge("P-B", "BBB", 1, cost=10)])
    plan = solve_and_verify(problem_from_rows(r), solver, periods=by_periods)
    assert_levels(plan, cost=10, contributions=2)


def leads_tie(horizon: int = 5) -> dict:
    # T1 (lead any, every period) needs 2 INF. AAA and BBB pledge 1 each in every period, CCC 1 from
    # period 2 on (so period 1 and periods 2-5 are the blocks). Lift 1,000 a period never binds but keeps
    # periods 2-5 apart in the whole model (5 model periods for 2 blocks), which switches the device on.
    # Periods 2-5 alone may take CCC as their lead; the lead must serve in every period, so only AAA or
    # BBB can lead the whole. Optimum: p1 0; contributions 2 a period, 10.
    nations = [{"nation": n, "name": n, "european": "yes"} for n in ("AAA", "BBB", "CCC")]
    return rows(horizon, nations=nations, tasks=[task("T1", lead="any", end=horizon)], requirements=[need("T1", 2)],
                pledges=[pledge("P-A", "AAA", 1), pledge("P-B", "BBB", 1),
                         pledge("P-C", "CCC", 1, from_period=2, to_period=horizon)], lift_capacity=1000)


@solvers
def test_blocks_agree_on_one_lead_and_settle_every_level(solver):
    problem = problem_from_rows(leads_tie())
    events = []
    plan = solve_and_verify(problem, solver, periods=True)
    assert_levels(plan, contributions=10)
    assert plan.leads["T1"] in {"AAA", "BBB"}
    again = solve_problem(problem, PlanOptions(solver=solver, periods=True), on_event=lambda kind, data: events.append((kind, data)))
    done = [data for kind, data in events if kind == "periods_done"]
    assert done and done[0]["levels"] == 7  # every level bounded by the blocks
    assert [lv.value for lv in again.info.levels] == [lv.value for lv in plan.info.levels]
    # the blocks' plans, joined under one lead, reach every level's bound: no solve there
    built = build(problem)
    bounds = blocks_solved(problem, solver)
    joined = repaired_start(built, bounds.plan)
    assert joined is not None
    assert [bounds.floor(i, built) is not None for i in range(1, 8)] == [True] * 7
    for i, obj in enumerate(built.objectives, start=1):
        assert obj.value(joined) == pytest.approx(bounds.floor(i, built)), obj.name
    # under a time limit the blocks solve the shortfall levels only: cost and contributions are unbounded
    limited = blocks_solved(problem, solver, time_limit=60.0)
    assert limited.names == [f"shortfall_p{k}" for k in range(1, 6)]
    assert [limited.floor(i, built) is not None for i in range(1, 8)] == [True] * 5 + [False] * 2
    # ... and then, with the time left, take each block's plan on to cost and contributions: the same start
    again = repaired_start(built, limited.plan)
    assert [obj.value(again) for obj in built.objectives] == pytest.approx([obj.value(joined) for obj in built.objectives])


def test_device_only_where_links_split_blocks():
    # Without lift the whole model has one model period per block already: nothing to gain. With
    # horizon 3 the lift splits one block of two periods only (3 model periods for 2 blocks): the
    # blocks would solve nearly the whole model again, so the device stays off there too.
    r = leads_tie()
    r["Scenario"] = [p for p in r["Scenario"] if p["parameter"] != "lift_capacity"]
    for rows_, on in ((leads_tie(), True), (r, False), (leads_tie(horizon=3), False)):
        problem = problem_from_rows(rows_)
        assert worth_it(problem, build(problem)) is on


def test_period_problem_is_period_k_alone_without_links():
    problem = problem_from_rows(lift_binds())
    sub = period_problem(problem, 2)
    assert sub.scenario.lift_capacity is None and relaxed(problem).scenario.lift_capacity is None
    # nothing is deployed before period 1, so its lift rule holds in it alone: kept, a block of its own
    assert period_problem(problem, 1).scenario.lift_capacity == 100
    assert blocks_of(problem) == {1: (1,), 2: (2,)}
    assert [list(sub.active_periods(t)) for t in sub.tasks] == [[2], [2]]
    assert [list(sub.pledge_periods(p)) for p in sub.pledges] == [[2]]
    built = build(sub)
    assert {k for (_p, _t, _l, k) in built.x} == {2}


def test_repair_trims_a_plan_to_the_lift():
    # The relaxation's plan (both companies on T1 in both periods) breaks lift in period 1 (200 > 100):
    # the repair takes one company away there and keeps period 2 (100 more arrive, within the lift).
    problem = problem_from_rows(lift_binds())
    built = build(problem)
    plan = Plan(tuple(Allocation(k, "T1", "L1", "P-A", 2) for k in (1, 2)), {}, None)
    values = repaired_start(built, plan)
    assert values is not None
    assert [values[built.x[("P-A", "T1", "L1", k)]] for k in (1, 2)] == [1.0, 2.0]


def test_lift_of_the_first_period_is_in_the_blocks_bound():
    # lift_binds: lift admits one company in period 1, so period 1's block alone has p1 = 1 and period 2's
    # p1 = 0; their bound on p1, 1, is the optimum (without the first period's lift it would be 0).
    problem = problem_from_rows(lift_binds())
    built = build(problem)
    bounds = blocks_solved(problem)
    obj = built.objectives[0]
    assert obj.constant + bounds.floor(1, built) == pytest.approx(1)
    assert bounds.per_period[0][1] - bounds.per_period[0][2] == pytest.approx(1)  # one company short in period 1


def rotation_with_substitute() -> dict:
    # T1 needs 1 INF in periods 1-4. AAA pledges 1 at no cost with tour 2, dwell 2 (two periods of any
    # four); BBB pledges 1 at 10 a period. The blocks (no rotation) use AAA in every period: p1 0, cost 0.
    # The whole problem: AAA twice, BBB twice: p1 0, cost 20, contributions 4.
    return rows(4, tasks=[task("T1", end=4)], requirements=[need("T1", 1)],
                pledges=[pledge("P-A", "AAA", 1, tour=2, dwell=2), pledge("P-B", "BBB", 1, cost=10)])


def test_scheduled_keeps_rotation_with_a_fixed_schedule():
    problem = problem_from_rows(rotation_with_substitute())
    sched = {p.id: p for p in scheduled(problem).pledges}
    # ⌊1·2/4⌋ = 0 units steady, or the one unit for the first two periods: the burst
    assert (sched["P-A"].units, sched["P-A"].from_period, sched["P-A"].to_period, sched["P-A"].tour) == (1, 1, 2, None)
    assert sched["P-B"] == {p.id: p for p in problem.pledges}["P-B"]
    thirds = problem_from_rows(rows(6, tasks=[task("T1", end=6)], requirements=[need("T1", 1)],
                                    pledges=[pledge("P-A", "AAA", 3, tour=1, dwell=2)]))
    steady = scheduled(thirds).pledges[0]  # the rule of thirds: one unit for good (6 unit-periods against 3)
    assert (steady.units, steady.from_period, steady.to_period, steady.tour) == (1, 1, 6, None)


@solvers
def test_blocks_of_the_schedule_put_together_keep_rotation(solver):
    problem = problem_from_rows(rotation_with_substitute())
    plan = solve_and_verify(problem, solver, periods=True)
    assert_levels(plan, p1=0, cost=20, contributions=4)
    built = build(problem)
    bounds = blocks_solved(problem, solver)
    joined = repaired_start(built, bounds.plan)
    assert joined is not None
    assert built.objectives[0].value(joined) == pytest.approx(bounds.floor(1, built))  # p1 reached: no solve
    assert built.objectives[5].value(joined) == pytest.approx(20)  # the schedule's cost: AAA 1-2, BBB 3-4
    assert bounds.floor(6, built) == pytest.approx(0)  # the blocks' cost bound, below it: the whole solves cost


@solvers
def test_under_a_time_limit_each_blocks_plan_is_taken_on_to_cost(solver):
    # T1 needs 1 INF in periods 1-2; AAA pledges 1 at 100 a period, BBB 1 at 10. Lift 1,000 never binds
    # but splits period 1 off. The blocks solved at the shortfall levels alone may take AAA (cost 200);
    # taken on to cost with the time left, each takes BBB: the plan put together costs 20, the optimum.
    r = rows(2, tasks=[task("T1", end=2)], requirements=[need("T1", 1)],
             pledges=[pledge("P-A", "AAA", 1, cost=100), pledge("P-B", "BBB", 1, cost=10)], lift_capacity=1000)
    problem = problem_from_rows(r)
    built = build(problem)
    bounds = blocks_solved(problem, solver, time_limit=60.0)
    joined = repaired_start(built, bounds.plan)
    assert built.objectives[5].name == "cost" and built.objectives[5].value(joined) == pytest.approx(20)
    plan = solve_and_verify(problem, solver, time_limit=60.0)
    assert_levels(plan, p1=0, cost=20, contributions=2)
