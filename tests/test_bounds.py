"""A variant that only takes options away: the baseline's levels bound its levels (``model/bounds.py``).

``restricts`` must say yes only when every plan of the variant is a plan of the baseline
with the same level values (a wrong yes would let a solve stop early with a wrong answer:
the differential test below would catch it), and yes for the what-ifs planners run most
(a nation withdrawn, a pledge or capacity cut, a caveat added). With the bound, the
levels are the same as without it, and a variant the change does not touch is settled
without a single solve.
"""

from __future__ import annotations

import copy

import pytest
from builders import problem_from_rows, tiny
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solving import level_values
from strategies import problem_rows, whatif_change

from forcegen.model import backends
from forcegen.model.bounds import restricts
from forcegen.model.solve import PlanOptions, solve_problem


def _variant(edit) -> tuple:
    rows = tiny()
    new = copy.deepcopy(rows)
    edit(new)
    return problem_from_rows(rows), problem_from_rows(new)


def _set(sheet: str, index: int, **values):
    def edit(rows):
        rows[sheet][index].update(values)
    return edit


def _sustained(rate: float, km: float):
    def edit(rows):
        rows["Scenario"] += [{"parameter": "supply_rate", "value": rate}, {"parameter": "resupply_km", "value": km}]
        rows["Locations"][0].update(latitude=50.0, longitude=30.0)
    return edit


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: None, True),
    (lambda r: r["Pledges"].pop(1), True),  # a nation withdraws its pledge
    (_set("Pledges", 0, units=0), True),
    (_set("Pledges", 0, units=5), False),  # more units: a new option
    (_set("Pledges", 0, from_period=2), True),
    (_set("Pledges", 0, cost_per_unit=11), False),  # the cost level changes
    (_set("Pledges", 0, status="conditional"), True),
    (lambda r: r["Pledges"].append({"pledge": "P-C", "nation": "AAA", "capability": "INF", "units": 1}), False),
    (_set("Locations", 0, personnel_capacity=100), True),
    (_set("Requirements", 0, units=3), False),  # the shortfall levels change
    (_set("Requirements", 0, weight=2), False),
    (_set("Tasks", 0, min_nations=2), True),
    (_set("Tasks", 0, max_nation_share=0.5), True),
    (_set("Tasks", 0, lead="european"), True),
    (_set("Tasks", 0, priority=2), False),
    (_set("Nations", 0, european="no"), True),
    (lambda r: r["Caveats"].append({"nation": "AAA", "rule": "forbid", "country": "UKR"}), True),
    (lambda r: r["Caveats"].append({"nation": "AAA", "rule": "max_personnel", "limit": 100}), True),
    (lambda r: r["Caveats"].append({"nation": "AAA", "rule": "only", "country": "UKR"}), False),
    (lambda r: r["Scenario"].append({"parameter": "include_conditional", "value": "no"}), True),
    (lambda r: r["Scenario"].append({"parameter": "lead_min_share", "value": 0.5}), True),
    (lambda r: r["Scenario"].append({"parameter": "lead_min_share", "value": 0.1}), False),
    (lambda r: r["Scenario"].append({"parameter": "ceasefire", "value": "no"}), False),
    # SPEC section 5: a rule switched on, or made tighter, takes options away
    (lambda r: r["Scenario"].append({"parameter": "lift_capacity", "value": 100}), True),
    (_sustained(40, 300), True),
])
def test_restricts_says_yes_only_when_options_are_taken_away(edit, expected):
    base, variant = _variant(edit)
    assert restricts(base, variant) is expected


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: None, True),
    (_set("Scenario", 2, value=50), True),  # more supply needed per person
    (_set("Scenario", 2, value=30), False),
    (_set("Scenario", 3, value=200), True),  # a shorter resupply range
    (_set("Scenario", 3, value=400), False),
    (_set("Scenario", 4, value=50), True),  # less lift
    (_set("Scenario", 4, value=150), False),
    (_set("Locations", 0, host_throughput=2), True),
    (_set("Locations", 0, host_throughput=9), False),
    (_set("Locations", 0, latitude=51.0), False),
    (lambda r: r["Scenario"].pop(4), False),  # the lift rule switched off
])
def test_restricts_with_the_logistics_rules_on(edit, expected):
    rows = tiny()
    _sustained(40, 300)(rows)
    rows["Scenario"].append({"parameter": "lift_capacity", "value": 100})
    rows["Locations"][0]["host_throughput"] = 5
    new = copy.deepcopy(rows)
    edit(new)
    assert restricts(problem_from_rows(rows), problem_from_rows(new)) is expected


