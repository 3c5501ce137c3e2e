"""Report -> formatted plan workbook (SPEC section 4), written atomically.

The workbook is built in memory with XlsxWriter, written to a temporary file in
the target's folder and renamed onto the target only when complete
(``os.replace``, see ``atomic.py``), so a failed write leaves no partial file and
an existing output untouched. Every
text cell is written as text (``strings_to_formulas`` and ``strings_to_urls``
off, and ``write_string``): a task called ``=HYPERLINK(...)`` in the input stays
a plain string.

Sheets, in order: Summary (parameter/value rows, then the solve log and the
column notes), Allocations, Coverage, Shortfalls, Tasks, Nations, Caveats (each
an Excel Table with a frozen header row), Sustainment, Deployment (with the
build-up chart), Rotation and Montreux where their rule is on (SPEC 5.1-5.4),
then Charts.

Charts: coverage by task (bar chart of Tasks!coverage_pct), personnel per
nation split inside / outside the Scenario's host country (stacked bar; ``report.host_split``),
and cost share against fair share per nation.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from ..errors import UsageError
from ..domain import NO_HOST, host_label
from ..report import COLUMNS, MARKING, NOTES_COLUMNS, SOLVE_LOG_COLUMNS, Report, host_split, is_illustrative
from ..figures import number_formats
from . import formats as fmt
from .atomic import xlsx_atomically

SHEET_ORDER = ("Summary", "Allocations", "Coverage", "Shortfalls", "Tasks", "Nations", "Caveats", "Charts")
#: sheets of the SPEC 5 rules, written before Charts only when their rule is on: Sustainment when Scenario
#: supply_rate is set (5.1), Deployment when lift_capacity is (5.2), Rotation when a pledge has a tour (5.3),
#: Montreux when Scenario straits is montreux or closed (5.4)
RULE_SHEETS = ("Sustainment", "Deployment", "Rotation", "Montreux")

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# number formats per column name
_COST, _INT, _PCT100, _FRACTION_PCT = fmt.COST, fmt.INT, fmt.PCT100, fmt.FRACTION_PCT
_FORMATS = {
    **number_formats(),  # the plan's figures (figures.py)
    "cost": _COST, "units": _INT, "personnel": _INT,
    "required": _INT, "allocated": _INT, "shortfall": _INT, "units_missing": _INT,
    "cost_share": _FRACTION_PCT, "fair_share": _FRACTION_PCT,
    "burden_gap": _FRACTION_PCT, "gap": "0.00%", "weighted": fmt.WEIGHTED, "shortfall_weighted": fmt.WEIGHTED,
    "runtime_s": "0.000", "seconds": "0.000",
    "ships": _INT, "tonnage_t": _INT, "limit_t": _INT, "aggregate_t": _INT, "share_of_aggregate": _FRACTION_PCT,
    "sustainable": "0.00", "deployed_average": "0.00", "deployed_peak": _INT,
    "run_limit": _INT, "run_most": _INT,
    "need": fmt.TONNES, "delivered": fmt.TONNES, "spare_depot_throughput": fmt.TONNES, "host_throughput": fmt.TONNES,
    "depot_throughput": fmt.TONNES, "sent": fmt.TONNES, "depot_units": _INT,
    "arrivals": _INT, "surface_lift": _INT, "lift_available": _INT, "lift_used": _INT, "lift_spare": _INT,
    "personnel_in_area": _INT, "personnel_deployed": _INT, "staffed_period_count": _INT, "tasks_led_count": _INT,
    **{f"coverage_p{k}": _PCT100 for k in range(1, 6)},
}
#: a long sheet prints at least this many rows on a page
ROWS_PER_PAGE = 50
#: the height of one line of 11-point text (points), and the characters of a column width unit
LINE_POINTS = 15
CHARS_PER_WIDTH = 1.15
_WIDE = {"reason": 90, "status": 50, "note": 40, "personnel_by_country": 30, "nations": 24, "tasks": 24,
         "held": 30, "deployed": 40, "sustainable": 30, "deployed_by_period": 40, "sources": 50, "arriving_at": 40}


def write_plan(report: Report, path, *, input_path=None) -> Path:
    """Write the plan workbook to ``path`` atomically; return the path written.

    Raises ``UsageError`` when ``path`` is (or resolves to) the input workbook
    or a folder. The parent folder is created when missing.
    """
    return write_atomically(path, lambda wb: _Writer(wb, report).write(),
                            input_paths=() if input_path is None else (input_path,), what="plan",
                            title=str(report.value("scenario") or ""))


def write_atomically(path, fill, *, input_paths=(), what: str = "plan", title: str = "") -> Path:
    """Create an XlsxWriter workbook, let ``fill(wb)`` write it, and put it at ``path`` whole or not at all.

    The workbook is built in memory, written to a temporary file in the target's
    folder and renamed onto ``path`` (``os.replace``) only when complete; on any
    failure, Ctrl-C included, no temporary file is left and an existing ``path``
    is left untouched (``atomic.xlsx_atomically``). Raises ``UsageError`` when
    ``path`` is (or resolves to) one of ``input_paths`` or a folder, and
    ``ForcegenError`` ("cannot write PATH: the system's reason") when the file
    cannot be written: a folder without write permission, a full disk. The parent
    folder is created when missing. ``what`` names the output in messages
    ("plan", "comparison"). Every sheet is set up for printing (``set_up_printing``),
    with ``title`` (the scenario) in the page header.
    """
    target = Path(path)
    for input_path in input_paths:
        if input_path is not None and same_file(target, Path(input_path)):
            raise UsageError(f"refusing to write the {what} over the input workbook {input_path}")
    if target.is_dir():
        raise UsageError(f"output path {target} is a folder; give a file name such as {what}.xlsx")
    def fill_and_set_up(wb) -> None:
        fill(wb)
        set_up_printing(wb, title)

    return xlsx_atomically(target, fill_and_set_up, WORKBOOK_OPTIONS)


def set_up_printing(wb, title: str = "") -> None:
    """Every worksheet prints landscape on A4, one page wide, its first row repeated on every
    page, the title in the header and the sheet name and page number in the footer."""
    from xlsxwriter.worksheet import Worksheet

    header = "&L" + title.replace("&", "&&") if title else ""
    if is_illustrative(title):  # the input says so: every page says so too
        header += "&R&\"-,Bold\"" + MARKING
    for ws in wb.worksheets():
        if not isinstance(ws, Worksheet):
            continue
        ws.set_landscape()
        ws.set_paper(9)
        # a sheet too wide to read on one page says how many pages wide it prints (``pages_wide``);
        # a long table prints at least ROWS_PER_PAGE rows a page
        rows = (ws.dim_rowmax or 0) + 1
        tall = math.ceil(rows / ROWS_PER_PAGE) if rows > ROWS_PER_PAGE else 0
        ws.fit_to_pages(getattr(ws, "pages_wide", 1), tall)
        ws.repeat_rows(0)
        if header:
            ws.set_header(header)
        ws.set_footer("&L&A&RPage &P of &N")


def write_json_summary(report: Report) -> dict:
    """The Summary as one JSON-able dict (numbers as numbers, blanks as None) for ``plan --json``.

    ``options`` is the solve options as a dict (the workbook shows it as text);
    ``levels`` is the solve log, one dict per lexicographic level.
    """
    out = report.summary_dict()
    out["options"] = {str(k): json_value(v) for k, v in report.options.items()}
    out["levels"] = [
        {k: json_value(v) for k, v in row.items()} for row in report.solve_log.to_dict(orient="records")
    ]
    out["shortfall_rows"] = int(len(report.shortfalls))
    return out


def host_split_columns(host: str) -> tuple[str, str]:
    """Headers of the two parts of the host split: "in UKR", "outside UKR" (or the host country (none))."""
    label = host_label(host)
    return f"in {label}", f"outside {label}"


def host_split_title(host: str) -> str:
    """The Charts sheet's line above the host split table: what counts as inside."""
    if host == NO_HOST:
        return ("Personnel per nation at its peak period, in and outside the host country (none: Scenario "
                f"host_country is {NO_HOST}, so every location counts as outside)")
    return (f"Personnel per nation at its peak period, in and outside {host} "
            f"(Scenario host_country; locations with country {host} count as in)")


