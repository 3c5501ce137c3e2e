"""Raw sheet tables -> validated ``Problem``, reporting every problem at once.

The input is a plain mapping of sheet name to rows (``Table``), so the same
checks serve a workbook read from disk and a what-if copy changed in memory.
Checks run in layers: cell types and ranges per column (driven by
``schema.SHEETS``), then per-sheet rules (duplicates, period ranges), then
cross-sheet references. A row with a bad cell is still used for the later
layers where its other cells allow, so one run lists everything.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import unicodedata
from dataclasses import dataclass, field

from . import domain as d
from .errors import InputError, Issue
from .schema import NO, NO_COUNTRY, SHEETS, YES, Column, Sheet


@dataclass
class Table:
    """One sheet's records: spreadsheet row number and a value per column."""

    sheet: str
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the column names present in the header
    unknown: tuple[tuple[str, str], ...] = ()  # (header cell, text) of columns the sheet does not have


_NOUN = {"Nations": "nation", "Capabilities": "capability", "Locations": "location", "Tasks": "task"}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def show(value: object) -> str:
    """A cell value as the user typed it, for messages: text quoted, dates as dates."""
    import datetime as _dt

    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time():
            return f"the date {value:%Y-%m-%d}"
        return f"the date and time {value:%Y-%m-%d %H:%M}"
    if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
        return f"the date/time {value}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return repr(value)


def convert(col: Column, value: object) -> tuple[object, str | None]:
    """Convert one non-blank cell to the column's type; (value, error message)."""
    if isinstance(value, str):
        value = value.strip()
    kind = col.kind
    if kind in ("id", "ref"):
        if isinstance(value, bool):
            return None, f"expected {col.expects}, got {show(value)}"
        if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
            return None, (f"expected {col.expects}, got {show(value)} (the spreadsheet may have turned the id "
                          "into a date: format the column as Text and type the id again)")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        control = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
        if control is not None:
            return None, (f"expected {col.expects} without control characters (tab, line break …), "
                          f"got {show(value)}, which holds U+{ord(control):04X}")
        return text, None
    if kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value), None
    if kind == "yesno":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if text in YES:
            return True, None
        if text in NO:
            return False, None
        return None, f"expected yes or no (also true/false, y/n, 1/0), got {show(value)}"
    if kind == "enum":
        text = str(value).strip().lower()
        if text in col.choices:
            return text, None
        return None, f"expected {col.expects}, got {show(value)}"
    if kind == "country":
        text = str(value).strip().upper()
        if text == NO_COUNTRY or (len(text) == 3 and text.isalpha() and text.isascii()):
            return text, None
        return None, f"expected a 3-letter ISO country code or {NO_COUNTRY}, got {show(value)}"
    # numbers
    number: float
    if isinstance(value, bool):
        return None, f"expected {col.expects}, got {show(value)}"
    if isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).replace("\u00a0", "").strip())
        except ValueError:
            return None, f"expected {col.expects}, got {show(value)}"
    if isinstance(number, float) and not math.isfinite(number):
        return None, f"expected {col.expects}, got {show(value)}"
    if kind == "int":
        if isinstance(number, float):
            if not number.is_integer():
                return None, f"expected {col.expects}, got {show(value)}"
            number = int(number)
    else:
        number = float(number)
    if col.minimum is not None:
        if number < col.minimum or (col.exclusive_minimum and number <= col.minimum):
            return None, f"expected {col.expects}, got {show(value)}"
    if col.maximum is not None and number > col.maximum:
        return None, f"expected {col.expects}, got {show(value)}"
    return number, None


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []

    def add(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(self.file, sheet, row, column, message))

    def records(self, sheet: Sheet, table: Table | None) -> list[tuple[int, dict[str, object], set[str]]]:
        """Typed records of a sheet: (row, values, names of columns whose cell was bad)."""
        if table is None:
            return []
        missing_cols = [c for c in sheet.required_columns if c not in table.columns]
        for c in missing_cols:
            self.add(sheet.name, 1, c, "required column is missing from the header row" + _misspelt(table, c))
        out = []
        for row_no, raw in table.rows:
            if all(is_blank(v) for v in raw.values()):
                continue  # SPEC: blank rows are skipped
            values: dict[str, object] = {}
            bad: set[str] = set()
            for col in sheet.columns:
                cell = raw.get(col.name, None)
                if is_blank(cell):
                    if col.required and col.name not in missing_cols:
                        self.add(sheet.name, row_no, col.name, f"missing value (expected {col.expects})")
                        bad.add(col.name)
                    values[col.name] = col.default
                    continue
                value, error = convert(col, cell)
                if error:
                    self.add(sheet.name, row_no, col.name, error)
                    bad.add(col.name)
                    values[col.name] = None
                else:
                    values[col.name] = value
            bad.update(missing_cols)
            out.append((row_no, values, bad))
        return out

    def unique(self, sheet: Sheet, records) -> None:
        if not sheet.key:
            return
        seen: dict[tuple, int] = {}
        for row_no, values, bad in records:
            if bad & set(sheet.key):
                continue
            key = tuple(values[k] for k in sheet.key)
            if key in seen:
                what = ", ".join(f"{k}={v}" for k, v in zip(sheet.key, key))
                self.add(sheet.name, row_no, sheet.key[-1] if len(sheet.key) > 1 else sheet.key[0],
                         f"duplicate {what} (first at row {seen[key]})")
            else:
                seen[key] = row_no

    def refs(self, sheet: Sheet, records, known: dict[str, set[str] | None]) -> None:
        for row_no, values, bad in records:
            for col in sheet.columns:
                if col.kind != "ref" or col.name in bad or values[col.name] is None:
                    continue
                if known[col.ref] is None:
                    continue  # that sheet or its id column is missing, reported once already
                value = values[col.name]
                if value not in known[col.ref]:
                    hint = ""
                    same = sorted(k for k in known[col.ref] if k.lower() == value.lower())
                    if same:
                        hint = f"; ids are case-sensitive: did you mean {same[0]!r}?"
                    self.add(sheet.name, row_no, col.name,
                             f"unknown {_NOUN[col.ref]} {value!r} (not on sheet {col.ref}){hint}")


