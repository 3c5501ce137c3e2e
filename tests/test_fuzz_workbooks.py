"""Fuzzed input workbooks: `validate` and `plan` answer every one with exit 0 or 2, never a traceback.

A valid workbook that fills every column of every sheet is written with
XlsxWriter after one to three of its cells (or header cells) have been replaced
by a drawn value: text with any unicode and control characters, whole and
decimal numbers of any size and sign, NaN and infinity (as a formula's cached
value, the only way they reach a file), booleans, dates and times, Excel error
values, numbers stored as text, formulas with a cached value of every kind and
without one, ids that differ from another row's only in case or surrounding
spaces, and misspelt or foreign column names.

For each workbook:

- ``validate`` exits 0, or 2 with one line per problem, each naming the file and
  a sheet, and a column wherever it names a row; a cell that holds an Excel
  error or a formula without a computed value is named by sheet, row and column;
- ``plan`` exits as ``validate`` did, repeats its problem lines, and after a
  failure leaves no output and no temporary file behind; after a success
  ``verify`` accepts the plan it wrote;
- neither prints "Traceback" or "internal error", and the input is not modified.

The default run draws a modest number of examples; ``pytest -m fuzz_long``
runs the same checks on many more (``FORCEGEN_FUZZ_EXAMPLES`` sets how many).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from forcegen.cli import cli
from forcegen.schema import SHEETS, SHEETS_BY_NAME

DEFAULT_EXAMPLES = 40
LONG_EXAMPLES = int(os.environ.get("FORCEGEN_FUZZ_EXAMPLES", "2000"))

ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


def base_rows() -> dict[str, list[dict]]:
    """A valid problem that fills every column of every sheet (Scenario: every parameter)."""
    return {
        "Scenario": [
            {"parameter": "name", "value": "fuzz"},
            {"parameter": "horizon", "value": 2},
            {"parameter": "ceasefire", "value": "yes"},
            {"parameter": "include_conditional", "value": "yes"},
            {"parameter": "lead_min_share", "value": 0.25},
            {"parameter": "currency", "value": "EUR"},
        ],
        "Nations": [
            {"nation": "AAA", "name": "Alpha", "european": "yes", "fair_share": 0.5},
            {"nation": "BBB", "name": "Bravo", "european": "no", "fair_share": 0.5},
        ],
        "Capabilities": [
            {"capability": "INF", "name": "Infantry", "domain": "land", "unit": "company",
             "personnel_per_unit": 100},
            {"capability": "HEL", "name": "Helicopters", "domain": "air", "unit": "flight",
             "personnel_per_unit": 40},
        ],
        "Locations": [
            {"location": "L1", "name": "Base one", "country": "UKR", "kind": "land_base",
             "personnel_capacity": 1000, "latitude": 50.45, "longitude": 30.52},
            {"location": "L2", "name": "Base two", "country": "POL", "kind": "air_base",
             "personnel_capacity": 500, "latitude": 52.2, "longitude": 21.0},
        ],
        "Tasks": [
            {"task": "T1", "name": "Task one", "pillar": "land", "priority": 1, "start_period": 1,
             "end_period": 2, "requires_ceasefire": "yes", "lead": "european", "min_nations": 1,
             "max_nation_share": 1, "active": "yes"},
            {"task": "T2", "name": "Task two", "pillar": "air", "priority": 2, "start_period": 1,
             "end_period": 1, "requires_ceasefire": "no", "lead": "none", "min_nations": 1,
             "max_nation_share": 0.75, "active": "yes"},
        ],
        "Basing": [
            {"task": "T1", "location": "L1"},
            {"task": "T2", "location": "L2"},
        ],
        "Requirements": [
            {"task": "T1", "capability": "INF", "units": 2, "weight": 1},
            {"task": "T2", "capability": "HEL", "units": 1, "weight": 2},
        ],
        "Pledges": [
            {"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 1, "from_period": 1,
             "to_period": 2, "cost_per_unit": 10, "status": "firm", "probability": 1},
            {"pledge": "P-B", "nation": "BBB", "capability": "INF", "units": 2, "from_period": 1,
             "to_period": 2, "cost_per_unit": 20, "status": "conditional", "probability": 0.5},
            {"pledge": "P-C", "nation": "BBB", "capability": "HEL", "units": 1, "from_period": 1,
             "to_period": 1, "cost_per_unit": 5.5, "status": "firm", "probability": 0.9},
        ],
        "Caveats": [
            {"nation": "BBB", "rule": "max_personnel", "country": "UKR", "domain": "land", "capability": "INF",
             "pillar": "land", "task": "T1", "limit": 150, "note": "a cap"},
            {"nation": "AAA", "rule": "forbid", "country": "POL", "domain": "air", "capability": "HEL",
             "pillar": "air", "task": "T2", "limit": None, "note": ""},
        ],
    }


def header(sheet: str) -> list[str]:
    spec = SHEETS_BY_NAME[sheet]
    return ["parameter", "value"] if spec.key_value else [c.name for c in spec.columns]


BASE = base_rows()
SHEET_NAMES = [s.name for s in SHEETS]
#: every data cell of the base workbook: (sheet, row index, column)
CELLS = [(s, i, c) for s in SHEET_NAMES for i in range(len(BASE[s])) for c in header(s)]
IDS = {"Nations": [r["nation"] for r in BASE["Nations"]],
       "Capabilities": [r["capability"] for r in BASE["Capabilities"]],
       "Locations": [r["location"] for r in BASE["Locations"]],
       "Tasks": [r["task"] for r in BASE["Tasks"]],
       "Pledges": [r["pledge"] for r in BASE["Pledges"]]}


# --- drawn values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """What to put in one cell: a plain value, or a formula with (or without) a cached value."""

    kind: str  # plain | formula | date | error
    value: object = None
    formula: str = ""

    @property
    def always_invalid(self) -> bool:
        """An Excel error, or a formula without a computed value: wrong in any column."""
        return self.kind == "error" or (self.kind == "formula" and self.value == "")


huge_ints = st.one_of(st.integers(), st.integers(-(10**40), 10**40),
                      st.sampled_from([0, -1, 1, 2, 3, 5, 6, 2**31, 2**53 + 1, 10**15, 10**16, -(10**9)]))
finite_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, 0.142857, 1e-300, 5e-324, 1e308, -1e308, 2.0**53, 1e15, 1e16]),
)
numbers = st.one_of(huge_ints, finite_floats)
texts = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=5),
    st.sampled_from(["", " ", "\t", "\u00a0", "\u200b", "é", "Ελλάδα", "日本", "🇺🇦", "a\nb", "_x0041_",
                     "=1+1", "'quoted", "NULL", "None", "nan", "N/A", "#N/A", "-", "---", "TRUE", "yes", "no"]),
)
numbers_as_text = st.one_of(
    numbers.map(str),
    numbers.map(lambda x: f"  {x}\u00a0"),
    st.sampled_from(["1,000", "1 000", "1e3", "1E-3", "+5", "-0", ".5", "5.", "0x10", "1_000", "١٢", "½", "12%",
                     "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "2.5", "0.142857", "3\u00a0"]),
)
dates = st.one_of(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)),
)
choices = st.sampled_from(sorted({v for s in SHEETS for c in (*s.columns, *s.parameters) for v in c.choices}
                                 | {"yes", "no", "y", "n", "true", "false", "1", "0", "UKR", "POL", "ukr", "---",
                                    "XX", "ABCD", *(i for ids in IDS.values() for i in ids)}))


def id_variants(ident: str) -> st.SearchStrategy[str]:
    """Ids that differ from ``ident`` only in case or surrounding spaces."""
    return st.sampled_from([ident.lower(), ident.swapcase(), ident + " ", " " + ident, ident + "\u00a0",
                            ident + "\t", ident.title(), f" {ident.lower()} "])


plain = st.one_of(
    numbers.map(lambda x: Value("plain", x)),
    texts.map(lambda x: Value("plain", x)),
    numbers_as_text.map(lambda x: Value("plain", x)),
    st.booleans().map(lambda x: Value("plain", x)),
    dates.map(lambda x: Value("date", x)),
    choices.map(lambda x: Value("plain", x)),
    st.just(Value("plain", None)),
)
cached = st.one_of(numbers, texts, numbers_as_text, st.booleans(), choices,
                   st.sampled_from([float("nan"), float("inf"), float("-inf")]))
formulas = st.one_of(
    cached.map(lambda x: Value("formula", x, "=IF(TRUE(),A1,B1)")),
    st.just(Value("formula", "", "=A1+1")),  # no computed value
    st.sampled_from(ERRORS).map(lambda e: Value("error", e, "=1/0")),
)
values = st.one_of(plain, plain, formulas)


@st.composite
def cell_value(draw, sheet: str, column: str, row: int):
    """A value for one cell; for id and reference columns, sometimes another row's id barely changed."""
    spec = SHEETS_BY_NAME[sheet]
    col = next((c for c in spec.columns if c.name == column), None)
    pool = None
    if col is not None and col.kind == "id":
        pool = IDS.get(sheet)
    elif col is not None and col.kind == "ref":
        pool = IDS.get(col.ref)
    if pool and draw(st.integers(0, 2)) == 0:
        return Value("plain", draw(st.sampled_from(pool).flatmap(id_variants)))
    return draw(values)


