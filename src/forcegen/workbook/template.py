"""The blank input template, and the writer of input workbooks it is built on.

Everything is generated from ``schema.SHEETS``: one worksheet per input sheet in
schema order, the header row from the column names, each sheet's data area as an
Excel Table (``tbl_<Sheet>``) with a frozen header row, column widths, a cell
comment on every header, drop-down lists for enumerated, yes/no and id-reference
columns, range checks for numbers, and a ``Help`` sheet describing every column.

``write_input_workbook`` writes any rows (dicts keyed by column name) in that
layout: the bundled baseline (``scripts/build_baseline.py``) and test fixtures
use it, and what it writes reads back through ``workbook.read`` unchanged.
Text is always written as text (never a formula or a link), numbers as
numbers, yes/no values as the text ``yes``/``no``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..errors import ForcegenError
from ..schema import SHEETS, Column, Sheet

#: data validations and id lists cover at least rows 2..VALIDATION_LAST_ROW
VALIDATION_LAST_ROW = 500
#: and at least this many rows below the last written row
VALIDATION_MARGIN = 200
#: empty rows in each table of the blank template (and of an empty sheet)
TEMPLATE_BLANK_ROWS = 10
TABLE_STYLE = "Table Style Medium 2"
HELP_SHEET = "Help"
NOTES_SHEET = "Notes"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

Rows = Mapping[str, Sequence[Mapping[str, object]]]


def write_template(path: str | os.PathLike) -> Path:
    """Write the blank input workbook: every sheet, header, table and drop-down.

    Scenario is pre-filled with the parameter names and their defaults; the
    horizon is left for the user, so the blank template does not validate.
    """
    return write_input_workbook(path, None)


def write_input_workbook(
    path: str | os.PathLike,
    rows: Rows | None = None,
    notes: Sequence[str] | None = None,
    *,
    spare_rows: int | None = None,
    created: datetime | None = None,
) -> Path:
    """Write an input workbook in the template layout; return its path.

    ``rows`` maps sheet name to records (dicts keyed by column name; a missing
    key or ``None`` is a blank cell). ``None`` writes the blank template:
    Scenario pre-filled with parameter names and defaults, every other table
    empty. A sheet absent from ``rows`` gets an empty table. ``notes`` adds a
    ``Notes`` sheet (first, so that it is what a reader sees on opening), one
    line per row. ``spare_rows`` empty rows extend each table below its data
    (default: ``TEMPLATE_BLANK_ROWS`` for the blank template, else 0).
    ``created`` fixes the document's creation time, making the bytes
    reproducible for the same rows.

    The file is written whole or not at all (a temporary file, then renamed).
    Raises ``ValueError`` for rows that do not fit the schema (unknown sheet or
    column, a non-finite number) and ``ForcegenError`` if the file cannot be
    written.
    """
    path = Path(path)
    template = rows is None
    records = _template_rows() if template else _check_rows(rows)
    if spare_rows is None:
        spare_rows = TEMPLATE_BLANK_ROWS if template else 0
    if spare_rows < 0:
        raise ValueError("spare_rows must be ≥ 0")

    # table extent (last data row, 0-based) and validation extent of every sheet
    table_last: dict[str, int] = {}
    valid_last: dict[str, int] = {}
    for sheet in SHEETS:
        n = len(records.get(sheet.name, ()))
        if sheet.key_value and n:
            data_rows = n  # every parameter has its row already
        else:
            data_rows = max(n + spare_rows, 1)  # a table needs at least one data row
        table_last[sheet.name] = data_rows  # header at row 0, data at 1..data_rows
        valid_last[sheet.name] = max(VALIDATION_LAST_ROW - 1, data_rows + VALIDATION_MARGIN)

    from .atomic import xlsx_atomically

    if path.exists() and path.is_dir():
        raise ForcegenError(f"cannot write {path}: it is a folder")
    return xlsx_atomically(path, lambda wb: _Writer(wb, records, table_last, valid_last).write(notes, created),
                           WORKBOOK_OPTIONS)


# --------------------------------------------------------------------------- rows


def _template_rows() -> dict[str, list[dict[str, object]]]:
    scenario = next(s for s in SHEETS if s.key_value)
    return {
        scenario.name: [
            {"parameter": p.name, "value": None if p.default in (None, "") else p.default}
            for p in scenario.parameters
        ]
    }


def _check_rows(rows: Rows) -> dict[str, list[dict[str, object]]]:
    by_name = {s.name: s for s in SHEETS}
    out: dict[str, list[dict[str, object]]] = {}
    for name, records in rows.items():
        sheet = by_name.get(name)
        if sheet is None:
            raise ValueError(f"unknown sheet {name!r} (expected one of {', '.join(by_name)})")
        known = {c.name for c in sheet.columns}
        checked = []
        for i, record in enumerate(records):
            unknown = [k for k in record if k not in known]
            if unknown:
                raise ValueError(f"sheet {name}, record {i + 1}: unknown column(s) {', '.join(map(repr, unknown))}")
            checked.append(dict(record))
        out[name] = checked
    return out


# --------------------------------------------------------------------------- writer


class _Writer:
    def __init__(self, wb, records, table_last, valid_last):
        self.wb = wb
        self.records = records
        self.table_last = table_last
        self.valid_last = valid_last
        self.id_col = {s.name: _id_column(s) for s in SHEETS}
        self.header_fmt = wb.add_format({"bold": True, "text_wrap": False, "valign": "top"})
        self.text_fmt = wb.add_format({"num_format": "@"})
        self.wrap_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
        self.title_fmt = wb.add_format({"bold": True, "font_size": 14})
        self.bold_fmt = wb.add_format({"bold": True})

    def write(self, notes: Sequence[str] | None, created: datetime | None) -> None:
        props = {
            "title": "forcegen input workbook",
            "subject": "Force-generation planning input",
            "author": "forcegen",
            "comments": f"Written by forcegen {__version__}; see the {HELP_SHEET} sheet for every column.",
        }
        if created is not None:
            props["created"] = created
        self.wb.set_properties(props)
        if notes:
            self._notes(notes)
        for sheet in SHEETS:
            self._sheet(sheet)
        self._help()
        first = self.wb.worksheets()[0]
        first.activate()

    # one input sheet -------------------------------------------------------
    def _sheet(self, sheet: Sheet) -> None:
        ws = self.wb.add_worksheet(sheet.name)
        cols = sheet.columns
        last_row = self.table_last[sheet.name]
        last_col = len(cols) - 1
        text_cols = {i for i, c in enumerate(cols) if _is_text(c) and not (sheet.key_value and c.name == "value")}
        for i, c in enumerate(cols):
            ws.set_column(i, i, c.width, self.text_fmt if i in text_cols else None)
        _check(ws.add_table(0, 0, last_row, last_col, {
            "name": f"tbl_{sheet.name}",
            "style": TABLE_STYLE,
            "columns": [{"header": c.name, "header_format": self.header_fmt} for c in cols],
        }), f"table on sheet {sheet.name}")
        ws.freeze_panes(1, 0)

        # data
        params = {p.name: p for p in sheet.parameters}
        for r, record in enumerate(self.records.get(sheet.name, ()), start=1):
            for i, c in enumerate(cols):
                spec = c
                if sheet.key_value and c.name == "value":
                    spec = params.get(str(record.get("parameter", "")).strip().lower(), c)
                _write_cell(ws, r, i, spec, record.get(c.name), self.text_fmt if i in text_cols else None,
                            where=f"sheet {sheet.name} row {r + 1} column {c.name}")

        # header comments and validations
        for i, c in enumerate(cols):
            text = _comment(sheet, c)
            ws.write_comment(0, i, text, _comment_options(text))
            if sheet.key_value and c.name == "value":
                continue
            opts = self._validation(sheet, c, i)
            if opts:
                _check(ws.data_validation(1, i, self.valid_last[sheet.name], i, opts),
                       f"validation of {sheet.name}.{c.name}")
        if sheet.key_value:
            # the value cell of each parameter row checks that parameter
            vcol = [c.name for c in cols].index("value")
            for r, record in enumerate(self.records.get(sheet.name, ()), start=1):
                spec = params.get(str(record.get("parameter", "")).strip().lower())
                opts = spec and self._validation(sheet, spec, vcol, first_row=r)
                if opts:
                    _check(ws.data_validation(r, vcol, r, vcol, opts), f"validation of Scenario {spec.name}")

    def _validation(self, sheet: Sheet, col: Column, index: int, first_row: int = 1) -> dict | None:
        """Data-validation options for a column (or one Scenario parameter's value cell)."""
        title = _clip(col.name, 32)
        message = _clip(f"{col.description}. Expects {col.expects}"
                        + ("" if col.required else "; may be left blank"), 255)
        base = {"input_title": title, "input_message": message, "ignore_blank": True,
                "error_title": _clip(f"Invalid {col.name}", 32)}
        cell = f"{_col_letter(index)}{first_row + 1}"
        kind = col.kind
        if kind == "enum":
            return {**base, "validate": "list", "source": list(col.choices), "error_type": "stop",
                    "error_message": _clip(f"Choose one of: {', '.join(col.choices)}", 255)}
        if kind == "yesno":
            return {**base, "validate": "list", "source": ["yes", "no"], "error_type": "warning",
                    "error_message": "Expected yes or no (true/false, y/n and 1/0 are also accepted)."}
        if kind == "ref":
            ref_sheet = next(s for s in SHEETS if s.name == col.ref)
            id_index = self.id_col[ref_sheet.name]
            letter = _col_letter(id_index)
            source = f"={_quote(ref_sheet.name)}!${letter}$2:${letter}${self.valid_last[ref_sheet.name] + 1}"
            noun = ref_sheet.columns[id_index].name
            return {**base, "validate": "list", "source": source, "error_type": "warning",
                    "error_message": _clip(f"Not a {noun} id on sheet {ref_sheet.name}. Add it there first, "
                                           "or pick one from the list.", 255)}
        if kind == "country":
            return {**base, "validate": "length", "criteria": "==", "value": 3, "error_type": "stop",
                    "error_message": "Expected a 3-letter ISO 3166 alpha-3 code (UKR, POL …) or --- for none."}
        if kind == "id" and sheet.key == (col.name,):
            letter = _col_letter(index)
            rng = f"${letter}$2:${letter}${self.valid_last[sheet.name] + 1}"
            return {**base, "validate": "custom", "value": f"=COUNTIF({rng},{cell})=1", "error_type": "stop",
                    "error_message": f"This {col.name} id is already used on this sheet; ids must be unique."}
        if kind in ("int", "number"):
            return _number_validation(col, cell, base)
        return None

    # Help and Notes --------------------------------------------------------
    def _help(self) -> None:
        ws = self.wb.add_worksheet(HELP_SHEET)
        ws.write_string(0, 0, "forcegen input workbook — how to fill it in", self.title_fmt)
        intro = [
            "One sheet per table below, column names in row 1, one record per row. Blank rows are skipped; "
            "other sheets (like this one) are ignored by forcegen.",
            "Ids are text, case-sensitive, without leading or trailing spaces. yes/no columns also accept "
            "true/false, y/n, 1/0. Optional columns may be left blank: the default applies.",
            "Hover over a column's header for its description; drop-down lists offer the allowed values and "
            "the ids already entered on the referenced sheet. Check a filled workbook with `forcegen validate FILE`.",
        ]
        row = 1
        for line in intro:
            ws.write_string(row, 0, line)
            row += 1
        row += 1
        for sheet in SHEETS:
            ws.write_string(row, 0, sheet.name, self.bold_fmt)
            ws.write_string(row, 1, sheet.description)
            row += 1
        row += 1
        headers = ["sheet", "column", "type", "required", "default", "allowed values", "description"]
        widths = [20, 22, 18, 10, 10, 44, 80]
        body = []
        for sheet in SHEETS:
            for c in sheet.columns:
                body.append(_help_row(sheet.name, c))
            for p in sheet.parameters:
                body.append(_help_row(f"{sheet.name} parameter", p))
        first = row
        _check(ws.add_table(first, 0, first + len(body), len(headers) - 1, {
            "name": "tbl_Help",
            "style": TABLE_STYLE,
            "columns": [{"header": h, "header_format": self.header_fmt} for h in headers],
        }), "table on sheet Help")
        for r, values in enumerate(body, start=first + 1):
            for i, v in enumerate(values):
                ws.write_string(r, i, v, self.wrap_fmt if i in (5, 6) else None)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)

    def _notes(self, notes: Sequence[str]) -> None:
        ws = self.wb.add_worksheet(NOTES_SHEET)
        ws.set_column(0, 0, 140, self.wrap_fmt)
        for r, line in enumerate(notes):
            text = str(line)
            if text:
                ws.write_string(r, 0, text, self.title_fmt if r == 0 else self.wrap_fmt)