def _scenario(chk: _Checker, sheet: Sheet, table: Table | None) -> tuple[dict[str, object], int | None]:
    """Scenario parameter rows -> parameter values (defaults filled), and the horizon's row."""
    params = {p.name: p for p in sheet.parameters}
    values: dict[str, object] = {}
    rows: dict[str, int] = {}
    if table is not None:
        for c in ("parameter", "value"):
            if c not in table.columns:
                chk.add(sheet.name, 1, c, "required column is missing from the header row" + _misspelt(table, c))
        if "parameter" not in table.columns or "value" not in table.columns:
            table = None  # reported above; the rows cannot be read
    if table is not None:
        for row_no, raw in table.rows:
            name_raw = raw.get("parameter")
            if is_blank(name_raw):
                if not is_blank(raw.get("value")):
                    chk.add(sheet.name, row_no, "parameter", "missing parameter name for this value")
                continue
            name = str(name_raw).strip().lower()
            if name not in params:
                chk.add(sheet.name, row_no, "parameter",
                        f"unknown parameter {name_raw!r} (expected one of {', '.join(params)})")
                continue
            if name in rows:
                chk.add(sheet.name, row_no, "parameter", f"duplicate parameter {name} (first at row {rows[name]})")
                continue
            rows[name] = row_no
            cell = raw.get("value")
            spec = params[name]
            if is_blank(cell):
                if spec.required:
                    chk.add(sheet.name, row_no, "value", f"missing value for {name} (expected {spec.expects})")
                continue
            value, error = convert(spec, cell)
            if error:
                chk.add(sheet.name, row_no, "value", f"{name}: {error}")
            else:
                values[name] = value
    for spec in sheet.parameters:
        if spec.name not in rows and spec.required and table is not None:
            chk.add(sheet.name, None, None, f"missing required parameter {spec.name} ({spec.description.lower()})")
        values.setdefault(spec.name, spec.default)
    return values, rows.get("horizon")


def _misspelt(table: Table, column: str) -> str:
    """'; is 'nations' in B1 meant to be nation?' when an unknown header is close to a missing column."""
    for cell, text in table.unknown:
        if difflib.get_close_matches(text.strip().lower(), [column], n=1, cutoff=0.6):
            return f"; is {show(text)} in {cell} meant to be {column}?"
    return ""


def unknown_columns(tables: dict[str, Table], file: str = "", strict: bool = False) -> list[Issue]:
    """One issue per column header a SPEC sheet does not have, with the nearest column name.

    They are warnings (the column is ignored), or with ``strict`` errors.
    """
    out = []
    for sheet in SHEETS:
        table = tables.get(sheet.name)
        if table is None:
            continue
        names = [c.name for c in sheet.columns]
        for cell, text in table.unknown:
            near = difflib.get_close_matches(text.strip().lower(), names, n=1, cutoff=0.6)
            what = f"unknown column in {cell}" + (" (--strict)" if strict else ", ignored")
            hint = f"did you mean {near[0]}?" if near else f"the sheet's columns are {', '.join(names)}"
            label = text if text.isprintable() and 0 < len(text) <= 60 else show(text)[:60]
            out.append(Issue(file, sheet.name, 1, label, f"{what}: {hint}"))
    return out


