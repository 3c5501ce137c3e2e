"""Unknown columns are said, not ignored: a warning naming file, sheet, column and the nearest known
name on stderr and in the plan's Summary; with ``--strict`` an input error (exit status 2).
"""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest
from click.testing import CliRunner

from builders import problem_from_rows, tables_from_rows, tiny, write_workbook
from forcegen.cli import cli
from forcegen.errors import InputError
from forcegen.validate import build_problem
from forcegen.workbook.read import read_problem


def run(*args: str):
    return CliRunner().invoke(cli, [*args])


def misspelt(tmp_path, name="misspelt.xlsx"):
    """tiny() with max_nation_share misspelt (a value that would bind if it were read)."""
    rows = tiny()
    rows["Tasks"][0]["max_nation_shares"] = 0.5
    return write_workbook(rows, tmp_path / name)


def warning_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("warning: ")]


def test_a_misspelt_header_is_a_warning_with_the_nearest_name(tmp_path):
    path = misspelt(tmp_path)
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{path}: valid")
    assert warning_lines(result.stderr) == [
        f"warning: {path}: Tasks row 1, max_nation_shares: unknown column in L1, ignored: "
        "did you mean max_nation_share?"]
    # ignored: the default applies, as the warning says
    problem = read_problem(path)
    assert problem.task["T1"].max_nation_share == 1.0
    assert problem.warnings == (f"{path}: Tasks row 1, max_nation_shares: unknown column in L1, ignored: "
                                "did you mean max_nation_share?",)


def test_strict_makes_an_unknown_column_an_input_error(tmp_path):
    path = misspelt(tmp_path)
    result = run("validate", "--strict", str(path))
    assert result.exit_code == 2
    assert result.stdout == "" and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"{path}: Tasks row 1, max_nation_shares: unknown column in L1 (--strict): did you mean max_nation_share?",
        "1 problem found"]
    with pytest.raises(InputError) as err:
        read_problem(path, strict=True)
    (issue,) = err.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Tasks", 1, "max_nation_shares")


def test_strict_lists_unknown_columns_with_every_other_problem(tmp_path):
    rows = tiny()
    rows["Nations"][0]["european"] = "maybe"
    rows["Pledges"][0]["unitz"] = 3
    path = write_workbook(rows, tmp_path / "both.xlsx")
    with pytest.raises(InputError) as err:
        read_problem(path, strict=True)
    assert [(i.sheet, i.row, i.column) for i in err.value.issues] == [
        ("Nations", 2, "european"), ("Pledges", 1, "unitz")]
    with pytest.raises(InputError) as err:
        read_problem(path)  # without --strict only the bad cell is an error
    assert [(i.sheet, i.row, i.column) for i in err.value.issues] == [("Nations", 2, "european")]


def test_every_unknown_column_of_every_sheet_is_named(tmp_path):
    rows = tiny()
    rows["Scenario"][0]["note"] = "why"
    rows["Nations"][0]["comment"] = "an extra column"
    rows["Requirements"][0]["wieght"] = 2
    rows["Pledges"][0]["Cost per unit"] = 5
    path = write_workbook(rows, tmp_path / "many.xlsx")
    warnings = read_problem(path).warnings
    assert [w.split(": ", 2)[1] for w in warnings] == [
        "Scenario row 1, note", "Nations row 1, comment", "Requirements row 1, wieght",
        "Pledges row 1, Cost per unit"]
    assert "did you mean weight?" in warnings[2] and "did you mean cost_per_unit?" in warnings[3]
    # nothing near: the sheet's columns are listed instead
    assert warnings[1].endswith("the sheet's columns are nation, name, european, fair_share, black_sea_state")


def test_a_header_cell_holding_an_error_is_an_unknown_column(tmp_path):
    path = write_workbook(tiny(), tmp_path / "err-header.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Nations"]["E1"] = "=NA()"
    wb.save(path)
    (warning,) = read_problem(path).warnings
    assert warning.startswith(f"{path}: Nations row 1, =NA(): unknown column in E1, ignored")


def test_sheets_outside_the_schema_are_still_ignored(tmp_path):
    path = write_workbook(tiny(), tmp_path / "notes.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Notes").append(["anything", "else"])
    wb.save(path)
    assert read_problem(path).warnings == ()
    assert read_problem(path, strict=True).warnings == ()


def test_warnings_do_not_make_problems_differ(tmp_path):
    """Problems compare by what is planned: the same data with and without a stray column are equal."""
    plain = read_problem(write_workbook(tiny(), tmp_path / "plain.xlsx"))
    stray = read_problem(misspelt(tmp_path))
    assert stray.warnings and not plain.warnings
    rows = tiny()
    assert dataclasses.replace(stray, source="") == dataclasses.replace(plain, source="")
    assert dataclasses.replace(plain, source="") == dataclasses.replace(problem_from_rows(rows), source="")