def header_value(column: str) -> st.SearchStrategy[Value]:
    near = [column + "s", column[:-1], column.upper() + " ", column.replace("_", " "), column.replace("_", ""),
            "x" + column, column.title()]
    return st.one_of(st.sampled_from(near), texts, st.sampled_from(["", "comment", "notes"])).map(
        lambda x: Value("plain", x))


@st.composite
def mutations(draw):
    """One to three changes: ((sheet, row index or -1 for the header, column), Value)."""
    out = {}
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 9)) == 0:
            sheet = draw(st.sampled_from(SHEET_NAMES))
            column = draw(st.sampled_from(header(sheet)))
            out[(sheet, -1, column)] = draw(header_value(column))
        else:
            sheet, row, column = draw(st.sampled_from(CELLS))
            out[(sheet, row, column)] = draw(cell_value(sheet, column, row))
    return out


# --- writing --------------------------------------------------------------------------------------


def write_fuzzed(path: Path, changes: dict, inline: bool = False) -> Path:
    """The base workbook with ``changes`` applied, written with XlsxWriter exactly as drawn.

    ``inline``: text as inline strings in the cells (XlsxWriter's constant-memory mode), not shared.
    """
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False, "constant_memory": inline})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for sheet in SHEET_NAMES:
        ws = wb.add_worksheet(sheet)
        cols = header(sheet)
        for j, c in enumerate(cols):
            put(ws, 0, j, changes.get((sheet, -1, c), Value("plain", c)), date_fmt)
        for i, row in enumerate(BASE[sheet]):
            for j, c in enumerate(cols):
                put(ws, i + 1, j, changes.get((sheet, i, c), Value("plain", row.get(c))), date_fmt)
    wb.close()
    return path


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def put(ws, r: int, c: int, v: Value, date_fmt) -> None:
    x = v.value
    if v.kind in ("formula", "error"):
        if isinstance(x, float) and x != x:
            x = "nan"  # cached as the text XlsxWriter would write for it, <v>nan</v>
        elif isinstance(x, str):
            x = _CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", x)  # escaped as Excel does (XML cannot hold them)
        ws.write_formula(r, c, v.formula, None, x)
    elif v.kind == "date":
        ws.write_datetime(r, c, x, date_fmt)
    elif x is None:
        return
    elif isinstance(x, bool):
        ws.write_boolean(r, c, x)
    elif isinstance(x, (int, float)):
        if isinstance(x, int) and abs(x) > 2**1023:
            ws.write_formula(r, c, "=0", None, str(x))  # a number beyond double range, as a cached value
        else:
            ws.write_number(r, c, x)
    else:
        ws.write_string(r, c, x[:32767])