def build_problem(tables: dict[str, Table], file: str = "", strict: bool = False) -> d.Problem:
    """Validate the raw tables of every SPEC sheet and build the ``Problem``.

    Raises ``InputError`` with every problem found. A sheet missing from
    ``tables`` is reported once as missing. A column a sheet does not have is
    ignored and named in ``Problem.warnings``; with ``strict`` it is an error.
    """
    chk = _Checker(file)
    unknown = unknown_columns(tables, file, strict)
    if strict:
        chk.issues += unknown
    recs: dict[str, list] = {}
    for sheet in SHEETS:
        table = tables.get(sheet.name)
        if table is None:
            chk.add(sheet.name, None, None, "sheet is missing (see `forcegen template` for the layout)")
        if sheet.key_value:
            continue
        recs[sheet.name] = chk.records(sheet, table)
        chk.unique(sheet, recs[sheet.name])
    sheet_of = {s.name: s for s in SHEETS}
    scenario_values, _ = _scenario(chk, sheet_of["Scenario"], tables.get("Scenario"))
    horizon = scenario_values.get("horizon")

    known: dict[str, set[str] | None] = {}
    for name, id_col in (("Nations", "nation"), ("Capabilities", "capability"), ("Locations", "location"),
                         ("Tasks", "task")):
        if name in tables and id_col in tables[name].columns:
            known[name] = {v[id_col] for _, v, b in recs[name] if id_col not in b}
        else:
            known[name] = None
    for name in ("Basing", "Requirements", "Pledges", "Caveats"):
        chk.refs(sheet_of[name], recs[name], known)

    def period_range(sheet: str, row_no: int, values, bad, first: str, last: str) -> None:
        for c in (first, last):
            v = values[c]
            if c in bad or v is None or horizon is None:
                continue
            if v > horizon:
                chk.add(sheet, row_no, c, f"period {v} is outside 1..{horizon} (Scenario horizon)")
        if first not in bad and last not in bad and values[first] is not None and values[last] is not None:
            if values[first] > values[last]:
                chk.add(sheet, row_no, first, f"{first} {values[first]} is after {last} {values[last]}")

    for row_no, v, bad in recs["Tasks"]:
        period_range("Tasks", row_no, v, bad, "start_period", "end_period")
    for row_no, v, bad in recs["Pledges"]:
        period_range("Pledges", row_no, v, bad, "from_period", "to_period")

    based = {v["task"] for _, v, b in recs["Basing"] if "task" not in b}
    required = {v["task"] for _, v, b in recs["Requirements"] if "task" not in b}

    def readable(name: str) -> bool:
        return name in tables and "task" in tables[name].columns

    for row_no, v, bad in recs["Tasks"]:
        if "task" in bad or v.get("active") is False:
            continue
        if readable("Basing") and v["task"] not in based:
            chk.add("Tasks", row_no, "task", f"active task {v['task']} has no row on sheet Basing")
        if readable("Requirements") and v["task"] not in required:
            chk.add("Tasks", row_no, "task", f"active task {v['task']} has no row on sheet Requirements")

    for row_no, v, bad in recs["Caveats"]:
        if v["rule"] == "max_personnel" and v["limit"] is None and "limit" not in bad:
            chk.add("Caveats", row_no, "limit", "a max_personnel caveat needs a limit (whole number ≥ 0)")

    _logistics_checks(chk, scenario_values, recs)

    if chk.issues:
        raise InputError(sorted(chk.issues, key=_issue_order))
    notes = [str(i) for i in unknown] + _rotation_notes(file, recs["Pledges"])

    sv = scenario_values
    scenario = d.Scenario(
        horizon=int(sv["horizon"]),
        name=str(sv["name"] or ""),
        ceasefire=bool(sv["ceasefire"]),
        include_conditional=bool(sv["include_conditional"]),
        lead_min_share=float(sv["lead_min_share"]),
        currency=str(sv["currency"] or "EUR"),
        host_country=str(sv["host_country"]),
        supply_rate=_opt_float(sv["supply_rate"]),
        resupply_km=_opt_float(sv["resupply_km"]),
        lift_capacity=sv["lift_capacity"],
        straits=str(sv["straits"]),
        montreux_aggregate_t=float(sv["montreux_aggregate_t"]),
    )
    H = scenario.horizon
    return d.Problem(
        scenario=scenario,
        nations=tuple(
            d.Nation(v["nation"], v["name"], v["european"], v["fair_share"], bool(v["black_sea_state"]))
            for _, v, _ in recs["Nations"]
        ),
        capabilities=tuple(
            d.Capability(v["capability"], v["name"], v["domain"], v["unit"], v["personnel_per_unit"],
                         throughput=float(v["throughput"]), lift_per_period=float(v["lift_per_period"]),
                         tonnage=float(v["tonnage"]))
            for _, v, _ in recs["Capabilities"]
        ),
        locations=tuple(
            d.Location(v["location"], v["name"], v["country"], v["kind"], v["personnel_capacity"],
                       v["latitude"], v["longitude"], host_throughput=float(v["host_throughput"]),
                       in_area=v["in_area"], sea_area=str(v["sea_area"] or "").strip())
            for _, v, _ in recs["Locations"]
        ),
        tasks=tuple(
            d.Task(v["task"], v["name"], v["pillar"], v["priority"], v["start_period"], v["end_period"],
                   v["requires_ceasefire"], v["lead"], v["min_nations"], v["max_nation_share"], v["active"])
            for _, v, _ in recs["Tasks"]
        ),
        basing=tuple(d.Basing(v["task"], v["location"]) for _, v, _ in recs["Basing"]),
        requirements=tuple(
            d.Requirement(v["task"], v["capability"], v["units"], v["weight"]) for _, v, _ in recs["Requirements"]
        ),
        pledges=tuple(
            d.Pledge(
                v["pledge"], v["nation"], v["capability"], v["units"],
                v["from_period"] if v["from_period"] is not None else 1,
                v["to_period"] if v["to_period"] is not None else H,
                v["cost_per_unit"], v["status"],
                v["probability"] if v["probability"] is not None else (0.5 if v["status"] == "conditional" else 1.0),
                v["tour"], v["dwell"],
            )
            for _, v, _ in recs["Pledges"]
        ),
        caveats=tuple(
            d.Caveat(v["nation"], v["rule"], v["country"], v["domain"], v["capability"], v["pillar"], v["task"],
                     v["limit"], v["note"] or "", row_no)
            for row_no, v, _ in recs["Caveats"]
        ),
        source=file,
        warnings=tuple(notes),
    )


