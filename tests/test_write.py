"""The plan workbook: read back with openpyxl; atomic writes; never over the input."""

from __future__ import annotations

import json
import os
import zipfile

import openpyxl
import pytest
from builders import FIGURES_PLAN, META, figures_rows, problem_from_rows, tiny
from spec4 import COLUMNS as SPEC_COLUMNS
from spec4 import SHEETS as SPEC_SHEETS
from spec4 import SUMMARY_ROWS as SPEC_SUMMARY_ROWS

from forcegen.domain import Allocation as A
from forcegen.domain import LevelResult, Plan, SolveInfo
from forcegen.errors import ForcegenError, UsageError
from forcegen.report import build_report
from forcegen.workbook import write as W
from forcegen.workbook.write import host_split, write_json_summary, write_plan

EVIL = '=HYPERLINK("http://example.com","click")'


def figures_report(evil: bool = True):
    rows = figures_rows()
    if evil:
        rows["Tasks"][0]["name"] = EVIL
        rows["Nations"][1]["name"] = "=1+1"
        rows["Caveats"] = [{"nation": "BBB", "rule": "forbid", "pillar": "sea", "note": "@SUM(A1:A2)"}]
    problem = problem_from_rows(rows)
    levels = (LevelResult("shortfall_p1", "optimal", 3.0, 3.0, 0.0, 0.25),)
    plan = Plan(FIGURES_PLAN, leads={"T1": "AAA"},
                info=SolveInfo("highs", "1.16.0", "optimal", 0.0, 1.25, {"time_limit": 60}, levels))
    return build_report(problem, plan, **META)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    rep = figures_report()
    write_plan(rep, path)
    return rep, path, openpyxl.load_workbook(path)


def header(ws) -> list:
    return [c.value for c in ws[1] if c.value is not None]


def test_sheets_in_order(written):
    _, _, wb = written
    assert wb.sheetnames[: len(SPEC_SHEETS)] == SPEC_SHEETS
    assert wb.sheetnames == list(W.SHEET_ORDER)


def test_every_spec_column_present(written):
    _, _, wb = written
    for sheet, cols in SPEC_COLUMNS.items():
        got = header(wb[sheet])
        assert got[: len(cols)] == list(cols), sheet


def test_tables_and_frozen_headers(written):
    rep, _, wb = written
    for sheet in SPEC_SHEETS:
        ws = wb[sheet]
        assert ws.freeze_panes == "A2", sheet
        assert f"tbl{sheet}" in ws.tables, sheet
        assert ws.tables[f"tbl{sheet}"].ref.startswith("A1:"), sheet
    # Allocations: 10 columns (A..J), header + 8 rows
    assert wb["Allocations"].tables["tblAllocations"].ref == "A1:J9"
    assert {"tblSolveLog", "tblNotes"} <= set(wb["Summary"].tables)


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_row(written):
    rep, _, wb = written
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # one page wide (1 is the default); a sheet of more than 50 rows at least 50 rows a page
        tall = -(-ws.max_row // 50) if ws.max_row > 50 else 0
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, tall), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.oddHeader.left.text == rep.value("scenario"), ws.title
        assert ws.oddFooter.left.text == "&A" and "&P" in ws.oddFooter.right.text, ws.title


def test_summary_rows_and_values(written):
    rep, _, wb = written
    ws = wb["Summary"]
    values = {}
    for p, v in ws.iter_rows(min_row=2, max_col=2, values_only=True):
        if p is None:
            break  # the solve log starts after a blank row
        values[p] = v
    assert all(p in values for p in SPEC_SUMMARY_ROWS)
    assert values["total_cost"] == 90 and values["shortfall_p1"] == 3 and values["personnel_peak"] == 320
    assert values["coverage_pct"] == pytest.approx(100 * 9 / 11)
    assert values["status"] == "optimal" and values["input_sha256"] == "ab" * 32
    # the solve log beneath, as a table
    log_ref = ws.tables["tblSolveLog"].ref
    first = int(log_ref.split(":")[0][1:])
    assert [c.value for c in ws[first]] [:7] == ["level", "name", "status", "value", "bound", "gap", "seconds"]
    assert [c.value for c in ws[first + 1]][:3] == [1, "shortfall_p1", "optimal"]


