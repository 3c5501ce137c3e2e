"""One tiny instance per rule family of the model (SPEC section 2), optimum derived by hand.

Every instance is small enough to solve in the head. The comment next to it gives
the optimum of each lexicographic level that matters and the runner-up plan with
why it is worse or infeasible. Each instance is built so that the family under
test is what binds: without it the optimum would differ.

Every test is solved by all three back ends through ``solve_and_verify`` (which
also writes the plan workbook and runs the independent verifier) and asserts all
seven level values exactly (``pytest.approx`` for weighted ones). Where periods are
alike the model solves them as one (period aggregation); instances with pledge
windows or task periods keep them apart, so both paths are exercised.

Unless an instance says otherwise (helpers below):

    horizon 2, ceasefire yes, lead_min_share 0.25 (the defaults)
    AAA European, BBB not European
    INF       land, 100 personnel per unit
    L1        land base in UKR, unlimited capacity
    a task    pillar land, priority 1, periods 1..2, requires ceasefire, lead none,
              based at L1, needs INF
    a pledge  INF, whole horizon, firm

``@covers(name, …)`` records which rule family (``add_<family>`` in
``forcegen.model.build.RULE_FAMILIES``) or objective level a test is about;
``test_every_rule_family_has_a_test`` fails when a family has no test.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from builders import problem_from_rows, tiny
from solving import SOLVERS, level_values, solve_and_verify

from forcegen.model import build as model_build

# --------------------------------------------------------------------------
# coverage registry
# --------------------------------------------------------------------------
COVERED: dict[str, list[str]] = defaultdict(list)


def covers(*names: str):
    """Register the decorated test as covering rule families / objective levels ``names``."""

    def mark(fn):
        for name in names:
            COVERED[name].append(fn.__name__)
        return fn

    return mark


solvers = pytest.mark.parametrize("solver", SOLVERS)
#: the model's formulations (``default`` and the big-M reference ``naive``); tests of the
#: families that the formulations write differently run on each of them
formulations = pytest.mark.parametrize("formulation", list(model_build.FORMULATIONS))


# --------------------------------------------------------------------------
# row helpers
# --------------------------------------------------------------------------
def rows(horizon: int = 2, *, nations=None, capabilities=None, locations=None, tasks=(), basing=None,
         requirements=(), pledges=(), caveats=(), **scenario) -> dict[str, list[dict]]:
    """``tiny()`` with its sheets replaced by the given ones.

    ``basing`` defaults to every task at L1; ``scenario`` adds Scenario parameters.
    """
    r = tiny()
    r["Scenario"] = [{"parameter": "name", "value": "rules"}, {"parameter": "horizon", "value": horizon}]
    r["Scenario"] += [{"parameter": k, "value": v} for k, v in scenario.items()]
    if nations is not None:
        r["Nations"] = list(nations)
    if capabilities is not None:
        r["Capabilities"] = list(capabilities)
    if locations is not None:
        r["Locations"] = list(locations)
    r["Tasks"] = list(tasks)
    r["Basing"] = list(basing) if basing is not None else [{"task": t["task"], "location": "L1"} for t in tasks]
    r["Requirements"] = list(requirements)
    r["Pledges"] = list(pledges)
    r["Caveats"] = list(caveats)
    return r


def task(tid: str, priority: int = 1, start: int = 1, end: int = 2, lead: str = "none", pillar: str = "land",
         ceasefire: str = "yes", **kw) -> dict:
    return {"task": tid, "name": f"Task {tid}", "pillar": pillar, "priority": priority, "start_period": start,
            "end_period": end, "requires_ceasefire": ceasefire, "lead": lead, **kw}


def need(tid: str, units: int, capability: str = "INF", weight: float | None = None) -> dict:
    r = {"task": tid, "capability": capability, "units": units}
    if weight is not None:
        r["weight"] = weight
    return r


def pledge(pid: str, nation: str, units: int, cost: float = 0, capability: str = "INF", **kw) -> dict:
    return {"pledge": pid, "nation": nation, "capability": capability, "units": units, "cost_per_unit": cost, **kw}


def location(lid: str, country: str = "UKR", capacity: int | None = None) -> dict:
    return {"location": lid, "name": f"Base {lid}", "country": country, "kind": "land_base",
            "personnel_capacity": capacity}


def capability(cid: str, personnel: int, domain: str = "land") -> dict:
    return {"capability": cid, "name": cid, "domain": domain, "unit": "unit", "personnel_per_unit": personnel}


def caveat(nation: str, rule: str, **kw) -> dict:
    return {"nation": nation, "rule": rule, **kw}


INF = capability("INF", 100)


# --------------------------------------------------------------------------
# solving and asserting
# --------------------------------------------------------------------------
def solve(r: dict, solver: str, **options):
    return solve_and_verify(problem_from_rows(r), solver, **options)


def assert_levels(plan, p1=0, p2=0, p3=0, p4=0, p5=0, cost=0, contributions=0) -> None:
    """All seven lexicographic levels, exactly (approx for weighted sums)."""
    want = {"shortfall_p1": p1, "shortfall_p2": p2, "shortfall_p3": p3, "shortfall_p4": p4, "shortfall_p5": p5,
            "cost": cost, "contributions": contributions}
    got = level_values(plan)
    assert got == {k: pytest.approx(v, abs=1e-6) for k, v in want.items()}, got
    assert all(lv.status == "optimal" for lv in plan.info.levels), plan.info.levels


def allocs(plan) -> set[tuple]:
    """The plan as {(period, task, location, pledge, units)}."""
    return {(a.period, a.task, a.location, a.pledge, a.units) for a in plan.allocations}


def units_on(plan, *, task=None, pledge=None, period=None, location=None) -> int:
    return sum(a.units for a in plan.allocations
               if (task is None or a.task == task) and (pledge is None or a.pledge == pledge)
               and (period is None or a.period == period) and (location is None or a.location == location))


# ==========================================================================
# (1) supply
# ==========================================================================
@covers("supply")
@solvers
def test_supply_pledge_units_cap_a_period(solver):
    # T1 needs 3 INF, based at L1 and L2; P-A (AAA) offers 2 units at 10.
    # Each x[P-A,T1,l,k] may be 2, so only the supply row keeps L1 + L2 ≤ 2.
    # Optimum: 2 units a period → shortfall_p1 = 1 × 2 periods = 2;
    #          cost 2 × 2 × 10 = 40; contributions 2 (AAA on T1 in 1 and 2).
    # Runner-up: 2 at L1 + 1 at L2 (shortfall 0) allocates 3 > 2 units of P-A — infeasible.
    r = rows(locations=[location("L1"), location("L2")], tasks=[task("T1")],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T1", "location": "L2"}],
             requirements=[need("T1", 3)], pledges=[pledge("P-A", "AAA", 2, 10)])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=40, contributions=2)
    assert units_on(plan, period=1) == units_on(plan, period=2) == 2


@covers("supply")
@solvers
def test_supply_pledge_window(solver):
    # Horizon 3; T1 periods 1..3 needs 1 INF; P-A offers 1 unit at 10, from 2 to 2.
    # Optimum: P-A on T1 in period 2 only → shortfall_p1 = 2 (periods 1 and 3);
    #          cost 10; contributions 1.
    # Runner-up: P-A also in periods 1 and 3 (shortfall 0) — outside its window.
    r = rows(3, tasks=[task("T1", end=3)], requirements=[need("T1", 1)],
             pledges=[pledge("P-A", "AAA", 1, 10, from_period=2, to_period=2)])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=10, contributions=1)
    assert allocs(plan) == {(2, "T1", "L1", "P-A", 1)}


@covers("supply")
@solvers
@pytest.mark.parametrize("include", ["no", "yes"])
def test_supply_conditional_pledge(solver, include):
    # T1 needs 2 INF; P-A (AAA, 1 unit at 10) is conditional, P-B (BBB, 1 unit at 20) firm.
    # include_conditional = no: only P-B → shortfall_p1 = 1 × 2 = 2; cost 2 × 20 = 40;
    #   contributions 2. Runner-up: adding P-A (shortfall 0) — conditional pledges excluded.
    # include_conditional = yes: both → shortfall 0; cost 2 × 30 = 60; contributions 4.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10, status="conditional"), pledge("P-B", "BBB", 1, 20)],
             include_conditional=include)
    plan = solve(r, solver)
    if include == "no":
        assert_levels(plan, p1=2, cost=40, contributions=2)
        assert units_on(plan, pledge="P-A") == 0
    else:
        assert_levels(plan, p1=0, cost=60, contributions=4)


# ==========================================================================
# (2) demand: requirement cap, active tasks, basing, capabilities
# ==========================================================================
@covers("demand")
@solvers
def test_demand_never_more_than_requirement(solver):
    # T1 needs 2 INF; P-A (AAA) 2 units at 10, P-B (BBB) 2 units at 20. Without the
    # demand row level 1 would allocate all 4 units (shortfall −4).
    # Optimum: shortfall_p1 = 0 (not below), then the cheapest 2 units: P-A × 2 in
    #          each period → cost 2 × 2 × 10 = 40; contributions 2.
    # Runner-up: P-A 1 + P-B 1 a period covers too but costs 60; 3 units exceed 2.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 2, 10), pledge("P-B", "BBB", 2, 20)])
    plan = solve(r, solver)
    assert_levels(plan, p1=0, cost=40, contributions=2)
    assert allocs(plan) == {(1, "T1", "L1", "P-A", 2), (2, "T1", "L1", "P-A", 2)}


@covers("demand")
@solvers
def test_demand_inactive_task_gets_nothing(solver):
    # T2 (priority 1, active = no) and T1 (priority 2) each need 2 INF; P-A 1 unit at 10,
    # P-B 1 unit at 20. T2 is not planned: it has no required unit-periods.
    # Optimum: both units on T1 → shortfall_p1 = 0, shortfall_p2 = 0; cost 60; contributions 4.
    # Runner-up: if T2 were active it would take both units (shortfall_p2 = 4).
    r = rows(tasks=[task("T1", priority=2), task("T2", priority=1, active="no")],
             requirements=[need("T1", 2), need("T2", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)])
    plan = solve(r, solver)
    assert_levels(plan, cost=60, contributions=4)
    assert units_on(plan, task="T2") == 0


@covers("demand")
@solvers
def test_demand_only_within_task_periods(solver):
    # Horizon 3; T1 (priority 1) is active in period 2 only, T2 (priority 2) in 1..3;
    # both need 2 INF; P-A (AAA) 2 units at 10.
    # Optimum: period 2 → T1, periods 1 and 3 → T2: shortfall_p1 = 0,
    #          shortfall_p2 = 2 (period 2); cost 3 × 2 × 10 = 60; contributions 3.
    # Runner-up: T1 active in 1..3 would take all units (shortfall_p2 = 6); giving T2
    #            period 2 instead leaves shortfall_p1 = 2.
    r = rows(3, tasks=[task("T1", start=2, end=2), task("T2", priority=2, end=3)],
             requirements=[need("T1", 2), need("T2", 2)], pledges=[pledge("P-A", "AAA", 2, 10)])
    plan = solve(r, solver)
    assert_levels(plan, p2=2, cost=60, contributions=3)
    assert allocs(plan) == {(1, "T2", "L1", "P-A", 2), (2, "T1", "L1", "P-A", 2), (3, "T2", "L1", "P-A", 2)}


@covers("demand")
@solvers
@pytest.mark.parametrize("ceasefire", ["no", "yes"])
def test_demand_requires_ceasefire(solver, ceasefire):
    # T1 (priority 1, requires ceasefire) and T2 (priority 2, does not) each need 2 INF;
    # P-A 1 unit at 10, P-B 1 unit at 20.
    # ceasefire = no: T1 inactive → both units on T2: shortfall_p1 = 0, shortfall_p2 = 0;
    #   cost 60; contributions 4. Runner-up: units on T1 — inactive.
    # ceasefire = yes: T1 takes both (priority 1): shortfall_p2 = 2 × 2 = 4; cost 60; contributions 4.
    r = rows(tasks=[task("T1"), task("T2", priority=2, ceasefire="no")],
             requirements=[need("T1", 2), need("T2", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)], ceasefire=ceasefire)
    plan = solve(r, solver)
    if ceasefire == "no":
        assert_levels(plan, cost=60, contributions=4)
        assert units_on(plan, task="T1") == 0
    else:
        assert_levels(plan, p2=4, cost=60, contributions=4)
        assert units_on(plan, task="T2") == 0


@covers("demand")
@solvers
def test_demand_only_at_basing_locations(solver):
    # T1 needs 2 INF and is based at L1 only (capacity 100 = one unit); L2 (unlimited)
    # exists but is not T1's base. P-A 1 unit at 10, P-B 1 unit at 20.
    # Optimum: one unit a period at L1, the cheaper P-A → shortfall_p1 = 1 × 2 = 2;
    #          cost 20; contributions 2.
    # Runner-up: the second unit at L2 (shortfall 0) — L2 is not a basing location of T1.
    r = rows(locations=[location("L1", capacity=100), location("L2")], tasks=[task("T1")],
             requirements=[need("T1", 2)], pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=20, contributions=2)
    assert allocs(plan) == {(1, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-A", 1)}


@covers("demand")
@solvers
def test_demand_only_required_capabilities(solver):
    # T1 (priority 1) needs 2 INF, T2 (priority 2) needs 1 ENG (engineers, 50 personnel);
    # AAA pledges P-A 1 INF at 10 and P-E 3 ENG at 0.
    # Optimum: P-A on T1, one ENG on T2 each period → shortfall_p1 = 1 × 2 = 2,
    #          shortfall_p2 = 0; cost 2 × 10 = 20; contributions 4 (AAA on T1, T2 × 2).
    # Runner-up: ENG units on T1 (shortfall_p1 0) — T1 does not require ENG.
    r = rows(capabilities=[INF, capability("ENG", 50)], tasks=[task("T1"), task("T2", priority=2)],
             requirements=[need("T1", 2), need("T2", 1, "ENG")],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-E", "AAA", 3, 0, "ENG")])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=20, contributions=4)
    assert allocs(plan) == {(k, "T1", "L1", "P-A", 1) for k in (1, 2)} | {(k, "T2", "L1", "P-E", 1) for k in (1, 2)}


# ==========================================================================
# (3) caveats: forbid, only, max_personnel
# ==========================================================================
@covers("caveats")
@solvers
@pytest.mark.parametrize("forbid", [False, True])
def test_caveat_forbid_country(solver, forbid):
    # T1 (priority 1) at L1 in UKR, T2 (priority 2) at L2 in POL; each needs 1 INF;
    # only P-A (AAA) 1 unit at 10. Caveat: AAA forbid country = UKR.
    # With it: P-A may only go to T2 (POL is not filtered) → shortfall_p1 = 2, shortfall_p2 = 0;
    #   cost 20; contributions 2. Runner-up: P-A on T1 (shortfall_p1 0) — forbidden.
    # Without it: P-A on T1 → shortfall_p1 = 0, shortfall_p2 = 2; cost 20; contributions 2.
    r = rows(locations=[location("L1", "UKR"), location("L2", "POL")],
             tasks=[task("T1"), task("T2", priority=2)],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L2"}],
             requirements=[need("T1", 1), need("T2", 1)], pledges=[pledge("P-A", "AAA", 1, 10)],
             caveats=[caveat("AAA", "forbid", country="UKR")] if forbid else [])
    plan = solve(r, solver)
    if forbid:
        assert_levels(plan, p1=2, cost=20, contributions=2)
        assert allocs(plan) == {(1, "T2", "L2", "P-A", 1), (2, "T2", "L2", "P-A", 1)}
    else:
        assert_levels(plan, p2=2, cost=20, contributions=2)
        assert allocs(plan) == {(1, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-A", 1)}


@covers("caveats")
@solvers
@pytest.mark.parametrize("only", [(), ("air",), ("air", "land")])
def test_caveat_only_pillar(solver, only):
    # T1 (land, priority 1) needs 2 INF; T2 (air, priority 2) needs 1 INF;
    # P-A (AAA) 1 unit at 10, P-B (BBB) 1 unit at 20. Caveat rows: AAA only pillar = each of `only`.
    # () or (air, land): AAA may serve T1 → both units on T1: shortfall_p1 = 0,
    #   shortfall_p2 = 1 × 2 = 2; cost 60; contributions 4.
    # (air,): AAA may serve only T2 → P-B on T1, P-A on T2: shortfall_p1 = 1 × 2 = 2,
    #   shortfall_p2 = 0; cost 60; contributions 4. Runner-up: P-A on T1 (shortfall_p1 0)
    #   matches no only row of AAA; BBB, without caveats, is free.
    r = rows(tasks=[task("T1"), task("T2", priority=2, pillar="air")],
             requirements=[need("T1", 2), need("T2", 1)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)],
             caveats=[caveat("AAA", "only", pillar=p) for p in only])
    plan = solve(r, solver)
    if only == ("air",):
        assert_levels(plan, p1=2, cost=60, contributions=4)
        assert allocs(plan) == {(k, "T1", "L1", "P-B", 1) for k in (1, 2)} | {(k, "T2", "L1", "P-A", 1) for k in (1, 2)}
    else:
        assert_levels(plan, p2=2, cost=60, contributions=4)
        assert units_on(plan, task="T2") == 0


@covers("caveats")
@solvers
def test_caveat_max_personnel(solver):
    # T1 (priority 1, L1 in UKR) needs 4 INF; T2 (priority 2, L2 in POL) needs 2 INF.
    # AAA pledges P-A1 and P-A2, 2 units each at 10; BBB pledges P-B 1 unit at 20.
    # Caveat: AAA max_personnel 250 in country UKR → at most 2 AAA units (200) in UKR a period.
    # Optimum per period: T1 gets 2 AAA + 1 BBB, T2 the other 2 AAA units →
    #   shortfall_p1 = 1 × 2 = 2, shortfall_p2 = 0; cost 2 × (4 × 10 + 20) = 120;
    #   contributions 6 (AAA-T1, BBB-T1, AAA-T2 × 2).
    # Runner-up: 3 AAA units on T1 (shortfall_p1 0) put 300 > 250 AAA personnel in UKR.
    r = rows(locations=[location("L1", "UKR"), location("L2", "POL")],
             tasks=[task("T1"), task("T2", priority=2)],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L2"}],
             requirements=[need("T1", 4), need("T2", 2)],
             pledges=[pledge("P-A1", "AAA", 2, 10), pledge("P-A2", "AAA", 2, 10), pledge("P-B", "BBB", 1, 20)],
             caveats=[caveat("AAA", "max_personnel", country="UKR", limit=250)])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=120, contributions=6)
    for k in (1, 2):
        assert units_on(plan, task="T1", period=k) == 3
        assert units_on(plan, task="T1", period=k, pledge="P-B") == 1
        assert units_on(plan, task="T2", period=k) == 2


# ==========================================================================
# (4) capacity
# ==========================================================================
@covers("capacity")
@solvers
def test_location_capacity(solver):
    # L1 holds 250 personnel (2 INF units); T1 (priority 1) needs 4 INF and T2 (priority 2)
    # needs 1 INF, both at L1. P-A (AAA) 2 units at 10, P-B (BBB) 2 units at 20.
    # Optimum per period: 2 units at L1, both on T1 and the cheaper P-A →
    #   shortfall_p1 = 2 × 2 = 4, shortfall_p2 = 1 × 2 = 2; cost 2 × 2 × 10 = 40; contributions 2.
    # Runner-up: a third unit (on T1 or T2) makes 300 > 250 at L1; P-B instead of P-A costs 80.
    r = rows(locations=[location("L1", capacity=250)], tasks=[task("T1"), task("T2", priority=2)],
             requirements=[need("T1", 4), need("T2", 1)],
             pledges=[pledge("P-A", "AAA", 2, 10), pledge("P-B", "BBB", 2, 20)])
    plan = solve(r, solver)
    assert_levels(plan, p1=4, p2=2, cost=40, contributions=2)
    assert allocs(plan) == {(1, "T1", "L1", "P-A", 2), (2, "T1", "L1", "P-A", 2)}


# ==========================================================================
# (5a) contributions
# ==========================================================================
@covers("contributions")
@solvers
@formulations
def test_contributions_count_nations_not_pledges(solver, formulation):
    # T1 needs 2 INF; AAA pledges P-A1 and P-A2 (1 unit each), BBB P-B (1 unit), all at 10.
    # Every full plan costs 2 × 2 × 10 = 40. A contribution is a (nation, task, period):
    # Optimum: P-A1 + P-A2 → AAA alone → contributions 2; shortfall 0; cost 40.
    # Runner-up: one AAA pledge + P-B → 2 nations a period → contributions 4.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)],
             pledges=[pledge("P-A1", "AAA", 1, 10), pledge("P-A2", "AAA", 1, 10), pledge("P-B", "BBB", 1, 10)])
    plan = solve(r, solver, formulation=formulation)
    assert_levels(plan, cost=40, contributions=2)
    assert units_on(plan, pledge="P-B") == 0


# ==========================================================================
# (5b, 5c) staffed, min_nations
# ==========================================================================
@covers("staffed", "min_nations")
@solvers
@pytest.mark.parametrize("case", ["one nation", "two nations", "min_nations 1"])
def test_min_nations(solver, case):
    # T1 needs 2 INF, min_nations 2 (1 in the control case). P-A (AAA) 2 units at 10;
    # P-B (BBB) 1 unit at 20 unless "one nation".
    # one nation: every staffed period would have AAA alone < 2 nations → nothing staffed:
    #   shortfall_p1 = 2 × 2 = 4 (full); cost 0; contributions 0; empty plan.
    #   Runner-up: P-A × 2 (shortfall 0) has one nation.
    # two nations: AAA 1 + BBB 1 each period → shortfall 0; cost 2 × 30 = 60; contributions 4.
    #   Runner-up: P-A × 2 (cost 40) has one nation.
    # min_nations 1: P-A × 2 each period → shortfall 0; cost 40; contributions 2.
    pledges = [pledge("P-A", "AAA", 2, 10)] + ([] if case == "one nation" else [pledge("P-B", "BBB", 1, 20)])
    r = rows(tasks=[task("T1", min_nations=1 if case == "min_nations 1" else 2)], requirements=[need("T1", 2)],
             pledges=pledges)
    plan = solve(r, solver)
    if case == "one nation":
        assert_levels(plan, p1=4)
        assert plan.allocations == ()
    elif case == "two nations":
        assert_levels(plan, cost=60, contributions=4)
        assert allocs(plan) == {(k, "T1", "L1", p, 1) for k in (1, 2) for p in ("P-A", "P-B")}
    else:
        assert_levels(plan, cost=40, contributions=2)
        assert allocs(plan) == {(1, "T1", "L1", "P-A", 2), (2, "T1", "L1", "P-A", 2)}


@covers("staffed", "min_nations")
@solvers
def test_staffed_is_per_period(solver):
    # T1 needs 2 INF, min_nations 2; P-A (AAA) 2 units at 10 all along, P-B (BBB) 1 unit
    # at 20 in period 2 only.
    # Optimum: period 1 unstaffed (only AAA can come), period 2 AAA 1 + BBB 1 →
    #   shortfall_p1 = 2 (period 1); cost 10 + 20 = 30; contributions 2.
    # Runner-up: P-A × 2 in period 1 too (shortfall 0) — one nation in a staffed period.
    r = rows(tasks=[task("T1", min_nations=2)], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 2, 10), pledge("P-B", "BBB", 1, 20, from_period=2, to_period=2)])
    plan = solve(r, solver)
    assert_levels(plan, p1=2, cost=30, contributions=2)
    assert allocs(plan) == {(2, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-B", 1)}


# ==========================================================================
# (5d) max_share
# ==========================================================================
@covers("max_share")
@solvers
def test_max_nation_share(solver):
    # T1 needs 4 INF (100 each), max_nation_share 0.5; P-A (AAA) 3 units at 10, P-B (BBB) 1 at 20.
    # AAA ≤ 50 % ⇔ AAA units ≤ BBB units ≤ 1, and BBB alone would be 100 %.
    # Optimum per period: AAA 1 + BBB 1 → shortfall_p1 = 2 × 2 = 4; cost 2 × 30 = 60; contributions 4.
    # Runner-up: AAA 2 + BBB 1 (shortfall 2) gives AAA 200/300 = 67 % > 50 %.
    r = rows(tasks=[task("T1", max_nation_share=0.5)], requirements=[need("T1", 4)],
             pledges=[pledge("P-A", "AAA", 3, 10), pledge("P-B", "BBB", 1, 20)])
    plan = solve(r, solver)
    assert_levels(plan, p1=4, cost=60, contributions=4)
    assert allocs(plan) == {(k, "T1", "L1", p, 1) for k in (1, 2) for p in ("P-A", "P-B")}


@covers("max_share")
@solvers
@pytest.mark.parametrize("med_personnel", [20, 25])
def test_max_nation_share_counts_personnel(solver, med_personnel):
    # T1 needs 1 INF (100 personnel) and 4 MED (20 or 25 personnel each), max_nation_share 0.5;
    # P-A (AAA) 1 INF at 10, P-M (BBB) 4 MED at 5. The share is of personnel, not units.
    # MED 20: BBB brings at most 80 < 100, so AAA's share is > 50 % whenever it takes part,
    #   and BBB alone is 100 % → nothing staffed: shortfall_p1 = (1 + 4) × 2 = 10; empty plan.
    #   Runner-up: the full plan (1 unit vs 4 units) — AAA has 100/180 = 56 % of the personnel.
    # MED 25: 100 vs 100 is exactly 50 % each → the full plan: shortfall 0;
    #   cost 2 × (10 + 4 × 5) = 60; contributions 4.
    r = rows(capabilities=[INF, capability("MED", med_personnel, "enabler")],
             tasks=[task("T1", max_nation_share=0.5)], requirements=[need("T1", 1), need("T1", 4, "MED")],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-M", "BBB", 4, 5, "MED")])
    plan = solve(r, solver)
    if med_personnel == 20:
        assert_levels(plan, p1=10)
        assert plan.allocations == ()
    else:
        assert_levels(plan, cost=60, contributions=4)


@covers("max_share")
@solvers
@formulations
@pytest.mark.parametrize(("share", "staffed"), [(0.142857, False), (0.1428572, True), (1 / 7, True)])
def test_max_nation_share_is_kept_exactly_as_written(solver, formulation, share, staffed):
    # T1 needs 7 INF (100 personnel each); seven nations N1..N7 pledge one company each at 10.
    # One company each is 1/7 = 0.142857142… of the personnel.
    #   0.142857  < 1/7 → no nation may contribute at all: nothing staffed, shortfall_p1 = 7 × 2 = 14.
    #             Runner-up: all seven, each at 14.28571 % > 14.2857 % (a model that reads the share
    #             as the nearby simple fraction 1/7 staffs it: the rule broken).
    #   0.1428572 > 1/7, and 1/7 (a formula =1/7, read back as 0.14285714285714285, which stands
    #             for 1/7) → staffed by all seven: shortfall 0, cost 7 × 10 × 2 = 140, contributions 14.
    nations = [{"nation": f"N{i}", "name": f"Nation {i}", "european": "yes"} for i in range(1, 8)]
    r = rows(nations=nations, tasks=[task("T1", max_nation_share=share)], requirements=[need("T1", 7)],
             pledges=[pledge(f"P{i}", f"N{i}", 1, 10) for i in range(1, 8)])
    plan = solve(r, solver, formulation=formulation)
    if staffed:
        assert_levels(plan, cost=140, contributions=14)
    else:
        assert_levels(plan, p1=14)
        assert plan.allocations == ()


@covers("lead_share")
@solvers
@formulations
@pytest.mark.parametrize(("share", "bbb_units"), [(0.3333334, 1), (0.3333333, 2), (0.33, 2)])
def test_lead_min_share_is_kept_exactly_as_written(solver, formulation, share, bbb_units):
    # T1 (lead european) needs 1 INF from AAA (the only European nation, pledge P-A 1 unit at 10)
    # and up to 2 INF from BBB (P-B 2 units at 20): with b BBB units AAA's share is 1/(1 + b).
    #   b = 2 → AAA has 1/3 = 0.333333… ≥ 0.3333333 and ≥ 0.33, not ≥ 0.3333334 (a model that reads
    #           0.3333334 as 1/3 would take b = 2 and break the rule).
    # shortfall_p1 = 2 × (2 − b); cost 2 × (10 + 20·b); contributions 4; lead AAA.
    r = rows(tasks=[task("T1", lead="european")], requirements=[need("T1", 3)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 2, 20)], lead_min_share=share)
    plan = solve(r, solver, formulation=formulation)
    assert_levels(plan, p1=2 * (2 - bbb_units), cost=2 * (10 + 20 * bbb_units), contributions=4)
    assert plan.leads == {"T1": "AAA"}


# ==========================================================================
# (5e) lead
# ==========================================================================
@covers("lead")
@solvers
@pytest.mark.parametrize("lead", ["european", "any"])
def test_lead_european_needs_a_european_nation(solver, lead):
    # T1 needs 2 INF; only P-B (BBB, not European) 2 units at 20. lead_min_share 0, so that
    # the lead rule alone (not the lead share) decides.
    # lead european: no eligible lead → T1 can never be staffed: shortfall_p1 = 2 × 2 = 4
    #   (full); cost 0; contributions 0; empty plan. Runner-up: P-B × 2 led by BBB — not European.
    # lead any: BBB leads → shortfall 0; cost 2 × 2 × 20 = 80; contributions 2; lead BBB.
    r = rows(tasks=[task("T1", lead=lead)], requirements=[need("T1", 2)], pledges=[pledge("P-B", "BBB", 2, 20)],
             lead_min_share=0)
    plan = solve(r, solver)
    if lead == "european":
        assert_levels(plan, p1=4)
        assert plan.allocations == () and plan.leads == {}
    else:
        assert_levels(plan, cost=80, contributions=2)
        assert plan.leads == {"T1": "BBB"}


@covers("lead")
@solvers
@pytest.mark.parametrize("lead", ["european", "any", "none"])
def test_lead_contributes_in_every_staffed_period(solver, lead):
    # T1 needs 2 INF; P-A (AAA, European) 1 unit at 10 in period 1 only; P-B (BBB) 1 unit at 20.
    # european: only AAA may lead, and the lead contributes in every staffed period, so
    #   period 2 (AAA absent) stays unstaffed; period 1 AAA 1 + BBB 1 (lead share 50 %) →
    #   shortfall_p1 = 2; cost 30; contributions 2; lead AAA.
    #   Runner-up: BBB alone in period 2 too (shortfall 1) — the lead AAA does not contribute there.
    # any: BBB, present in both periods, leads → period 1 AAA + BBB, period 2 BBB →
    #   shortfall_p1 = 1; cost 10 + 20 + 20 = 50; contributions 3; lead BBB.
    #   Runner-up: AAA as lead → shortfall 2.
    # none: as any, without a lead.
    r = rows(tasks=[task("T1", lead=lead)], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10, to_period=1), pledge("P-B", "BBB", 1, 20)])
    plan = solve(r, solver)
    if lead == "european":
        assert_levels(plan, p1=2, cost=30, contributions=2)
        assert allocs(plan) == {(1, "T1", "L1", "P-A", 1), (1, "T1", "L1", "P-B", 1)}
        assert plan.leads == {"T1": "AAA"}
    else:
        assert_levels(plan, p1=1, cost=50, contributions=3)
        assert plan.leads == ({"T1": "BBB"} if lead == "any" else {})


@covers("lead")
@solvers
@pytest.mark.parametrize("lead", ["any", "none"])
def test_lead_is_the_same_in_every_period(solver, lead):
    # T1 needs 2 INF; P-A (AAA) 1 unit at 10 in period 1 only, P-B (BBB) 1 unit at 20 in
    # period 2 only: no nation is present in both periods.
    # any: one lead for the whole task, contributing in every staffed period → only one
    #   period can be staffed: AAA in period 1 (cheaper than BBB in 2) →
    #   shortfall_p1 = 2 + 1 = 3; cost 10; contributions 1; lead AAA.
    #   Runner-up: AAA leads period 1 and BBB period 2 (shortfall 2) — the lead must not change;
    #   BBB alone in period 2 — same shortfall 3, cost 20.
    # none: both periods → shortfall_p1 = 2; cost 30; contributions 2.
    r = rows(tasks=[task("T1", lead=lead)], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10, to_period=1), pledge("P-B", "BBB", 1, 20, from_period=2)])
    plan = solve(r, solver)
    if lead == "any":
        assert_levels(plan, p1=3, cost=10, contributions=1)
        assert allocs(plan) == {(1, "T1", "L1", "P-A", 1)}
        assert plan.leads == {"T1": "AAA"}
    else:
        assert_levels(plan, p1=2, cost=30, contributions=2)
        assert plan.leads == {}


# ==========================================================================
# (5f) lead_share
# ==========================================================================
@covers("lead_share")
@solvers
@formulations
@pytest.mark.parametrize(("share", "bbb_units"), [(0.25, 1), (0.2, 2), (0, 3)])
def test_lead_min_share(solver, formulation, share, bbb_units):
    # T1 (lead european) needs 3 INF (100 personnel) and 1 MED (50 personnel).
    # AAA, the only European nation, pledges P-M 1 MED at 10; BBB pledges P-B 3 INF at 20.
    # AAA must lead and supply ≥ share of the personnel: 50 ≥ share × (50 + 100·b), b = BBB units:
    #   0.25 → b ≤ 1.5 → b = 1: shortfall_p1 = 2 × 2 = 4; cost 2 × (10 + 20) = 60.
    #          Runner-up: b = 2 gives AAA 50/250 = 20 % < 25 %.
    #   0.2  → b ≤ 2 (50/250 = exactly 20 %): shortfall_p1 = 1 × 2 = 2; cost 2 × (10 + 40) = 100.
    #          Runner-up: b = 3 gives 50/350 = 14 % < 20 %.
    #   0    → no share rule: b = 3, shortfall 0; cost 2 × (10 + 60) = 140.
    # In every case contributions 4 (AAA, BBB × 2 periods) and lead AAA. Dropping AAA leaves no
    # lead (BBB is not European) → nothing staffed, shortfall 8.
    r = rows(capabilities=[INF, capability("MED", 50, "enabler")], tasks=[task("T1", lead="european")],
             requirements=[need("T1", 3), need("T1", 1, "MED")],
             pledges=[pledge("P-M", "AAA", 1, 10, "MED"), pledge("P-B", "BBB", 3, 20)], lead_min_share=share)
    plan = solve(r, solver, formulation=formulation)
    assert_levels(plan, p1=2 * (3 - bbb_units), cost=2 * (10 + 20 * bbb_units), contributions=4)
    assert allocs(plan) == {(k, "T1", "L1", "P-M", 1) for k in (1, 2)} | {(k, "T1", "L1", "P-B", bbb_units)
                                                                          for k in (1, 2)}
    assert plan.leads == {"T1": "AAA"}


# ==========================================================================
# objective levels
# ==========================================================================
@covers(*(f"shortfall_p{k}" for k in (1, 2, 3, 4, 5)))
@solvers
def test_priority_order_beats_weight(solver):
    # Tasks T1..T5 with priority k and weight k, each needs 1 INF; P-A (AAA) 2 units at 10.
    # Optimum: T1 and T2 covered in both periods → shortfall_p1 = 0, p2 = 0,
    #   p3 = 3 × 2 = 6, p4 = 4 × 2 = 8, p5 = 5 × 2 = 10; cost 2 × 2 × 10 = 40; contributions 4.
    # Runner-up: a unit on T5 (weight 5) instead of T2 (weight 2) lowers the weighted total
    #   but leaves shortfall_p2 = 4 > 0 — level 2 is settled before levels 3..5.
    ts = [task(f"T{k}", priority=k) for k in range(1, 6)]
    r = rows(tasks=ts, requirements=[need(f"T{k}", 1, weight=k) for k in range(1, 6)],
             pledges=[pledge("P-A", "AAA", 2, 10)])
    plan = solve(r, solver)
    assert_levels(plan, p3=6, p4=8, p5=10, cost=40, contributions=4)
    assert allocs(plan) == {(k, t, "L1", "P-A", 1) for k in (1, 2) for t in ("T1", "T2")}


@covers("weights")
@solvers
def test_weights_within_a_priority(solver):
    # T1 (weight 2.5) and T2 (weight 1.5), both priority 1, each need 1 INF; P-A 1 unit at 10.
    # Optimum: P-A on T1 → shortfall_p1 = 1.5 × 2 = 3.0; cost 20; contributions 2.
    # Runner-up: P-A on T2 → shortfall_p1 = 2.5 × 2 = 5.0.
    r = rows(tasks=[task("T1"), task("T2")], requirements=[need("T1", 1, weight=2.5), need("T2", 1, weight=1.5)],
             pledges=[pledge("P-A", "AAA", 1, 10)])
    plan = solve(r, solver)
    assert_levels(plan, p1=3.0, cost=20, contributions=2)
    assert allocs(plan) == {(1, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-A", 1)}


@covers("cost")
@solvers
@pytest.mark.parametrize("units", [1, 2])
def test_cost_level(solver, units):
    # T1 needs `units` INF; P-A (AAA) 1 unit at 10, P-B (BBB) 1 unit at 20.
    # units 1: both cover equally; the cheaper P-A → shortfall 0; cost 2 × 10 = 20; contributions 2.
    #   Runner-up: P-B → cost 40.
    # units 2: cost never trades coverage: both pledges → shortfall 0; cost 60; contributions 4.
    #   Runner-up: P-A only (cost 20) leaves shortfall_p1 = 2.
    r = rows(tasks=[task("T1")], requirements=[need("T1", units)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)])
    plan = solve(r, solver)
    if units == 1:
        assert_levels(plan, cost=20, contributions=2)
        assert allocs(plan) == {(1, "T1", "L1", "P-A", 1), (2, "T1", "L1", "P-A", 1)}
    else:
        assert_levels(plan, cost=60, contributions=4)


@covers("contributions")
@solvers
@formulations
def test_contributions_level_one_pledge_suffices(solver, formulation):
    # T1 needs 2 INF; P-A (AAA) 2 units and P-B (BBB) 1 unit, both at 10: every full plan
    # costs 2 × 2 × 10 = 40.
    # Optimum: P-A × 2 each period → contributions 2; shortfall 0; cost 40.
    # Runner-up: P-A 1 + P-B 1 at the same cost → contributions 4.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 2, 10), pledge("P-B", "BBB", 1, 10)])
    plan = solve(r, solver, formulation=formulation)
    assert_levels(plan, cost=40, contributions=2)
    assert allocs(plan) == {(1, "T1", "L1", "P-A", 2), (2, "T1", "L1", "P-A", 2)}


@covers("cost", "contributions")
@solvers
def test_cost_before_contributions(solver):
    # T1 needs 2 INF; P-A (AAA) 1 unit at 10, P-B (BBB) 1 unit at 10, P-C (BBB) 2 units at 11.
    # Optimum: P-A + P-B each period → cost 2 × 20 = 40; contributions 4.
    # Runner-up: P-C × 2 (one nation, contributions 2) costs 44; P-B + P-C (BBB only) 42;
    #   P-A + P-C 42 — cost is settled before contributions.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)],
             pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 10), pledge("P-C", "BBB", 2, 11)])
    plan = solve(r, solver)
    assert_levels(plan, cost=40, contributions=4)
    assert allocs(plan) == {(k, "T1", "L1", p, 1) for k in (1, 2) for p in ("P-A", "P-B")}


# ==========================================================================
# valid input is never infeasible
# ==========================================================================
NOTHING_FITS = {
    # every pledge offers 0 units: no allocation variable at all
    "no units": dict(pledges=[pledge("P-A", "AAA", 0, 10), pledge("P-B", "BBB", 0, 20)]),
    # a unit (100 personnel) does not fit in L1 (capacity 50)
    "no room": dict(locations=[location("L1", capacity=50)]),
    # three nations needed, two pledge
    "min_nations 3": dict(tasks=[task("T1", min_nations=3)]),
    # each nation would supply 50 % > 40 % of the personnel
    "max share 0.4": dict(tasks=[task("T1", max_nation_share=0.4)]),
    # forbid and only together leave AAA nothing, BBB forbidden everywhere
    "caveats": dict(caveats=[caveat("AAA", "only", pillar="air"), caveat("BBB", "forbid")]),
}


@covers("rotation")
@solvers
@formulations
def test_rotation_rule_of_thirds(solver, formulation):
    # AAA holds 3 companies, tour 1, dwell 2 (the rule of thirds), horizon 3: the one run 1-3 holds at
    # most 3 unit-periods. T1 (p1) needs 3 in period 1, T2 (p2) 1 in periods 2-3. T1 takes all 3 in
    # period 1 and the run is spent: T2 gets none. p2 = 2, cost 3 × 10, 1 contribution.
    # Runner-up: 2 on T1 in period 1 and T2 in 2 and 3 (p2 0) is worse at level p1 (1).
    # More cases in test_rotation_montreux.py.
    r = rows(3, tasks=[task("T1", 1, 1, 1), task("T2", 2, 2, 3)],
             requirements=[need("T1", 3), need("T2", 1)], pledges=[pledge("P-A", "AAA", 3, 10, tour=1, dwell=2)])
    assert_levels(solve(r, solver, formulation=formulation), p2=2, cost=30, contributions=1)


@covers("montreux")
@solvers
@formulations
def test_montreux_limits(solver, formulation):
    # straits montreux, aggregate 30,000 t; frigates of 4,500 t; SEA1 at a Black Sea base needs 8 in
    # each of 2 periods. AAA (cost 1) and BBB (cost 2) offer 5 each, neither a Black Sea state:
    # AAA ≤ 4 (3 × 18,000 ≤ 60,000 < 3 × 22,500), all ≤ 6 (27,000 ≤ 30,000 < 31,500).
    # Per period: AAA 4 + BBB 2: p1 = 2 × 2 = 4, cost 2 × (4 + 4) = 16, 2 × 2 contributions.
    # More cases in test_rotation_montreux.py.
    ffg = dict(capability("FFG", 190, "sea"), tonnage=4500)
    r = rows(2, capabilities=[INF, ffg],
             locations=[dict(location("L1"), kind="naval_base", sea_area="black_sea")],
             tasks=[task("SEA1", pillar="sea")], requirements=[need("SEA1", 8, "FFG")],
             pledges=[pledge("P-A", "AAA", 5, 1, "FFG"), pledge("P-B", "BBB", 5, 2, "FFG")],
             straits="montreux", montreux_aggregate_t=30000)
    assert_levels(solve(r, solver, formulation=formulation), p1=4, cost=16, contributions=4)


@covers("infeasible_never")
@solvers
@pytest.mark.parametrize("case", list(NOTHING_FITS))
def test_valid_input_is_never_infeasible(solver, case):
    # tiny(): T1 needs 2 INF in periods 1..2; P-A (AAA) 1 unit at 10, P-B (BBB) 1 unit at 20.
    # Each case rules out every non-empty plan, so the optimum is the empty plan:
    # status optimal, shortfall_p1 = 2 × 2 = 4 (full), cost 0, contributions 0.
    kw = dict(tasks=[task("T1")], requirements=[need("T1", 2)],
              pledges=[pledge("P-A", "AAA", 1, 10), pledge("P-B", "BBB", 1, 20)])
    kw.update(NOTHING_FITS[case])
    plan = solve(rows(**kw), solver)
    assert plan.info.status == "optimal"
    assert_levels(plan, p1=4)
    assert plan.allocations == () and plan.leads == {}


# ==========================================================================
# (6) sustainment (SPEC 5.1)
# ==========================================================================
def site(lid: str, lon: float, host: float = 0, country: str = "UKR", **kw) -> dict:
    """A location on the 50th parallel: one degree of longitude there is about 71.5 km."""
    return {"location": lid, "name": f"Site {lid}", "country": country, "kind": "land_base", "latitude": 50.0,
            "longitude": lon, "host_throughput": host, **kw}


@covers("sustainment")
@solvers
@pytest.mark.parametrize("resupply_km, near_host, p1", [
    (300, 4, 2),     # NEAR (143 km) feeds one company (4 t/day); FAR (429 km) is out of range
    (300, 8, 0),     # NEAR feeds both
    (500, 4, 0),     # FAR is in range too
    (100, 8, 4),     # nothing in range: no company may stay at L1
])
def test_sustainment_sources_within_range(solver, resupply_km, near_host, p1):
    # T1 at L1 (lon 30) needs 2 INF of 100 in periods 1..2; AAA pledges 2 at cost 10.
    # supply_rate 40 t/day per 1,000: one company needs 4 t/day. L1 has no host support; NEAR
    # (lon 32, about 143 km) has near_host t/day, FAR (lon 36, about 429 km) 100 t/day.
    # Companies at L1 per period = ⌊(supply in range)/4⌋, at most 2; shortfall = 2 × (2 − that);
    # cost 10 per company-period; contributions 2 when anything is placed.
    r = rows(tasks=[task("T1")], requirements=[need("T1", 2)], pledges=[pledge("P-A", "AAA", 2, 10)],
             locations=[site("L1", 30), site("NEAR", 32, near_host), site("FAR", 36, 100)],
             supply_rate=40, resupply_km=resupply_km)
    plan = solve(r, solver)
    placed = (4 - p1)
    assert_levels(plan, p1=p1, cost=10 * placed, contributions=2 if placed else 0)


@covers("sustainment")
@solvers
@pytest.mark.parametrize("throughput, p1", [(10, 0), (8, 2)])
def test_sustainment_depot_units(solver, throughput, p1):
    # T1 (priority 1) at L1 needs 2 INF of 100; T2 (priority 2) at DEP (lon 31, about 72 km) needs one
    # DEPOT unit of 10 personnel delivering `throughput` t/day; no host support anywhere; rate 40.
    # Needs: 4 t/day per company, 0.4 t/day for the depot's own crew.
    # throughput 10: 8 + 0.4 ≤ 10, both companies stay: p1 = 0, p2 = 0.
    # throughput 8: 8.4 > 8, so only one company (4.4 ≤ 8): p1 = 2 × 1 = 2, p2 = 0 (the depot is
    # placed, or no company could stay). Contributions: AAA on T1 and BBB on T2, two periods each.
    depot = dict(capability("DEPOT", 10, "logistics"), throughput=throughput)
    r = rows(capabilities=[INF, depot], tasks=[task("T1"), task("T2", priority=2, pillar="logistics")],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T2", "location": "DEP"}],
             requirements=[need("T1", 2), need("T2", 1, "DEPOT")],
             pledges=[pledge("P-A", "AAA", 2), pledge("P-D", "BBB", 1, capability="DEPOT")],
             locations=[site("L1", 30), site("DEP", 31)], supply_rate=40, resupply_km=300)
    plan = solve(r, solver)
    assert_levels(plan, p1=p1, contributions=4)
    assert units_on(plan, task="T2") == 2


@covers("sustainment")
@solvers
def test_sustainment_host_support_and_no_country(solver):
    # T1 may be based at L1 (UKR, host 4 t/day: one company) or SPACE (country ---: needs no supply,
    # holds 100 personnel). T1 needs 3 INF, AAA pledges 3: one at L1 and one in SPACE per period,
    # shortfall 2 × 1 = 2; contributions 2 (AAA on T1 in each period, wherever its units are).
    space = {"location": "SPACE", "name": "Space", "country": "---", "kind": "remote", "personnel_capacity": 100}
    r = rows(tasks=[task("T1")], requirements=[need("T1", 3)], pledges=[pledge("P-A", "AAA", 3)],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T1", "location": "SPACE"}],
             locations=[site("L1", 30, 4), space], supply_rate=40, resupply_km=300)
    plan = solve(r, solver)
    assert_levels(plan, p1=2, contributions=2)
    assert units_on(plan, location="SPACE", period=1) == 1 and units_on(plan, location="L1", period=1) == 1


# ==========================================================================
# (7) lift (SPEC 5.2)
# ==========================================================================
@covers("lift")
@solvers
def test_lift_paces_the_build_up(solver):
    # T1 needs 3 INF of 100 in periods 1..3; AAA pledges 3. Lift 100 personnel a period: one company
    # arrives in each period, so 1, 2, 3 companies are in place: shortfall (3−1) + (3−2) + 0 = 3.
    # Contributions 3 (AAA on T1 in each period).
    r = rows(3, tasks=[task("T1", end=3)], requirements=[need("T1", 3)], pledges=[pledge("P-A", "AAA", 3)],
             lift_capacity=100)
    plan = solve(r, solver)
    assert_levels(plan, p1=3, contributions=3)
    assert [units_on(plan, period=k) for k in (1, 2, 3)] == [1, 2, 3]


@covers("lift")
@solvers
@pytest.mark.parametrize("home_in_area, p1", [("no", 1), ("yes", 2)])
def test_lift_airlift_pledge_relieves_it(solver, home_in_area, p1):
    # As above, plus task T0 (priority 1, periods 1..3) at HOME that needs one ALIFT unit (10 personnel,
    # moves 100 a period), pledged by BBB. With the airlift, 200 personnel can arrive a period.
    # HOME not in the area: 2 companies arrive in period 1, the third in period 2: shortfall 1.
    # HOME in the area: the airlift's own 10 arrive too, so period 1 takes 10 + 100 (a second company
    # would make 210 > 200); periods 2 and 3 then hold all three: shortfall 2.
    # Contributions: AAA on T1 and BBB on T0 in each of 3 periods = 6.
    alift = dict(capability("ALIFT", 10, "logistics"), lift_per_period=100)
    home = {"location": "HOME", "name": "Home base", "country": "GBR", "kind": "training_area",
            "in_area": home_in_area}
    r = rows(3, capabilities=[INF, alift], tasks=[task("T1", end=3), task("T0", end=3, pillar="logistics")],
             basing=[{"task": "T1", "location": "L1"}, {"task": "T0", "location": "HOME"}],
             requirements=[need("T1", 3), need("T0", 1, "ALIFT")],
             pledges=[pledge("P-A", "AAA", 3), pledge("P-L", "BBB", 1, capability="ALIFT")],
             locations=[location("L1"), home], lift_capacity=100)
    plan = solve(r, solver)
    assert_levels(plan, p1=p1, contributions=6)


@covers("lift")
@solvers
def test_lift_counts_moves_between_locations(solver):
    # T1 (periods 1..2) at L1 and T2 (periods 2..3... here 2..2) at L2 each need 1 INF; AAA pledges 1.
    # Lift 100: in period 1 the company goes to L1 (100 arrive); in period 2 it is needed at L2 and at
    # L1. Moving it to L2 is an arrival at L2 of 100 (allowed), so either task can have it.
    # T1 is priority 1, T2 priority 2: the company stays on T1 in both periods; p2 shortfall 1.
    # With lift 0 nothing can arrive at all: p1 = 2, p2 = 1.
    for lift, p1 in ((100, 0), (0, 2)):
        r = rows(tasks=[task("T1"), task("T2", priority=2, start=2)], requirements=[need("T1", 1), need("T2", 1)],
                 basing=[{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L2"}],
                 pledges=[pledge("P-A", "AAA", 1)], locations=[location("L1"), location("L2")],
                 lift_capacity=lift)
        plan = solve(r, solver)
        assert_levels(plan, p1=p1, p2=1, contributions=2 if lift else 0)


# ==========================================================================
# completeness
# ==========================================================================
def test_every_rule_family_has_a_test():
    # the families of every formulation: add_<family> in RULE_FAMILIES, add_<family>_<formulation>
    # where a formulation writes a family its own way
    families = [f.__name__.removeprefix("add_") for f in model_build.RULE_FAMILIES]
    for name, funcs in model_build.FORMULATIONS.items():
        families += [f.__name__.removeprefix("add_").removesuffix(f"_{name}") for f in funcs]
    assert all(f.__name__.startswith("add_") for f in model_build.RULE_FAMILIES)
    missing = sorted({f for f in families if f not in COVERED})
    assert not missing, f"rule families without a test in {__name__}: {missing}"


def test_every_objective_level_has_a_test():
    missing = [name for name in model_build.LEVEL_NAMES if name not in COVERED]
    assert not missing, f"objective levels without a test in {__name__}: {missing}"
