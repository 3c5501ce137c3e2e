"""Reader and validator: defaults, lenient input, and one test per validation rule.

Every rule is checked through a real .xlsx read by ``forcegen.workbook.read``
(so the reported sheet/row/column are the spreadsheet's) unless it is about the
in-memory path. Row numbers: the header is row 1, ``tiny()[sheet][i]`` is row i + 2.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from builders import problem_from_rows, tables_from_rows, tiny, write_workbook
from forcegen.errors import InputError, Issue
from forcegen.schema import SHEETS
from forcegen.validate import Table, build_problem
from forcegen.workbook.read import read_problem, read_tables

# --- helpers ---------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_issues(rows, tmp_path: Path, name: str = "input.xlsx", **kw) -> list[Issue]:
    """Write rows to a workbook, read it, return the issues (it must be invalid)."""
    path = write_workbook(rows, tmp_path / name, **kw)
    return issues_of_file(path)


def issues_of_file(path: Path) -> list[Issue]:
    with pytest.raises(InputError) as err:
        read_problem(path)
    issues = list(err.value.issues)
    assert issues
    for issue in issues:
        assert issue.file == str(path)
        assert Path(path).name in str(issue)
    return issues


def memory_issues(rows) -> list[Issue]:
    with pytest.raises(InputError) as err:
        problem_from_rows(rows)
    return list(err.value.issues)


def same_problem(a, b) -> bool:
    """Equal problems, whatever file they came from."""
    return dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


def where(issues) -> list[tuple]:
    return [(i.sheet, i.row, i.column) for i in issues]


def one_issue(issues, sheet, row, column, *words) -> Issue:
    """Exactly one issue, at (sheet, row, column), whose message holds every word."""
    assert len(issues) == 1, [str(i) for i in issues]
    issue = issues[0]
    assert (issue.sheet, issue.row, issue.column) == (sheet, row, column), str(issue)
    for w in words:
        assert w.lower() in issue.message.lower(), str(issue)
    return issue


def write_raw(path: Path, sheets: dict[str, list[list]], hidden=()) -> Path:
    """Write sheets exactly as given (first list = header row) with openpyxl."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return Path(path)


def rows_as_lists(rows: dict[str, list[dict]]) -> dict[str, list[list]]:
    """tiny()-style rows -> header + value lists, with only the columns in use."""
    out = {}
    for sheet in SHEETS:
        if sheet.name not in rows:
            continue
        cols = [c.name for c in sheet.columns]
        used = [c for c in cols if any(c in r for r in rows[sheet.name])] or cols
        if sheet.key_value:
            used = ["parameter", "value"]
        out[sheet.name] = [used] + [[r.get(c) for c in used] for r in rows[sheet.name]]
    return out


def write_with_xlsxwriter(rows: dict[str, list[dict]], path: Path, formulas=None) -> Path:
    """Write rows with XlsxWriter; ``formulas[(sheet, row_index, column)] = (formula, cached value)``."""
    formulas = formulas or {}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for sheet, table in rows_as_lists(rows).items():
        ws = wb.add_worksheet(sheet)
        header, *data = table
        ws.write_row(0, 0, header)
        for i, values in enumerate(data):
            for j, value in enumerate(values):
                key = (sheet, i, header[j])
                if key in formulas:
                    formula, cached = formulas[key]
                    ws.write_formula(i + 1, j, formula, None, cached)
                elif value is not None:
                    ws.write(i + 1, j, value)
    wb.close()
    return Path(path)


# --- valid input -------------------------------------------------------------------------


def test_tiny_validates_in_memory_and_from_file(tmp_path):
    p = problem_from_rows(tiny())
    assert [n.id for n in p.nations] == ["AAA", "BBB"]
    path = write_workbook(tiny(), tmp_path / "tiny.xlsx")
    q = read_problem(path)
    assert q.nations == p.nations and q.tasks == p.tasks and q.pledges == p.pledges
    assert q.scenario == p.scenario
    assert q.source == str(path)


def test_defaults_are_applied(tmp_path):
    rows = tiny()
    rows["Pledges"].append({"pledge": "P-C", "nation": "AAA", "capability": "INF", "units": 3,
                            "status": "conditional"})
    rows["Caveats"].append({"nation": "AAA", "rule": "forbid", "country": "POL"})
    rows["Nations"][1].pop("fair_share")
    for p in (problem_from_rows(rows), read_problem(write_workbook(rows, tmp_path / "d.xlsx"))):
        t = p.task["T1"]
        assert (t.min_nations, t.max_nation_share, t.active) == (1, 1.0, True)
        assert p.requirements[0].weight == 1.0
        a, c = p.pledge["P-A"], p.pledge["P-C"]
        assert (a.from_period, a.to_period, a.status, a.probability) == (1, 2, "firm", 1.0)
        assert (c.from_period, c.to_period, c.cost_per_unit, c.probability) == (1, 2, 0.0, 0.5)
        s = p.scenario
        assert (s.horizon, s.name, s.ceasefire, s.include_conditional, s.lead_min_share, s.currency) == (
            2, "tiny", True, True, 0.25, "EUR")
        loc = p.location["L1"]
        assert (loc.personnel_capacity, loc.latitude, loc.longitude) == (None, None, None)
        assert p.nation["BBB"].fair_share is None
        cav = p.caveats[0]
        assert (cav.domain, cav.capability, cav.pillar, cav.task, cav.limit, cav.note) == (
            None, None, None, None, None, "")
        assert cav.country == "POL"