def test_in_memory_tables_carry_their_unknown_columns():
    tables = tables_from_rows(tiny())
    tables["Basing"].unknown = (("C1", "locaton"),)
    (warning,) = build_problem(tables, file="mem").warnings
    assert warning == "mem: Basing row 1, locaton: unknown column in C1, ignored: did you mean location?"
    with pytest.raises(InputError):
        build_problem(tables, file="mem", strict=True)


def test_plan_warns_and_lists_the_warnings_in_the_summary(tmp_path):
    path = misspelt(tmp_path)
    out = tmp_path / "plan.xlsx"
    result = run("plan", str(path), "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    assert warning_lines(result.stderr) == [
        f"warning: {path}: Tasks row 1, max_nation_shares: unknown column in L1, ignored: "
        "did you mean max_nation_share?"]
    summary = dict(openpyxl.load_workbook(out)["Summary"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert summary["warnings"] == ("Tasks row 1, max_nation_shares: unknown column in L1, ignored: "
                                   "did you mean max_nation_share?")
    assert run("verify", str(path), str(out)).exit_code == 0

    clean = write_workbook(tiny(), tmp_path / "clean.xlsx")
    result = run("plan", str(clean), "-o", str(tmp_path / "clean-plan.xlsx"), "--no-cache")
    assert result.exit_code == 0 and warning_lines(result.stderr) == []
    summary = dict(openpyxl.load_workbook(tmp_path / "clean-plan.xlsx")["Summary"].iter_rows(
        min_row=2, max_col=2, values_only=True))
    assert "warnings" in summary and summary["warnings"] is None


@pytest.mark.parametrize("command", [
    ["plan", "{input}", "-o", "{out}"],
    ["whatif", "{input}", "--set", "Pledges:P-A:units=2", "-o", "{out}"],
    ["compare", "{input}", "{input}", "-o", "{out}"],
    ["sweep", "{input}", "--kind", "leave-one-out", "--workers", "1", "-o", "{out}"],
], ids=lambda c: c[0])
def test_strict_refuses_before_solving_and_writes_nothing(tmp_path, command):
    path = misspelt(tmp_path)
    out = tmp_path / "out" / "result.xlsx"
    args = [a.format(input=path, out=out) for a in command]
    result = run(*args[:1], "--strict", *args[1:], "--no-cache")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "solve" not in result.stderr
    assert (f"{path}: Tasks row 1, max_nation_shares: unknown column in L1 (--strict): "
            "did you mean max_nation_share?") in result.stderr.splitlines()
    assert not out.exists()


def test_whatif_warns_once_and_its_variant_carries_the_warnings(tmp_path):
    from forcegen.model.solve import PlanOptions
    from forcegen.pipeline import run_whatif
    from forcegen.whatif import parse_change

    path = misspelt(tmp_path)
    events = []
    run_ = run_whatif(path, [parse_change("Pledges:P-A:units=2")], [], None, PlanOptions(),
                      on_event=lambda kind, data: events.append((kind, data)))
    assert [d["text"] for k, d in events if k == "warning"] == list(run_.baseline.problem.warnings)
    assert len(run_.baseline.problem.warnings) == 1
    assert run_.variant.problem.warnings == run_.baseline.problem.warnings
    assert "max_nation_shares" in run_.variant.report.value("warnings")


def test_a_missing_required_column_names_the_misspelt_header_that_was_meant(tmp_path):
    path = write_workbook(tiny(), tmp_path / "misspelt-required.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Nations"]["A1"] = "nations"
    wb["Scenario"]["B1"] = "Values"
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_problem(path)
    assert [str(i) for i in err.value.issues] == [
        f"{path}: Scenario row 1, value: required column is missing from the header row; "
        "is 'Values' in B1 meant to be value?",
        f"{path}: Nations row 1, nation: required column is missing from the header row; "
        "is 'nations' in A1 meant to be nation?"]


def test_a_warning_is_printed_as_written_on_one_line(capsys):
    """Header text is the user's: no markup, no emoji codes, no wrapping at the terminal's width."""
    from forcegen.cli import Progress

    text = "f.xlsx: Tasks row 1, [bold]x[/] :thumbs_up: " + "long " * 40 + ": unknown column in L1, ignored"
    Progress()("warning", {"text": text})
    assert capsys.readouterr().err == f"warning: {text}\n"
