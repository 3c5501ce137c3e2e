"""What-if changes: applied to a copy, validated again, logged; errors name the change."""

from __future__ import annotations

import pytest

from builders import tables_from_rows, tiny
from forcegen.errors import InputError, UsageError
from forcegen.model.solve import solve_problem
from forcegen.whatif import Change, apply_changes, parse_change
from solving import level_values, solve_and_verify


def tables(rows=None):
    return tables_from_rows(rows or tiny())


def test_parse_change():
    ch = parse_change("Pledges:P-A:units=3")
    assert (ch.sheet, ch.key, ch.column, ch.value) == ("Pledges", "P-A", "units", "3")
    assert parse_change("Scenario:include_conditional:value=no").key == "include_conditional"


@pytest.mark.parametrize("text", ["Pledges:P-A:units", "Pledges:units=3", "Pledges::units=3", ":P-A:units=1"])
def test_parse_change_malformed(text):
    with pytest.raises(UsageError, match="expected SHEET:KEY:COLUMN=VALUE"):
        parse_change(text)


def test_applied_change_is_logged_and_the_original_is_untouched():
    t = tables()
    problem, applied = apply_changes(t, [parse_change("Pledges:P-A:units=3")])
    assert problem.pledge["P-A"].units == 3
    assert [str(a) for a in applied] == ["Pledges P-A units: 1 -> 3"]
    # the tables given are not changed: a copy is
    assert dict(t["Pledges"].rows[0][1])["units"] == 1


def test_scenario_change_and_a_parameter_left_at_its_default():
    problem, applied = apply_changes(tables(), [parse_change("Scenario:ceasefire:value=no"),
                                                parse_change("Scenario:horizon:value=3")])
    assert problem.scenario.ceasefire is False and problem.scenario.horizon == 3
    assert "Scenario ceasefire value: (blank) -> no" in [str(a) for a in applied]


def test_composite_keys_and_caveat_rows():
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "max_personnel", "country": "UKR", "limit": 500}]
    problem, _ = apply_changes(tables(rows), [parse_change("Requirements:T1/INF:units=5"),
                                              parse_change("Caveats:#2:limit=100")])
    assert problem.requirements[0].units == 5
    assert problem.caveats[0].limit == 100


@pytest.mark.parametrize("change, message", [
    ("Pledge:P-A:units=3", "unknown sheet 'Pledge'"),
    ("Pledges:P-Z:units=3", "no pledge 'P-Z' on sheet Pledges"),
    ("Pledges:P-A:unit=3", "unknown column 'unit' on sheet Pledges"),
    ("Scenario:horizonn:value=3", "no parameter 'horizonn'"),
])
def test_unknown_sheet_key_or_column_names_the_change(change, message):
    with pytest.raises(UsageError) as err:
        apply_changes(tables(), [parse_change(change)])
    assert change in str(err.value) and message in str(err.value)


def test_a_value_the_column_does_not_accept_names_the_change():
    with pytest.raises(InputError) as err:
        apply_changes(tables(), [parse_change("Pledges:P-A:units=ten")])
    (issue,) = err.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Pledges", 2, "units")
    assert "--set Pledges:P-A:units=ten" in issue.message and "whole number" in issue.message


def test_two_changes_to_the_same_cell_are_an_error():
    with pytest.raises(UsageError, match="changes the same cell"):
        apply_changes(tables(), [parse_change("Pledges:P-A:units=3"), parse_change("pledges:P-A:UNITS=4")])


def test_all_change_errors_at_once():
    with pytest.raises(UsageError) as err:
        apply_changes(tables(), [parse_change("Nope:x:y=1"), parse_change("Pledges:P-Z:units=1")],
                      drop_nations=["ZZZ"])
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert any("--drop-nation ZZZ: unknown nation" in line for line in lines)


def test_drop_nation_removes_pledges_and_caveats():
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "country": "POL"}]
    problem, applied = apply_changes(tables(rows), [], drop_nations=["AAA"])
    assert [p.id for p in problem.pledges] == ["P-B"]
    assert problem.caveats == ()
    assert "AAA" in problem.nation  # the nation itself stays, for reports
    assert {a.sheet for a in applied} == {"Pledges", "Caveats"}


def test_dropping_the_only_contributor_creates_exactly_its_shortfall():
    # tiny: T1 needs 2 INF in periods 1-2; AAA and BBB pledge one each → fully covered.
    # A second capability ENG needed 1/period, pledged only by AAA. Dropping AAA loses
    # its INF unit (1 × 2 periods) and the only ENG unit (1 × 2 periods): shortfall_p1 = 4.
    rows = tiny()
    rows["Capabilities"].append({"capability": "ENG", "name": "Engineers", "domain": "land", "unit": "coy",
                                 "personnel_per_unit": 50})
    rows["Requirements"].append({"task": "T1", "capability": "ENG", "units": 1})
    rows["Pledges"].append({"pledge": "P-A-ENG", "nation": "AAA", "capability": "ENG", "units": 1,
                            "cost_per_unit": 5})
    base_problem, _ = apply_changes(tables(rows), [])
    base = solve_and_verify(base_problem)
    assert level_values(base)["shortfall_p1"] == 0
    variant_problem, _ = apply_changes(tables(rows), [], drop_nations=["AAA"])
    variant = solve_and_verify(variant_problem)
    assert level_values(variant)["shortfall_p1"] == pytest.approx(4)
    # only BBB's unit remains, in both periods: cost 2 × 20 = 40
    assert level_values(variant)["cost"] == pytest.approx(40)


