"""What-if changes as data: raw tables + changes -> a new, re-validated Problem.

A change names one cell: ``SHEET:KEY:COLUMN=VALUE``. KEY is the row's id (the
parameter for Scenario, whose column is ``value``); for sheets keyed by two
columns it is ``A/B`` (Basing ``task/location``, Requirements
``task/capability``); Caveats have no id, so their KEY is ``#N``, the row
number in the input workbook. ``--drop-nation`` removes a nation's pledges and
caveats (so it can neither contribute nor lead). Changes apply to a copy of the
tables; the copy is validated again, and a value a column does not accept is
reported against the change that set it. The input file is never written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .domain import Problem
from .errors import InputError, Issue, UsageError
from .schema import SHEETS_BY_NAME
from .validate import Table, build_problem, is_blank


@dataclass(frozen=True)
class Change:
    sheet: str
    key: str
    column: str
    value: str
    note: str = ""
    source: str = "--set"  # where the change came from, for messages

    @property
    def text(self) -> str:
        return f"{self.sheet}:{self.key}:{self.column}={self.value}"


@dataclass(frozen=True)
class Applied:
    """One applied change, as logged: ``sheet key column: old -> new``."""

    sheet: str
    key: str
    column: str
    old: object
    new: object
    note: str = ""

    def __str__(self) -> str:
        return f"{self.sheet} {self.key} {self.column}: {_show(self.old)} -> {_show(self.new)}"


def _show(v: object) -> str:
    if v is None or (isinstance(v, str) and not v.strip()):
        return "(blank)"
    return str(v)


def parse_change(text: str, source: str = "--set") -> Change:
    """``SHEET:KEY:COLUMN=VALUE`` -> Change (UsageError naming the text when malformed)."""
    head, sep, value = text.partition("=")
    parts = head.split(":")
    if not sep or len(parts) != 3 or not all(p.strip() for p in parts):
        raise UsageError(f"{source} {text!r}: expected SHEET:KEY:COLUMN=VALUE")
    sheet, key, column = (p.strip() for p in parts)
    return Change(sheet, key, column, value.strip(), source=source)


def _sheet_name(name: str) -> str | None:
    for s in SHEETS_BY_NAME:
        if s.lower() == name.strip().lower():
            return s
    return None


def _row_key(sheet, row_no: int, values: dict) -> str:
    if sheet.key_value:
        v = values.get("parameter")
        return "" if is_blank(v) else str(v).strip().lower()
    if not sheet.key:
        return f"#{row_no}"
    parts = []
    for k in sheet.key:
        v = values.get(k)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        parts.append("" if v is None else str(v).strip())
    return "/".join(parts)


def apply_changes(tables: dict[str, Table], changes: list[Change], drop_nations: list[str] = (),
                  file: str = "") -> tuple[Problem, list[Applied]]:
    """Apply changes to a copy of the tables, validate again, and return the new Problem with the log."""
    tables = copy.deepcopy(tables)
    errors: list[str] = []
    applied: list[Applied] = []
    seen: dict[tuple[str, str, str], Change] = {}
    changed_cells: dict[tuple[str, int, str], Change] = {}

    known_nations = set()
    nations = tables.get("Nations")
    if nations is not None:
        known_nations = {str(v.get("nation")).strip() for _, v in nations.rows if not is_blank(v.get("nation"))}
    for nation in drop_nations:
        if nation not in known_nations:
            errors.append(f"--drop-nation {nation}: unknown nation (not on sheet Nations)")
            continue
        for sheet_name, label in (("Pledges", "pledge"), ("Caveats", "caveat")):
            table = tables.get(sheet_name)
            if table is None:
                continue
            kept = []
            for row_no, values in table.rows:
                if str(values.get("nation", "")).strip() == nation:
                    key = _row_key(SHEETS_BY_NAME[sheet_name], row_no, values)
                    applied.append(Applied(sheet_name, key, "(row)", f"{label} of {nation}", "removed",
                                           f"--drop-nation {nation}"))
                else:
                    kept.append((row_no, values))
            table.rows = kept

    for ch in changes:
        sheet_name = _sheet_name(ch.sheet)
        if sheet_name is None:
            errors.append(f"{ch.source} {ch.text}: unknown sheet {ch.sheet!r} "
                          f"(expected one of {', '.join(SHEETS_BY_NAME)})")
            continue
        sheet = SHEETS_BY_NAME[sheet_name]
        column = ch.column.strip().lower()
        allowed = ("value",) if sheet.key_value else tuple(c.name for c in sheet.columns)
        if column not in allowed:
            errors.append(f"{ch.source} {ch.text}: unknown column {ch.column!r} on sheet {sheet_name} "
                          f"(expected one of {', '.join(allowed)})")
            continue
        key = ch.key.strip().lower() if sheet.key_value else ch.key.strip()
        cell = (sheet_name, key, column)
        if cell in seen:
            errors.append(f"{ch.source} {ch.text}: changes the same cell as {seen[cell].source} {seen[cell].text}")
            continue
        seen[cell] = ch
        table = tables.get(sheet_name)
        match = None
        if table is not None:
            for row_no, values in table.rows:
                if _row_key(sheet, row_no, values) == key:
                    match = (row_no, values)
                    break
        if match is None and sheet.key_value and table is not None and key in {p.name for p in sheet.parameters}:
            # a known parameter left at its default: the change adds its row
            row_no = max((r for r, _ in table.rows), default=1) + 1
            table.rows.append((row_no, {"parameter": key, "value": None}))
            match = table.rows[-1]
        if match is None:
            what = "parameter" if sheet.key_value else ("row" if not sheet.key else "/".join(sheet.key))
            errors.append(f"{ch.source} {ch.text}: no {what} {ch.key!r} on sheet {sheet_name}")
            continue
        row_no, values = match
        old = values.get(column)
        values[column] = ch.value
        if column not in table.columns:
            table.columns = table.columns + (column,)
        changed_cells[(sheet_name, row_no, column)] = ch
        applied.append(Applied(sheet_name, ch.key, column, old, ch.value, ch.note))
    if errors:
        raise UsageError("\n".join(errors))
    try:
        problem = build_problem(tables, file=file)
    except InputError as exc:
        issues = []
        for issue in exc.issues:
            ch = changed_cells.get((issue.sheet, issue.row, issue.column))
            if ch is not None:
                issues.append(Issue(file, issue.sheet, issue.row, issue.column,
                                    f"{ch.source} {ch.text}: {issue.message}"))
            else:
                issues.append(issue)
        raise InputError(issues) from None
    return problem, applied


def read_changes(path) -> list[Change]:
    """The ``Changes`` sheet of a workbook: columns sheet, key, column, value, note."""
    from pathlib import Path

    import openpyxl

    from .workbook.read import check_archive

    path = Path(path)
    problems = check_archive(path)
    if problems:
        raise InputError(problems)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any parse failure is a refusal
        raise InputError([Issue(str(path), None, None, f"not a readable .xlsx workbook ({exc})")]) from None
    name = next((n for n in wb.sheetnames if n.strip().lower() == "changes"), None)
    if name is None:
        raise InputError([Issue(str(path), "Changes", None, None, "sheet is missing")])
    rows = wb[name].iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    missing = [c for c in ("sheet", "key", "column", "value") if c not in header]
    if missing:
        raise InputError([Issue(str(path), "Changes", 1, c, "required column is missing") for c in missing])
    out = []
    for i, row in enumerate(rows, start=2):
        rec = dict(zip(header, row))
        if all(is_blank(rec.get(c)) for c in ("sheet", "key", "column", "value")):
            continue
        bad = [c for c in ("sheet", "key", "column") if is_blank(rec.get(c))]
        if bad:
            raise InputError([Issue(str(path), "Changes", i, c, "missing value") for c in bad])
        value = rec.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = rec["key"]
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        out.append(Change(str(rec["sheet"]).strip(), str(key).strip(), str(rec["column"]).strip(),
                          "" if value is None else str(value).strip(), str(rec.get("note") or ""),
                          source=f"{path.name} Changes row {i}"))
    return out
