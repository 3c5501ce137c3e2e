"""The blank template (`forcegen template`) and the bundled baseline workbook."""

from __future__ import annotations

import dataclasses
import importlib.util
from importlib.resources import files
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from builders import problem_from_rows, tiny
from forcegen.cli import cli
from forcegen.errors import ForcegenError, InputError
from forcegen.schema import SHEETS
from forcegen.workbook.read import read_problem
from forcegen.workbook.template import VALIDATION_LAST_ROW, write_input_workbook

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "inputs" / "baseline.xlsx"
PACKAGED = Path(str(files("forcegen") / "data" / "baseline.xlsx"))
BUILD_SCRIPT = REPO / "scripts" / "build_baseline.py"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("template") / "blank.xlsx"
    result = CliRunner().invoke(cli, ["template", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    return out


@pytest.fixture(scope="module")
def template_wb(template):
    return openpyxl.load_workbook(template)


def _validations(ws) -> list:
    return list(ws.data_validations.dataValidation)


def _covering(ws, col_index: int, rows=(2, VALIDATION_LAST_ROW)):
    """The data validations whose ranges cover the column over the given rows."""
    letter = get_column_letter(col_index)
    out = []
    for dv in _validations(ws):
        rng = MultiCellRange(str(dv.sqref))
        if all(f"{letter}{r}" in rng for r in rows):
            out.append(dv)
    return out


def _width(ws, col_index: int) -> float | None:
    """Width of a column; openpyxl keeps adjacent equal columns as one min..max range."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col_index <= (dim.max or dim.min):
            return dim.width
    return None


# --------------------------------------------------------------------------- template layout


def test_template_has_every_sheet_in_schema_order_with_headers(template_wb):
    names = [n for n in template_wb.sheetnames if n in {s.name for s in SHEETS}]
    assert names == [s.name for s in SHEETS]
    for sheet in SHEETS:
        ws = template_wb[sheet.name]
        header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
        assert header == [c.name for c in sheet.columns]
        assert ws.freeze_panes == "A2"
        for i, c in enumerate(sheet.columns, start=1):
            assert ws.cell(1, i).comment is not None, (sheet.name, c.name)
            assert c.description.split(";")[0] in ws.cell(1, i).comment.text
            assert _width(ws, i) >= c.width, (sheet.name, c.name)


def test_template_sheets_are_excel_tables_with_blank_rows(template_wb):
    for sheet in SHEETS:
        ws = template_wb[sheet.name]
        assert list(ws.tables.keys()) == [f"tbl_{sheet.name}"]
        table = ws.tables[f"tbl_{sheet.name}"]
        assert table.headerRowCount in (None, 1)
        assert table.tableStyleInfo is not None and table.tableStyleInfo.name
        first, last = table.ref.split(":")
        assert first == "A1"
        assert column_index_from_string("".join(ch for ch in last if ch.isalpha())) == len(sheet.columns)
        assert int("".join(ch for ch in last if ch.isdigit())) >= 2
        assert [c.name for c in table.tableColumns] == [c.name for c in sheet.columns]


def test_template_validations_for_enum_yesno_and_ref_columns(template_wb):
    for sheet in SHEETS:
        ws = template_wb[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            if col.kind not in ("enum", "yesno", "ref"):
                continue
            lists = [dv for dv in _covering(ws, i) if dv.type == "list"]
            assert len(lists) == 1, (sheet.name, col.name)
            dv = lists[0]
            assert dv.showDropDown in (None, False)  # openpyxl's inverted flag: False = arrow shown
            assert dv.prompt and dv.promptTitle, (sheet.name, col.name)
            formula = dv.formula1
            if col.kind == "enum":
                assert formula.strip('"').split(",") == list(col.choices)
            elif col.kind == "yesno":
                assert formula.strip('"').split(",") == ["yes", "no"]
            else:
                ref = next(s for s in SHEETS if s.name == col.ref)
                id_letter = get_column_letter(next(j for j, c in enumerate(ref.columns, 1) if c.kind == "id"))
                target, rng = formula.lstrip("=").split("!")
                assert target.strip("'") == ref.name
                start, end = rng.replace("$", "").split(":")
                assert start == f"{id_letter}2"
                assert end[0] == id_letter and int(end[1:]) >= VALIDATION_LAST_ROW


def test_template_whole_number_validation_with_minimum(template_wb):
    for sheet in SHEETS:
        ws = template_wb[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            if col.kind == "int" and col.minimum is not None:
                wholes = [dv for dv in _covering(ws, i) if dv.type == "whole"]
                assert len(wholes) == 1, (sheet.name, col.name)
                assert float(wholes[0].formula1) == col.minimum


def test_template_scenario_prefilled_and_not_valid_without_horizon(template, template_wb):
    scenario = next(s for s in SHEETS if s.key_value)
    rows = list(template_wb[scenario.name].iter_rows(min_row=2, values_only=True))
    values = {r[0]: r[1] for r in rows if r[0] is not None}
    assert list(values) == [p.name for p in scenario.parameters]
    assert values["horizon"] is None
    assert values["ceasefire"] == "yes" and values["include_conditional"] == "yes"
    assert values["lead_min_share"] == 0.25 and values["currency"] == "EUR"
    with pytest.raises(InputError) as err:
        read_problem(template)
    # the only problem of the blank template is the horizon left for the user
    assert [(i.sheet, i.column) for i in err.value.issues] == [("Scenario", "value")]
    assert "horizon" in err.value.issues[0].message


def test_help_sheet_lists_every_column(template_wb):
    ws = template_wb["Help"]
    table = ws.tables["tbl_Help"]
    rows = [tuple(c.value for c in r) for r in ws[table.ref]]
    header, body = rows[0], rows[1:]
    assert header[:5] == ("sheet", "column", "type", "required", "default")
    listed = {(r[0], r[1]) for r in body}
    for sheet in SHEETS:
        for c in sheet.columns:
            assert (sheet.name, c.name) in listed
        for p in sheet.parameters:
            assert (f"{sheet.name} parameter", p.name) in listed
    domain = next(r for r in body if r[:2] == ("Capabilities", "domain"))
    assert "land" in domain[5] and "enabler" in domain[5]


def test_template_command_reports_unwritable_path(tmp_path):
    result = CliRunner().invoke(cli, ["template", "-o", str(tmp_path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- filled workbooks


def test_filled_template_validates(tmp_path):
    rows = tiny()
    path = write_input_workbook(tmp_path / "tiny.xlsx", rows)
    problem = read_problem(path)
    assert dataclasses.replace(problem, source="") == dataclasses.replace(problem_from_rows(rows), source="")
    wb = openpyxl.load_workbook(path)
    assert wb["Pledges"]["D2"].value == 1 and wb["Pledges"]["D2"].data_type == "n"
    assert wb["Nations"]["C2"].value == "yes"


def test_filled_workbook_with_spare_table_rows_and_python_values(tmp_path):
    rows = tiny()
    rows["Nations"][0]["european"] = True  # yes/no columns take Python bools too
    rows["Nations"][1]["european"] = False
    rows["Scenario"].append({"parameter": "ceasefire", "value": False})
    path = write_input_workbook(tmp_path / "spare.xlsx", rows, spare_rows=5)
    wb = openpyxl.load_workbook(path)
    assert wb["Nations"].tables["tbl_Nations"].ref == "A1:E8"  # 5 columns; 2 rows + 5 blank ones
    assert [wb["Nations"]["C2"].value, wb["Nations"]["C3"].value] == ["yes", "no"]
    problem = read_problem(path)  # the blank table rows are skipped
    assert len(problem.nations) == 2 and problem.scenario.ceasefire is False


def test_written_text_is_never_a_formula(tmp_path):
    rows = tiny()
    rows["Nations"][0]["name"] = "=1+1"
    rows["Capabilities"][0]["unit"] = "https://example.org/unit"
    path = write_input_workbook(tmp_path / "text.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    assert wb["Nations"]["B2"].value == "=1+1" and wb["Nations"]["B2"].data_type == "s"
    assert not wb["Capabilities"]["D2"].hyperlink
    assert read_problem(path).nations[0].name == "=1+1"


def test_write_input_workbook_rejects_unknown_sheet_or_column(tmp_path):
    with pytest.raises(ValueError):
        write_input_workbook(tmp_path / "x.xlsx", {"Nope": []})
    rows = tiny()
    rows["Nations"][0]["colour"] = "red"
    with pytest.raises(ValueError):
        write_input_workbook(tmp_path / "x.xlsx", rows)
    assert not (tmp_path / "x.xlsx").exists()


def test_write_into_missing_folder_and_over_folder(tmp_path):
    assert write_input_workbook(tmp_path / "a" / "b.xlsx", tiny()).is_file()
    with pytest.raises(ForcegenError):
        write_input_workbook(tmp_path / "a", tiny())


# --------------------------------------------------------------------------- the bundled baseline


def test_baseline_validates_and_packaged_copy_is_identical():
    assert BASELINE.is_file() and PACKAGED.is_file()
    assert BASELINE.read_bytes() == PACKAGED.read_bytes()
    problem = read_problem(BASELINE)
    assert problem.scenario.horizon >= 1 and problem.nations and problem.pledges
    assert dataclasses.replace(read_problem(PACKAGED), source="") == dataclasses.replace(problem, source="")


def test_baseline_has_notes_saying_illustrative():
    wb = openpyxl.load_workbook(BASELINE)
    assert "Notes" in wb.sheetnames
    text = "\n".join(str(c.value) for row in wb["Notes"].iter_rows() for c in row if c.value is not None)
    assert "illustrative" in text.lower()
    assert "not official" in text.lower()
    assert "Montreux" in text


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_baseline", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuilt(tmp_path, data: str):
    """The build script, and a fresh build of its folder ``data`` (a name in it) in tmp_path; skipped
    where the shared CSV files are not beside the repository."""
    build = _load_build_script()
    folder = getattr(build, data)
    if not folder.is_dir():
        pytest.skip(f"baseline CSV folder {folder} not available")
    out = tmp_path / f"{data.lower()}.xlsx"
    build.build(folder, out)
    return build, out


def test_baseline_rebuilt_from_csv_has_the_same_data(tmp_path):
    build, out = _rebuilt(tmp_path, "DEFAULT_DATA")
    fresh = dataclasses.replace(read_problem(out), source="")
    committed = dataclasses.replace(read_problem(BASELINE), source="")
    assert fresh == committed
    # deterministic: the same CSV files give the same bytes
    again = tmp_path / "again.xlsx"
    build.build(build.DEFAULT_DATA, again)
    assert again.read_bytes() == out.read_bytes()


def test_the_core_baseline_is_the_scenario_without_section_5(tmp_path):
    _build, out = _rebuilt(tmp_path, "CORE_DATA")
    core = REPO / "inputs" / "baseline-core.xlsx"
    assert out.read_bytes() == core.read_bytes()
    bundled, plain = read_problem(BASELINE).scenario, read_problem(core).scenario
    # the bundled baseline has every rule of SPEC section 5 on, the core one none
    assert bundled.sustainment and bundled.lift and bundled.straits == "closed"
    assert not plain.sustainment and not plain.lift and plain.straits == "open"