# --------------------------------------------------------------------------- helpers


def _id_column(sheet: Sheet) -> int:
    for i, c in enumerate(sheet.columns):
        if c.kind == "id":
            return i
    return 0


def _is_text(col: Column) -> bool:
    return col.kind in ("id", "ref", "text", "enum", "yesno", "country")


def _write_cell(ws, row: int, col: int, spec: Column, value: object, text_fmt, where: str) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        if spec.kind == "yesno":
            ws.write_string(row, col, "yes" if value else "no", text_fmt)
        else:
            ws.write_boolean(row, col, value)
        return
    if isinstance(value, numbers.Real):
        number = float(value) if not isinstance(value, numbers.Integral) else int(value)
        if isinstance(number, float) and math.isnan(number):
            return  # a NaN (pandas' blank) is a blank cell
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        if spec.kind in ("id", "ref", "text", "country") and isinstance(number, int):
            ws.write_string(row, col, str(number), text_fmt)  # an id stays text
        else:
            ws.write_number(row, col, number)
        return
    text = str(value)
    if text.strip() == "":
        return
    ws.write_string(row, col, text, text_fmt)


def _number_validation(col: Column, cell: str, base: dict) -> dict | None:
    lo, hi = col.minimum, col.maximum
    if lo is None and hi is None:
        if col.kind == "int":
            return {**base, "validate": "custom", "value": f"=AND(ISNUMBER({cell}),INT({cell})={cell})",
                    "error_type": "stop", "error_message": "Expected a whole number."}
        return None  # any number: nothing to check that Excel would not show anyway
    validate = "whole" if col.kind == "int" else "decimal"
    msg = _clip(f"Expected {col.expects}.", 255)
    common = {**base, "error_type": "stop", "error_message": msg}
    if col.exclusive_minimum:
        if hi is None:
            return {**common, "validate": validate, "criteria": ">", "value": lo}
        return {**common, "validate": "custom",
                "value": f"=AND(ISNUMBER({cell}),{cell}>{_num(lo)},{cell}<={_num(hi)})"}
    if lo is not None and hi is not None:
        return {**common, "validate": validate, "criteria": "between", "minimum": lo, "maximum": hi}
    if lo is not None:
        return {**common, "validate": validate, "criteria": ">=", "value": lo}
    return {**common, "validate": validate, "criteria": "<=", "value": hi}