def test_values_round_trip(written):
    rep, _, wb = written
    ws = wb["Allocations"]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == rep.allocations.values.tolist()
    ws = wb["Shortfalls"]
    reasons = [r[4] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert reasons == rep.shortfalls["reason"].tolist()


def test_formula_looking_text_stays_text(written):
    _, path, wb = written
    ws = wb["Tasks"]
    cell = ws["B2"]
    assert cell.value == EVIL and cell.data_type == "s"
    nations = {r[0]: r[1] for r in wb["Nations"].iter_rows(min_row=2, values_only=True)}
    assert nations["BBB"] == "=1+1"
    assert wb["Caveats"]["D2"].value == "@SUM(A1:A2)" and wb["Caveats"]["D2"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode(), name  # no formula anywhere
            assert "hyperlink" not in name.lower()


def test_number_formats_and_conditional_formats(written):
    _, _, wb = written
    alloc = wb["Allocations"]
    assert alloc["J2"].number_format == "#,##0.0"  # cost
    nat = wb["Nations"]
    col = header(nat).index("cost_share") + 1
    assert nat.cell(row=2, column=col).number_format == "0.0%"
    tasks = wb["Tasks"]
    col = header(tasks).index("coverage_pct") + 1
    assert tasks.cell(row=2, column=col).number_format == "0.0"
    rules = [r.type for rng in tasks.conditional_formatting for r in rng.rules]
    assert "colorScale" in rules
    for sheet in ("Coverage", "Shortfalls"):
        rules = [(r.type, r.operator, r.formula) for rng in wb[sheet].conditional_formatting for r in rng.rules]
        assert ("cellIs", "greaterThan", ["0"]) in rules, sheet
    assert wb["Tasks"].column_dimensions["B"].width > 10  # names get room


def test_charts(written):
    _, _, wb = written
    assert sum(len(ws._charts) for ws in wb) >= 2
    assert len(wb["Charts"]._charts) == 3
    # the host split table the stacked chart draws from
    ws = wb["Charts"]
    rows = list(ws.iter_rows(min_row=2, max_col=3, values_only=True))
    assert rows[0] == ("nation", "in UKR", "outside UKR")  # the Scenario's host_country, UKR by default
    # AAA peaks at 220 in period 1 (and period 2; the earliest counts): all of it at L1 in UKR
    # BBB: 100 in period 2 at L1 in UKR
    assert rows[1:3] == [("AAA", 220, 0), ("BBB", 100, 0)]


def test_host_split_at_peak_period():
    rows = tiny()
    rows["Locations"].append({"location": "L2", "name": "Base two", "country": "POL", "kind": "land_base"})
    rows["Basing"].append({"task": "T1", "location": "L2"})
    rows["Pledges"][0]["units"] = 2
    # AAA: period 1 one unit at L1 (UKR); period 2 one at L1 and one at L2 (POL) -> peak 200 in period 2
    plan = Plan((A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-A", 1), A(2, "T1", "L2", "P-A", 1)))
    rep = build_report(problem_from_rows(rows), plan, **META)
    assert rep.host_country == "UKR"
    assert host_split(rep) == [("AAA", 100, 100), ("BBB", 0, 0)]
    assert host_split(rep, host="POL") == [("AAA", 100, 100), ("BBB", 0, 0)]


def test_empty_plan_writes(tmp_path):
    rep = build_report(problem_from_rows(tiny()), Plan(()), **META)
    out = write_plan(rep, tmp_path / "empty.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Allocations"]
    # a Table needs one data row: the empty table has one blank row under the header
    assert ws.tables["tblAllocations"].ref == "A1:J2"
    assert all(v is None for v in next(ws.iter_rows(min_row=2, max_row=2, values_only=True)))
    assert sum(len(w._charts) for w in wb) >= 2


def test_json_summary():
    rep = figures_report(evil=False)
    d = write_json_summary(rep)
    text = json.dumps(d)  # JSON-able as is
    back = json.loads(text)
    assert back["total_cost"] == 90 and isinstance(back["total_cost"], int)
    assert back["coverage_pct"] == pytest.approx(100 * 9 / 11)
    assert back["gap"] == 0 and back["options"] == {"time_limit": 60}
    assert back["levels"][0]["name"] == "shortfall_p1" and back["shortfall_rows"] == 2
    assert all(p in back for p in SPEC_SUMMARY_ROWS)
    empty = write_json_summary(build_report(problem_from_rows(tiny()), Plan(()), **META))
    assert empty["gap"] is None and empty["levels"] == [] and json.dumps(empty)


# --------------------------------------------------------------------------- atomic writing


def boom(self):
    raise RuntimeError("disk on fire")


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(W._Writer, "charts", boom)  # fails after most sheets are written
    target = tmp_path / "plan.xlsx"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_plan(figures_report(), target)
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_existing_output(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"previous plan")
    monkeypatch.setattr(W._Writer, "write", boom)
    with pytest.raises(RuntimeError):
        write_plan(figures_report(), target)
    assert target.read_bytes() == b"previous plan"
    assert os.listdir(tmp_path) == ["plan.xlsx"]


def test_failed_rename_leaves_no_temp_file(tmp_path, monkeypatch):
    def bad_replace(src, dst):
        raise OSError("rename refused")

    monkeypatch.setattr(W.os, "replace", bad_replace)
    with pytest.raises(ForcegenError, match="cannot write .*plan.xlsx: rename refused"):
        write_plan(figures_report(), tmp_path / "plan.xlsx")
    assert os.listdir(tmp_path) == []


def test_overwrites_existing_output_and_sets_usual_mode(tmp_path):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    write_plan(figures_report(), target)
    assert zipfile.is_zipfile(target) and os.listdir(tmp_path) == ["plan.xlsx"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_creates_parent_folder(tmp_path):
    target = tmp_path / "outputs" / "deep" / "plan.xlsx"
    assert write_plan(figures_report(), target) == target
    assert target.is_file()


def test_refuses_to_overwrite_input(tmp_path):
    inp = tmp_path / "input.xlsx"
    inp.write_bytes(b"the input")
    rep = figures_report()
    for out in (inp, tmp_path / "sub" / ".." / "input.xlsx", str(inp)):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(UsageError, match="input workbook"):
            write_plan(rep, out, input_path=inp)
    link = tmp_path / "link.xlsx"
    link.symlink_to(inp)
    with pytest.raises(UsageError):
        write_plan(rep, link, input_path=inp)
    assert inp.read_bytes() == b"the input"
    assert sorted(os.listdir(tmp_path)) == ["input.xlsx", "link.xlsx", "sub"]
    # a different output next to the input is fine
    write_plan(rep, tmp_path / "plan.xlsx", input_path=inp)


def test_refuses_a_folder(tmp_path):
    with pytest.raises(UsageError, match="folder"):
        write_plan(figures_report(), tmp_path)


def test_summary_opens_with_the_headline_then_the_audit_trail(written):
    # figures_rows: T1 (p1) is short of 1 INF and 1 HEL (weight 2) in period 3: 7 of 9 unit-periods covered;
    # T2 (p2) is covered in full. L1 (UKR, the host) holds 2 INF + 1 HEL = 220 in periods 1-2; L2 (POL)
    # holds T2's INF, 100.
    rep, _, wb = written
    params = [p for (p,) in wb["Summary"].iter_rows(min_row=2, max_col=1, values_only=True)]
    params = params[: params.index(None)]
    values = dict(zip(params, [v for (v,) in wb["Summary"].iter_rows(min_row=2, min_col=2, max_col=2,
                                                                        values_only=True)]))
    headline = ["scenario", "marking", "status", "gap", "coverage_pct", "coverage_p1", "coverage_p2", "coverage_p3",
                "coverage_p4", "coverage_p5", "shortfall_p1", "shortfall_p2", "shortfall_p3", "shortfall_p4",
                "shortfall_p5", "total_cost", "personnel_peak", "personnel_in_host",
                "personnel_outside_host", "largest_shortfall_1", "largest_shortfall_2", "solver"]
    assert params[: len(headline)] == headline
    assert values["coverage_p1"] == pytest.approx(100 * 7 / 9) and values["coverage_p2"] == 100
    assert values["coverage_p3"] is None and values["marking"] is None
    assert (values["personnel_in_host"], values["personnel_outside_host"]) == (220, 100)
    # the heavier shortfall (HEL, weight 2) first; its reason quoted
    assert values["largest_shortfall_1"] == ("p1 T1 / HEL, period 3: 1 unit-period missing — "
                                             "Pledge P-H is available only in periods 1-2.")
    assert values["largest_shortfall_2"].startswith("p1 T1 / INF, period 3: 1 unit-period missing — ")


def test_an_illustrative_scenario_is_marked_on_the_summary_and_every_page(tmp_path):
    rows = figures_rows()
    rows["Scenario"][0]["value"] = "Coalition baseline (illustrative)"
    problem = problem_from_rows(rows)
    plan = Plan(FIGURES_PLAN, leads={"T1": "AAA"}, info=SolveInfo("highs", "1.16.0", "optimal", 0.0, 1.0, {}, ()))
    path = write_plan(build_report(problem, plan, **META), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    marking = next(v for p, v in wb["Summary"].iter_rows(min_row=2, max_col=2, values_only=True) if p == "marking")
    assert marking == "ILLUSTRATIVE, NOT OFFICIAL"
    for ws in wb.worksheets:
        assert "ILLUSTRATIVE, NOT OFFICIAL" in ws.oddHeader.right.text, ws.title


def test_wrapped_text_gets_the_height_of_its_lines(tmp_path):
    # a reason of about 400 characters in the 90-wide reason column wraps to 4-5 lines: the row is that high,
    # so printed rows never overlap; one-line rows keep the default height
    rep = figures_report(evil=False)
    long = " ".join(["the allowed and available pledges are consumed by higher-priority tasks"] * 6)
    rep.shortfalls.loc[0, "reason"] = long
    path = write_plan(rep, tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(path)["Shortfalls"]
    assert W.text_lines(long, 90) in (4, 5, 6)
    assert ws.row_dimensions[2].height == W.LINE_POINTS * W.text_lines(long, 90)
    assert ws.row_dimensions[3].height is None


def test_text_lines_wraps_at_words():
    assert W.text_lines("", 10) == 1 and W.text_lines("short", 10) == 1
    assert W.text_lines("aaaa bbbb cccc", 5) == 3  # 4 characters a line fit one word each
    assert W.text_lines("one\ntwo", 40) == 2
    assert W.text_lines("x" * 25, 10) == 3  # a word longer than a line is broken


def test_a_long_sheet_prints_at_least_fifty_rows_a_page(tmp_path):
    # 120 rows (header included) print on ceil(120 / 50) = 3 pages, one page wide; a short sheet is not squeezed
    def fill(wb):
        long, short = wb.add_worksheet("Long"), wb.add_worksheet("Short")
        for r in range(120):
            long.write_row(r, 0, [r, f"row {r}"])
        short.write_row(0, 0, ["only", "one"])

    path = W.write_atomically(tmp_path / "long.xlsx", fill, title="x")
    wb = openpyxl.load_workbook(path)
    assert (wb["Long"].page_setup.fitToWidth or 1, wb["Long"].page_setup.fitToHeight) == (1, 3)
    assert (wb["Short"].page_setup.fitToWidth or 1, wb["Short"].page_setup.fitToHeight) == (1, 0)
