"""SweepResult -> formatted sweep workbook, written atomically.

Written with XlsxWriter through ``write.write_atomically`` (a temporary file in
the target's folder, renamed onto the target only when complete), never over the
input, every text cell as text.

Sheets, in order:

* Summary — the run's audit trail (input file and its sha256, kind, samples and
  seed or grid axes, solver and options, executor, variants done / failed /
  reused / not run / total, partial yes/no, created_at, runtime), then the
  baseline's figures and notes on the columns;
* Variants — the baseline (row 0) and one row per variant: its changes, status
  and error, each Summary figure and its delta against the baseline, solve time,
  the worker that solved it and the change log (``old -> new``);
* then the sheets the kind names (``sweep.kinds``): Rankings — leave-one-out,
  caveats and grid: the kind's ranking under its note, with the bar chart of its top
  entries the kind describes; Reliability and Pledges — reliability sweeps: per
  task, per priority and overall the probability of full coverage with its Wilson
  95 % interval and the shortfall distribution, with a chart; per uncertain pledge
  how often it was kept.

Each table is an Excel Table with a frozen header row.
"""

from __future__ import annotations

import math

from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from ..sweep import SweepResult
from ..figures import delta_formats, number_formats
from . import formats as fmt
from .write import TableWriter, write_atomically

#: columns of the Variants sheet printed on one page (the sheet prints as many pages wide as it needs)
COLUMNS_PER_PAGE = 14

_INT, _SINT, _COST, _SCOST = fmt.INT, fmt.SINT, fmt.COST, fmt.SCOST
_PCT100, _SPCT100, _WEIGHTED, _SWEIGHTED = fmt.PCT100, fmt.SPCT100, fmt.WEIGHTED, fmt.SWEIGHTED
_PROB = fmt.PROB

_FORMATS = {
    **number_formats(), **delta_formats(), "units_recovered": _SINT,
    "p_full": _PROB, "ci_low": _PROB, "ci_high": _PROB, "kept_share": _PROB, "probability": _PROB,
    "shortfall_mean": "#,##0.00", "shortfall_p5": "#,##0.0", "shortfall_p50": "#,##0.0",
    "shortfall_p95": "#,##0.0", "runtime_s": "0.000", "value": "General",
}
_WIDE = {"changes": 60, "applied": 80, "error": 60, "name": 40, "note": 40, "filters": 40, "label": 30,
         "value": 70, "reused": 30}

TOP = 15  # entries shown in a ranking chart

def write_sweep(result: SweepResult, path, *, input_paths=()) -> Path:
    """Write the sweep workbook to ``path`` atomically; return the path written.

    Raises ``UsageError`` when ``path`` is (or resolves to) one of ``input_paths`` or a folder.
    """
    return write_atomically(path, lambda wb: _SweepWriter(wb, result).write(), input_paths=tuple(input_paths),
                            what="sweep", title=result.problem.scenario.name)


def summary_rows(result: SweepResult) -> list[tuple[str, object]]:
    """The audit trail, as (parameter, value) rows."""
    info = result.info
    base = result.baseline
    options = info.get("options") or {}
    return [
        ("kind", result.kind),
        ("partial", "yes (interrupted: only the finished variants are shown)" if result.partial else "no"),
        ("variants_total", result.total),
        ("variants_done", result.done),
        ("variants_failed", result.failed),
        ("variants_reused", result.reused),
        ("variants_not_run", result.total - result.done),
        ("input_file", info.get("input_file")),
        ("input_sha256", info.get("input_sha256")),
        ("scenario", result.problem.scenario.name),
        ("samples", info.get("samples")),
        ("seed", info.get("seed")),
        ("grid", info.get("grid")),
        ("solver", base.solver),
        ("solver_version", base.solver_version),
        ("options", ", ".join(f"{k}={v}" for k, v in sorted(options.items())) + " (time_limit per variant)"
         if options else ""),
        ("executor", info.get("executor")),
        ("baseline_status", base.solve_status),
        ("baseline_runtime_s", base.solve_s),
        ("cache", _cache_text(result)),
        ("created_at", info.get("created_at")),
        ("runtime_s", info.get("runtime_s")),
        ("forcegen_version", info.get("forcegen_version")),
        ("ranking", result.spec.ranking_note),
    ]


def _cache_text(result: SweepResult) -> str:
    """Whether the solved-plan cache was used, and what it answered for the baseline and the variants."""
    folder = result.info.get("cache") or "off"
    if folder.startswith("off"):
        return folder
    solved = {id(r): r for r in result.results  # a solve shared by identical variants counts once
              if r is not None and not r.reused and r.cache in ("hit", "miss")}.values()
    hits = sum(1 for r in solved if r.cache == "hit")
    return (f"{folder}: baseline {result.baseline.cache or 'off'}; "
            f"{hits} of {len(solved)} variant solves from the cache")


