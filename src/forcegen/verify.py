"""``forcegen verify``: re-check a plan workbook, possibly edited by hand.

An independent checker: it reads the plan's Allocations rows as they stand in
the workbook and re-derives every hard rule of SPEC section 2, and the
sustainment (5.1), lift (5.2), rotation (5.3) and straits (5.4) rules, from the input's
plain data (it imports nothing from ``model/`` or ``report.py`` and uses none of
the domain helpers that the model relies on, so a bug there is not repeated
here). It then recomputes the objective figures (shortfall by priority, cost,
contributions) and compares them with the plan's Summary sheet.

Each problem found is a ``Violation`` naming the sheet and row(s); a plan is
``ok`` when there is none.
"""

from __future__ import annotations

import math
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .domain import Problem, share_at_least, share_at_most, share_pair, share_text
from .errors import InputError, Issue

#: tolerance when comparing a stated figure with the recomputed one
REL_TOL = 1e-6
ABS_TOL = 1e-6

ALLOCATION_COLUMNS = ("period", "task", "location", "country", "nation", "capability", "pledge", "units",
                      "personnel", "cost")
#: without these a row cannot be placed; a plan whose header lacks one is not a plan workbook
ESSENTIAL_COLUMNS = ("period", "task", "location", "pledge", "units")
#: these are derived from the others; a missing one is reported, not fatal
DERIVED_COLUMNS = ("country", "nation", "capability", "personnel", "cost")

SHORTFALL_FIGURES = tuple(f"shortfall_p{k}" for k in (1, 2, 3, 4, 5))
FIGURES = SHORTFALL_FIGURES + ("total_cost", "contributions")
OPTIONAL_FIGURES = frozenset({"contributions"})

#: what a Tasks sheet lead cell may hold to say "no lead"
NO_LEAD = frozenset({"", "-", "—", "–", "none", "n/a"})

RULE_FORM = "well-formed"
RULE_SUPPLY = "rule 1 supply"
RULE_TASKS = "rule 2 tasks"
RULE_CAVEATS = "rule 3 caveats"
RULE_CAPACITY = "rule 4 capacity"
RULE_STAFFING = "rule 5 staffing"
RULE_SUSTAINMENT = "rule 5.1 sustainment"
RULE_LIFT = "rule 5.2 lift"
RULE_ROTATION = "rule 5.3 rotation"
RULE_MONTREUX = "rule 5.4 straits"
RULE_SUMMARY = "summary"

_SHEET_ORDER = {"Allocations": 0, "Tasks": 1, "Summary": 2}
_RULE_ORDER = {r: i for i, r in enumerate(
    (RULE_FORM, RULE_SUPPLY, RULE_TASKS, RULE_CAVEATS, RULE_CAPACITY, RULE_STAFFING, RULE_SUSTAINMENT, RULE_LIFT,
     RULE_ROTATION, RULE_MONTREUX, RULE_SUMMARY))}
#: relative tolerance on the totals of the sustainment and lift checks (SPEC 5.1, 5.2)
RULE_REL_TOL = Fraction(1, 10**9)


@dataclass(frozen=True)
class Violation:
    """One broken rule or mismatch, located by sheet and spreadsheet row (1 = header)."""

    sheet: str
    row: int | None
    rule: str
    message: str
    file: str = ""
    rows: tuple[int, ...] = ()  # every row involved when a sum over several rows breaks a rule

    def __str__(self) -> str:
        place = self.sheet
        if len(self.rows) > 1:
            place += " rows " + ", ".join(str(r) for r in self.rows)
        elif self.row is not None:
            place += f" row {self.row}"
        parts = ([self.file] if self.file else []) + [place, self.rule, self.message]
        return ": ".join(parts)


@dataclass
class Verification:
    """The outcome of ``verify_plan``."""

    file: str
    violations: list[Violation] = field(default_factory=list)
    recomputed: dict[str, float] = field(default_factory=dict)  # figures recomputed from the Allocations
    stated: dict[str, object] = field(default_factory=dict)  # the same figures as the Summary states them
    allocation_rows: int = 0  # non-blank Allocations rows read

    @property
    def ok(self) -> bool:
        return not self.violations


# --------------------------------------------------------------------------------------------
# cell parsing


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: object) -> str | None:
    """An id or text cell as text (a number as its text: 1 -> "1"); None when blank."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: object) -> float | None:
    if _blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _whole(value: object) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))


def _fmt(x: float) -> str:
    """A figure for a message: whole numbers without decimals, others to 6 significant digits."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6g}"




# --------------------------------------------------------------------------------------------
# reading the plan workbook


