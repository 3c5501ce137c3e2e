"""Scenario host_country (SPEC section 1): read and checked like a location's country, and the one
definition of "inside" for every personnel split (plan workbook Charts, comparisons, whatif).

The split instance (``split_rows``), one period, every figure by hand:

* L1 in UKR, L2 in POL, L3 remote with country ``---``; T1 may be based at all three;
* AAA: 2 units at L1 (200 in UKR) and 1 unit at L2 (100 in POL);
* BBB: 1 unit at L3 (100 in no country).

host UKR: AAA 200 in / 100 out, BBB 0 / 100; all nations 200 in / 200 out.
host POL: AAA 100 in / 200 out (swapped), BBB 0 / 100; all nations 100 in / 300 out.
host ---: nothing is inside, the location whose country is --- included: AAA 0 / 300, BBB 0 / 100; 0 / 400.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from builders import META, problem_from_rows, tiny, write_workbook
from forcegen.cli import cli
from forcegen.compare import build_comparison
from forcegen.domain import Allocation as A
from forcegen.domain import Plan, Scenario
from forcegen.errors import InputError
from forcegen.report import build_report
from forcegen.schema import SHEETS_BY_NAME
from forcegen.workbook.plan_read import read_plan_report
from forcegen.workbook.read import read_problem
from forcegen.workbook.write import host_split, write_plan

README = Path(__file__).resolve().parents[1] / "README.md"

SPLIT_PLAN = (A(1, "T1", "L1", "P-A", 2), A(1, "T1", "L2", "P-A", 1), A(1, "T1", "L3", "P-B", 1))


def split_rows(host=None) -> dict:
    rows = tiny()
    rows["Scenario"][1]["value"] = 1  # horizon 1
    rows["Tasks"][0]["end_period"] = 1
    if host is not None:
        rows["Scenario"].append({"parameter": "host_country", "value": host})
    rows["Locations"] += [
        {"location": "L2", "name": "Base two", "country": "POL", "kind": "land_base"},
        {"location": "L3", "name": "Orbit", "country": "---", "kind": "remote"},
    ]
    rows["Basing"] += [{"task": "T1", "location": "L2"}, {"task": "T1", "location": "L3"}]
    rows["Requirements"][0]["units"] = 4
    rows["Pledges"][0]["units"] = 3
    return rows


def split_report(host=None):
    return build_report(problem_from_rows(split_rows(host)), Plan(SPLIT_PLAN), **META)


def scenario_issues(tmp_path, value) -> list:
    rows = tiny()
    rows["Scenario"].append({"parameter": "host_country", "value": value})  # spreadsheet row 4
    with pytest.raises(InputError) as err:
        read_problem(write_workbook(rows, tmp_path / "bad.xlsx"))
    return list(err.value.issues)


# --------------------------------------------------------------------------- reading and checking


def test_host_country_defaults_to_ukr(tmp_path):
    rows = tiny()
    assert not any(r["parameter"] == "host_country" for r in rows["Scenario"])
    for problem in (problem_from_rows(rows), read_problem(write_workbook(rows, tmp_path / "t.xlsx"))):
        assert problem.scenario.host_country == "UKR"
    assert Scenario(horizon=1).host_country == "UKR"
    assert next(p for p in SHEETS_BY_NAME["Scenario"].parameters if p.name == "host_country").default == "UKR"


@pytest.mark.parametrize("value,expected", [("POL", "POL"), ("pol", "POL"), (" rou ", "ROU"), ("---", "---"),
                                            ("UKR", "UKR"), (None, "UKR")])
def test_host_country_is_read_like_a_location_country(tmp_path, value, expected):
    rows = tiny()
    rows["Scenario"].append({"parameter": "host_country", "value": value})
    problem = read_problem(write_workbook(rows, tmp_path / "t.xlsx"))
    assert problem.scenario.host_country == expected


@pytest.mark.parametrize("value", ["Poland", "PL", "P0L", "--", 616])
def test_a_bad_host_country_is_an_input_error_naming_row_and_column(tmp_path, value):
    issues = scenario_issues(tmp_path, value)
    assert len(issues) == 1, [str(i) for i in issues]
    issue = issues[0]
    assert (issue.sheet, issue.row, issue.column) == ("Scenario", 4, "value"), str(issue)
    assert "host_country" in issue.message and "country code" in issue.message and str(value) in issue.message


def test_validate_exits_2_on_a_bad_host_country(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": "host_country", "value": "Ukraine"})
    path = write_workbook(rows, tmp_path / "bad.xlsx")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert re.search(r"Scenario.*row 4.*value", result.stderr), result.stderr
    rows["Scenario"][-1]["value"] = "POL"
    ok = CliRunner().invoke(cli, ["validate", str(write_workbook(rows, tmp_path / "ok.xlsx"))])
    assert ok.exit_code == 0, ok.output


# --------------------------------------------------------------------------- the split in the plan workbook


@pytest.mark.parametrize("host,split", [
    (None, [("AAA", 200, 100), ("BBB", 0, 100)]),
    ("UKR", [("AAA", 200, 100), ("BBB", 0, 100)]),
    ("POL", [("AAA", 100, 200), ("BBB", 0, 100)]),
    ("---", [("AAA", 0, 300), ("BBB", 0, 100)]),
])
def test_host_split_follows_the_scenario(host, split):
    rep = split_report(host)
    assert rep.host_country == (host or "UKR")
    assert rep.value("host_country") == (host or "UKR")
    assert host_split(rep) == split
    # nothing but the host decides: the same plan, the nations' totals unchanged
    assert [i + o for _, i, o in host_split(rep)] == [300, 100]


@pytest.mark.parametrize("host,header,split", [
    ("POL", ("nation", "in POL", "outside POL"), [("AAA", 100, 200), ("BBB", 0, 100)]),
    ("---", ("nation", "in host country (none)", "outside host country (none)"), [("AAA", 0, 300), ("BBB", 0, 100)]),
])
def test_charts_sheet_names_the_scenarios_host(tmp_path, host, header, split):
    out = write_plan(split_report(host), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Charts"]
    title = ws["A1"].value
    assert "UKR" not in title and "Ukraine" not in title and "HOST_COUNTRY" not in title
    assert (host in title) if host != "---" else ("none" in title and "outside" in title)
    rows = list(ws.iter_rows(min_row=2, max_row=4, max_col=3, values_only=True))
    assert rows[0] == header
    assert rows[1:] == split
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, max_col=2, values_only=True) if r[0]}
    assert summary["host_country"] == host


# --------------------------------------------------------------------------- comparisons


def host_figures(comp) -> tuple:
    return tuple((comp.row(f)["baseline"], comp.row(f)["variant"]) for f in
                 ("personnel_in_host", "personnel_outside_host"))


def test_comparison_splits_each_run_by_its_own_host():
    # UKR: 200 in, 200 out; POL: 100 in (AAA at L2), 300 out
    comp = build_comparison(split_report("UKR"), split_report("POL"))
    assert host_figures(comp) == ((200, 100), (200, 300))
    note = comp.row("personnel_in_host")["note"]
    assert "UKR in the baseline" in note and "POL in the variant" in note
    # no host: nothing inside, the --- location included
    none = build_comparison(split_report("---"), split_report("---"))
    assert host_figures(none) == ((0, 0), (400, 400))
    assert "none" in none.row("personnel_in_host")["note"] and "UKR" not in none.row("personnel_in_host")["note"]
    default = build_comparison(split_report(), split_report())
    assert host_figures(default) == ((200, 200), (200, 200))
    assert "in UKR" in default.row("personnel_in_host")["note"]


def test_plan_workbooks_carry_their_host(tmp_path):
    for host in ("POL", "---"):
        rep = split_report(host)
        back = read_plan_report(write_plan(rep, tmp_path / f"plan-{host.strip('-') or 'none'}.xlsx"))
        assert back.host_country == host
        assert host_figures(build_comparison(back, back)) == host_figures(build_comparison(rep, rep))


def test_a_plan_workbook_without_a_host_row_reads_as_ukr(tmp_path):
    rep = split_report("POL")
    # a workbook written before host_country (and the host figures) were Summary rows
    older = dataclasses.replace(rep, summary=rep.summary[~rep.summary["parameter"].isin(
        ["host_country", "personnel_in_host", "personnel_outside_host"])])
    back = read_plan_report(write_plan(older, tmp_path / "older.xlsx"))
    assert back.host_country == "UKR"
    assert host_figures(build_comparison(back, back)) == ((200, 200), (200, 200))


# --------------------------------------------------------------------------- whatif


@pytest.fixture
def tiny_input(tmp_path):
    # tiny: T1 at L1 (UKR) needs 2 INF; AAA and BBB pledge 1 each: 200 personnel in UKR in each period
    return write_workbook(tiny(), tmp_path / "tiny.xlsx")


def test_whatif_sets_the_host_country(tiny_input, tmp_path):
    out = tmp_path / "whatif.xlsx"
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--set", "Scenario:host_country:value=POL",
                                      "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    s = data["summary"]
    assert (s["personnel_in_host"]["baseline"], s["personnel_in_host"]["variant"]) == (200, 0)
    assert (s["personnel_outside_host"]["baseline"], s["personnel_outside_host"]["variant"]) == (0, 200)
    assert s["coverage_pct"]["delta"] == 0 and data["changed_allocations"] == 0
    changes = data["changes"]
    assert [(c["sheet"], c["key"], c["column"], c["new"]) for c in changes] == [
        ("Scenario", "host_country", "value", "POL")]


def test_whatif_refuses_a_bad_host_country(tiny_input, tmp_path):
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--set", "Scenario:host_country:value=POLAND",
                                      "-o", str(tmp_path / "w.xlsx")])
    assert result.exit_code == 2, result.output
    assert "--set Scenario:host_country:value=POLAND" in result.stderr and "host_country" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "w.xlsx").exists()


# --------------------------------------------------------------------------- template and README


def test_template_scenario_sheet_offers_host_country(tmp_path):
    out = tmp_path / "blank.xlsx"
    result = CliRunner().invoke(cli, ["template", "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["Scenario"]
    rows = [r for r in ws.iter_rows(min_row=2, max_col=2, values_only=True) if r[0] is not None]
    assert ("host_country", "UKR") in rows
    row = 2 + [r[0] for r in rows].index("host_country")
    validations = list(ws.data_validations.dataValidation)
    # the parameter column's drop-down offers it
    header = [c.value for c in ws[1]]
    pcol = get_column_letter(header.index("parameter") + 1)
    lists = [dv for dv in validations if dv.type == "list" and f"{pcol}{row}" in MultiCellRange(str(dv.sqref))]
    assert len(lists) == 1 and "host_country" in lists[0].formula1.strip('"').split(",")
    # its value cell takes a three-letter code (or ---), as a location's country does
    vcol = get_column_letter(header.index("value") + 1)
    own = [dv for dv in validations if f"{vcol}{row}" in MultiCellRange(str(dv.sqref))]
    assert len(own) == 1 and own[0].type == "textLength" and own[0].formula1 == "3"


def test_readme_lists_host_country():
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^\|  \| `host_country` \| country \| no \| UKR \| .*--- for none", text, re.M)
