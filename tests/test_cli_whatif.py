"""`forcegen whatif` and `forcegen compare` through click's runner."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest
from click.testing import CliRunner

from builders import tiny, write_workbook
from forcegen.cli import cli


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny_input(tmp_path):
    rows = tiny()
    rows["Requirements"][0]["units"] = 3
    return write_workbook(rows, tmp_path / "tiny.xlsx")


def test_whatif_drop_nation_writes_comparison_and_never_touches_input(tiny_input, tmp_path):
    out = tmp_path / "whatif.xlsx"
    before = sha(tiny_input)
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--drop-nation", "BBB", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sha(tiny_input) == before
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"Summary", "Tasks", "Nations", "Requirements", "Changes", "ChangedAllocations"} <= set(wb.sheetnames)
    # T1 needs 3 units in 2 periods; AAA 1 + BBB 1 cover 2 → 4 of 6 unit-periods (66.7 %).
    # Without BBB only AAA's unit: 2 of 6 (33.3 %), a loss of 33.3 points.
    assert "T1" in result.stdout and "33.3" in result.stdout
    assert "change: Pledges P-B (row): pledge of BBB -> removed" in result.stderr


def test_whatif_set_json(tiny_input, tmp_path):
    out = tmp_path / "whatif.xlsx"
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--set", "Pledges:P-A:units=2", "-o", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data  # one JSON object and nothing else on stdout


def test_whatif_bad_change_exits_2_naming_it(tiny_input, tmp_path):
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--set", "Pledges:P-A:units=ten",
                                      "-o", str(tmp_path / "w.xlsx")])
    assert result.exit_code == 2
    assert "--set Pledges:P-A:units=ten" in result.stderr
    assert "Traceback" not in result.output


def test_whatif_needs_a_change(tiny_input):
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input)])
    assert result.exit_code == 2
    assert "nothing to change" in result.stderr


def test_whatif_changes_sheet(tiny_input, tmp_path):
    changes = tmp_path / "changes.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Changes"
    ws.append(["sheet", "key", "column", "value", "note"])
    ws.append(["Pledges", "P-A", "units", 2, "parliament approves a second company"])
    wb.save(changes)
    out = tmp_path / "w.xlsx"
    result = CliRunner().invoke(cli, ["whatif", str(tiny_input), "--changes", str(changes), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out, read_only=True)["Changes"].iter_rows(values_only=True))
    assert any("parliament approves a second company" in [str(v) for v in row] for row in rows)


def test_compare_two_inputs_and_two_plans(tiny_input, tmp_path):
    rows = tiny()
    rows["Requirements"][0]["units"] = 3
    rows["Pledges"][0]["units"] = 2
    other = write_workbook(rows, tmp_path / "other.xlsx")
    out = tmp_path / "cmp.xlsx"
    result = CliRunner().invoke(cli, ["compare", str(tiny_input), str(other), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    plans = []
    for src in (tiny_input, other):
        plan = tmp_path / f"plan-{src.stem}.xlsx"
        assert CliRunner().invoke(cli, ["plan", str(src), "-o", str(plan)]).exit_code == 0
        plans.append(plan)
    result = CliRunner().invoke(cli, ["compare", str(plans[0]), str(plans[1]), "-o", str(tmp_path / "c2.xlsx")])
    assert result.exit_code == 0, result.output
    assert "T1" in result.stdout


def test_compare_refuses_to_overwrite_an_input(tiny_input, tmp_path):
    before = sha(tiny_input)
    result = CliRunner().invoke(cli, ["compare", str(tiny_input), str(tiny_input), "-o", str(tiny_input)])
    assert result.exit_code == 2
    assert sha(tiny_input) == before