def test_optional_columns_may_be_absent_from_the_header(tmp_path):
    rows = tiny()
    rows["Scenario"] = [{"parameter": "horizon", "value": 3}]
    path = write_raw(tmp_path / "absent.xlsx", rows_as_lists(rows))
    header = openpyxl.load_workbook(path)["Tasks"][1]
    assert "min_nations" not in [c.value for c in header]
    p = read_problem(path)
    assert p.task["T1"].min_nations == 1 and p.pledge["P-B"].to_period == 3
    assert p.scenario.name == "" and p.caveats == ()


def test_explicit_values_override_defaults():
    rows = tiny()
    rows["Tasks"][0].update(min_nations=2, max_nation_share=0.5, active="no")
    rows["Pledges"][0].update(from_period=2, to_period=2, status="conditional", probability=0.9)
    rows["Scenario"] += [{"parameter": "ceasefire", "value": "no"},
                         {"parameter": "include_conditional", "value": "no"},
                         {"parameter": "lead_min_share", "value": 0.4},
                         {"parameter": "currency", "value": "GBP"}]
    p = problem_from_rows(rows)
    t = p.task["T1"]
    assert (t.min_nations, t.max_nation_share, t.active) == (2, 0.5, False)
    a = p.pledge["P-A"]
    assert (a.from_period, a.to_period, a.status, a.probability) == (2, 2, "conditional", 0.9)
    s = p.scenario
    assert (s.ceasefire, s.include_conditional, s.lead_min_share, s.currency) == (False, False, 0.4, "GBP")


def test_numbers_stored_as_text_are_accepted(tmp_path):
    rows = tiny()
    rows["Scenario"][1]["value"] = "7"
    rows["Capabilities"][0]["personnel_per_unit"] = "100"
    rows["Nations"][0]["fair_share"] = "0.5"
    rows["Requirements"][0]["units"] = " 2 "
    rows["Requirements"][0]["weight"] = "1.5"
    rows["Pledges"][0]["units"] = "7"
    rows["Pledges"][0]["to_period"] = "7.0"
    rows["Tasks"][0]["priority"] = "1"
    p = read_problem(write_workbook(rows, tmp_path / "text.xlsx"))
    assert p.scenario.horizon == 7
    assert p.capability["INF"].personnel_per_unit == 100
    assert p.nation["AAA"].fair_share == 0.5
    assert (p.requirements[0].units, p.requirements[0].weight) == (2, 1.5)
    assert (p.pledge["P-A"].units, p.pledge["P-A"].to_period) == (7, 7)
    assert isinstance(p.pledge["P-A"].units, int) and p.task["T1"].priority == 1


def test_surrounding_spaces_are_trimmed(tmp_path):
    rows = tiny()
    rows["Nations"][0].update(nation="  AAA ", european=" yes ")
    rows["Capabilities"][0].update(capability=" INF", domain=" land ")
    rows["Pledges"][0].update(pledge=" P-A ", nation="AAA  ", capability="\tINF ", status=" firm ")
    rows["Basing"][0].update(task=" T1", location="L1 ")
    rows["Locations"][0].update(country=" UKR ", kind=" land_base ")
    rows["Scenario"][1].update(parameter=" horizon ", value=" 2 ")
    p = read_problem(write_workbook(rows, tmp_path / "spaces.xlsx"))
    assert [n.id for n in p.nations] == ["AAA", "BBB"] and p.nation["AAA"].european is True
    assert p.pledge["P-A"].nation == "AAA" and p.pledge["P-A"].capability == "INF"
    assert p.basing[0] == type(p.basing[0])("T1", "L1")
    assert (p.location["L1"].country, p.location["L1"].kind) == ("UKR", "land_base")
    assert p.scenario.horizon == 2


def test_header_case_and_spaces_are_ignored(tmp_path):
    path = write_workbook(tiny(), tmp_path / "case.xlsx", header_case=lambda c: f"  {c.upper()} ")
    assert openpyxl.load_workbook(path)["Nations"]["A1"].value == "  NATION "
    assert same_problem(read_problem(path), problem_from_rows(tiny()))


def test_sheet_names_are_case_insensitive(tmp_path):
    sheets = rows_as_lists(tiny())
    sheets = {(k.upper() if k == "Nations" else k): v for k, v in sheets.items()}
    p = read_problem(write_raw(tmp_path / "sheetcase.xlsx", sheets))
    assert len(p.nations) == 2


def test_two_sheets_that_differ_only_by_spaces_are_reported(tmp_path):
    sheets = rows_as_lists(tiny())
    sheets["Nations "] = [["nation", "name", "european"], ["CCC", "Charlie", "no"]]
    issues = issues_of_file(write_raw(tmp_path / "twosheets.xlsx", sheets))
    one_issue(issues, "Nations", None, None, "more than one sheet", "'Nations '")


@pytest.mark.parametrize("value", [1, 1.0, "1"])
def test_a_number_in_an_id_column_is_read_as_its_text(tmp_path, value):
    rows = tiny()
    rows["Nations"][0]["nation"] = value
    rows["Pledges"][0]["nation"] = 1
    rows["Tasks"][0]["task"] = 7
    rows["Basing"][0]["task"] = "7"
    rows["Requirements"][0]["task"] = 7.0
    p = read_problem(write_workbook(rows, tmp_path / "numid.xlsx"))
    assert p.nations[0].id == "1" and p.pledge["P-A"].nation == "1"
    assert p.tasks[0].id == "7" and p.basing[0].task == "7" and p.requirements[0].task == "7"