def _num(x: float) -> str:
    return f"{x:g}"


def _comment(sheet: Sheet, col: Column) -> str:
    lines = [f"{col.name}: {col.description}.", f"Expects {col.expects}."]
    if sheet.key_value and col.name == "parameter":
        lines.append("Parameters: " + ", ".join(p.name for p in sheet.parameters) + " (see the Help sheet).")
    elif sheet.key_value and col.name == "value":
        lines.append("What a value holds depends on its parameter: see the Help sheet.")
    if col.required:
        lines.append("Required.")
    else:
        default = _fmt_default(col.default)
        lines.append("Optional" + (f"; default {default}." if default else "; may be left blank."))
    return "\n".join(lines)


def _comment_options(text: str) -> dict:
    n_lines = sum(1 + len(line) // 40 for line in text.split("\n"))
    return {"author": "forcegen", "x_scale": 2.0, "y_scale": max(1.0, n_lines / 4.5)}


def _help_row(sheet: str, col: Column) -> list[str]:
    if col.kind == "enum":
        allowed = ", ".join(col.choices)
    elif col.kind == "ref":
        allowed = f"an id from sheet {col.ref}"
    else:
        allowed = col.expects
    return [sheet, col.name, col.type_label, "yes" if col.required else "no", _fmt_default(col.default),
            allowed, col.description]


def _fmt_default(v: object) -> str:
    if v is None or v == "":
        return ""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _clip(text: str, n: int) -> str:
    # Excel counts UTF-16 code units; every character used here is in the BMP
    return text if len(text) <= n else text[: n - 1] + "…"


def _col_letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _quote(sheet_name: str) -> str:
    from xlsxwriter.utility import quote_sheetname

    return quote_sheetname(sheet_name)


def _check(status: int, what: str) -> None:
    if status != 0:  # XlsxWriter warns and returns a negative status instead of raising
        raise ValueError(f"XlsxWriter refused the {what} (status {status})")

