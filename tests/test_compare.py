"""Comparison of two reports: every delta derived by hand in a comment; the comparison workbook; plan read-back."""

from __future__ import annotations

import json
import os
import zipfile

import openpyxl
import pandas as pd
import pytest
from builders import FIGURES_PLAN, META, figures_rows, problem_from_rows, tiny, write_workbook

from forcegen.compare import FIGURES, build_comparison
from forcegen.domain import Allocation as A
from forcegen.domain import LevelResult, Plan, SolveInfo
from forcegen.errors import ForcegenError, InputError, UsageError
from forcegen.report import build_report
from forcegen.whatif import Applied
from forcegen.workbook import compare_write as CW
from forcegen.workbook import write as W
from forcegen.workbook.compare_write import comparison_json, write_comparison
from forcegen.workbook.plan_read import is_plan_workbook, read_plan_report
from forcegen.workbook.write import write_plan

EVIL = '=HYPERLINK("http://example.com","click")'


def solve_info() -> SolveInfo:
    levels = (LevelResult("shortfall_p1", "optimal", 3.0, 3.0, 0.0, 0.25),
              LevelResult("cost", "optimal", 90.0, 90.0, 0.0, 0.5))
    return SolveInfo("highs", "1.16.0", "optimal", 0.0, 1.25, {"time_limit": 60, "gap": 0.01}, levels)


def baseline_report(evil: bool = False):
    """The figures instance of test_report (derivations there):

    T1 (p1, periods 1-3, L1 in UKR) needs INF 2 and HEL 1 (weight 2); T2 (p2, periods 2-3, L2 in POL) needs INF 1
    (weight 3). P-A: AAA INF 2 at 10; P-B: BBB INF 1 at 20 (periods 1-2); P-H: AAA HEL 1 at 5 (periods 1-2).
    Plan: p1 T1 P-A 2, P-H 1; p2 T1 P-A 1, P-B 1, P-H 1, T2 P-A 1; p3 T1 P-A 1, T2 P-A 1.
    """
    rows = figures_rows()
    if evil:
        rows["Tasks"][1]["name"] = EVIL
        rows["Nations"][1]["name"] = "=1+1"
    plan = Plan(FIGURES_PLAN, leads={"T1": "AAA"}, info=solve_info())
    return build_report(problem_from_rows(rows), plan, **META)


#: BBB dropped (its pledge P-B removed). Plan: p1 T1 P-A 2, P-H 1; p2 T1 P-A 2, P-H 1; p3 T1 P-A 2 (T2 gets nothing).
VARIANT_PLAN = (
    A(1, "T1", "L1", "P-A", 2), A(1, "T1", "L1", "P-H", 1),
    A(2, "T1", "L1", "P-A", 2), A(2, "T1", "L1", "P-H", 1),
    A(3, "T1", "L1", "P-A", 2),
)
APPLIED = [Applied("Pledges", "P-B", "(row)", "pledge of BBB", "removed", "--drop-nation BBB")]


def variant_report(evil: bool = False):
    rows = figures_rows()
    if evil:
        rows["Tasks"][1]["name"] = EVIL
        rows["Nations"][1]["name"] = "=1+1"
    rows["Pledges"] = [p for p in rows["Pledges"] if p["pledge"] != "P-B"]
    plan = Plan(VARIANT_PLAN, leads={"T1": "AAA"}, info=solve_info())
    return build_report(problem_from_rows(rows), plan, **META)


@pytest.fixture(scope="module")
def comp():
    return build_comparison(baseline_report(), variant_report(), applied=APPLIED,
                            base_source="in/base.xlsx", variant_source="in/base.xlsx with changes")


def srow(comp, figure) -> tuple:
    r = comp.row(figure)
    return r["baseline"], r["variant"], r["delta"], r["delta_pct"], r["better"]


# --------------------------------------------------------------------------- summary


def test_summary_figures_and_order(comp):
    assert list(comp.summary["figure"]) == [f for f, _, _ in FIGURES]
    assert list(comp.summary.columns[:6]) == ["figure", "baseline", "variant", "delta", "delta_pct", "better"]


