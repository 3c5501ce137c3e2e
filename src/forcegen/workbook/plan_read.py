"""Plan workbook (as ``write_plan`` writes it) -> ``Report``, so that two plans can be compared.

``forcegen compare A.xlsx B.xlsx`` takes input workbooks (solved) or plan
workbooks (read here). A plan workbook is recognised by its sheets: Summary
and Allocations, and no Pledges sheet (which every input workbook has).

The file goes through the same refusal of hostile archives as the input
reader (``read.check_archive``: not an xlsx, zip bombs), then openpyxl reads it
read-only with values only (XML parsed through defusedxml). Columns are found
by their header name (case and surrounding spaces ignored); the SPEC columns
of each sheet must be present, the extra columns ``write_plan`` adds are used
when present and derived or left blank when not. The Summary is read down to
its first blank row; the solve log and the column notes beneath it are picked
up by their header rows when present.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..domain import DEFAULT_HOST
from ..errors import InputError, Issue
from ..report import COLUMNS, NOTES_COLUMNS, SOLVE_LOG_COLUMNS, SPEC_COLUMNS, Report
from .damaged import sheet_rows, unreadable
from .read import check_archive

#: sheets a plan workbook must have for a comparison, and those read when present
REQUIRED_SHEETS = ("Summary", "Allocations", "Coverage", "Tasks", "Nations")
OPTIONAL_SHEETS = ("Shortfalls", "Caveats")
#: far beyond any real plan; a sheet claiming more rows is refused rather than read
MAX_ROWS = 1_000_000

_INT_COLUMNS = frozenset({
    "period", "units", "personnel", "required", "allocated", "shortfall", "priority", "units_missing",
    "required_unit_periods", "covered_unit_periods", "personnel_peak", "contributions", "limit", "row", "level",
    "staffed_period_count", "tasks_led_count",
})
_FLOAT_COLUMNS = frozenset({
    "cost", "weight", "coverage_pct", "weighted", "shortfall_weighted", "cost_share", "fair_share", "burden_gap",
    "value", "bound", "gap", "seconds",
})


def is_plan_workbook(path) -> bool:
    """Whether ``path`` is a readable xlsx with Summary and Allocations sheets and no Pledges sheet.

    Anything that is not a safe, readable xlsx answers False (the input reader
    then reports why).
    """
    path = Path(path)
    try:
        if not path.is_file() or check_archive(path):
            return False
        wb = _open(path)
    except unreadable():  # a file that cannot be read or parsed: not a plan workbook we can read
        return False
    try:
        names = {n.strip().lower() for n in wb.sheetnames}
    finally:
        wb.close()
    return {"summary", "allocations"} <= names and "pledges" not in names


def read_plan_report(path) -> Report:
    """Rebuild the ``Report`` of a plan workbook written by ``write_plan`` (InputError if it is not one)."""
    name = str(path)
    path = Path(path)
    try:
        issues = check_archive(path)
    except OSError as exc:  # e.g. no permission to read it
        raise InputError([Issue(name, None, None, None, f"cannot read the file: {exc.strerror or exc}")]) from None
    if issues:
        raise InputError(issues)
    try:
        wb = _open(path)
    except unreadable() as exc:  # what a damaged file raises is a refusal, never a traceback (a bug still is one)
        raise InputError([Issue(name, None, None, None,
                                f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})")]) from None
    try:
        by_lower = {title.strip().lower(): title for title in wb.sheetnames}
        if "pledges" in by_lower:
            raise InputError([Issue(name, None, None, None,
                                    "this is an input workbook (it has a Pledges sheet), not a plan workbook")])
        missing = [s for s in REQUIRED_SHEETS if s.lower() not in by_lower]
        if missing:
            raise InputError([Issue(name, None, None, None,
                                    f"not a plan workbook: no {' and no '.join(missing)} "
                                    f"sheet{'s' if len(missing) > 1 else ''}")])
        frames: dict[str, pd.DataFrame] = {}
        summary_rows = log = notes = None
        for sheet in REQUIRED_SHEETS + OPTIONAL_SHEETS:  # a damaged sheet is refused in _rows
            if sheet.lower() not in by_lower:
                frames[sheet] = pd.DataFrame(columns=list(COLUMNS[sheet]))
                continue
            ws = wb[by_lower[sheet.lower()]]
            if sheet == "Summary":
                summary_rows, log, notes = _read_summary(name, ws)
            else:
                frames[sheet] = _read_table(name, sheet, ws)
    finally:
        wb.close()

    _complete_coverage(frames)
    summary = pd.DataFrame(summary_rows, columns=["parameter", "value"], dtype=object)
    values = dict(summary_rows)
    currency = values.get("currency")
    host = values.get("host_country")  # absent from plans written before it was a Scenario parameter
    return Report(
        summary=summary,
        solve_log=log if log is not None else pd.DataFrame(columns=list(SOLVE_LOG_COLUMNS)),
        allocations=frames["Allocations"],
        coverage=frames["Coverage"],
        shortfalls=frames["Shortfalls"],
        tasks=frames["Tasks"],
        nations=frames["Nations"],
        caveats=frames["Caveats"],
        notes=notes if notes is not None else pd.DataFrame(columns=list(NOTES_COLUMNS)),
        currency=str(currency) if currency not in (None, "") else "EUR",
        options=_parse_options(values.get("options")),
        host_country=str(host).strip().upper() if not _blank(host) else DEFAULT_HOST,
    )


# --------------------------------------------------------------------------- internals


def _open(path: Path):
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
        raise RuntimeError("defusedxml is not installed; refusing to parse XML unsafely")
    return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def _whole(v):
    """Whole floats as ints (the way the Report holds them)."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return int(v)
    return v