def _opt_float(value) -> float | None:
    return None if value is None else float(value)


def _logistics_checks(chk: _Checker, scenario: dict[str, object], recs: dict[str, list]) -> None:
    """SPEC 5.1's cross-checks: resupply_km with supply_rate, and coordinates of every basing location."""
    if scenario.get("supply_rate") is None:
        return
    if scenario.get("resupply_km") is None:
        chk.add("Scenario", None, None, "supply_rate is set (the sustainment rule is on) but resupply_km is "
                "missing: add a resupply_km row (km a depot can resupply, > 0)")
    ceasefire = scenario.get("ceasefire", True)
    horizon = scenario.get("horizon")
    active = set()
    for _, v, bad in recs["Tasks"]:
        if "task" in bad or v.get("active") is False:
            continue
        if v.get("requires_ceasefire") and ceasefire is False:
            continue
        if horizon is not None and v.get("start_period") is not None and v["start_period"] > horizon:
            continue
        active.add(v["task"])
    used: dict[str, str] = {}
    for _, v, bad in recs["Basing"]:
        if "task" not in bad and "location" not in bad and v["task"] in active:
            used.setdefault(v["location"], v["task"])
    for row_no, v, bad in recs["Locations"]:
        if "location" in bad or v["location"] not in used or v.get("country") == NO_COUNTRY:
            continue
        for c in ("latitude", "longitude"):
            if v.get(c) is None and c not in bad:
                chk.add("Locations", row_no, c, f"{c} is required: {v['location']} is a basing location of active "
                        f"task {used[v['location']]} and the sustainment rule is on (Scenario supply_rate)")


def _rotation_notes(file: str, pledges) -> list[str]:
    """A dwell without a tour has no effect (blank tour = no rotation limit): one warning per such row."""
    return [str(Issue(file, "Pledges", row_no, "dwell",
                      f"dwell {v['dwell']} without a tour has no effect (blank tour = no rotation limit); "
                      "set tour to apply it"))
            for row_no, v, _ in pledges if v["tour"] is None and v["dwell"]]


_SHEET_ORDER = {s.name: i for i, s in enumerate(SHEETS)}


def _issue_order(issue: Issue):
    return (
        _SHEET_ORDER.get(issue.sheet or "", -1),
        issue.row or 0,
        issue.column or "",
        issue.message,
    )