class _SweepWriter(TableWriter):
    formats = {**TableWriter.formats, **_FORMATS}
    wide = {**TableWriter.wide, **_WIDE}
    wrap_columns = ()

    def __init__(self, wb: xlsxwriter.Workbook, result: SweepResult):
        super().__init__(wb)
        self.r = result

    def write(self) -> None:
        self.summary()
        self.variants()
        sheets = {"Rankings": self.rankings, "Reliability": self.reliability, "Pledges": self.pledges}
        for name in self.r.spec.sheets:
            sheets[name]()

    # -- sheets ----------------------------------------------------------------
    def summary(self) -> None:
        ws = self.wb.add_worksheet("Summary")
        df = pd.DataFrame(summary_rows(self.r), columns=["parameter", "value"], dtype=object)
        _, last = self.table(ws, "tblSummary", df)
        if self.r.partial:
            ws.conditional_format(2, 1, 2, 1, {"type": "no_blanks", "format": self.red})
        row = last + 2
        ws.write_string(row, 0, "Baseline figures (every delta is variant − baseline)", self.title)
        figures = self.r.baseline.figures
        base = pd.DataFrame([(f, figures.get(f)) for f in figures],
                            columns=["figure", "baseline"], dtype=object)
        _, last = self.table(ws, "tblBaseline", base, row + 1, style="Table Style Light 9")
        for i, (f, v) in enumerate(base.itertuples(index=False, name=None)):
            self.cell(ws, row + 2 + i, 1, v, _FORMATS.get(f))
        row = last + 2
        ws.write_string(row, 0, "Notes on the columns", self.title)
        notes = pd.DataFrame([
            ("Variants", "status", "ok, failed (see error; the sweep went on) or not run (interrupted)"),
            ("Variants", "reused", "filled from the baseline without a solve: the variant only removes pledges "
                                   "the (optimal) baseline plan does not use, so every level's optimum is unchanged"),
            ("Variants", "delta_*", "variant − baseline; coverage in percentage points"),
            ("Variants", "solve_status", "optimal, or feasible when the per-variant time limit stopped a level"),
            ("Variants", "applied", "the change log of the variant: sheet key column: old -> new"),
            ("*", "shortfall_p1 … p5", "Σ weight × units missing, per priority (objective level 1)"),
            ("*", "total_cost", "thousands of the Scenario currency"),
        ], columns=["sheet", "column", "note"])
        self.table(ws, "tblNotes", notes, row + 1, style="Table Style Light 9")
        ws.freeze_panes(1, 0)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 1, 70)
        ws.set_column(2, 2, 80)

    def variants(self) -> None:
        ws = self.wb.add_worksheet("Variants")
        df = self.r.rows()
        first, last = self.table(ws, "tblVariants", df)
        cols = list(df.columns)
        j = cols.index("status")
        for word, style in (("failed", self.red), ("not run", self.red)):
            ws.conditional_format(first, j, last, j, {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                                      "format": style})
        ws.freeze_panes(1, 2)
        # forty-odd columns are unreadable on one page: about fourteen a page, the variant's name on each
        ws.pages_wide = max(1, math.ceil(len(cols) / COLUMNS_PER_PAGE))
        ws.repeat_columns(0, 1)

    def rankings(self) -> None:
        ws = self.wb.add_worksheet("Rankings")
        df = self.r.ranking()
        spec = self.r.spec
        ws.write_string(0, 0, spec.ranking_note, self.bold)
        first, last = self.table(ws, "tblRankings", df, 1)
        ws.freeze_panes(2, 0)
        cols = list(df.columns)
        n = min(len(df), TOP)
        if not n or spec.chart is None:
            return
        end = first + n - 1
        c = spec.chart
        chart = self.wb.add_chart({"type": "bar", **({"subtype": c.subtype} if c.subtype else {})})
        cat = cols.index(c.category)
        for s in c.series:
            j = cols.index(s.column)
            series = {"name": s.name, "categories": ["Rankings", first, cat, end, cat],
                      "values": ["Rankings", first, j, end, j]}
            if c.data_labels:
                series["data_labels"] = {"value": True, "num_format": c.data_labels}
            chart.add_series(series)
        chart.set_title({"name": c.title.format(n=n)})
        if c.value_range:
            chart.set_x_axis({"min": c.value_range[0], "max": c.value_range[1]})
        if not c.legend:
            chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 720, "height": max(320, 24 * n + 140)})
        ws.insert_chart(xl_rowcol_to_cell(last + 2, 1), chart)

    def reliability(self) -> None:
        ws = self.wb.add_worksheet("Reliability")
        df = self.r.reliability()
        ws.write_string(0, 0, self.r.spec.ranking_note, self.bold)
        first, last = self.table(ws, "tblReliability", df, 1)
        ws.freeze_panes(2, 0)
        cols = list(df.columns)
        j = cols.index("p_full")
        ws.conditional_format(first, j, last, j, {
            "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
            "mid_type": "num", "mid_value": 0.5, "mid_color": "#FFEB84",
            "max_type": "num", "max_value": 1, "max_color": "#63BE7B",
        })
        n = len(df)
        if not n:
            return
        cat = cols.index("scope")
        chart = self.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "P(full coverage)", "categories": ["Reliability", first, cat, first + n - 1, cat],
                          "values": ["Reliability", first, j, first + n - 1, j],
                          "data_labels": {"value": True, "num_format": "0.00"}})
        chart.set_title({"name": "Probability of full coverage (tasks, priorities, all)"})
        chart.set_x_axis({"min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": max(320, 22 * n + 140)})
        ws.insert_chart(xl_rowcol_to_cell(last + 2, 1), chart)

    def pledges(self) -> None:
        ws = self.wb.add_worksheet("Pledges")
        self.table(ws, "tblPledges", self.r.pledge_draws())
        ws.freeze_panes(1, 0)