def _rows(file: str, ws):
    """(row number, values) of a sheet; a sheet openpyxl cannot parse is refused (InputError)."""
    reset = getattr(ws, "reset_dimensions", None)  # size rows by their cells, not the <dimension> claim
    if reset is not None:
        reset()

    def refuse(exc: BaseException) -> InputError:
        return InputError([Issue(file, ws.title, None, None,
                                 f"not a readable plan workbook ({type(exc).__name__}: {exc})")])

    for i, values in enumerate(sheet_rows(ws, refuse), start=1):
        if i > MAX_ROWS + 1:
            raise InputError([Issue(file, ws.title, None, None,
                                    f"refused: more than {MAX_ROWS:,} rows")])
        yield i, tuple(values or ())


def _convert(file: str, sheet: str, row: int, column: str, v):
    """A cell by the kind of its column: text as text ("" when blank), numbers as numbers (None when blank)."""
    if column in _INT_COLUMNS or column in _FLOAT_COLUMNS:
        if _blank(v):
            return None
        if isinstance(v, bool):
            v = int(v)
        if isinstance(v, str):
            try:
                v = float(v.strip())
            except ValueError:
                raise InputError([Issue(file, sheet, row, column, f"expected a number, got {v!r}")]) from None
        if not isinstance(v, (int, float)):
            raise InputError([Issue(file, sheet, row, column, f"expected a number, got {v!r}")])
        return _whole(v)
    if _blank(v):
        return ""
    if isinstance(v, float):
        v = _whole(v)
    return str(v).strip() if isinstance(v, str) else str(v)


def _header(values: tuple) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(values):
        if _blank(h):
            continue
        key = str(h).strip().lower()
        cols.setdefault(key, i)
    return cols


def _read_table(file: str, sheet: str, ws) -> pd.DataFrame:
    """The table at A1 of a data sheet, columns by header name, in ``COLUMNS[sheet]`` order."""
    rows = _rows(file, ws)
    _, head = next(rows, (1, ()))
    cols = _header(head)
    absent = [c for c in SPEC_COLUMNS[sheet] if c not in cols]
    if absent:
        raise InputError([Issue(file, sheet, 1, None,
                                f"not a plan workbook: the header row has no {', '.join(absent)} column"
                                f"{'s' if len(absent) > 1 else ''}")])
    wanted = [c for c in COLUMNS[sheet] if c in cols]
    out = []
    for row_no, values in rows:
        cells = {c: (values[cols[c]] if cols[c] < len(values) else None) for c in wanted}
        if all(_blank(v) for v in cells.values()):
            continue
        out.append({c: _convert(file, sheet, row_no, c, v) for c, v in cells.items()})
    df = pd.DataFrame(out, columns=wanted)
    for c in COLUMNS[sheet]:
        if c not in df.columns:
            df[c] = None if (c in _INT_COLUMNS or c in _FLOAT_COLUMNS) else ""
    return df[list(COLUMNS[sheet])]


