"""Comparison -> formatted comparison workbook, written atomically (SPEC sections 3-4).

Written with XlsxWriter through ``write.write_atomically`` (a temporary file in
the target's folder, renamed onto the target only when complete), never over
one of the compared inputs, with every text cell written as text (a task named
``=HYPERLINK(...)`` stays a string).

Sheets, in order:

* Summary — one row per figure: baseline, variant, delta, delta %, better
  (green where the change is better, red where worse); beneath it the two runs
  and where they came from, and the headline lines;
* Tasks, Nations, Requirements — per task / nation / requirement line, baseline
  beside variant with the delta, colour-coded;
* Changes — the applied what-if changes (sheet, key, column, old, new, note);
* ChangedAllocations — the (nation, task, location, period) whose units differ;
* Chart — coverage by task, baseline beside variant (clustered bar).

Each table is an Excel Table with a frozen header row.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..compare import (
    CHANGE_COLUMNS, CHANGED_ALLOCATION_COLUMNS, NATION_COLUMNS, REQUIREMENT_COLUMNS, RUNS_COLUMNS,
    SUMMARY_COLUMNS, TASK_COLUMNS, Comparison,
)
from ..figures import PLAN_FIGURES
from . import formats as fmt
from .write import TableWriter, json_value, write_atomically

SHEET_ORDER = ("Summary", "Runs", "Tasks", "Nations", "Requirements", "Changes", "ChangedAllocations", "Chart")

_INT, _SINT, _COST, _SCOST = fmt.INT, fmt.SINT, fmt.COST, fmt.SCOST
_PCT100, _SPCT100, _WEIGHTED, _SWEIGHTED = fmt.PCT100, fmt.SPCT100, fmt.WEIGHTED, fmt.SWEIGHTED
_SHARE, _SSHARE = fmt.FRACTION_PCT, fmt.SFRACTION_PCT

#: number format of a Summary figure's values (its delta takes the signed twin)
_FIGURE_FORMATS = {f.name: (f.number_format, f.delta_format) for f in PLAN_FIGURES}

_COLUMN_FORMATS = {
    "coverage_pct_baseline": _PCT100, "coverage_pct_variant": _PCT100, "coverage_delta": _SPCT100,
    "shortfall_baseline": _WEIGHTED, "shortfall_variant": _WEIGHTED, "shortfall_delta": _SWEIGHTED,
    "personnel_peak_baseline": _INT, "personnel_peak_variant": _INT, "personnel_peak_delta": _SINT,
    "cost_baseline": _COST, "cost_variant": _COST, "cost_delta": _SCOST,
    "cost_share_baseline": _SHARE, "cost_share_variant": _SHARE, "fair_share": _SHARE,
    "share_vs_fair_baseline": _SSHARE, "share_vs_fair_variant": _SSHARE,
    "required": _INT, "required_variant": _INT, "covered_baseline": _INT, "covered_variant": _INT,
    "units_baseline": _INT, "units_variant": _INT, "delta": _SINT, "delta_pct": _SPCT100,
}
_COLUMN_WIDTHS = {"note": 50, "nations_baseline": 24, "nations_variant": 24, "source": 30, "input_file": 30,
                  "input_sha256": 24, "old": 30, "new": 30, "name": 30, "lift": 24, "sustainment": 24}

#: per sheet: (column, direction) of colour-coded deltas; +1 higher is better, -1 lower is better
_COLOURED = {
    "Tasks": (("coverage_delta", +1), ("shortfall_delta", -1)),
    "Nations": (("cost_delta", -1),),
    "Requirements": (("delta", +1),),
}


def write_comparison(comp: Comparison, path, *, input_paths=()) -> Path:
    """Write the comparison workbook to ``path`` atomically; return the path written.

    Raises ``UsageError`` when ``path`` is (or resolves to) one of
    ``input_paths`` or a folder. The parent folder is created when missing.
    """
    scenarios = [str(s) for s in comp.runs["scenario"]] if "scenario" in comp.runs else []
    title = " / ".join(dict.fromkeys(s for s in scenarios if s)) or comp.labels[0]
    return write_atomically(path, lambda wb: _CompareWriter(wb, comp).write(), input_paths=tuple(input_paths),
                            what="comparison", title=title)


def comparison_json(comp: Comparison) -> dict:
    """The comparison as one JSON-able dict (numbers as numbers, blanks as None), for ``--json``.

    ``summary`` maps each figure to its baseline, variant, delta, delta_pct and
    better; ``changed_allocations`` is the count (the rows are under
    ``changed_allocation_rows``).
    """

    def records(df) -> list[dict]:
        return [{str(k): json_value(v) for k, v in r.items()} for r in df.to_dict(orient="records")]

    summary = {
        str(r["figure"]): {k: json_value(r[k]) for k in ("baseline", "variant", "delta", "delta_pct", "better")}
        for r in comp.summary.to_dict(orient="records")
    }
    return {
        "labels": list(comp.labels),
        "sources": {"baseline": comp.base_source, "variant": comp.variant_source},
        "currency": comp.currency,
        "headline": list(comp.headline),
        "summary": summary,
        "changed_allocations": comp.changed_allocation_count,
        "units_moved": comp.units_moved,
        "runs": records(comp.runs),
        "tasks": records(comp.tasks),
        "nations": records(comp.nations),
        "requirements": records(comp.requirements),
        "changes": records(comp.changes),
        "changed_allocation_rows": records(comp.changed_allocations),
    }


# --------------------------------------------------------------------------- internals


class _CompareWriter(TableWriter):
    formats = {**TableWriter.formats, **_COLUMN_FORMATS}
    wide = {**TableWriter.wide, **_COLUMN_WIDTHS}
    #: long text wraps (with the row's height set to fit) so that the sheet prints one page wide
    wrap_columns = ("note", "source", "input_file", "input_sha256", "label", "scenario", "lift", "sustainment")

    def __init__(self, wb: xlsxwriter.Workbook, comp: Comparison):
        super().__init__(wb)
        self.c = comp
        self.tables: dict[str, tuple[int, int, int]] = {}  # sheet -> (first data row, last data row, n rows)

    def write(self) -> None:
        self.summary()
        self.runs()
        self.data_sheet("Tasks", self.c.tasks, TASK_COLUMNS)
        self.data_sheet("Nations", self.c.nations, NATION_COLUMNS)
        self.data_sheet("Requirements", self.c.requirements, REQUIREMENT_COLUMNS)
        self.data_sheet("Changes", self.c.changes, CHANGE_COLUMNS)
        self.data_sheet("ChangedAllocations", self.c.changed_allocations, CHANGED_ALLOCATION_COLUMNS)
        self.chart()

    # -- colour ----------------------------------------------------------------
    def colour_by_sign(self, ws, first: int, last: int, col: int, direction: int) -> None:
        """Green where the value's sign means better, red where worse (0 and blanks uncoloured)."""
        good, bad = (">", "<") if direction > 0 else ("<", ">")
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": good, "value": 0,
                                                      "format": self.green})
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": bad, "value": 0,
                                                      "format": self.red})

    def colour_by_word(self, ws, first: int, last: int, first_col: int, last_col: int, word_col: int) -> None:
        """Green where the row's ``better`` cell says better, red where it says worse."""
        ref = f"${xl_col_to_name(word_col)}{first + 1}"
        for word, style in (("better", self.green), ("worse", self.red)):
            ws.conditional_format(first, first_col, last, last_col, {
                "type": "formula", "criteria": f'={ref}="{word}"', "format": style,
            })

    # -- sheets ----------------------------------------------------------------
    def summary(self) -> None:
        ws = self.wb.add_worksheet("Summary")
        df = self.c.summary[list(SUMMARY_COLUMNS)]
        cols = list(SUMMARY_COLUMNS)
        first, last = self.table(ws, "tblSummary", df)
        jb, jv, jd, jp, jw = (cols.index(c) for c in ("baseline", "variant", "delta", "delta_pct", "better"))
        # per-row number formats: the figures are of different kinds
        for i, r in enumerate(df.to_dict(orient="records")):
            plain, signed = _FIGURE_FORMATS.get(str(r["figure"]), (_INT, _SINT))
            self.cell(ws, first + i, jb, r["baseline"], plain)
            self.cell(ws, first + i, jv, r["variant"], plain)
            self.cell(ws, first + i, jd, r["delta"], signed)
            self.cell(ws, first + i, jp, r["delta_pct"], _SPCT100)
        self.colour_by_word(ws, first, last, jd, jw, jw)
        ws.freeze_panes(1, 0)
        self.tables["Summary"] = (first, last, len(df))

        # what changed, in words, right under the figures: what a briefing reads first
        row = last + 2
        ws.write_string(row, 0, "What changed", self.title)
        for i, line in enumerate(self.c.headline):
            ws.write_string(row + 1 + i, 0, str(line))
        for j, w in {0: 26, 1: 14, 2: 14, 3: 14, 4: 14, 5: 10, 6: 50}.items():
            ws.set_column(j, j, w)

    def runs(self) -> None:
        """Where each run came from (its own sheet: thirteen columns would not print beside the figures)."""
        ws = self.wb.add_worksheet("Runs")
        self.table(ws, "tblRuns", self.c.runs[list(RUNS_COLUMNS)])
        ws.freeze_panes(1, 0)

    def data_sheet(self, sheet: str, df, columns) -> None:
        ws = self.wb.add_worksheet(sheet)
        cols = list(columns)
        first, last = self.table(ws, f"tbl{sheet}", df[cols])
        ws.freeze_panes(1, 0)
        self.tables[sheet] = (first, last, len(df))
        for col, direction in _COLOURED.get(sheet, ()):
            self.colour_by_sign(ws, first, last, cols.index(col), direction)
        if "better" in cols:
            j = cols.index("better")
            self.colour_by_word(ws, first, last, j, j, j)

    def chart(self) -> None:
        ws = self.wb.add_worksheet("Chart")
        base_label, var_label = self.c.labels
        # the series names live in cells (text from the user's labels is never parsed as a reference)
        ws.write_string(0, 0, "Coverage by task (%), baseline beside variant; data on the Tasks sheet", self.bold)
        ws.write_string(1, 0, "baseline")
        ws.write_string(1, 1, str(base_label))
        ws.write_string(2, 0, "variant")
        ws.write_string(2, 1, str(var_label))
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 24)

        t_first, t_last, n = self.tables["Tasks"]
        cols = list(TASK_COLUMNS)
        jt = cols.index("task")
        chart = self.wb.add_chart({"type": "bar"})
        for j_name, col, colour in ((1, "coverage_pct_baseline", "#A5A5A5"), (2, "coverage_pct_variant", "#4F81BD")):
            jc = cols.index(col)
            chart.add_series({
                "name": ["Chart", j_name, 1],
                "categories": ["Tasks", t_first, jt, t_last, jt],
                "values": ["Tasks", t_first, jc, t_last, jc],
                "fill": {"color": colour},
                "data_labels": {"value": True, "num_format": "0"},
            })
        chart.set_title({"name": "Coverage by task (%)"})
        chart.set_x_axis({"min": 0, "max": 100})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": max(320, 40 * n + 140)})
        ws.insert_chart(xl_rowcol_to_cell(4, 0), chart)


__all__ = ["SHEET_ORDER", "comparison_json", "write_comparison"]