YES_VALUES = ["yes", "Yes", "YES", "true", "TRUE", True, "y", "Y", "1", 1, 1.0, " yes "]
NO_VALUES = ["no", "No", "false", "FALSE", False, "n", "N", "0", 0, 0.0]


@pytest.mark.parametrize("value,expected", [(v, True) for v in YES_VALUES] + [(v, False) for v in NO_VALUES])
def test_yes_no_variants(tmp_path, value, expected):
    rows = tiny()
    rows["Nations"][0]["european"] = value
    rows["Tasks"][0]["requires_ceasefire"] = value
    rows["Tasks"][0]["active"] = value
    rows["Scenario"].append({"parameter": "ceasefire", "value": value})
    p = read_problem(write_workbook(rows, tmp_path / "yn.xlsx"))
    assert p.nation["AAA"].european is expected
    assert p.task["T1"].requires_ceasefire is expected and p.task["T1"].active is expected
    assert p.scenario.ceasefire is expected


def test_blank_rows_are_skipped(tmp_path):
    rows = tiny()
    blank = {"nation": None, "name": "   ", "european": "", "fair_share": None}
    rows["Nations"] = [rows["Nations"][0], blank, dict(blank), rows["Nations"][1]]
    rows["Scenario"].insert(1, {"parameter": None, "value": None})
    rows["Pledges"].insert(0, {"pledge": " ", "units": None})
    p = read_problem(write_workbook(rows, tmp_path / "blank.xlsx"))
    assert [n.id for n in p.nations] == ["AAA", "BBB"] and len(p.pledges) == 2
    assert [n.id for n in problem_from_rows(rows).nations] == ["AAA", "BBB"]
    # the rows after a blank one keep their spreadsheet row numbers
    rows["Nations"][3]["european"] = "maybe"
    one_issue(file_issues(rows, tmp_path, "blank2.xlsx"), "Nations", 5, "european", "maybe")


def test_extra_sheets_and_columns_are_ignored(tmp_path):
    rows = tiny()
    rows["Nations"][0]["comment"] = "an extra column"
    rows["Nations"][1]["comment"] = "=SUM(A1"  # a broken formula, but in a column nobody reads
    rows["Pledges"][0]["source"] = "minutes 12 May"
    path = write_workbook(rows, tmp_path / "extra.xlsx")
    # (builders.write_workbook cannot write a sheet outside the schema: add one by hand)
    wb = openpyxl.load_workbook(path)
    notes = wb.create_sheet("Notes", 0)
    notes.append(["anything", "else"])
    notes.append(["=1+", "=NA()"])
    notes.sheet_state = "hidden"
    wb.save(path)
    assert "Notes" in wb.sheetnames and "comment" in [c.value for c in wb["Nations"][1]]
    p = read_problem(path)
    assert len(p.nations) == 2 and len(p.pledges) == 2
    # the unknown columns are named (a warning each); the sheet outside the schema is not
    assert [w.split(": ")[1] for w in p.warnings] == ["Nations row 1, comment", "Pledges row 1, source"]


def test_an_empty_caveats_sheet_and_no_caveats_are_fine(tmp_path):
    p = read_problem(write_workbook(tiny(), tmp_path / "nocav.xlsx"))
    assert p.caveats == ()


def test_caveats_are_read_with_their_row(tmp_path):
    rows = tiny()
    rows["Caveats"] = [
        {"nation": "AAA", "rule": "forbid", "country": "ukr", "domain": "Land"},
        {"nation": "BBB", "rule": "only", "pillar": "land", "task": "T1", "capability": "INF"},
        {"nation": "BBB", "rule": "max_personnel", "country": "---", "limit": 0, "note": "none abroad"},
    ]
    p = read_problem(write_workbook(rows, tmp_path / "cav.xlsx"))
    assert [c.row for c in p.caveats] == [2, 3, 4]
    assert (p.caveats[0].country, p.caveats[0].domain) == ("UKR", "land")
    assert p.caveats[2].limit == 0 and p.caveats[2].note == "none abroad"


def test_formula_with_a_cached_value_is_accepted(tmp_path):
    path = write_with_xlsxwriter(tiny(), tmp_path / "cached.xlsx", formulas={
        ("Pledges", 0, "units"): ("=1+2", 3),
        ("Nations", 0, "name"): ('="Al"&"pha"', "Alpha"),
        ("Tasks", 0, "requires_ceasefire"): ("=TRUE()", True),
    })
    p = read_problem(path)
    assert p.pledge["P-A"].units == 3 and p.nation["AAA"].name == "Alpha"
    assert p.task["T1"].requires_ceasefire is True


def test_workbook_written_by_xlsxwriter_with_shared_strings_reads(tmp_path):
    path = write_with_xlsxwriter(tiny(), tmp_path / "xw.xlsx")
    assert same_problem(read_problem(path), problem_from_rows(tiny()))


def _patch_entry(path: Path, entry: str, edit) -> Path:
    """Rewrite one XML entry of an xlsx in place (entry text -> new text)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, edit(data.decode()).encode() if name == entry else data)
    return path


def test_formula_results_as_excel_stores_them(tmp_path):
    """Excel marks a text result t="str" (an empty one is a blank, not a missing value),
    a boolean result t="b", and a shared formula's followers carry no formula text."""
    path = write_workbook(tiny(), tmp_path / "excel.xlsx")  # Nations is sheet2.xml

    def edit(xml: str) -> str:
        xml = xml.replace('<c r="D2" t="n"><v>0.5</v></c>', '<c r="D2" t="str"><f>IF(1,"","")</f><v></v></c>')
        xml = xml.replace('<c r="C3" t="inlineStr"><is><t>no</t></is></c>',
                          '<c r="C3" t="b"><f>FALSE()</f><v>0</v></c>')
        xml = xml.replace('<c r="D3" t="n"><v>0.5</v></c>', '<c r="D3"><f t="shared" si="0"/><v>0.25</v></c>')
        return xml

    _patch_entry(path, "xl/worksheets/sheet2.xml", edit)
    p = read_problem(path)
    assert p.nation["AAA"].fair_share is None
    assert p.nation["BBB"].european is False and p.nation["BBB"].fair_share == 0.25