# --- running --------------------------------------------------------------------------------------

LINE = re.compile(r"^(?P<sheet>[A-Za-z]+)(?: row (?P<row>\d+), (?P<column>[^:]+))?: (?P<message>.+)$")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def issue_lines(stderr: str, path: Path) -> list[str]:
    """The problem lines of stderr (not progress, warnings or the count)."""
    prefix = f"{path}: "
    return [ln for ln in stderr.splitlines() if ln.startswith(prefix)]


def check(changes: dict, inline: bool = False) -> tuple[str, set]:
    """Run validate, plan (and verify) on the fuzzed workbook: 'valid' or 'invalid', and the cells named."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = write_fuzzed(tmp / "in.xlsx", changes, inline)
        before = sha256(path)
        out_dir = tmp / "out"
        out_dir.mkdir()
        out = out_dir / "plan.xlsx"

        v = runner.invoke(cli, ["validate", str(path)])
        assert v.exit_code in (0, 2), (v.exit_code, v.output, changes)
        for text in (v.output,):
            assert "Traceback" not in text and "internal error" not in text, (text, changes)
        problems = issue_lines(v.stderr, path)
        named = set()
        if v.exit_code == 2:
            assert problems, (v.stderr, changes)
            assert re.fullmatch(r"\d+ problems? found", v.stderr.strip().splitlines()[-1]), v.stderr
            for ln in problems:
                m = LINE.match(ln[len(f"{path}: "):])
                assert m and m["sheet"] in SHEETS_BY_NAME, (ln, changes)
                if m["row"]:
                    named.add((m["sheet"], int(m["row"]), m["column"]))
            headers_changed = {s for (s, r, _) in changes if r == -1}
            for (sheet, row, column), value in changes.items():
                if row >= 0 and value.always_invalid and sheet not in headers_changed:
                    assert (sheet, row + 2, column) in named, (sheet, row + 2, column, problems)
        else:
            assert v.stdout.startswith(f"{path}: valid"), v.output

        p = runner.invoke(cli, ["plan", str(path), "-o", str(out), "--time-limit", "20", "--no-cache"])
        assert "Traceback" not in p.output and "internal error" not in p.output, (p.output, changes)
        assert p.exit_code == v.exit_code, (p.exit_code, p.output, changes)
        if p.exit_code == 2:
            assert issue_lines(p.stderr, path) == problems, (p.stderr, problems)
            assert list(out_dir.iterdir()) == [], list(out_dir.iterdir())
        else:
            assert out.is_file()
            r = runner.invoke(cli, ["verify", str(path), str(out)])
            assert r.exit_code == 0, (r.output, changes)
        assert sha256(path) == before
        return ("valid" if v.exit_code == 0 else "invalid"), named


def _settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_settings(DEFAULT_EXAMPLES)
@given(mutations(), st.booleans())
def test_fuzzed_workbooks(changes, inline):
    event(f"workbook {check(changes, inline)[0]}")


@pytest.mark.fuzz_long
@_settings(LONG_EXAMPLES)
@given(mutations(), st.booleans())
def test_fuzzed_workbooks_long(changes, inline):
    event(f"workbook {check(changes, inline)[0]}")


def test_the_base_workbook_is_valid_and_plans():
    assert check({}) == ("valid", set())


#: what fuzzing found, each a case of its own: (changes, the cell that must be named or None if valid)
FOUND = {
    "a horizon of a million periods (the plan never finished)":
        ({("Scenario", 1, "value"): Value("plain", 10**6)}, ("Scenario", 3, "value")),
    "a cost of 1e308 (the cost level overflowed)":
        ({("Pledges", 0, "cost_per_unit"): Value("plain", 1e308)}, ("Pledges", 2, "cost_per_unit")),
    "a weight of 1e308 (shortfall_p1 became infinite)":
        ({("Requirements", 0, "weight"): Value("plain", 1e308)}, ("Requirements", 2, "weight")),
    "min_nations 10**20 (beyond the solver's infinity, so no rule)":
        ({("Tasks", 0, "min_nations"): Value("plain", 10**20)}, ("Tasks", 2, "min_nations")),
    "10**30 units pledged (beyond the solver's infinity)":
        ({("Pledges", 1, "units"): Value("plain", 10**30)}, ("Pledges", 3, "units")),
    "a control character in an id (written to the plan as _x0001_, so verify could not find it)":
        ({("Nations", 0, "nation"): Value("plain", "AA\x01A")}, ("Nations", 2, "nation")),
    "a carriage return inside an id and its references (the plan would hold _x000D_ instead)":
        ({("Nations", 0, "nation"): Value("plain", "AA\rA"), ("Pledges", 0, "nation"): Value("plain", "AA\rA"),
          ("Caveats", 1, "nation"): Value("plain", "AA\rA")}, ("Nations", 2, "nation")),
    "a date in an id column and its references (a task id 3-4 turned into a date)":
        ({("Tasks", 1, "task"): Value("date", dt.datetime(2025, 3, 4)),
          ("Basing", 1, "task"): Value("date", dt.datetime(2025, 3, 4)),
          ("Requirements", 1, "task"): Value("date", dt.datetime(2025, 3, 4)),
          ("Caveats", 1, "task"): Value("date", dt.datetime(2025, 3, 4))}, ("Tasks", 3, "task")),
    "a literal _x0041_ in an id (read as written, not as the file escapes it)":
        ({("Locations", 0, "location"): Value("plain", "L_x0041_"),
          ("Basing", 0, "location"): Value("plain", "L_x0041_")}, None),
    "a name that holds control characters":
        ({("Nations", 1, "name"): Value("plain", "Bra\x01vo\r\n"),
          ("Scenario", 0, "value"): Value("plain", "fuzz\x02")}, None),
}


@pytest.mark.parametrize("case", FOUND, ids=range(len(FOUND)))
def test_what_fuzzing_found(case):
    changes, cell = FOUND[case]
    status, named = check(changes)
    assert status == ("valid" if cell is None else "invalid")
    if cell is not None:
        assert cell in named, named


KINDS_OF_BAD_CELL = [Value("error", e, "=1/0") for e in ERRORS] + [Value("formula", "", "=A1+1")]


@pytest.mark.parametrize("k", range(len(KINDS_OF_BAD_CELL)), ids=[*ERRORS, "no-cached-value"])
def test_an_error_or_uncomputed_formula_is_named_wherever_it_is(k):
    """Every data cell bad, the kinds taking turns: together the workbooks put each kind in every cell."""
    n = len(KINDS_OF_BAD_CELL)
    changes = {cell: KINDS_OF_BAD_CELL[(i + k) % n] for i, cell in enumerate(CELLS)}
    status, named = check(changes)
    assert status == "invalid" and named == {(s, r + 2, c) for s, r, c in CELLS}
