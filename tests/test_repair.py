"""A plan carried over to a changed problem (``model/repair.py``): the start of a what-if variant.

The repaired plan must keep every rule of the changed problem's model (a start that
breaks one would be worse than none), never add an allocation the plan did not have,
and leave a plan of the same problem as it is. Starting from it changes no level.
"""

from __future__ import annotations

import copy

import pytest
from builders import problem_from_rows, tiny
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solving import level_values, solve_and_verify
from strategies import problem_rows, whatif_change

from forcegen.model import solve as solve_module
from forcegen.model.build import build
from forcegen.model.linear import violations
from forcegen.model.repair import repaired_start
from forcegen.model.solve import PlanOptions, solve_problem

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _units(built, values) -> dict[tuple, float]:
    return {key: values[col] for key, col in built.x.items() if values[col] > 0}


@SETTINGS
@given(problem_rows())
def test_a_plan_of_the_same_problem_is_kept_as_it_is(rows):
    problem = problem_from_rows(copy.deepcopy(rows))
    plan = solve_problem(problem)
    built = build(problem)
    values = repaired_start(built, plan)
    assert values is not None
    assert violations(built.model, built.model.rows, values) == 0
    assert {a for a in plan.allocations if a.period in built.blocks} == {
        a for a in _allocations(built, values)}


def _allocations(built, values):
    from forcegen.domain import Allocation

    return [Allocation(k, t, loc, p, int(round(values[col]))) for (p, t, loc, k), col in built.x.items()
            if values[col] > 0.5]


def _plan_and_variant(rows, data):
    """The optimal plan of ``rows`` and a what-if variant of them that touches it."""
    plan = solve_problem(problem_from_rows(copy.deepcopy(rows)))
    return plan, problem_from_rows(copy.deepcopy(whatif_change(data, rows, plan)))


@SETTINGS
@given(problem_rows(), st.data())
def test_a_repaired_plan_keeps_every_rule_and_adds_nothing(rows, data):
    plan, variant = _plan_and_variant(rows, data)
    built = build(variant)
    values = repaired_start(built, plan)
    if values is None:  # taking allocations away keeps every rule but sustainment and lift (SPEC 5.1-5.2):
        # a depot or airlift unit taken away, or units that leave so that more arrive in the next period
        assert variant.scenario.sustainment or variant.scenario.lift
        return
    assert violations(built.model, built.model.rows, values) == 0
    before = {(a.pledge, a.task, a.location, a.period): a.units for a in plan.allocations}
    for key, units in _units(built, values).items():
        assert units <= before.get(key, 0)


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem_rows(), st.data())
def test_starting_from_the_repaired_baseline_changes_no_level(rows, data):
    plan, variant = _plan_and_variant(rows, data)
    fresh = solve_and_verify(variant, "highs")
    started = solve_problem(variant, PlanOptions(), start=plan)
    assert level_values(started) == level_values(fresh)


def test_a_capacity_cut_takes_units_away_until_the_location_holds_them():
    # tiny(): T1 at L1 needs 2 INF (100 personnel each) in periods 1..2; P-A (AAA) and P-B (BBB)
    # one unit each: the plan has both on T1. With L1's capacity cut to 100 only one fits: the
    # repaired plan keeps one unit per period (the later column goes), and keeps every rule.
    rows = tiny()
    plan = solve_problem(problem_from_rows(copy.deepcopy(rows)))
    assert len(plan.allocations) == 4
    rows["Locations"][0]["personnel_capacity"] = 100
    built = build(problem_from_rows(rows))
    values = repaired_start(built, plan)
    assert values is not None
    assert violations(built.model, built.model.rows, values) == 0
    kept = _allocations(built, values)
    assert sorted(a.units for a in kept) == [1] * len(built.blocks)


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem_rows(), st.data())
def test_the_changes_dive_changes_no_level_of_a_stable_what_if(rows, data):
    # the dive near the baseline (``_changes_dive``) only gives the changes level its start: the
    # fewest units moved, and every level before it, are the same without it
    plan, variant = _plan_and_variant(rows, data)
    dived = solve_problem(variant, reference=plan, start=plan)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solve_module, "_changes_dive", lambda *args: None)
        plain = solve_problem(variant, reference=plan, start=plan)
    assert level_values(dived) == level_values(plain)
    assert dived.info.levels[-1].name == "changes" and dived.info.status == "optimal"