def test_rich_text_and_shared_strings(tmp_path):
    path = tmp_path / "rich.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = wb.add_format({"bold": True})
    for sheet, table in rows_as_lists(tiny()).items():
        ws = wb.add_worksheet(sheet)
        for i, values in enumerate(table):
            for j, value in enumerate(values):
                if sheet == "Nations" and (i, j) == (1, 0):
                    ws.write_rich_string(i, j, bold, "A", "AA")
                elif sheet == "Nations" and (i, j) == (1, 1):
                    ws.write_rich_string(i, j, "Al", bold, "pha")
                elif value is not None:
                    ws.write(i, j, value)
    wb.close()
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert "<r>" in z.read("xl/sharedStrings.xml").decode()
    p = read_problem(path)
    assert p.nations[0].id == "AAA" and p.nations[0].name == "Alpha"


def test_the_bundled_baseline_and_the_template_read():
    from forcegen.cli import _bundled_baseline

    p = read_problem(_bundled_baseline())
    assert len(p.nations) > 10 and len(p.tasks) > 5


def test_the_blank_template_reports_only_the_missing_horizon(tmp_path):
    from forcegen.workbook.template import write_template

    path = write_template(tmp_path / "template.xlsx")
    issues = issues_of_file(path)
    assert len(issues) == 1 and issues[0].sheet == "Scenario" and "horizon" in issues[0].message


# --- one test per validation rule ------------------------------------------------------------


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Capabilities", 0, "personnel_per_unit", "ten"),
    ("Nations", 1, "fair_share", "half"),
    ("Requirements", 0, "units", "two"),
    ("Requirements", 0, "weight", "heavy"),
    ("Pledges", 1, "cost_per_unit", "1,5"),
    ("Tasks", 0, "priority", "high"),
    ("Locations", 0, "latitude", "50N"),
])
def test_wrong_type_in_a_number_column(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, repr(value), "number")


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Requirements", 0, "units", 2.5),
    ("Capabilities", 0, "personnel_per_unit", "12.5"),
    ("Tasks", 0, "end_period", 1.5),
    ("Locations", 0, "personnel_capacity", 99.9),
])
def test_fraction_in_a_whole_number_column(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, "whole number", str(value))


def test_a_date_in_a_number_column_is_reported_as_a_date(tmp_path):
    import datetime

    rows = tiny()
    rows["Pledges"][0]["units"] = datetime.datetime(2026, 1, 2)
    one_issue(file_issues(rows, tmp_path), "Pledges", 2, "units", "whole number", "2026-01-02")


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Tasks", 0, "priority", 6),
    ("Tasks", 0, "priority", 0),
    ("Tasks", 0, "min_nations", 0),
    ("Tasks", 0, "max_nation_share", 0),
    ("Tasks", 0, "max_nation_share", 1.2),
    ("Nations", 0, "fair_share", 1.5),
    ("Nations", 0, "fair_share", -0.1),
    ("Capabilities", 0, "personnel_per_unit", -1),
    ("Locations", 0, "personnel_capacity", -5),
    ("Locations", 0, "latitude", 95),
    ("Locations", 0, "longitude", -181),
    ("Requirements", 0, "units", 0),
    ("Requirements", 0, "weight", 0),
    ("Pledges", 0, "units", -1),
    ("Pledges", 0, "cost_per_unit", -10),
    ("Pledges", 0, "probability", 1.01),
    ("Pledges", 0, "from_period", 0),
])
def test_out_of_range_value(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, "expected", str(value))


def test_out_of_range_caveat_limit(tmp_path):
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "max_personnel", "limit": -1}]
    one_issue(file_issues(rows, tmp_path), "Caveats", 2, "limit", "-1")


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Capabilities", 0, "domain", "space"),
    ("Locations", 0, "kind", "castle"),
    ("Tasks", 0, "pillar", "cyber"),
    ("Tasks", 0, "lead", "eu"),
    ("Pledges", 0, "status", "maybe"),
])
def test_unknown_enum_value(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    issue = one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, value)
    choices = next(s for s in SHEETS if s.name == sheet).column(column).choices
    assert all(c in issue.message for c in choices)


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Nations", 0, "european", "maybe"),
    ("Tasks", 0, "requires_ceasefire", "perhaps"),
    ("Tasks", 0, "active", 2),
    ("Tasks", 0, "active", "yess"),
])
def test_bad_yes_no(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, "yes or no", str(value))


@pytest.mark.parametrize("value", ["Ukraine", "UK", "U1R", "--"])
def test_bad_country_code(tmp_path, value):
    rows = tiny()
    rows["Locations"][0]["country"] = value
    one_issue(file_issues(rows, tmp_path), "Locations", 2, "country", "country code", value)