def test_summary_deltas(comp):
    # covered: baseline 9 of 11 (test_report). Variant: T1 INF 2+2+2 = 6, T1 HEL 1+1+0 = 2, T2 INF 0+0 = 0 -> 8.
    b, v, d, pct, better = srow(comp, "covered_unit_periods")
    assert (b, v, d, better) == (9, 8, -1, "worse") and pct == pytest.approx(-100 / 9)
    # coverage 100·9/11 = 81.82 -> 100·8/11 = 72.73: -9.09 pp; relative -11.1 %
    b, v, d, pct, better = srow(comp, "coverage_pct")
    assert b == pytest.approx(900 / 11) and v == pytest.approx(800 / 11)
    assert d == pytest.approx(-100 / 11) and pct == pytest.approx(-100 / 9) and better == "worse"
    # required is the same 11 in both: neutral
    assert srow(comp, "required_unit_periods") == (11, 11, 0, 0, "")
    # p1: baseline INF 1 + HEL 1×2 short in period 3 = 3; variant only HEL short in period 3: 2 -> -1, -33.3 %
    b, v, d, pct, better = srow(comp, "shortfall_p1")
    assert (b, v, d, better) == (3, 2, -1, "better") and pct == pytest.approx(-100 / 3)
    # p2: T2 needs INF 1 in periods 2, 3 at weight 3; variant gives none: 0 -> 6; % of 0 is blank
    assert srow(comp, "shortfall_p2") == (0, 6, 6, None, "worse")
    for k in (3, 4, 5):
        assert srow(comp, f"shortfall_p{k}") == (0, 0, 0, 0, "same")
    # cost: baseline 90; variant P-A 2+2+2 = 6 units × 10 = 60 + P-H 2 × 5 = 10 -> 70; -20, -22.2 %
    b, v, d, pct, better = srow(comp, "total_cost")
    assert (b, v, d, better) == (90, 70, -20, "better") and pct == pytest.approx(-200 / 9)
    # contributions: baseline 6; variant AAA-T1 in 1, 2, 3 -> 3 (neutral)
    assert srow(comp, "contributions") == (6, 3, -3, -50, "")
    # personnel peak: baseline 320 (period 2); variant p1 220, p2 220, p3 200 -> 220; -31.25 %
    assert srow(comp, "personnel_peak") == (320, 220, -100, -31.25, "")
    # in UKR (L1): baseline p1 220, p2 100+100+20 = 220, p3 100 -> 220; variant 220, 220, 200 -> 220
    assert srow(comp, "personnel_in_host") == (220, 220, 0, 0, "")
    # outside (L2, POL): baseline p2 100, p3 100 -> 100; variant none -> 0; -100 %
    assert srow(comp, "personnel_outside_host") == (100, 0, -100, -100, "")
    assert comp.row("personnel_in_host")["note"].startswith("peak over periods of personnel at locations in UKR ")


def test_changed_allocations(comp):
    # by (nation, task, location, period), capabilities summed:
    #   baseline AAA-T1-L1: p1 2+1 = 3, p2 1+1 = 2, p3 1; AAA-T2-L2: p2 1, p3 1; BBB-T1-L1: p2 1
    #   variant  AAA-T1-L1: p1 3, p2 2+1 = 3, p3 2
    # differ: AAA-T1-L1 p2 2->3, p3 1->2; AAA-T2-L2 p2 1->0, p3 1->0; BBB-T1-L1 p2 1->0
    ca = comp.changed_allocations
    assert list(ca.columns) == ["nation", "task", "location", "period", "units_baseline", "units_variant", "delta"]
    assert ca.values.tolist() == [
        ["AAA", "T1", "L1", 2, 2, 3, 1],
        ["AAA", "T1", "L1", 3, 1, 2, 1],
        ["AAA", "T2", "L2", 2, 1, 0, -1],
        ["AAA", "T2", "L2", 3, 1, 0, -1],
        ["BBB", "T1", "L1", 2, 1, 0, -1],
    ]
    # 5 changed; units moved = |1| + |1| + |-1| + |-1| + |-1| = 5
    assert comp.changed_allocation_count == 5 and comp.units_moved == 5
    assert srow(comp, "changed_allocations") == (None, None, 5, None, "")
    assert srow(comp, "units_moved") == (None, None, 5, None, "")