def _read_sheet(ws, wanted: tuple[str, ...], stop_at_blank: bool = False, file: str = ""
                ) -> tuple[dict[str, int], list[tuple[int, dict[str, object]]]]:
    """Header positions of the wanted columns and the rows below (row number, values).

    Blank rows are skipped, or end the table when ``stop_at_blank``. A sheet that
    openpyxl cannot parse is refused (InputError naming ``file`` and the sheet).
    """
    from .workbook.damaged import sheet_rows

    def refuse(exc: BaseException) -> InputError:
        return InputError([Issue(file, ws.title, None, None,
                                 f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})")])

    # size rows by their own cells, not by the sheet's <dimension> claim (which may say XFD1048576)
    reset = getattr(ws, "reset_dimensions", None)
    if reset is not None:
        reset()
    rows = sheet_rows(ws, refuse)
    header = next(rows, ()) or ()
    columns: dict[str, int] = {}
    for i, value in enumerate(header):
        if _blank(value):
            continue
        key = str(value).strip().lower()
        if key in wanted and key not in columns:
            columns[key] = i
    out = []
    for row_no, values in enumerate(rows, start=2):
        record = {k: (values[i] if i < len(values) else None) for k, i in columns.items()} if values else {}
        if all(_blank(v) for v in record.values()):
            if stop_at_blank:
                break
            continue
        out.append((row_no, record))
    return columns, out


@dataclass
class _PlanSheets:
    alloc_columns: dict[str, int]
    alloc_rows: list[tuple[int, dict[str, object]]]
    summary: dict[str, tuple[int, object]]  # parameter -> (row, value)
    tasks: dict[str, tuple[int, str | None]] | None  # task -> (row, stated lead); None: no Tasks sheet/lead column


def _load(plan_path: str | Path) -> _PlanSheets:
    name = str(plan_path)
    path = Path(plan_path)

    def refuse(msg: str, sheet: str | None = None) -> InputError:
        return InputError([Issue(name, sheet, None, None, msg)])

    if not path.is_file():
        raise refuse("file not found" if not path.exists() else "not a file")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:  # e.g. no permission to read it
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    if not head.startswith(b"PK"):
        raise refuse("not an .xlsx workbook; a plan workbook is the .xlsx file that `forcegen plan` writes")
    try:
        with zipfile.ZipFile(path) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise refuse("not an .xlsx workbook: the zip archive holds no Excel workbook")
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse(f"not an .xlsx workbook: damaged zip archive ({exc})") from None

    from .workbook.damaged import unreadable
    from .workbook.read import check_archive  # the same refusal of hostile files (zip bombs) as the input reader

    try:
        issues = check_archive(path)
    except OSError as exc:  # the file went away or cannot be read meanwhile
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    if issues:
        raise InputError(issues)
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
        raise refuse("defusedxml is not installed; refusing to parse XML unsafely")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except unreadable() as exc:  # what a damaged file raises is a refusal, never a traceback (a bug still is one)
        raise refuse(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        by_lower = {title.strip().lower(): title for title in wb.sheetnames}
        missing = [s for s in ("Allocations", "Summary") if s.lower() not in by_lower]
        if missing:
            raise refuse(f"not a plan workbook: no {' and no '.join(missing)} sheet")

        alloc_columns, alloc_rows = _read_sheet(wb[by_lower["allocations"]], ALLOCATION_COLUMNS, file=name)
        absent = [c for c in ESSENTIAL_COLUMNS if c not in alloc_columns]
        if absent:
            raise InputError([Issue(name, "Allocations", 1, None,
                                    f"not a plan workbook: the header row has no {', '.join(absent)} column"
                                    f"{'s' if len(absent) > 1 else ''}")])

        sum_columns, sum_rows = _read_sheet(wb[by_lower["summary"]], ("parameter", "value"), stop_at_blank=True,
                                            file=name)
        absent = [c for c in ("parameter", "value") if c not in sum_columns]
        if absent:
            raise InputError([Issue(name, "Summary", 1, None,
                                    f"not a plan workbook: the header row has no {' and no '.join(absent)} column")])
        summary: dict[str, tuple[int, object]] = {}
        for row_no, values in sum_rows:  # a second table (the solve log) may follow after a blank row
            key = _text(values.get("parameter"))
            if key is not None:
                summary.setdefault(key.lower(), (row_no, values.get("value")))

        tasks = None
        if "tasks" in by_lower:
            task_columns, task_rows = _read_sheet(wb[by_lower["tasks"]], ("task", "lead"), file=name)
            if "task" in task_columns and "lead" in task_columns:
                tasks = {}
                for row_no, values in task_rows:
                    tid = _text(values.get("task"))
                    if tid is None or tid in tasks:
                        continue
                    lead = _text(values.get("lead"))
                    if lead is not None and lead.lower() in NO_LEAD:
                        lead = None
                    tasks[tid] = (row_no, lead)
    finally:
        wb.close()
    return _PlanSheets(alloc_columns, alloc_rows, summary, tasks)


# --------------------------------------------------------------------------------------------
# the checks


@dataclass(frozen=True)
class _Row:
    row: int
    period: int
    task: str
    location: str
    pledge: str
    nation: str
    capability: str
    units: int
    personnel: int  # units × personnel_per_unit, from the input
    cost: float  # units × cost_per_unit, from the input


def verify_plan(problem: Problem, plan_path: str | Path) -> Verification:
    """Re-check a plan workbook against ``problem``: every hard rule, and the Summary's figures.

    Raises ``InputError`` when the file is not a readable xlsx or lacks the
    Allocations or Summary sheet (or their key columns).
    """
    file = str(plan_path)
    sheets = _load(plan_path)
    result = Verification(file=file)
    out = result.violations

    def flag(sheet: str, rows, rule: str, message: str) -> None:
        rows = tuple(sorted(set(rows)))
        out.append(Violation(sheet, rows[0] if rows else None, rule, message, file=file, rows=rows))

    horizon = problem.scenario.horizon

    # ---- each row well-formed ------------------------------------------------------------
    for col in DERIVED_COLUMNS:
        if col not in sheets.alloc_columns:
            flag("Allocations", [1], RULE_FORM, f"the header row has no {col} column")
    good: list[_Row] = []
    for row_no, values in sheets.alloc_rows:  # blank rows already skipped
        result.allocation_rows += 1
        bad = False

        def wrong(message: str) -> None:
            nonlocal bad
            bad = True
            flag("Allocations", [row_no], RULE_FORM, message)

        period = _whole(values.get("period"))
        if period is None:
            wrong(f"period {values.get('period')!r} is not a whole number" if not _blank(values.get("period"))
                  else "period is blank")
        elif not 1 <= period <= horizon:
            wrong(f"period {period} is outside 1..{horizon}")
        ids = {}
        for col, lookup in (("task", problem.task), ("location", problem.location), ("pledge", problem.pledge)):
            ident = _text(values.get(col))
            ids[col] = ident
            if ident is None:
                wrong(f"{col} is blank")
            elif ident not in lookup:
                wrong(f"unknown {col} {ident}")
        raw_units = values.get("units")
        units = _whole(raw_units)
        if units is None or units < 1:
            wrong("units is blank" if _blank(raw_units)
                  else f"units {raw_units!r} is not a whole number ≥ 1 (delete the row to remove an allocation)")

        # columns derived from the pledge and location, checked when those are known
        pledge = problem.pledge.get(ids["pledge"] or "")
        location = problem.location.get(ids["location"] or "")
        if pledge is not None:
            for col, expected in (("nation", pledge.nation), ("capability", pledge.capability)):
                if col in sheets.alloc_columns:
                    stated = _text(values.get(col))
                    if stated != expected:
                        flag("Allocations", [row_no], RULE_FORM,
                             f"{col} {stated if stated is not None else '(blank)'} does not match pledge "
                             f"{pledge.id}, whose {col} is {expected}")
        if location is not None and "country" in sheets.alloc_columns:
            stated = _text(values.get("country"))
            if stated is None or stated.upper() != location.country.upper():
                flag("Allocations", [row_no], RULE_FORM,
                     f"country {stated if stated is not None else '(blank)'} does not match location "
                     f"{location.id}, which is in {location.country}")
        if pledge is not None and units is not None and units >= 1:
            ppu = problem.capability[pledge.capability].personnel_per_unit
            for col, expected, how in (
                ("personnel", units * ppu, f"{units} × {ppu} personnel per unit"),
                ("cost", units * pledge.cost_per_unit, f"{units} × cost per unit {_fmt(pledge.cost_per_unit)}"),
            ):
                if col not in sheets.alloc_columns:
                    continue
                raw = values.get(col)
                stated_n = _number(raw)
                if stated_n is None or not _close(stated_n, expected):
                    shown = "(blank)" if _blank(raw) else repr(raw) if stated_n is None else _fmt(stated_n)
                    flag("Allocations", [row_no], RULE_FORM, f"{col} {shown} should be {_fmt(expected)} ({how})")
        if bad:
            continue  # cannot be placed: left out of the rule checks and the figures
        ppu = problem.capability[pledge.capability].personnel_per_unit
        good.append(_Row(row_no, period, ids["task"], ids["location"], pledge.id, pledge.nation,
                         pledge.capability, units, units * ppu, units * pledge.cost_per_unit))

    _check_rules(problem, good, sheets, flag)
    _check_sustainment(problem, good, flag)
    _check_lift(problem, good, flag)
    _check_rotation(problem, good, flag)
    _check_straits(problem, good, flag)
    _check_figures(problem, good, sheets, result, flag)

    out.sort(key=lambda v: (_SHEET_ORDER.get(v.sheet, 9), v.row or 0, _RULE_ORDER.get(v.rule, 99)))
    return result


def _active(problem: Problem, task, period: int) -> str | None:
    """Why ``task`` is not active in ``period`` (SPEC rule 2), or None when it is."""
    if not task.active:
        return "its active column is no"
    if task.requires_ceasefire and not problem.scenario.ceasefire:
        return "it requires a ceasefire and Scenario ceasefire is no"
    if not task.start_period <= period <= task.end_period:
        return f"it runs in periods {task.start_period}..{task.end_period}"
    return None


def _matches(problem: Problem, caveat, row: _Row) -> bool:
    """Whether an allocation matches every filter a caveat sets (SPEC rule 3)."""
    cap = problem.capability[row.capability]
    task = problem.task[row.task]
    country = problem.location[row.location].country
    return all((
        caveat.country is None or caveat.country == country,
        caveat.domain is None or caveat.domain == cap.domain,
        caveat.capability is None or caveat.capability == cap.id,
        caveat.pillar is None or caveat.pillar == task.pillar,
        caveat.task is None or caveat.task == task.id,
    ))


def _caveat_text(caveat) -> str:
    filters = [f"{k}={getattr(caveat, k)}" for k in ("country", "domain", "capability", "pillar", "task")
               if getattr(caveat, k) is not None]
    limit = f" ≤ {caveat.limit}" if caveat.rule == "max_personnel" else ""
    where = f" (Caveats row {caveat.row})" if caveat.row is not None else ""
    return f"{caveat.nation} {caveat.rule}{limit} [{', '.join(filters) or 'any'}]{where}"


def _check_rules(problem: Problem, rows: list[_Row], sheets: _PlanSheets, flag) -> None:
    sc = problem.scenario
    caveats_by_nation: dict[str, list] = defaultdict(list)
    for c in problem.caveats:
        caveats_by_nation[c.nation].append(c)
    required = {(r.task, r.capability): r.units for r in problem.requirements}
    basing: dict[str, list[str]] = defaultdict(list)
    for b in problem.basing:
        basing[b.task].append(b.location)

    supply: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    demand: dict[tuple[str, str, int], list[_Row]] = defaultdict(list)
    capped: dict[tuple[int, int], list[_Row]] = defaultdict(list)  # (caveat index, period)
    at_location: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    on_task: dict[tuple[str, int], list[_Row]] = defaultdict(list)

    for r in rows:
        pledge = problem.pledge[r.pledge]
        task = problem.task[r.task]
        where = f"pledge {r.pledge} on task {r.task} at {r.location} in period {r.period}"
        # rule 1, per row
        if not pledge.from_period <= r.period <= pledge.to_period:
            flag("Allocations", [r.row], RULE_SUPPLY,
                 f"pledge {r.pledge} is allocated in period {r.period}, outside its window "
                 f"{pledge.from_period}..{pledge.to_period}")
        if pledge.status == "conditional" and not sc.include_conditional:
            flag("Allocations", [r.row], RULE_SUPPLY,
                 f"pledge {r.pledge} is conditional and Scenario include_conditional is no")
        # rule 2, per row
        why = _active(problem, task, r.period)
        if why is not None:
            flag("Allocations", [r.row], RULE_TASKS, f"task {r.task} is not active in period {r.period}: {why}")
        if r.location not in basing.get(r.task, ()):
            flag("Allocations", [r.row], RULE_TASKS,
                 f"location {r.location} is not a basing location of task {r.task} "
                 f"(allowed: {', '.join(basing.get(r.task, ())) or 'none'})")
        if (r.task, r.capability) not in required:
            flag("Allocations", [r.row], RULE_TASKS,
                 f"capability {r.capability} (pledge {r.pledge}) is not required by task {r.task}")
        # rule 3, per row
        mine = caveats_by_nation.get(r.nation, [])
        for c in mine:
            if c.rule == "forbid" and _matches(problem, c, r):
                flag("Allocations", [r.row], RULE_CAVEATS, f"caveat {_caveat_text(c)} forbids {where}")
        only = [c for c in mine if c.rule == "only"]
        if only and not any(_matches(problem, c, r) for c in only):
            flag("Allocations", [r.row], RULE_CAVEATS,
                 f"{where} matches none of {r.nation}'s only caveats: "
                 + "; ".join(_caveat_text(c) for c in only))
        for i, c in enumerate(problem.caveats):
            if c.nation == r.nation and c.rule == "max_personnel" and _matches(problem, c, r):
                capped[(i, r.period)].append(r)
        supply[(r.pledge, r.period)].append(r)
        demand[(r.task, r.capability, r.period)].append(r)
        at_location[(r.location, r.period)].append(r)
        on_task[(r.task, r.period)].append(r)

    def rows_of(group: list[_Row]) -> list[int]:
        return [r.row for r in group]

    # rule 1: supply per (pledge, period)
    for (pid, period), group in supply.items():
        total = sum(r.units for r in group)
        if total > problem.pledge[pid].units:
            flag("Allocations", rows_of(group), RULE_SUPPLY,
                 f"pledge {pid} allocates {total} units in period {period}, pledged {problem.pledge[pid].units}")
    # rule 2: requirement per (task, capability, period)
    for (tid, cap, period), group in demand.items():
        need = required.get((tid, cap))
        total = sum(r.units for r in group)
        if need is not None and total > need:
            flag("Allocations", rows_of(group), RULE_TASKS,
                 f"task {tid} gets {total} units of {cap} in period {period}, requires {need}")
    # rule 3: max_personnel per (caveat, period)
    for (i, period), group in capped.items():
        c = problem.caveats[i]
        total = sum(r.personnel for r in group)
        if c.limit is not None and total > c.limit:
            flag("Allocations", rows_of(group), RULE_CAVEATS,
                 f"caveat {_caveat_text(c)}: {total} personnel of {c.nation} match it in period {period}, "
                 f"limit {c.limit}")
    # rule 4: capacity per (location, period)
    for (lid, period), group in at_location.items():
        cap = problem.location[lid].personnel_capacity
        total = sum(r.personnel for r in group)
        if cap is not None and total > cap:
            flag("Allocations", rows_of(group), RULE_CAPACITY,
                 f"location {lid} holds {total} personnel in period {period}, capacity {cap}")
    # rule 5: staffing per (task, period)
    staffed: dict[str, dict[int, dict[str, int]]] = defaultdict(dict)  # task -> period -> nation -> personnel
    for (tid, period), group in on_task.items():
        task = problem.task[tid]
        by_nation: dict[str, int] = defaultdict(int)
        units = 0
        for r in group:
            by_nation[r.nation] += r.personnel
            units += r.units
        if units <= 0:
            continue
        staffed[tid][period] = dict(by_nation)
        if len(by_nation) < task.min_nations:
            flag("Allocations", rows_of(group), RULE_STAFFING,
                 f"task {tid} has {len(by_nation)} contributing nation{'s' if len(by_nation) != 1 else ''} "
                 f"in period {period}, needs at least {task.min_nations}")
        total = sum(by_nation.values())
        if total > 0:
            for nation, pers in sorted(by_nation.items()):
                if not share_at_most(pers, total, task.max_nation_share):
                    actual, limit = share_pair(Fraction(pers, total), task.max_nation_share)
                    flag("Allocations", [r.row for r in group if r.nation == nation], RULE_STAFFING,
                         f"nation {nation} supplies {actual} of task {tid}'s personnel in period "
                         f"{period} ({pers} of {total}), max {limit}")
    for tid in sorted(staffed):
        task = problem.task[tid]
        if task.lead not in ("european", "any"):
            continue
        task_rows = [r.row for (t, _), group in on_task.items() if t == tid for r in group]
        stated_row, stated = (sheets.tasks or {}).get(tid, (None, None))
        if stated is not None:
            _check_stated_lead(problem, task, stated, stated_row, staffed[tid], flag)
        elif not any(not _lead_problems(problem, task, n.id, staffed[tid]) for n in problem.nations):
            sheet, where = ("Tasks", [stated_row]) if stated_row is not None else ("Allocations", task_rows)
            kind = "a European nation" if task.lead == "european" else "a nation"
            periods = ", ".join(str(p) for p in sorted(staffed[tid]))
            flag(sheet, where, RULE_STAFFING,
                 f"task {tid} needs a lead ({task.lead}) but no lead is stated and no nation qualifies: "
                 f"{kind} contributing in every staffed period ({periods}) with at least "
                 f"{share_text(sc.lead_min_share)} of the task's personnel in each")


def _lead_problems(problem: Problem, task, nation: str, periods: dict[int, dict[str, int]]) -> list[str]:
    """Why ``nation`` cannot lead ``task`` given its staffed periods (SPEC rule 5); empty if it can."""
    n = problem.nation.get(nation)
    if n is None:
        return [f"lead {nation} of task {task.id} is not a known nation"]
    out = []
    if task.lead == "european" and not n.european:
        out.append(f"lead {nation} of task {task.id} is not European (the task's lead is european)")
    share = problem.scenario.lead_min_share
    for period in sorted(periods):
        by_nation = periods[period]
        if nation not in by_nation:
            out.append(f"lead {nation} of task {task.id} does not contribute in period {period}, "
                       "where the task is staffed")
            continue
        total = sum(by_nation.values())
        if total > 0 and not share_at_least(by_nation[nation], total, share):
            actual, limit = share_pair(Fraction(by_nation[nation], total), share)
            out.append(f"lead {nation} supplies {actual} of task {task.id}'s personnel "
                       f"in period {period} ({by_nation[nation]} of {total}), needs at least {limit}")
    return out


def _check_stated_lead(problem: Problem, task, lead: str, row: int | None, periods, flag) -> None:
    for message in _lead_problems(problem, task, lead, periods):
        flag("Tasks", [row] if row is not None else [], RULE_STAFFING, message)


# --------------------------------------------------------------------------------------------
# SPEC 5.1 and 5.2: sustainment and lift, recomputed here from the rows and the input's plain data

_EARTH_KM = 6371.0088  # mean Earth radius (IUGG), km
_NO_COUNTRY = "---"


def _exact(x: float) -> Fraction:
    """A number as the decimal it was written as (0.1 -> 1/10), so sums and comparisons are exact."""
    return Fraction(repr(float(x)))


def _km(a, b) -> float | None:
    """Great-circle (haversine) distance between two Locations, None when either lacks coordinates."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _needs_supply(location) -> bool:
    return location.country.strip() != _NO_COUNTRY


def _in_area(location) -> bool:
    """SPEC 5.2: Locations in_area as given; blank = yes, and no where the country is ---."""
    return location.in_area if location.in_area is not None else location.country.strip() != _NO_COUNTRY


def _transport(supply: dict[str, Fraction], need: dict[str, Fraction], serves: dict[str, list[str]]
               ) -> tuple[Fraction, list[str]]:
    """Edmonds–Karp max-flow, in exact fractions, on ⊤ → source s (capacity supply[s]) → location l
    (unbounded, for each l in serves[s]) → ⊥ (capacity need[l]). Nodes are visited in sorted order, so
    the outcome is deterministic. Returns the flow's value and the locations the last search did not
    reach: the locations short of supply together with every source that could serve them (a min cut)."""
    top, bottom = ("0",), ("3",)
    res: dict[tuple, dict[tuple, Fraction | None]] = defaultdict(dict)  # residual capacity, None = unbounded

    def arc(u, v, cap) -> None:
        res[u][v] = cap
        res[v].setdefault(u, Fraction(0))

    for s in sorted(supply):
        arc(top, ("1", s), supply[s])
        for loc in sorted(serves.get(s, ())):
            if loc in need:
                arc(("1", s), ("2", loc), None)
    for loc in sorted(need):
        arc(("2", loc), bottom, need[loc])

    def search() -> dict:
        parent = {top: None}
        queue = [top]
        for u in queue:
            for v in sorted(res[u]):
                cap = res[u][v]
                if v not in parent and (cap is None or cap > 0):
                    parent[v] = u
                    queue.append(v)
        return parent

    total = Fraction(0)
    while True:
        parent = search()
        if bottom not in parent:
            break
        path, v = [], bottom
        while parent[v] is not None:
            path.append((parent[v], v))
            v = parent[v]
        push = min(res[u][v] for u, v in path if res[u][v] is not None)
        for u, v in path:
            if res[u][v] is not None:
                res[u][v] -= push
            if res[v][u] is not None:
                res[v][u] += push
        total += push
    return total, sorted(loc for loc in need if ("2", loc) not in parent)


def _check_sustainment(problem: Problem, rows: list[_Row], flag) -> None:
    """SPEC 5.1: in every period each location's need, supply_rate × personnel / 1000 t/day, can be
    delivered from sources within resupply_km (a location serves itself); a source delivers at most its
    host throughput plus throughput × the depot units allocated there. Checked as a max-flow per period."""
    sc = problem.scenario
    if sc.supply_rate is None:
        return
    rate = _exact(sc.supply_rate)
    km = sc.resupply_km or 0.0
    locations = {loc.id: loc for loc in problem.locations}
    serves: dict[str, list[str]] = {}  # source -> locations in its range (itself first)
    for s, ls in locations.items():
        near = []
        for lid, loc in locations.items():
            if lid != s and _needs_supply(loc):
                d = _km(ls, loc)
                if d is not None and d <= km:
                    near.append(lid)
        serves[s] = ([s] if _needs_supply(ls) else []) + near
    host = {lid: _exact(loc.host_throughput) for lid, loc in locations.items()}
    by_period: dict[int, list[_Row]] = defaultdict(list)
    for r in rows:
        by_period[r.period].append(r)
    for period in sorted(by_period):
        group = by_period[period]
        personnel: dict[str, int] = defaultdict(int)
        supply = {lid: h for lid, h in host.items() if h > 0}
        for r in group:
            personnel[r.location] += r.personnel
            thr = problem.capability[r.capability].throughput
            if thr > 0:
                supply[r.location] = supply.get(r.location, Fraction(0)) + r.units * _exact(thr)
        need = {lid: rate * pers / 1000 for lid, pers in personnel.items()
                if pers > 0 and _needs_supply(locations[lid]) and rate > 0}
        total_need = sum(need.values(), Fraction(0))
        if not need:
            continue
        flow, short = _transport(supply, need, serves)
        if total_need - flow <= RULE_REL_TOL * max(1, total_need):
            continue
        # the short locations fall apart into groups that share no source: one message per group
        sources_of = {lid: sorted(s for s in supply if lid in serves.get(s, ())) for lid in short}
        groups: list[tuple[set[str], set[str]]] = []
        for lid in short:
            mine, srcs = {lid}, set(sources_of[lid])
            for g in [g for g in groups if g[1] & srcs]:
                groups.remove(g)
                mine |= g[0]
                srcs |= g[1]
            groups.append((mine, srcs))
        for locs, srcs in sorted(groups, key=lambda g: sorted(g[0])):
            wanted = sum((need[lid] for lid in locs), Fraction(0))
            most = sum((supply[s] for s in srcs), Fraction(0))
            if wanted - most <= RULE_REL_TOL * max(1, wanted):
                continue
            names = ", ".join(sorted(locs))
            where = ("no source in range" if not srcs else "sources in range: "
                     + ", ".join(f"{s} {_fmt(float(supply[s]))}" for s in sorted(srcs)))
            flag("Allocations", [r.row for r in group if r.location in locs], RULE_SUSTAINMENT,
                 f"period {period}: supply within {_fmt(km)} km of {names} delivers at most "
                 f"{_fmt(float(most))} of {_fmt(float(wanted))} t/day needed ({where}; need = supply_rate "
                 f"{_fmt(sc.supply_rate)} t/day per 1,000 personnel)")


def _check_lift(problem: Problem, rows: list[_Row], flag) -> None:
    """SPEC 5.2: in every period p, Σ over in_area locations of max(0, personnel in p − personnel in p−1)
    (none before period 1) ≤ lift_capacity + Σ units × lift_per_period over the units allocated in p."""
    capacity = problem.scenario.lift_capacity
    if capacity is None:
        return
    in_area = {loc.id for loc in problem.locations if _in_area(loc)}
    personnel: dict[tuple[str, int], int] = defaultdict(int)
    at: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    lifters: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # period -> pledge -> units
    for r in rows:
        personnel[(r.location, r.period)] += r.personnel
        at[(r.location, r.period)].append(r)
        if problem.capability[r.capability].lift_per_period > 0:
            lifters[r.period][r.pledge] += r.units
    for period in range(1, problem.scenario.horizon + 1):
        moves = {lid: personnel.get((lid, period), 0) - personnel.get((lid, period - 1), 0)
                 for lid in sorted(in_area)}
        moves = {lid: m for lid, m in moves.items() if m > 0}
        arrivals = sum(moves.values())
        if not arrivals:
            continue
        parts = [f"surface and charter {_fmt(capacity)}"]
        available = Fraction(capacity)
        for pid, units in sorted(lifters[period].items()):
            per = problem.capability[problem.pledge[pid].capability].lift_per_period
            available += units * _exact(per)
            parts.append(f"{pid} {units} × {_fmt(per)}")
        if arrivals - available <= RULE_REL_TOL * max(1, available):
            continue
        flag("Allocations", [r.row for lid in moves for r in at[(lid, period)]], RULE_LIFT,
             f"period {period}: {arrivals} personnel arrive in the area of operations "
             f"({', '.join(f'{lid} +{m}' for lid, m in moves.items())}), lift available {_fmt(float(available))} "
             f"({' + '.join(parts)})")


def _check_rotation(problem: Problem, rows: list[_Row], flag) -> None:
    """SPEC 5.3: in every run of tour + dwell consecutive periods starting at p (cut at the horizon),
    a pledge with a tour deploys at most units × tour unit-periods."""
    horizon = problem.scenario.horizon
    by_pledge: dict[str, dict[int, list[_Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_pledge[r.pledge][r.period].append(r)
    for pledge in problem.pledges:
        if pledge.tour is None or pledge.id not in by_pledge:
            continue
        per = by_pledge[pledge.id]
        span = pledge.tour + pledge.dwell
        limit = pledge.units * pledge.tour
        reported: set[int] = set()
        for start in range(1, horizon + 1):
            end = min(horizon, start + span - 1)
            if start > 1 and start + span - 1 > horizon:
                break  # runs cut at the horizon lie inside the last full one
            group = [r for k in range(start, end + 1) for r in per.get(k, ())]
            total = sum(r.units for r in group)
            if total > limit and not {r.row for r in group} <= reported:  # overlapping runs: once per set of rows
                reported |= {r.row for r in group}
                flag("Allocations", [r.row for r in group], RULE_ROTATION,
                     f"pledge {pledge.id} ({pledge.nation}, {pledge.units} {pledge.capability}) deploys {total} "
                     f"unit-periods in periods {start}-{end}, limit {limit} (units {pledge.units} × tour "
                     f"{pledge.tour} in any {span} consecutive periods: tour {pledge.tour} + dwell {pledge.dwell})")


def _in_black_sea(sea_area: str | None) -> bool:
    return (sea_area or "").strip().lower().replace(" ", "_").replace("-", "_") == "black_sea"


def _check_straits(problem: Problem, rows: list[_Row], flag) -> None:
    """SPEC 5.4: warships (sea domain) of nations that are not Black Sea states at black_sea locations:
    none when the straits are closed; under montreux their tonnage per period within the aggregate,
    one nation's within two thirds of it (3 × tonnage ≤ 2 × aggregate, exactly)."""
    straits = problem.scenario.straits
    if straits not in ("montreux", "closed"):
        return
    limited = []
    for r in rows:
        cap = problem.capability[r.capability]
        nation = problem.nation.get(r.nation)
        if (cap.domain == "sea" and nation is not None and not nation.black_sea_state
                and _in_black_sea(problem.location[r.location].sea_area)):
            limited.append(r)
    if straits == "closed":
        for r in limited:
            flag("Allocations", [r.row], RULE_MONTREUX,
                 f"the straits are closed (Scenario straits): {r.nation}, not a Black Sea state, has {r.units} "
                 f"{r.capability} (sea) at Black Sea location {r.location} in period {r.period} (pledge {r.pledge})")
        return
    agg = _exact(problem.scenario.montreux_aggregate_t)
    by_period: dict[int, list[_Row]] = defaultdict(list)
    for r in limited:
        by_period[r.period].append(r)

    def tonnes(group: list[_Row]) -> Fraction:
        return sum((r.units * _exact(problem.capability[r.capability].tonnage) for r in group),
                   Fraction(0))

    for period, group in sorted(by_period.items()):
        total = tonnes(group)
        if total > agg:
            flag("Allocations", [r.row for r in group], RULE_MONTREUX,
                 f"Montreux: non-Black-Sea warships at Black Sea locations total {_fmt(float(total))} t in period "
                 f"{period}, aggregate limit {_fmt(float(agg))} t (Scenario montreux_aggregate_t)")
        by_nation: dict[str, list[_Row]] = defaultdict(list)
        for r in group:
            by_nation[r.nation].append(r)
        for nation, mine in sorted(by_nation.items()):
            own = tonnes(mine)
            if 3 * own > 2 * agg:
                flag("Allocations", [r.row for r in mine], RULE_MONTREUX,
                     f"Montreux: nation {nation}'s warships at Black Sea locations total {_fmt(float(own))} t in "
                     f"period {period}, more than two thirds of the {_fmt(float(agg))} t aggregate "
                     f"({_fmt(float(agg * 2 / 3))} t)")


def _check_figures(problem: Problem, rows: list[_Row], sheets: _PlanSheets, result: Verification, flag) -> None:
    """Recompute the objective figures from the placed rows and compare them with the Summary."""
    allocated: dict[tuple[str, str, int], int] = defaultdict(int)
    for r in rows:
        allocated[(r.task, r.capability, r.period)] += r.units
    shortfall = {k: 0.0 for k in SHORTFALL_FIGURES}
    for req in problem.requirements:
        task = problem.task[req.task]
        key = f"shortfall_p{task.priority}"
        if key not in shortfall:
            continue
        for period in range(1, problem.scenario.horizon + 1):
            if _active(problem, task, period) is None:
                missing = req.units - allocated.get((req.task, req.capability, period), 0)
                if missing > 0:
                    shortfall[key] += req.weight * missing
    result.recomputed.update(shortfall)
    result.recomputed["total_cost"] = float(sum(r.cost for r in rows))
    result.recomputed["contributions"] = float(len({(r.nation, r.task, r.period) for r in rows}))

    for key in FIGURES:
        if key not in sheets.summary:
            if key not in OPTIONAL_FIGURES:
                flag("Summary", [], RULE_SUMMARY, f"no {key} row; recomputed {_fmt(result.recomputed[key])}")
            continue
        row, raw = sheets.summary[key]
        stated = _number(raw)
        result.stated[key] = stated if stated is not None else raw
        want = result.recomputed[key]
        if stated is None:
            shown = "blank" if _blank(raw) else f"{raw!r}, not a number"
            flag("Summary", [row], RULE_SUMMARY, f"{key} is {shown}; recomputed {_fmt(want)}")
        elif not _close(stated, want):
            flag("Summary", [row], RULE_SUMMARY, f"{key} states {_fmt(stated)}, recomputed {_fmt(want)}")