@pytest.mark.parametrize("sheet,column,extra", [
    ("Nations", "nation", {"nation": "AAA", "name": "Again", "european": "no"}),
    ("Capabilities", "capability", {"capability": "INF", "name": "x", "domain": "land", "unit": "c",
                                    "personnel_per_unit": 1}),
    ("Locations", "location", {"location": "L1", "name": "x", "country": "POL", "kind": "depot_site"}),
    ("Tasks", "task", {"task": "T1", "name": "x", "pillar": "air", "priority": 2, "start_period": 1,
                       "end_period": 1, "requires_ceasefire": "no", "lead": "any"}),
    ("Pledges", "pledge", {"pledge": "P-A", "nation": "BBB", "capability": "INF", "units": 1}),
    ("Basing", "location", {"task": "T1", "location": "L1"}),
    ("Requirements", "capability", {"task": "T1", "capability": "INF", "units": 5}),
])
def test_duplicate_id(tmp_path, sheet, column, extra):
    rows = tiny()
    rows[sheet].append(extra)
    row = len(rows[sheet]) + 1
    one_issue(file_issues(rows, tmp_path), sheet, row, column, "duplicate", "first at row 2")


def test_ids_are_case_sensitive_so_case_variants_are_not_duplicates():
    rows = tiny()
    rows["Nations"].append({"nation": "aaa", "name": "lower", "european": "no"})
    assert len(problem_from_rows(rows).nations) == 3


def test_unknown_task_in_basing(tmp_path):
    rows = tiny()
    rows["Basing"].append({"task": "T9", "location": "L1"})
    one_issue(file_issues(rows, tmp_path), "Basing", 3, "task", "unknown task 'T9'", "not on sheet Tasks")


@pytest.mark.parametrize("sheet,index,column,value,noun", [
    ("Basing", 0, "location", "L9", "location"),
    ("Requirements", 0, "capability", "ARM", "capability"),
    ("Pledges", 1, "nation", "CCC", "nation"),
    ("Pledges", 0, "capability", "ARM", "capability"),
])
def test_unknown_reference(tmp_path, sheet, index, column, value, noun):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, f"unknown {noun} '{value}'")


def test_unknown_task_in_requirements(tmp_path):
    rows = tiny()
    rows["Requirements"].append({"task": "T9", "capability": "INF", "units": 1})
    one_issue(file_issues(rows, tmp_path), "Requirements", 3, "task", "unknown task 'T9'")


@pytest.mark.parametrize("column,value,noun", [
    ("nation", "ZZZ", "nation"),
    ("capability", "ARM", "capability"),
    ("task", "T9", "task"),
])
def test_unknown_reference_in_a_caveat(tmp_path, column, value, noun):
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", column: value}]
    one_issue(file_issues(rows, tmp_path), "Caveats", 2, column, f"unknown {noun} '{value}'")


def test_a_reference_differing_only_in_case_is_unknown_with_a_hint(tmp_path):
    rows = tiny()
    rows["Pledges"][0]["nation"] = "aaa"
    issue = one_issue(file_issues(rows, tmp_path), "Pledges", 2, "nation", "unknown nation 'aaa'")
    assert "'AAA'" in issue.message


@pytest.mark.parametrize("sheet,index,column,value", [
    ("Tasks", 0, "end_period", 3),
    ("Tasks", 0, "start_period", 5),
    ("Pledges", 0, "from_period", 3),
    ("Pledges", 0, "to_period", 9),
])
def test_period_outside_the_horizon(tmp_path, sheet, index, column, value):
    rows = tiny()
    rows[sheet][index][column] = value
    issues = file_issues(rows, tmp_path)
    assert (sheet, index + 2, column) in where(issues)
    issue = next(i for i in issues if i.column == column)
    assert "outside 1..2" in issue.message
    # start 5 > end 2 is reported too, on the start column; nothing else
    assert len(issues) == (2 if column == "start_period" else 1)


@pytest.mark.parametrize("sheet,first,last", [("Tasks", "start_period", "end_period"),
                                              ("Pledges", "from_period", "to_period")])
def test_start_after_end(tmp_path, sheet, first, last):
    rows = tiny()
    rows["Scenario"][1]["value"] = 6
    rows[sheet][0].update({first: 4, last: 3})
    one_issue(file_issues(rows, tmp_path), sheet, 2, first, f"{first} 4 is after {last} 3")


@pytest.mark.parametrize("sheet,noun", [("Basing", "Basing"), ("Requirements", "Requirements")])
def test_active_task_without_basing_or_requirement_row(tmp_path, sheet, noun):
    rows = tiny()
    rows[sheet] = []
    one_issue(file_issues(rows, tmp_path), "Tasks", 2, "task", "active task T1", f"no row on sheet {noun}")


def test_inactive_task_needs_no_basing_or_requirement_row():
    rows = tiny()
    rows["Tasks"].append({"task": "T2", "name": "Later", "pillar": "air", "priority": 3, "start_period": 1,
                          "end_period": 2, "requires_ceasefire": "no", "lead": "any", "active": "no"})
    assert problem_from_rows(rows).task["T2"].active is False


def test_max_personnel_caveat_without_a_limit(tmp_path):
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "country": "UKR"},
                       {"nation": "BBB", "rule": "max_personnel", "country": "UKR"}]
    one_issue(file_issues(rows, tmp_path), "Caveats", 3, "limit", "max_personnel", "limit")


@pytest.mark.parametrize("column,value", [("rule", "never"), ("domain", "space"), ("pillar", "cyber"),
                                          ("country", "Poland")])
def test_unknown_caveat_rule_or_filter_value(tmp_path, column, value):
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", column: value}]
    one_issue(file_issues(rows, tmp_path), "Caveats", 2, column, value)