def test_tasks(comp):
    t = comp.tasks.set_index("task")
    # T1: required 9 (INF 6 + HEL 3); covered baseline 5 + 2 = 7, variant 6 + 2 = 8: 77.8 % -> 88.9 % (+11.1 pp)
    r = t.loc["T1"]
    assert r["coverage_pct_baseline"] == pytest.approx(700 / 9)
    assert r["coverage_pct_variant"] == pytest.approx(800 / 9)
    assert r["coverage_delta"] == pytest.approx(100 / 9)
    assert (r["lead_baseline"], r["lead_variant"]) == ("AAA", "AAA")
    assert (r["nations_baseline"], r["nations_variant"]) == ("AAA, BBB", "AAA")
    # weighted shortfall 3 -> 2 (as shortfall_p1)
    assert (r["shortfall_baseline"], r["shortfall_variant"], r["shortfall_delta"], r["better"]) == (3, 2, -1, "better")
    assert (r["name"], r["priority"]) == ("Task one", 1)
    # T2: covered 2 of 2 -> 0 of 2: 100 % -> 0 % (-100 pp); weighted shortfall 0 -> 2 periods × 1 × 3 = 6
    r = t.loc["T2"]
    assert (r["coverage_pct_baseline"], r["coverage_pct_variant"], r["coverage_delta"]) == (100, 0, -100)
    assert (r["nations_baseline"], r["nations_variant"], r["lead_baseline"]) == ("AAA", "", "")
    assert (r["shortfall_baseline"], r["shortfall_variant"], r["better"]) == (0, 6, "worse")


def test_nations(comp):
    n = comp.nations.set_index("nation")
    # AAA: peak 220 both (baseline p1/p2; variant p1/p2); cost 60 + 10 = 70 both; share 70/90 -> 70/70
    r = n.loc["AAA"]
    assert (r["personnel_peak_baseline"], r["personnel_peak_variant"], r["personnel_peak_delta"]) == (220, 220, 0)
    assert (r["cost_baseline"], r["cost_variant"], r["cost_delta"]) == (70, 70, 0)
    assert r["cost_share_baseline"] == pytest.approx(7 / 9) and r["cost_share_variant"] == pytest.approx(1)
    assert r["fair_share"] == 0.5
    assert r["share_vs_fair_baseline"] == pytest.approx(7 / 9 - 0.5)
    assert r["share_vs_fair_variant"] == pytest.approx(0.5)
    # BBB: one INF unit (100) at 20 in period 2 -> nothing; share 20/90 -> 0
    r = n.loc["BBB"]
    assert (r["personnel_peak_baseline"], r["personnel_peak_variant"], r["personnel_peak_delta"]) == (100, 0, -100)
    assert (r["cost_baseline"], r["cost_variant"], r["cost_delta"]) == (20, 0, -20)
    assert r["cost_share_baseline"] == pytest.approx(2 / 9) and r["cost_share_variant"] == 0
    assert r["share_vs_fair_variant"] == pytest.approx(-0.5)


def test_requirements(comp):
    # unit-periods over the active periods: T1 INF 6 covered 5 -> 6; T1 HEL 3 covered 2 -> 2; T2 INF 2 covered 2 -> 0
    req = comp.requirements[["task", "capability", "priority", "required", "covered_baseline", "covered_variant",
                             "delta", "better"]]
    assert req.values.tolist() == [
        ["T1", "INF", 1, 6, 5, 6, 1, "better"],
        ["T1", "HEL", 1, 3, 2, 2, 0, "same"],
        ["T2", "INF", 2, 2, 2, 0, -2, "worse"],
    ]


def test_changes(comp):
    assert comp.changes.values.tolist() == [["Pledges", "P-B", "(row)", "pledge of BBB", "removed",
                                             "--drop-nation BBB"]]
    # dicts work too; a blank old value shows as (blank)
    c = build_comparison(baseline_report(), baseline_report(),
                         applied=[{"sheet": "Scenario", "key": "ceasefire", "column": "value", "old": None,
                                   "new": "no"}])
    assert c.changes.values.tolist() == [["Scenario", "ceasefire", "value", "(blank)", "no", ""]]


def test_headline(comp):
    assert comp.headline == [
        # 81.8 % -> 72.7 %: -9.09 pp
        "coverage 81.8% -> 72.7% (-9.1 pp)",
        # losses first, then gains, each by priority
        "T2 (Task two, p2) lost 100.0 pp of coverage: 100.0% -> 0.0%",
        "T1 (Task one, p1) gained 11.1 pp of coverage: 77.8% -> 88.9%",
        "shortfall p1 3 -> 2 (-1, better)",
        "shortfall p2 0 -> 6 (+6, worse)",
        "cost 90 -> 70 thousand GBP (-20, -22.2%)",
        "5 allocations changed (nation, task, location, period), 5 units moved",
    ]