# --------------------------------------------------------------------------- internals


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing files compared by identity, others by path).

    Never raises for a path that cannot be looked at (a symlink loop, a folder
    that cannot be read): such paths are compared as written, made absolute.
    """
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return _where(a) == _where(b)


def _where(p: Path) -> str:
    try:
        p = p.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        p = Path(os.path.abspath(p))
    return os.path.normcase(str(p))


def json_value(v):
    """A cell value as a JSON-able Python value (blanks, NaN and infinities as None)."""
    if is_blank(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def is_blank(v) -> bool:
    """None, NaN, NaT and pd.NA are blank cells."""
    if v is None:
        return True
    if isinstance(v, (str, bytes, int)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide (a close estimate: word wrap)."""
    per_line = max(1, int(width * CHARS_PER_WIDTH) - 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for word in paragraph.split(" "):
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= per_line:
                used = need
            else:  # the word starts a new line (unless the line is empty) and may take several
                count += (1 if used else 0) + (len(word) - 1) // per_line
                used = len(word) % per_line or per_line
        lines += count
    return lines


class TableWriter:
    """Cells and Excel Tables on an XlsxWriter workbook: text as text, numbers as numbers, blanks blank.

    ``formats`` maps a column name to its number format and ``wide`` to its
    maximum width; the plan and comparison writers share this class.
    """

    formats: dict[str, str] = _FORMATS
    wide: dict[str, int] = _WIDE
    wrap_columns: tuple[str, ...] = ("reason", "status", "note", "sources", "arriving_at")

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.bold = wb.add_format({"bold": True})
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.marked = wb.add_format({"bold": True, "font_color": "#9C0006"})
        self.top = wb.add_format({"valign": "top"})
        self.red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.green = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self._fmt: dict[str, object] = {}

    def fmt(self, num_format: str | None):
        if num_format is None:
            return None
        if num_format not in self._fmt:
            # top-aligned like wrapped text, so a figure sits beside the first line of its note
            self._fmt[num_format] = self.wb.add_format({"num_format": num_format, "valign": "top"})
        return self._fmt[num_format]

    # -- cells ---------------------------------------------------------------
    def cell(self, ws, row: int, col: int, value, num_format: str | None = None, text_format=None) -> int:
        """Write one value by its type: text always as text, numbers as numbers, blanks as blanks."""
        if is_blank(value):
            return 0
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            value = value.item()
        if isinstance(value, bool):
            return ws.write_string(row, col, "yes" if value else "no")
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                return 0
            return ws.write_number(row, col, value, self.fmt(num_format))
        text = str(value)
        return ws.write_string(row, col, text, text_format) if text_format else ws.write_string(row, col, text)

    def table(self, ws, name: str, df, first_row: int = 0, style: str = "Table Style Medium 2",
              widths_after: dict[int, int] | None = None) -> tuple[int, int]:
        """Write ``df`` as an Excel Table at first_row; return (first data row, last data row).

        Rows whose wrapped text needs more than one line get the height of their longest cell,
        so that printed or exported text never overlaps the row below. ``widths_after`` gives the
        widths the caller sets on columns afterwards (stacked tables share columns).
        """
        cols = list(df.columns)
        n = len(df)
        last_row = first_row + max(n, 1)  # a Table needs a data row: an empty one gets one blank row
        ret = ws.add_table(first_row, 0, last_row, len(cols) - 1, {
            "name": name, "style": style, "columns": [{"header": str(c)} for c in cols],
        })
        if ret not in (None, 0):
            raise RuntimeError(f"XlsxWriter refused table {name} (code {ret})")
        widths = [len(str(c)) + 3 for c in cols]
        wrapped: list[dict[int, str]] = []
        for i, row in enumerate(df.itertuples(index=False, name=None)):
            texts = {}
            for j, (col, v) in enumerate(zip(cols, row)):
                wrap = self.wrap if col in self.wrap_columns else None
                self.cell(ws, first_row + 1 + i, j, v, self.formats.get(col), wrap)
                if not is_blank(v):
                    widths[j] = max(widths[j], len(display_text(v)) + 2)
                    if wrap is not None:
                        texts[j] = display_text(v)
            wrapped.append(texts)
        final = {}
        for j, col in enumerate(cols):
            final[j] = min(max(widths[j], 8), self.wide.get(col, 40))
            ws.set_column(j, j, final[j])
        final.update(widths_after or {})
        for i, texts in enumerate(wrapped):
            lines = max((text_lines(t, final[j]) for j, t in texts.items()), default=1)
            if lines > 1:
                ws.set_row(first_row + 1 + i, LINE_POINTS * lines, self.top)
        return first_row + 1, first_row + max(n, 1)


class _Writer(TableWriter):
    def __init__(self, wb: xlsxwriter.Workbook, report: Report):
        super().__init__(wb)
        self.r = report
        self.tables: dict[str, tuple[int, int, int]] = {}  # sheet -> (first data row, last data row, n rows)

    def data_sheet(self, sheet: str, df, columns: list[str] | None = None) -> None:
        ws = self.wb.add_worksheet(sheet)
        cols = list(columns or COLUMNS[sheet])
        first, last = self.table(ws, f"tbl{sheet}", df[cols])
        ws.freeze_panes(1, 0)
        self.tables[sheet] = (first, last, len(df))
        if sheet in ("Coverage", "Shortfalls"):
            key = "shortfall" if sheet == "Coverage" else "units_missing"
            j = cols.index(key)
            ws.conditional_format(first, j, last, j, {"type": "cell", "criteria": ">", "value": 0,
                                                      "format": self.red})
        if sheet == "Tasks":
            j = cols.index("coverage_pct")
            ws.conditional_format(first, j, last, j, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": 50, "mid_color": "#FFEB84",
                "max_type": "num", "max_value": 100, "max_color": "#63BE7B",
            })
        if sheet == "Nations":
            j = cols.index("burden_gap")
            ws.conditional_format(first, j, last, j, {"type": "data_bar", "bar_color": "#638EC6"})

    # -- sheets --------------------------------------------------------------
    def write(self) -> None:
        self.summary()
        for sheet in ("Allocations", "Coverage", "Shortfalls", "Tasks", "Nations", "Caveats"):
            self.data_sheet(sheet, getattr(self.r, sheet.lower()))
        if self.r.sustainment is not None:
            self.data_sheet("Sustainment", self.r.sustainment)
        if self.r.deployment is not None:
            self.deployment()
        if len(self.r.rotation):
            self.data_sheet("Rotation", self.r.rotation)
        if self.r.straits in ("montreux", "closed"):
            self.montreux()
        self.charts()

    def deployment(self) -> None:
        """SPEC 5.2: arrivals against the lift available per period, and the build-up chart beside the table."""
        df = self.r.deployment
        cols = [str(c) for c in df.columns]
        pledges = [c for c in cols if c.startswith("lift_") and c not in COLUMNS["Deployment"]]
        self.wide = {**self.wide, **{c: max(14, len(c) + 2) for c in pledges}}  # the header names the pledge
        self.formats = {**self.formats, **{c: _INT for c in pledges}}
        self.data_sheet("Deployment", df, cols)
        ws = self.wb.get_worksheet_by_name("Deployment")
        first, last, n = self.tables["Deployment"]
        period = cols.index("period")
        chart = self.wb.add_chart({"type": "column"})
        for name, color in (("personnel_in_area", "#4F81BD"), ("personnel_deployed", "#B9CDE5")):
            j = cols.index(name)
            chart.add_series({
                "name": name.replace("_", " "), "categories": ["Deployment", first, period, last, period],
                "values": ["Deployment", first, j, last, j], "fill": {"color": color},
            })
        lines = self.wb.add_chart({"type": "line"})
        for name, color, dash in (("lift_available", "#C0504D", "dash"), ("arrivals", "#9BBB59", "solid")):
            j = cols.index(name)
            lines.add_series({
                "name": name.replace("_", " "), "categories": ["Deployment", first, period, last, period],
                "values": ["Deployment", first, j, last, j], "line": {"color": color, "dash_type": dash, "width": 2.25},
                "marker": {"type": "circle", "size": 5, "fill": {"color": color}, "border": {"color": color}},
            })
        chart.combine(lines)
        chart.set_title({"name": "Build-up: personnel deployed, arrivals and lift per period"})
        chart.set_x_axis({"name": "period"})
        chart.set_y_axis({"name": "personnel", "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 360})
        ws.insert_chart(xl_rowcol_to_cell(last + 2, 0), chart)

    def montreux(self) -> None:
        """SPEC 5.4: tonnage per period and nation against the limits, then the ships the 21-day stay obliges
        to rotate."""
        self.data_sheet("Montreux", self.r.montreux)
        ws = self.wb.get_worksheet_by_name("Montreux")
        cols = list(COLUMNS["Montreux"])
        first, last, _ = self.tables["Montreux"]
        j = cols.index("status")
        ws.conditional_format(first, j, last, j, {"type": "text", "criteria": "begins with", "value": "VIOLATED",
                                                  "format": self.red})
        row = last + 2
        ws.write_string(row, 0, "Ships the 21-day stay obliges to rotate (the stay limit is not modelled; "
                        "non-Black-Sea warships at Black Sea locations, per nation)", self.title)
        self.table(ws, "tblMontreuxStay", self.r.montreux_stay[list(COLUMNS["MontreuxStay"])], row + 1,
                   style="Table Style Light 9")
        ws.set_column(0, 0, 10)

    def summary(self) -> None:
        ws = self.wb.add_worksheet("Summary")
        df = self.r.summary
        first, last = self.table(ws, "tblSummary", df[["parameter", "value"]])
        # per-row number formats: the value column mixes kinds of figure
        widths = {0: 28, 1: 66, 2: 60}  # one set of widths for the three stacked tables
        for i, (p, v) in enumerate(zip(df["parameter"], df["value"])):
            name = "shortfall_weighted" if str(p).startswith("shortfall_p") else str(p)
            nf = _FORMATS.get(name, "General")
            wrap = name in ("warnings", "personnel_peak_by_country", "options") or name.startswith("largest_shortfall")
            if name == "marking" and not is_blank(v) and v:
                self.cell(ws, first + i, 1, v, None, self.marked)
            else:
                self.cell(ws, first + i, 1, v, nf, self.wrap if wrap else None)
            if wrap and not is_blank(v):
                lines = text_lines(display_text(v), widths[1])
                if lines > 1:
                    ws.set_row(first + i, LINE_POINTS * lines, self.top)
        ws.freeze_panes(1, 0)
        row = last + 2
        ws.write_string(row, 0, "Solve log (one row per lexicographic level)", self.title)
        _, last_log = self.table(ws, "tblSolveLog", self.r.solve_log[list(SOLVE_LOG_COLUMNS)], row + 1,
                                 style="Table Style Light 9", widths_after=widths)
        row = last_log + 2
        ws.write_string(row, 0, "Notes on the columns", self.title)
        self.table(ws, "tblNotes", self.r.notes[list(NOTES_COLUMNS)], row + 1, style="Table Style Light 9",
                   widths_after=widths)
        for j, w in widths.items():
            ws.set_column(j, j, w)
        ws.set_column(3, 6, 12)

    def charts(self) -> None:
        ws = self.wb.add_worksheet("Charts")
        ws.write_string(0, 0, host_split_title(self.r.host_country), self.bold)
        split = host_split(self.r)
        df = pd.DataFrame(split, columns=["nation", *host_split_columns(self.r.host_country)])
        first, last = self.table(ws, "tblHostSplit", df, 1, style="Table Style Light 9")
        ws.freeze_panes(2, 0)

        # 1. coverage by task, from the Tasks sheet
        t_first, t_last, n_tasks = self.tables["Tasks"]
        tcols = list(COLUMNS["Tasks"])
        task_col, cov_col = tcols.index("task"), tcols.index("coverage_pct")
        chart = self.wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": "coverage %",
            "categories": ["Tasks", t_first, task_col, t_last, task_col],
            "values": ["Tasks", t_first, cov_col, t_last, cov_col],
            "data_labels": {"value": True, "num_format": "0"},
        })
        chart.set_title({"name": "Coverage by task (%)"})
        chart.set_x_axis({"min": 0, "max": 100})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(300, 22 * n_tasks + 120)})
        ws.insert_chart(xl_rowcol_to_cell(1, 5), chart)

        # 2. personnel per nation, stacked in / outside the host country
        chart = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for j, color in ((1, "#C0504D"), (2, "#4F81BD")):
            chart.add_series({
                "name": ["Charts", 1, j],
                "categories": ["Charts", first, 0, last, 0],
                "values": ["Charts", first, j, last, j],
                "fill": {"color": color},
            })
        chart.set_title({"name": f"Personnel per nation at its peak, in / outside {host_label(self.r.host_country)}"})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 640, "height": max(300, 22 * len(df) + 120)})
        ws.insert_chart(xl_rowcol_to_cell(22, 5), chart)

        # 3. burden: cost share against fair share, from the Nations sheet
        n_first, n_last, _ = self.tables["Nations"]
        ncols = list(COLUMNS["Nations"])
        chart = self.wb.add_chart({"type": "column"})
        for col in ("cost_share", "fair_share"):
            j = ncols.index(col)
            chart.add_series({
                "name": col.replace("_", " "),
                "categories": ["Nations", n_first, ncols.index("nation"), n_last, ncols.index("nation")],
                "values": ["Nations", n_first, j, n_last, j],
            })
        chart.set_title({"name": "Cost share against fair share"})
        chart.set_y_axis({"num_format": "0%"})
        chart.set_size({"width": 640, "height": 320})
        ws.insert_chart(xl_rowcol_to_cell(44, 5), chart)
        ws.set_column(0, 0, 12)
        ws.set_column(1, 2, 14)


def display_text(v) -> str:
    """A value as the text a column must be wide enough for."""
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


__all__ = [
    "SHEET_ORDER", "WORKBOOK_OPTIONS", "TableWriter", "display_text", "host_split", "host_split_columns",
    "host_split_title", "is_blank",
    "json_value", "write_atomically", "write_json_summary", "write_plan",
]