@pytest.mark.parametrize("sheet", [s.name for s in SHEETS])
def test_missing_sheet(tmp_path, sheet):
    rows = tiny()
    del rows[sheet]
    issues = file_issues(rows, tmp_path)
    issue = next(i for i in issues if i.sheet == sheet)
    assert issue.row is None and "sheet is missing" in issue.message
    # a missing sheet is said once: no "unknown id" on the sheets that refer to it, no
    # "task has no row on sheet Basing" per task, no "missing parameter" for a missing Scenario
    assert len(issues) == 1, [str(i) for i in issues]


@pytest.mark.parametrize("sheet,column", [
    ("Nations", "european"), ("Capabilities", "domain"), ("Locations", "kind"), ("Tasks", "lead"),
    ("Basing", "location"), ("Requirements", "units"), ("Pledges", "capability"), ("Caveats", "rule"),
    ("Scenario", "value"),
])
def test_missing_required_column(tmp_path, sheet, column):
    sheets = rows_as_lists(tiny())
    if sheet == "Caveats":
        sheets["Caveats"] = [["nation", "note"], ["AAA", "x"]]
    else:
        header = sheets[sheet][0]
        j = header.index(column)
        sheets[sheet] = [r[:j] + r[j + 1:] for r in sheets[sheet]]
    issues = issues_of_file(write_raw(tmp_path / "nocol.xlsx", sheets))
    one_issue(issues, sheet, 1, column, "column is missing")


def test_a_column_twice_in_the_header(tmp_path):
    sheets = rows_as_lists(tiny())
    sheets["Nations"] = [r + [r[1]] for r in sheets["Nations"]]
    sheets["Nations"][0][-1] = " Name"
    one_issue(issues_of_file(write_raw(tmp_path / "twice.xlsx", sheets)), "Nations", 1, "name", "twice")


@pytest.mark.parametrize("sheet,index,column", [
    ("Nations", 1, "name"), ("Capabilities", 0, "unit"), ("Tasks", 0, "start_period"),
    ("Pledges", 1, "units"), ("Requirements", 0, "capability"),
])
def test_missing_required_value(tmp_path, sheet, index, column):
    rows = tiny()
    rows[sheet][index][column] = None
    one_issue(file_issues(rows, tmp_path), sheet, index + 2, column, "missing value")


def test_formula_without_a_computed_value(tmp_path):
    rows = tiny()
    rows["Pledges"][0]["units"] = "=1+2"  # openpyxl stores a formula and never a value
    path = write_workbook(rows, tmp_path / "formula.xlsx")
    assert openpyxl.load_workbook(path)["Pledges"]["D2"].value == "=1+2"
    issue = one_issue(issues_of_file(path), "Pledges", 2, "units", "=1+2", "no computed value")
    assert "D2" in issue.message


def test_formula_without_a_value_from_xlsxwriter(tmp_path):
    path = write_with_xlsxwriter(tiny(), tmp_path / "xwformula.xlsx",
                                 formulas={("Nations", 1, "name"): ('="Bra"&"vo"', "")})
    one_issue(issues_of_file(path), "Nations", 3, "name", "no computed value", "B3")


def test_cell_holding_an_error_value(tmp_path):
    path = write_with_xlsxwriter(tiny(), tmp_path / "err.xlsx",
                                 formulas={("Requirements", 0, "units"): ("=NA()", "#N/A")})
    one_issue(issues_of_file(path), "Requirements", 2, "units", "#N/A")