def test_identical_reports_change_nothing():
    rep = baseline_report()
    c = build_comparison(rep, rep)
    for r in c.summary.to_dict(orient="records"):
        assert r["delta"] == 0, r["figure"]
        assert r["better"] in ("same", ""), r["figure"]
    assert c.changed_allocations.empty and c.changed_allocation_count == 0 and c.units_moved == 0
    assert c.changes.empty
    assert (c.tasks["coverage_delta"] == 0).all() and (c.nations["cost_delta"] == 0).all()
    assert (c.requirements["delta"] == 0).all()
    assert c.headline == ["coverage unchanged at 81.8%", "no task lost or gained coverage", "no allocation changed"]


def test_task_without_requirement_in_one_run():
    # the variant deactivates T2: its coverage is blank there, so the delta is blank, and the headline says so
    rows = figures_rows()
    rows["Tasks"][1]["active"] = "no"
    plan = Plan(tuple(a for a in FIGURES_PLAN if a.task != "T2"), leads={"T1": "AAA"})
    var = build_report(problem_from_rows(rows), plan, **META)
    c = build_comparison(baseline_report(), var)
    t2 = c.tasks.set_index("task").loc["T2"]
    assert t2["coverage_pct_baseline"] == 100 and pd.isna(t2["coverage_pct_variant"])
    # no coverage delta; the weighted shortfall 0 -> 0 (nothing required): same
    assert pd.isna(t2["coverage_delta"]) and t2["better"] == "same"
    assert "T2 (Task two, p2): coverage 100.0% -> n/a (no requirement in the variant)" in c.headline
    # the requirement row disappears from the variant: required 0, covered 0
    req = c.requirements.set_index(["task", "capability"]).loc[("T2", "INF")]
    assert (req["required"], req["covered_baseline"], req["covered_variant"], req["required_variant"]) == (2, 2, 0, 0)