def test_loosening_is_not_a_restriction_the_other_way_round():
    base, variant = _variant(_set("Locations", 0, personnel_capacity=100))
    assert restricts(base, variant) and not restricts(variant, base)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem_rows(), st.data())
def test_the_baselines_bound_changes_no_level(rows, data):
    base_problem = problem_from_rows(copy.deepcopy(rows))
    base = solve_problem(base_problem)
    variant = problem_from_rows(whatif_change(data, rows, base))
    lower = base if restricts(base_problem, variant) else None
    bounded = solve_problem(variant, PlanOptions(), start=base, lower=lower)
    fresh = solve_problem(variant, PlanOptions())
    assert bounded.info.status == fresh.info.status == "optimal"
    assert level_values(bounded) == pytest.approx(level_values(fresh), abs=1e-6)


def test_a_variant_the_change_does_not_touch_needs_no_solve(monkeypatch):
    # tiny() plus a third nation CCC whose pledge the plan does not need (T1 needs 2 INF; AAA and
    # BBB cover it at less cost): withdrawing CCC leaves the baseline's plan optimal, and with
    # the baseline's levels as bounds every level is settled by the repaired start alone.
    rows = tiny()
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes"})
    rows["Pledges"].append({"pledge": "P-C", "nation": "CCC", "capability": "INF", "units": 1, "cost_per_unit": 99})
    base_problem = problem_from_rows(copy.deepcopy(rows))
    base = solve_problem(base_problem)
    assert {a.pledge for a in base.allocations} == {"P-A", "P-B"}
    rows["Pledges"].pop()
    variant = problem_from_rows(rows)
    assert restricts(base_problem, variant)
    calls = []
    real = backends._HighsSession.solve
    monkeypatch.setattr(backends._HighsSession, "solve", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    bounded = solve_problem(variant, PlanOptions(), start=base, lower=base)
    assert calls == []
    assert level_values(bounded) == level_values(base)
    assert bounded.allocations == base.allocations


def test_only_the_proven_levels_of_the_other_problem_bound_this_one(monkeypatch):
    # As above, but the baseline's plan says its levels from cost on were not proven: the shortfall
    # levels are still settled by the repaired start with no solve; cost and contributions are solved,
    # to the same values.
    import dataclasses

    rows = tiny()
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes"})
    rows["Pledges"].append({"pledge": "P-C", "nation": "CCC", "capability": "INF", "units": 1, "cost_per_unit": 99})
    base = solve_problem(problem_from_rows(copy.deepcopy(rows)))
    levels = tuple(lv if lv.name.startswith("shortfall") else dataclasses.replace(lv, status="feasible")
                   for lv in base.info.levels)
    unproven = dataclasses.replace(base, info=dataclasses.replace(base.info, status="feasible", levels=levels))
    rows["Pledges"].pop()
    variant = problem_from_rows(rows)
    solved = []
    real = backends._HighsSession.solve
    monkeypatch.setattr(backends._HighsSession, "solve",
                        lambda self, obj, *a, **k: solved.append(obj.name) or real(self, obj, *a, **k))
    bounded = solve_problem(variant, PlanOptions(), start=base, lower=unproven)
    assert not any(name.startswith("shortfall") for name in solved)
    assert "cost" in solved
    assert level_values(bounded) == level_values(base)
    assert all(lv.status == "optimal" for lv in bounded.info.levels)