def test_unknown_scenario_parameter(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": "horizen", "value": 3})
    one_issue(file_issues(rows, tmp_path), "Scenario", 4, "parameter", "unknown parameter 'horizen'")


def test_horizon_is_required(tmp_path):
    rows = tiny()
    del rows["Scenario"][1]
    issue = one_issue(file_issues(rows, tmp_path), "Scenario", None, None, "missing required parameter horizon")
    assert "horizon" in str(issue)


@pytest.mark.parametrize("value,words", [
    (0, ["1..1,000"]), (1001, ["1..1,000"]), (2.5, ["whole number"]), ("two", ["whole number"]),
    (None, ["missing value"]),
])
def test_bad_horizon(tmp_path, value, words):
    rows = tiny()
    rows["Scenario"][1]["value"] = value
    one_issue(file_issues(rows, tmp_path), "Scenario", 3, "value", "horizon", *words)


@pytest.mark.parametrize("parameter,value", [("ceasefire", "sometimes"), ("include_conditional", 2),
                                             ("lead_min_share", 1.5), ("lead_min_share", "quarter")])
def test_bad_scenario_value(tmp_path, parameter, value):
    rows = tiny()
    rows["Scenario"].append({"parameter": parameter, "value": value})
    one_issue(file_issues(rows, tmp_path), "Scenario", 4, "value", parameter, str(value))


def test_duplicate_scenario_parameter(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": "Horizon", "value": 3})
    one_issue(file_issues(rows, tmp_path), "Scenario", 4, "parameter", "duplicate parameter horizon")


def test_scenario_value_without_a_parameter_name(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": None, "value": 3})
    one_issue(file_issues(rows, tmp_path), "Scenario", 4, "parameter", "missing parameter name")


def test_a_bad_cell_does_not_hide_problems_in_the_rest_of_its_row():
    rows = tiny()
    rows["Pledges"][0].update(units="many", nation="ZZZ", from_period=2, to_period=1)
    issues = memory_issues(rows)
    assert where(issues) == [("Pledges", 2, "from_period"), ("Pledges", 2, "nation"), ("Pledges", 2, "units")]


def test_message_format_names_file_sheet_row_and_column(tmp_path):
    rows = tiny()
    rows["Tasks"][0]["priority"] = 9
    path = write_workbook(rows, tmp_path / "fmt.xlsx")
    (issue,) = issues_of_file(path)
    assert str(issue) == f"{path}: Tasks row 2, priority: expected a whole number in 1..5, got 9"


def test_in_memory_tables_missing_a_column_and_a_sheet():
    tables = tables_from_rows(tiny())
    t = tables["Nations"]
    tables["Nations"] = Table("Nations", [(r, {k: v for k, v in d.items() if k != "european"}) for r, d in t.rows],
                              columns=tuple(c for c in t.columns if c != "european"))
    del tables["Basing"]
    with pytest.raises(InputError) as err:
        build_problem(tables, file="x.xlsx")
    assert where(err.value.issues) == [("Nations", 1, "european"), ("Basing", None, None)]


# --- a dozen mistakes at once ------------------------------------------------------------------


def test_a_dozen_mistakes_give_a_dozen_lines_and_the_file_is_unchanged(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": "horizen", "value": 3})                      # 1 unknown parameter
    rows["Nations"][1]["european"] = "maybe"                                           # 2 bad yes/no
    rows["Nations"].append({"nation": "AAA", "name": "Dup", "european": "no"})         # 3 duplicate id
    rows["Capabilities"][0]["personnel_per_unit"] = "ten"                              # 4 text in number
    rows["Capabilities"].append({"capability": "ARM", "name": "Armour", "domain": "space", "unit": "sqn",
                                 "personnel_per_unit": 80})                            # 5 unknown enum
    rows["Locations"][0]["country"] = "Ukraine"                                         # 6 bad country
    rows["Tasks"][0]["priority"] = 7                                                   # 7 out of range
    rows["Tasks"].append({"task": "T2", "name": "Two", "pillar": "air", "priority": 2, "start_period": 2,
                          "end_period": 1, "requires_ceasefire": "no", "lead": "any"})  # 8 start > end, 9+10 no rows
    rows["Requirements"][0]["units"] = 2.5                                             # 11 fraction
    rows["Pledges"][0]["nation"] = "ZZZ"                                               # 12 unknown nation
    rows["Pledges"][1]["to_period"] = 5                                                # 13 period > horizon
    rows["Caveats"] = [{"nation": "AAA", "rule": "max_personnel"},                     # 14 no limit
                       {"nation": "BBB", "rule": "forbid", "pillar": "cyber"}]         # 15 bad filter
    rows["Pledges"][1]["units"] = "=1+1"                                               # 16 formula, no value
    path = write_workbook(rows, tmp_path / "dozen.xlsx")
    before = sha256(path)
    mtime = path.stat().st_mtime_ns
    issues = issues_of_file(path)
    expected = {
        ("Scenario", 4, "parameter"), ("Nations", 3, "european"), ("Nations", 4, "nation"),
        ("Capabilities", 2, "personnel_per_unit"), ("Capabilities", 3, "domain"), ("Locations", 2, "country"),
        ("Tasks", 2, "priority"), ("Tasks", 3, "start_period"), ("Tasks", 3, "task"),
        ("Requirements", 2, "units"), ("Pledges", 2, "nation"), ("Pledges", 3, "to_period"),
        ("Caveats", 2, "limit"), ("Caveats", 3, "pillar"), ("Pledges", 3, "units"),
    }
    assert expected <= set(where(issues)), sorted(set(expected) - set(where(issues)))
    assert len(issues) >= 12
    lines = [str(i) for i in issues]
    assert len(set(lines)) == len(lines)
    assert all("\n" not in line for line in lines)
    assert sum("no row on sheet" in line for line in lines) == 2
    assert sha256(path) == before and path.stat().st_mtime_ns == mtime
    # the same file read again gives the same lines
    assert [str(i) for i in issues_of_file(path)] == lines
    assert sha256(path) == before


def test_read_tables_returns_raw_rows_with_spreadsheet_row_numbers(tmp_path):
    rows = tiny()
    rows["Nations"].insert(1, {"nation": None})
    tables = read_tables(write_workbook(rows, tmp_path / "raw.xlsx"))
    assert [r for r, _ in tables["Nations"].rows] == [2, 4]
    assert tables["Nations"].columns[:3] == ("nation", "name", "european")
    assert set(tables) == {s.name for s in SHEETS}


# --- SPEC 5.3 rotation and 5.4 Montreux columns ---------------------------------------------


def _wave2_rows():
    rows = tiny()
    rows["Scenario"] += [{"parameter": "straits", "value": "Montreux"},
                         {"parameter": "montreux_aggregate_t", "value": 45000}]
    rows["Nations"][1]["black_sea_state"] = "yes"
    rows["Capabilities"][0]["tonnage"] = 600
    rows["Locations"][0]["sea_area"] = " black_sea "
    rows["Pledges"][0].update(tour=6, dwell=12)
    return rows


def test_rotation_and_montreux_columns_are_read():
    p = problem_from_rows(_wave2_rows())
    assert (p.scenario.straits, p.scenario.montreux_aggregate_t) == ("montreux", 45000.0)
    assert [n.black_sea_state for n in p.nations] == [False, True]
    assert p.capabilities[0].tonnage == 600.0
    assert p.locations[0].sea_area == "black_sea" and p.locations[0].black_sea
    assert [(pl.tour, pl.dwell) for pl in p.pledges] == [(6, 12), (None, 0)]
    assert p.warnings == ()


def test_without_rotation_and_montreux_columns_the_defaults_apply():
    p = problem_from_rows(tiny())
    assert (p.scenario.straits, p.scenario.montreux_aggregate_t) == ("open", 30000.0)
    assert [n.black_sea_state for n in p.nations] == [False, False]
    assert p.capabilities[0].tonnage == 0.0 and p.locations[0].sea_area == "" and not p.locations[0].black_sea
    assert [(pl.tour, pl.dwell) for pl in p.pledges] == [(None, 0), (None, 0)]
    # the columns present but blank: the same problem
    rows = tiny()
    rows["Scenario"] += [{"parameter": "straits", "value": None}, {"parameter": "montreux_aggregate_t", "value": ""}]
    for sheet, col in (("Nations", "black_sea_state"), ("Capabilities", "tonnage"), ("Locations", "sea_area"),
                       ("Pledges", "tour"), ("Pledges", "dwell")):
        for r in rows[sheet]:
            r[col] = None
    assert problem_from_rows(rows) == p


@pytest.mark.parametrize("sheet, index, column, value, expects", [
    ("Pledges", 0, "tour", 0, "a whole number in 1..1,000, got 0"),
    ("Pledges", 0, "tour", 2.5, "a whole number in 1..1,000, got 2.5"),
    ("Pledges", 0, "dwell", -1, "a whole number in 0..1,000, got -1"),
    ("Nations", 0, "black_sea_state", "maybe", "yes or no"),
    ("Capabilities", 0, "tonnage", -600, "a number in 0..10,000,000, got -600"),
    ("Capabilities", 0, "tonnage", "heavy", "a number in 0..10,000,000, got 'heavy'"),
])
def test_rotation_and_montreux_cells_are_checked(tmp_path, sheet, index, column, value, expects):
    rows = tiny()
    rows[sheet][index][column] = value
    one_issue(file_issues(rows, tmp_path), sheet, 2 + index, column, expects)


@pytest.mark.parametrize("parameter, value, expects", [
    ("straits", "ajar", "one of open, montreux, closed"),
    ("montreux_aggregate_t", 0, "a number with 0 < x ≤ 10,000,000, got 0"),
    ("montreux_aggregate_t", "lots", "a number with 0 < x ≤ 10,000,000, got 'lots'"),
])
def test_straits_parameters_are_checked(tmp_path, parameter, value, expects):
    rows = tiny()
    rows["Scenario"].append({"parameter": parameter, "value": value})
    one_issue(file_issues(rows, tmp_path), "Scenario", 4, "value", parameter, expects)


def test_a_dwell_without_a_tour_is_a_warning_not_an_error():
    rows = tiny()
    rows["Pledges"][1]["dwell"] = 12
    p = problem_from_rows(rows)
    assert p.pledges[1].tour is None and p.pledges[1].dwell == 12
    assert len(p.warnings) == 1
    assert "Pledges row 3, dwell: dwell 12 without a tour has no effect" in p.warnings[0]


# --------------------------------------------------------------------------- SPEC 5.1-5.2 cross-checks
def test_supply_rate_needs_resupply_km_and_basing_coordinates(tmp_path):
    rows = tiny()
    rows["Scenario"].append({"parameter": "supply_rate", "value": 40})
    rows["Locations"].append({"location": "SPACE", "name": "Space", "country": "---", "kind": "remote"})
    rows["Basing"].append({"task": "T1", "location": "SPACE"})
    issues = file_issues(rows, tmp_path)
    # one for the missing resupply_km; one per missing coordinate of L1 (row 2), none for SPACE (no country)
    assert where(issues) == [("Scenario", None, None), ("Locations", 2, "latitude"), ("Locations", 2, "longitude")]
    assert "resupply_km is missing" in issues[0].message
    assert "L1 is a basing location of active task T1" in issues[1].message
    rows["Scenario"].append({"parameter": "resupply_km", "value": 300})
    rows["Locations"][0].update(latitude=50.45, longitude=30.52)
    problem = problem_from_rows(rows)
    assert problem.scenario.sustainment and problem.scenario.resupply_km == 300
    assert problem.supply_sources == {"L1": ("L1",)}


def test_logistics_columns_default_to_rules_off():
    problem = problem_from_rows(tiny())
    sc = problem.scenario
    assert (sc.supply_rate, sc.resupply_km, sc.lift_capacity) == (None, None, None)
    assert not sc.sustainment and not sc.lift
    assert problem.capabilities[0].throughput == 0 and problem.capabilities[0].lift_per_period == 0
    loc = problem.locations[0]
    assert loc.host_throughput == 0 and loc.in_area is None and loc.needs_lift


def test_in_area_defaults_to_no_where_the_country_is_none():
    rows = tiny()
    rows["Locations"] += [{"location": "SPACE", "name": "Space", "country": "---", "kind": "remote"},
                          {"location": "HOME", "name": "Home", "country": "GBR", "kind": "training_area",
                           "in_area": "no"}]
    lift = {loc.id: loc.needs_lift for loc in problem_from_rows(rows).locations}
    assert lift == {"L1": True, "SPACE": False, "HOME": False}


def test_great_circle_distance():
    from forcegen.domain import great_circle_km

    assert great_circle_km(50.0, 30.0, 50.0, 30.0) == 0
    # Kyiv - Lviv, about 468 km; one degree of latitude about 111.2 km
    assert great_circle_km(50.45, 30.52, 49.84, 24.03) == pytest.approx(468, abs=3)
    assert great_circle_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.2, abs=0.1)