def test_empty_plans_compare():
    rows = tiny()
    empty = build_report(problem_from_rows(rows), Plan(()), **META)
    full = build_report(problem_from_rows(rows), Plan((A(1, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-B", 1))), **META)
    c = build_comparison(empty, full)
    # tiny: T1 needs INF 2 in periods 1-2 = 4 unit-periods; 0 -> 2 covered: 0 % -> 50 %; shortfall_p1 4 -> 2
    assert c.row("coverage_pct")["delta"] == 50 and c.row("coverage_pct")["delta_pct"] is None
    assert c.row("shortfall_p1")["delta"] == -2
    # cost 0 -> 10 + 20 = 30; personnel in UKR 0 -> 100
    assert c.row("total_cost")["delta"] == 30 and c.row("personnel_in_host")["variant"] == 100
    assert c.changed_allocation_count == 2 and c.units_moved == 2


# --------------------------------------------------------------------------- the workbook


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("cmp") / "comparison.xlsx"
    c = build_comparison(baseline_report(evil=True), variant_report(evil=True), applied=APPLIED,
                         labels=("=base", "variant"), base_source="in/base.xlsx", variant_source="@SUM(A1:A2)")
    write_comparison(c, path)
    return c, path, openpyxl.load_workbook(path)


def header(ws) -> list:
    return [c.value for c in ws[1] if c.value is not None]


def test_workbook_sheets_tables_frozen(written):
    _, _, wb = written
    assert wb.sheetnames == list(CW.SHEET_ORDER)
    for sheet in CW.SHEET_ORDER[:-1]:
        ws = wb[sheet]
        assert ws.freeze_panes == "A2", sheet
        assert f"tbl{sheet}" in ws.tables, sheet
        assert ws.tables[f"tbl{sheet}"].ref.startswith("A1:"), sheet
    assert wb["Runs"].tables["tblRuns"].ref.startswith("A1:")
    assert header(wb["Summary"])[:6] == ["figure", "baseline", "variant", "delta", "delta_pct", "better"]
    # ChangedAllocations: 7 columns (A..G), header + 5 rows
    assert wb["ChangedAllocations"].tables["tblChangedAllocations"].ref == "A1:G6"
    assert wb["Tasks"].column_dimensions["B"].width > 10


def test_workbook_values(written):
    c, _, wb = written
    ws = wb["Summary"]
    got = {}
    for row in ws.iter_rows(min_row=2, max_col=6, values_only=True):
        if row[0] is None:
            break
        got[row[0]] = row[1:]
    assert got["total_cost"] == (90, 70, -20, pytest.approx(-200 / 9), "better")
    assert got["shortfall_p2"] == (0, 6, 6, None, "worse")
    assert got["changed_allocations"][:4] == (None, None, 5, None) and not got["changed_allocations"][4]
    assert got["units_moved"][2] == 5
    # the headline beneath the figures; the sources of both runs on the Runs sheet
    texts = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "5 allocations changed (nation, task, location, period), 5 units moved" in texts
    runs = [v for row in wb["Runs"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "in/base.xlsx" in runs and "@SUM(A1:A2)" in runs
    rows = [list(r) for r in wb["ChangedAllocations"].iter_rows(min_row=2, values_only=True)]
    assert rows == c.changed_allocations.values.tolist()
    rows = [list(r) for r in wb["Changes"].iter_rows(min_row=2, values_only=True)]
    assert rows == [["Pledges", "P-B", "(row)", "pledge of BBB", "removed", "--drop-nation BBB"]]


def test_workbook_colour_codes(written):
    _, _, wb = written
    rules = [(r.type, r.formula) for rng in wb["Summary"].conditional_formatting for r in rng.rules]
    assert ("expression", ['$F2="better"']) in rules and ("expression", ['$F2="worse"']) in rules
    tasks = wb["Tasks"]
    col = header(tasks).index("coverage_delta") + 1
    letter = openpyxl.utils.get_column_letter(col)
    ranges = {str(rng.sqref): [(r.type, r.operator, r.formula) for r in rng.rules]
              for rng in tasks.conditional_formatting}
    assert ("cellIs", "greaterThan", ["0"]) in ranges[f"{letter}2:{letter}3"]
    assert ("cellIs", "lessThan", ["0"]) in ranges[f"{letter}2:{letter}3"]
    assert tasks.cell(row=2, column=col).number_format == "+0.0;-0.0;0.0"
    nat = wb["Nations"]
    assert nat.cell(row=2, column=header(nat).index("cost_share_baseline") + 1).number_format == "0.0%"


def test_workbook_chart(written):
    _, _, wb = written
    charts = wb["Chart"]._charts
    assert len(charts) == 1
    chart = charts[0]
    assert chart.tagname == "barChart" and chart.type == "bar" and chart.grouping == "clustered"
    assert len(chart.series) == 2
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["Tasks!$D$2:$D$3", "Tasks!$E$2:$E$3"]
    # series names come from cells holding the labels as text
    assert [s.tx.strRef.f for s in chart.series] == ["Chart!$B$2", "Chart!$B$3"]
    assert wb["Chart"]["B2"].value == "=base" and wb["Chart"]["B2"].data_type == "s"


def test_workbook_text_never_formula(written):
    _, path, wb = written
    names = {r[0]: r[1] for r in wb["Tasks"].iter_rows(min_row=2, values_only=True)}
    assert names["T2"] == EVIL
    nations = {r[0]: r[1] for r in wb["Nations"].iter_rows(min_row=2, values_only=True)}
    assert nations["BBB"] == "=1+1"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode(), name
            assert "hyperlink" not in name.lower()


def test_json(written):
    c, _, _ = written
    d = json.loads(json.dumps(comparison_json(c)))
    assert d["summary"]["total_cost"] == {"baseline": 90, "variant": 70, "delta": -20,
                                          "delta_pct": pytest.approx(-200 / 9), "better": "better"}
    assert d["changed_allocations"] == 5 and d["units_moved"] == 5 and len(d["changed_allocation_rows"]) == 5
    assert d["headline"] == c.headline and d["labels"] == ["=base", "variant"]
    assert d["tasks"][1]["coverage_pct_variant"] == 0 and d["changes"][0]["new"] == "removed"
    assert d["sources"] == {"baseline": "in/base.xlsx", "variant": "@SUM(A1:A2)"}


def test_identical_comparison_writes(tmp_path):
    rep = baseline_report()
    out = write_comparison(build_comparison(rep, rep), tmp_path / "same.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb["ChangedAllocations"].tables["tblChangedAllocations"].ref == "A1:G2"  # one blank row
    assert wb["Changes"].tables["tblChanges"].ref == "A1:F2"


def test_failed_write_leaves_nothing(tmp_path, monkeypatch, comp):
    def boom(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(CW._CompareWriter, "chart", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_comparison(comp, tmp_path / "c.xlsx")
    assert os.listdir(tmp_path) == []
    target = tmp_path / "c.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        write_comparison(comp, target)
    assert target.read_bytes() == b"previous" and os.listdir(tmp_path) == ["c.xlsx"]


def test_failed_rename_leaves_no_temp_file(tmp_path, monkeypatch, comp):
    def bad_replace(src, dst):
        raise OSError("rename refused")

    monkeypatch.setattr(W.os, "replace", bad_replace)
    with pytest.raises(ForcegenError, match="cannot write .*c.xlsx: rename refused"):
        write_comparison(comp, tmp_path / "c.xlsx")
    assert os.listdir(tmp_path) == []


def test_refuses_input_paths_and_folders(tmp_path, comp):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(b"A")
    b.write_bytes(b"B")
    for out in (a, b, tmp_path / "sub" / ".." / "b.xlsx"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(UsageError, match="comparison over the input workbook"):
            write_comparison(comp, out, input_paths=(a, b))
    with pytest.raises(UsageError, match="folder"):
        write_comparison(comp, tmp_path, input_paths=(a, b))
    assert a.read_bytes() == b"A" and b.read_bytes() == b"B"
    assert sorted(os.listdir(tmp_path)) == ["a.xlsx", "b.xlsx", "sub"]
    write_comparison(comp, tmp_path / "c.xlsx", input_paths=(a, b))


# --------------------------------------------------------------------------- plan workbooks as input


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, rtol=1e-12)


def test_plan_round_trip(tmp_path):
    for rep in (baseline_report(evil=True), variant_report()):
        path = write_plan(rep, tmp_path / "plan.xlsx")
        assert is_plan_workbook(path)
        back = read_plan_report(path)
        # the figures the comparison uses, against the original Report
        for p in [f for f, _, _ in FIGURES if f not in ("personnel_in_host", "personnel_outside_host",
                                                         "changed_allocations", "units_moved")]:
            assert back.value(p) == pytest.approx(rep.value(p)), p
        for p in ("scenario", "status", "solver", "input_file", "input_sha256", "created_at", "currency",
                  "host_country"):
            assert back.value(p) == rep.value(p), p
        for name in ("allocations", "coverage", "shortfalls", "tasks", "nations", "caveats", "solve_log", "notes"):
            frames_equal(getattr(back, name), getattr(rep, name))
        assert back.currency == "GBP" and back.options == {"gap": 0.01, "time_limit": 60}
        # compared with itself through the workbook: nothing changed
        c = build_comparison(rep, back)
        assert all(d == 0 for d in c.summary["delta"]) and c.changed_allocations.empty


def test_compare_two_plan_workbooks(tmp_path, comp):
    a = write_plan(baseline_report(), tmp_path / "a.xlsx")
    b = write_plan(variant_report(), tmp_path / "b.xlsx")
    c = build_comparison(read_plan_report(a), read_plan_report(b), labels=("a", "b"))
    frames_equal(c.summary, comp.summary)
    frames_equal(c.tasks, comp.tasks)
    frames_equal(c.nations, comp.nations)
    frames_equal(c.requirements, comp.requirements)
    frames_equal(c.changed_allocations, comp.changed_allocations)
    assert c.headline == comp.headline


def test_is_plan_workbook(tmp_path):
    inp = write_workbook(figures_rows(), tmp_path / "input.xlsx")
    assert not is_plan_workbook(inp)  # an input workbook has Pledges
    with pytest.raises(InputError, match="input workbook"):
        read_plan_report(inp)
    text = tmp_path / "notes.xlsx"
    text.write_text("plan,a,b\n")
    assert not is_plan_workbook(text) and not is_plan_workbook(tmp_path / "missing.xlsx")
    with pytest.raises(InputError, match="not an .xlsx workbook"):
        read_plan_report(text)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<a>" + " " * (20 * 2**20) + "</a>")
    assert not is_plan_workbook(bomb)
    with pytest.raises(InputError, match="refused"):
        read_plan_report(bomb)


def test_plan_workbook_missing_sheet_or_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["parameter", "value"])
    wb.create_sheet("Allocations").append(["period", "task"])
    path = tmp_path / "half.xlsx"
    wb.save(path)
    assert is_plan_workbook(path)
    with pytest.raises(InputError, match="no Coverage and no Tasks and no Nations sheets"):
        read_plan_report(path)
    for sheet in ("Coverage", "Tasks", "Nations"):
        wb.create_sheet(sheet).append(["task"])
    wb.save(path)
    with pytest.raises(InputError, match="Allocations row 1: not a plan workbook: the header row has no location"):
        read_plan_report(path)
