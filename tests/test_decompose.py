"""The split into parts that only the lead ties together (model/decompose.py)."""

from __future__ import annotations

import copy

from builders import problem_from_rows
from hypothesis import HealthCheck, given, settings
from solving import SCALE, level_values
from strategies import problem_rows

from forcegen.model.decompose import components, split
from forcegen.model.linear import LinearModel
from forcegen.model.solve import PlanOptions, solve_problem


def _model() -> LinearModel:
    m = LinearModel()
    for i in range(6):
        m.add_var(f"c{i}", 0, 3)
    m.add_row("a", [(0, 1), (1, 1)], hi=2)
    m.add_row("b", [(2, 1), (3, 2)], hi=4)
    m.add_row("link0", [(1, 1), (4, -3)], hi=0)
    m.add_row("link1", [(3, 1), (4, -3)], hi=0)
    m.add_row("lead_one", [(4, 1), (5, 1)], hi=1)
    return m


def test_components_ignore_the_linking_columns():
    assert components(_model(), {4, 5}) == [[0, 1], [2, 3]]
    assert components(_model(), set()) == [[0, 1, 2, 3, 4, 5]]


def test_each_part_gets_its_rows_and_a_copy_of_the_links_it_uses():
    parts = split(_model(), {4, 5})
    assert [p.cols for p in parts] == [[0, 1, 4, 5], [2, 3, 4, 5]]
    names = [[r.name for r in p.model.rows] for p in parts]
    assert names == [["a", "link0", "lead_one"], ["b", "link1", "lead_one"]]
    first = parts[0]
    link = first.model.rows[1]
    assert [first.cols[c] for c in link.cols] == [1, 4] and link.coefs == [1.0, -3.0]


def _in_two_periods(rows: dict) -> dict:
    """The problem with each task in every period and each pledge split into a copy for period 1 and
    a copy for the periods after (two at least): the periods differ, so the model falls into parts
    that only the leads tie together."""
    rows = copy.deepcopy(rows)
    horizon = 2
    for r in rows["Scenario"]:
        if r["parameter"] == "horizon":
            r["value"] = horizon = max(2, r["value"])
    pledges = []
    for p in rows["Pledges"]:
        for k, (first, last) in enumerate(((1, 1), (2, horizon)), start=1):
            pledges.append({**p, "pledge": f"{p['pledge']}-{k}", "from_period": first, "to_period": last})
    rows["Pledges"] = pledges
    for t in rows["Tasks"]:  # every task in every period
        t["start_period"], t["end_period"] = 1, horizon
    return rows


def _split_where_it_can(problem, reference=None) -> None:
    """Units allocatable in two model periods: then there are two parts at least (unless a rotation
    row, SPEC 5.3, or the arrivals of the lift rule, SPEC 5.2, join the periods)."""
    from forcegen.model.backends import get_backend
    from forcegen.model.build import build
    from forcegen.model.decompose import PartSolver

    built = build(problem, reference=reference)
    periods = {k for (_, _, _, k) in built.x}
    if {"rotation", "arrivals"} & set(built.model.row_families()):
        return
    solver = PartSolver.create(built, get_backend("highs"))
    assert len(periods) < 2 or (solver is not None and len(solver.parts) >= 2)


def _same_levels(on, off) -> None:
    assert on.info.status == off.info.status == "optimal"
    for name, value in level_values(on).items():
        assert abs(value - level_values(off)[name]) <= 1e-6 * max(1.0, abs(value)), name


@settings(max_examples=25 * SCALE, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem_rows())
def test_solving_by_parts_changes_no_level(rows):
    """Part by part (with the lead-first step) and the whole model solved directly reach the same levels."""
    for version in (rows, _in_two_periods(rows)):
        problem = problem_from_rows(copy.deepcopy(version))
        _split_where_it_can(problem)
        on = solve_problem(problem, PlanOptions(by_parts=True))
        off = solve_problem(problem, PlanOptions(by_parts=False, lead_first=False))
        _same_levels(on, off)


@settings(max_examples=25 * SCALE, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem_rows())
def test_solving_by_parts_changes_no_level_of_a_stable_what_if(rows):
    """A what-if without the pledge the baseline plan uses most, moving as few units as possible from
    the baseline plan: part by part and the whole model reach the same levels, ``changes`` included."""
    rows = _in_two_periods(rows)
    base = solve_problem(problem_from_rows(copy.deepcopy(rows)))
    used: dict[str, int] = {}
    for a in base.allocations:
        used[a.pledge] = used.get(a.pledge, 0) + a.units
    variant_rows = copy.deepcopy(rows)
    if used:
        top = max(sorted(used), key=used.get)
        variant_rows["Pledges"] = [p for p in variant_rows["Pledges"] if p["pledge"] != top]
    variant = problem_from_rows(variant_rows)
    _split_where_it_can(variant, reference=base)
    on = solve_problem(variant, PlanOptions(by_parts=True), reference=base)
    off = solve_problem(variant, PlanOptions(by_parts=False, lead_first=False), reference=base)
    assert on.info.levels[-1].name == "changes"
    _same_levels(on, off)


def test_the_core_baseline_splits_into_its_period_blocks():
    from solving import CORE_BASELINE

    from forcegen.model.backends import get_backend
    from forcegen.model.build import build
    from forcegen.model.decompose import PartSolver
    from forcegen.workbook.read import read_problem

    built = build(read_problem(CORE_BASELINE))
    parts = PartSolver.create(built, get_backend("highs"))
    assert parts is not None and len(parts.parts) >= len(built.blocks)