def _read_summary(file: str, ws):
    """Summary rows (parameter, value) down to the first blank row; then the solve log and notes if present."""
    rows = _rows(file, ws)
    _, head = next(rows, (1, ()))
    cols = _header(head)
    absent = [c for c in ("parameter", "value") if c not in cols]
    if absent:
        raise InputError([Issue(file, "Summary", 1, None,
                                f"not a plan workbook: the header row has no {' and no '.join(absent)} column")])
    jp, jv = cols["parameter"], cols["value"]
    summary: list[tuple[str, object]] = []
    seen: set[str] = set()
    for _, values in rows:
        p = values[jp] if jp < len(values) else None
        v = values[jv] if jv < len(values) else None
        if _blank(p) and _blank(v):
            break
        if _blank(p):
            continue
        key = str(_whole(p)).strip()
        if key in seen:
            continue
        seen.add(key)
        if isinstance(v, str) and not v.strip():
            v = None
        summary.append((key, _whole(v) if isinstance(v, float) else v))

    # the solve log and the notes, each a table under a title row
    found: dict[str, pd.DataFrame] = {}
    kinds = {"log": SOLVE_LOG_COLUMNS, "notes": NOTES_COLUMNS}
    current: str | None = None
    collected: list = []

    def finish() -> None:
        if current is not None and current not in found:
            found[current] = _frame(file, "Summary", kinds[current], collected)

    for row_no, values in rows:
        cells = [None if _blank(v) else v for v in values]
        text = tuple(str(v).strip().lower() if v is not None else "" for v in cells)
        kind = next((k for k, cols in kinds.items() if text[: len(cols)] == cols), None)
        if kind is not None:
            finish()
            current, collected = kind, []
        elif current is not None and all(v is None for v in cells):
            finish()
            current = None
        elif current is not None:
            collected.append((row_no, cells))
    finish()
    return summary, found.get("log"), found.get("notes")


def _frame(file: str, sheet: str, columns: tuple[str, ...], rows) -> pd.DataFrame:
    out = []
    for row_no, cells in rows:
        padded = list(cells) + [None] * (len(columns) - len(cells))
        out.append({c: _convert(file, sheet, row_no, c, padded[i]) for i, c in enumerate(columns)})
    return pd.DataFrame(out, columns=list(columns))


def _complete_coverage(frames: dict[str, pd.DataFrame]) -> None:
    """Coverage priority / weight when the sheet lacks those (extra) columns: from Tasks, and weight 1."""
    cov, tasks = frames["Coverage"], frames["Tasks"]
    if cov.empty:
        return
    if cov["priority"].isna().any():
        pri = dict(zip(tasks["task"], tasks["priority"]))
        cov["priority"] = [p if p is not None and not pd.isna(p) else pri.get(t)
                           for t, p in zip(cov["task"], cov["priority"])]
    if cov["weight"].isna().any():
        cov["weight"] = [1 if w is None or pd.isna(w) else w for w in cov["weight"]]


def _parse_options(text) -> dict:
    """"gap=0.01, time_limit=60" (the Summary's options row) -> {"gap": 0.01, "time_limit": 60}."""
    out: dict = {}
    if _blank(text):
        return out
    for part in str(text).split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            continue
        value = value.strip()
        try:
            number = float(value)
            out[key.strip()] = int(number) if number.is_integer() and "." not in value else number
        except ValueError:
            out[key.strip()] = value
    return out


__all__ = ["is_plan_workbook", "read_plan_report"]
