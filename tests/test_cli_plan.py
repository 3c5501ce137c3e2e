"""`forcegen plan` and `forcegen verify` through click's runner: outputs, --json, exit statuses."""

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
    return write_workbook(tiny(), tmp_path / "tiny.xlsx")


def test_plan_writes_workbook_and_summary(tiny_input, tmp_path):
    out = tmp_path / "out" / "plan.xlsx"
    before = sha(tiny_input)
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert sha(tiny_input) == before, "the input file must never be modified"
    assert "Coverage by priority" in result.stdout
    assert "status optimal" in result.stdout
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"Summary", "Allocations", "Coverage", "Shortfalls", "Tasks", "Nations", "Caveats"} <= set(wb.sheetnames)
    # the plan then passes the independent verifier through the CLI
    verified = CliRunner().invoke(cli, ["verify", str(tiny_input), str(out)])
    assert verified.exit_code == 0, verified.output
    assert "OK" in verified.stdout


def test_plan_default_output_is_under_outputs(tiny_input, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["plan", str(tiny_input)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "plan-tiny.xlsx").is_file()


def test_plan_json_prints_only_json(tiny_input, tmp_path):
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout is one JSON object and nothing else
    # tiny: 2 units required in 2 periods; AAA and BBB offer one unit each at 10 and 20:
    # everything covered, cost 2 × (10 + 20) = 60
    assert data["status"] == "optimal"
    assert data["shortfall_p1"] == 0
    assert data["total_cost"] == pytest.approx(60)
    assert data["input_sha256"] == sha(tiny_input)


@pytest.mark.parametrize("solver", ["highs", "cbc", "cpsat"])
def test_plan_each_solver_by_name(tiny_input, tmp_path, solver):
    out = tmp_path / f"plan-{solver}.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out), "--solver", solver, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["solver"] == solver


def test_unknown_solver_lists_the_available_ones(tiny_input, tmp_path):
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(tmp_path / "p.xlsx"), "--solver", "gurobi"])
    assert result.exit_code == 2
    assert "unknown solver 'gurobi'" in result.stderr
    for name in ("highs", "cbc", "cpsat"):
        assert name in result.stderr
    assert "Traceback" not in result.output


def test_plan_refuses_to_overwrite_its_input(tiny_input):
    before = sha(tiny_input)
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(tiny_input)])
    assert result.exit_code == 2
    assert "refusing" in result.stderr
    assert sha(tiny_input) == before


def test_plan_invalid_input_exits_2_without_output(tmp_path):
    rows = tiny()
    rows["Pledges"][0]["units"] = "ten"
    bad = write_workbook(rows, tmp_path / "bad.xlsx")
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "Pledges row 2, units" in result.stderr
    assert not out.exists()
    assert "Traceback" not in result.output


def test_verify_detects_a_hand_edit(tiny_input, tmp_path):
    out = tmp_path / "plan.xlsx"
    assert CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Allocations"]
    header = [c.value for c in ws[1]]
    units_col = header.index("units") + 1
    ws.cell(row=2, column=units_col).value = 5  # more than the pledge offers
    wb.save(out)
    result = CliRunner().invoke(cli, ["verify", str(tiny_input), str(out)])
    assert result.exit_code == 1
    assert "rule 1 supply" in result.stdout


def test_time_limit_option_is_validated(tiny_input):
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "--time-limit", "-3"])
    assert result.exit_code == 2


def test_time_limited_run_is_feasible_not_optimal_and_still_keeps_every_rule(tmp_path):
    # the bundled baseline needs tens of seconds for its seven levels; 0.05 s cannot prove them
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", "-o", str(out), "--time-limit", "0.05", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "feasible"
    from forcegen.cli import _bundled_baseline

    verified = CliRunner().invoke(cli, ["verify", str(_bundled_baseline()), str(out)])
    assert verified.exit_code == 0, verified.output


def test_the_bundled_baseline_gets_a_time_limit_unless_one_is_given(tmp_path, monkeypatch):
    # its cost and contributions are not proven in minutes: plain `forcegen plan` must still end
    monkeypatch.setattr("forcegen.cli.BUNDLED_TIME_LIMIT", 1.0)
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", "-o", str(out), "--json", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "solved with --time-limit 1 unless another is given" in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "feasible" and out.is_file()
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"Sustainment", "Deployment", "Rotation", "Montreux"} <= set(wb.sheetnames)  # every rule of SPEC 5 on
    # the same file anywhere, named as INPUT, gets the same limit; another input keeps "no limit = prove"
    from forcegen.cli import _bundled_baseline

    copy = tmp_path / "my-baseline.xlsx"
    copy.write_bytes(_bundled_baseline().read_bytes())
    again = CliRunner().invoke(cli, ["plan", str(copy), "-o", str(tmp_path / "again.xlsx"), "--json", "--no-cache"])
    assert again.exit_code == 0 and "--time-limit 1 unless another" in again.stderr
    given = CliRunner().invoke(cli, ["plan", str(copy), "-o", str(tmp_path / "given.xlsx"), "--time-limit", "0.5",
                                     "--json", "--no-cache"])
    assert given.exit_code == 0 and "unless another" not in given.stderr


def test_another_input_gets_no_time_limit_by_default(tiny_input, tmp_path):
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(tmp_path / "p.xlsx"), "--json"])
    assert result.exit_code == 0 and "unless another" not in result.stderr
    assert json.loads(result.stdout)["status"] == "optimal"


def test_same_input_same_plan(tiny_input, tmp_path):
    import pandas as pd

    frames = []
    for i in range(2):
        out = tmp_path / f"plan{i}.xlsx"
        assert CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)]).exit_code == 0
        frames.append(pd.read_excel(out, sheet_name="Allocations", engine="openpyxl"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_doctor_solves_with_every_backend():
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    for name in ("highs", "cbc", "cpsat"):
        assert f"{name:<6} ok" in result.stdout


class _StallsOnce:
    """A backend that stops at its time limit on the first solve (right values, status feasible), then
    solves; or, with ``wrong``, always answers wrongly."""

    name, description = "flaky", "test double"

    def __init__(self, wrong: bool = False):
        self.calls, self.wrong = 0, wrong

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "0"

    def open(self, model):
        from forcegen.model.backends import Result

        backend = self

        class Session:
            def solve(self, objective, options, start=None):
                backend.calls += 1
                if backend.wrong:
                    return Result("optimal", [0.0, 2.0], -4.0, -4.0, 0.0)
                status = "feasible" if backend.calls == 1 else "optimal"
                return Result(status, [1.0, 2.0], -5.0, None, 10.0)
        return Session()


def test_doctor_tries_again_once_after_a_time_limited_stop_but_never_passes_a_wrong_answer(monkeypatch):
    from forcegen.model import backends

    flaky = _StallsOnce()
    monkeypatch.setattr(backends, "BACKENDS", {"flaky": flaky})
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert flaky.calls == 2 and "flaky  ok" in result.stdout and "second try" in result.stdout

    wrong = _StallsOnce(wrong=True)
    monkeypatch.setattr(backends, "BACKENDS", {"flaky": wrong})
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1 and wrong.calls == 1 and "WRONG" in result.stdout