def test_raising_a_pledge_never_increases_shortfall():
    rows = tiny()
    rows["Requirements"][0]["units"] = 4
    base_problem, _ = apply_changes(tables(rows), [])
    more_problem, _ = apply_changes(tables(rows), [parse_change("Pledges:P-A:units=3")])
    base, more = level_values(solve_and_verify(base_problem)), level_values(solve_and_verify(more_problem))
    # base: 2 of 4 units per period → shortfall 2 × 2 = 4; more: AAA 3 + BBB 1 = 4 → 0
    assert base["shortfall_p1"] == pytest.approx(4)
    assert more["shortfall_p1"] == pytest.approx(0)


def test_a_change_that_does_not_bind_leaves_the_plan_identical_when_stable():
    # Two tasks, four interchangeable pledges: many optimal plans. Raising the cost of an
    # unused pledge changes nothing that binds; with the stability level the variant
    # must repeat the baseline plan exactly (0 units moved).
    rows = tiny()
    rows["Requirements"][0]["units"] = 2
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes"})
    rows["Pledges"] += [
        {"pledge": "P-C", "nation": "CCC", "capability": "INF", "units": 2, "cost_per_unit": 10},
        {"pledge": "P-A2", "nation": "AAA", "capability": "INF", "units": 1, "cost_per_unit": 10},
    ]
    base_problem, _ = apply_changes(tables(rows), [])
    base = solve_and_verify(base_problem)
    unused = next(p.id for p in base_problem.pledges if p.id not in {a.pledge for a in base.allocations})
    variant_problem, _ = apply_changes(tables(rows), [parse_change(f"Pledges:{unused}:cost_per_unit=99")])
    stable = solve_problem(variant_problem, reference=base)
    assert stable.info.levels[-1].name == "changes"
    assert stable.info.levels[-1].value == pytest.approx(0)
    def by_nation(plan):
        out = {}
        for a in plan.allocations:
            key = (variant_problem.pledge[a.pledge].nation, a.task, a.location, a.period)
            out[key] = out.get(key, 0) + a.units
        return out

    assert by_nation(stable) == by_nation(base)


def _bbb_grows():
    """T1 needs 3 INF; AAA pledges 2 units, BBB 1: (the baseline problem, the variant where BBB pledges 2)."""
    rows = tiny()
    rows["Requirements"][0]["units"] = 3
    rows["Pledges"][0]["units"] = 2
    base_problem, _ = apply_changes(tables(rows), [])
    variant_problem, _ = apply_changes(tables(rows), [parse_change("Pledges:P-B:units=2")])
    return base_problem, variant_problem


def test_stable_variant_keeps_every_level_of_the_plain_variant():
    base_problem, variant_problem = _bbb_grows()
    base = solve_problem(base_problem)
    plain, stable = solve_problem(variant_problem), solve_problem(variant_problem, reference=base)
    for name, value in level_values(plain).items():
        assert level_values(stable)[name] == pytest.approx(value)


def test_change_objects_are_plain_data():
    ch = Change("Pledges", "P-A", "units", "2", note="parliament approves")
    assert ch.text == "Pledges:P-A:units=2"


def test_the_changes_level_starts_from_a_plan_near_the_baseline(monkeypatch):
    # T1 needs 3 INF; the baseline has AAA's 2 units and BBB's 1. BBB's pledge grows to 2: the
    # baseline's plan stays optimal at every level, but the contributions level need not return
    # it (AAA 1 + BBB 2 is as good). The changes level's dive (``_changes_dive``) frees only the
    # columns where the two plans differ and finds the baseline again: 0 units moved, as the
    # whole level finds without it
    import forcegen.model.solve as solve_module

    base_problem, variant_problem = _bbb_grows()
    base = solve_and_verify(base_problem)
    calls = []
    real = solve_module._changes_dive

    def counted(*args):
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(solve_module, "_changes_dive", counted)
    dived = solve_problem(variant_problem, reference=base, start=base)
    monkeypatch.setattr(solve_module, "_changes_dive", lambda *args: None)
    plain = solve_problem(variant_problem, reference=base, start=base)
    assert level_values(dived) == level_values(plain)
    assert dived.info.levels[-1].name == "changes" and dived.info.levels[-1].value == 0
    assert len(calls) == 1 and calls[0] is not None and calls[0].objective == 0
