"""Tiny instances as Python builders, and raw workbooks written for reader tests.

``tiny()`` returns a small valid problem as raw sheet rows (dicts keyed by
column name); tests edit the rows, then either build a ``Problem`` in memory
(``problem_from_rows``) or write a real .xlsx (``write_workbook``) to go
through the reader.
"""

from __future__ import annotations

import copy
from pathlib import Path

from forcegen.domain import Allocation as A
from forcegen.schema import SHEETS
from forcegen.validate import Table, build_problem

SHEET_ORDER = [s.name for s in SHEETS]


def tiny() -> dict[str, list[dict]]:
    """A valid two-nation, one-task, two-period problem (raw rows per sheet)."""
    return copy.deepcopy(
        {
            "Scenario": [
                {"parameter": "name", "value": "tiny"},
                {"parameter": "horizon", "value": 2},
            ],
            "Nations": [
                {"nation": "AAA", "name": "Alpha", "european": "yes", "fair_share": 0.5},
                {"nation": "BBB", "name": "Bravo", "european": "no", "fair_share": 0.5},
            ],
            "Capabilities": [
                {"capability": "INF", "name": "Infantry", "domain": "land", "unit": "company",
                 "personnel_per_unit": 100},
            ],
            "Locations": [
                {"location": "L1", "name": "Base one", "country": "UKR", "kind": "land_base",
                 "personnel_capacity": None},
            ],
            "Tasks": [
                {"task": "T1", "name": "Task one", "pillar": "land", "priority": 1, "start_period": 1,
                 "end_period": 2, "requires_ceasefire": "yes", "lead": "none"},
            ],
            "Basing": [{"task": "T1", "location": "L1"}],
            "Requirements": [{"task": "T1", "capability": "INF", "units": 2}],
            "Pledges": [
                {"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 1, "cost_per_unit": 10},
                {"pledge": "P-B", "nation": "BBB", "capability": "INF", "units": 1, "cost_per_unit": 20},
            ],
            "Caveats": [],
        }
    )


def _columns(sheet: str, rows: list[dict]) -> list[str]:
    spec = next(s for s in SHEETS if s.name == sheet)
    cols = [c.name for c in spec.columns]
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def tables_from_rows(rows: dict[str, list[dict]]) -> dict[str, Table]:
    tables = {}
    for sheet, records in rows.items():
        cols = _columns(sheet, records)
        t = Table(sheet, columns=tuple(cols))
        for i, r in enumerate(records):
            t.rows.append((i + 2, dict(r)))
        tables[sheet] = t
    return tables


def problem_from_rows(rows: dict[str, list[dict]]):
    """Validate raw rows in memory and build the Problem (raises InputError)."""
    return build_problem(tables_from_rows(rows), file="<memory>")


def write_workbook(rows: dict[str, list[dict]], path: Path, header_case=None) -> Path:
    """Write raw rows to an .xlsx with openpyxl, one sheet per key, header in row 1."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in SHEET_ORDER + [s for s in rows if s not in SHEET_ORDER]:
        if sheet not in rows:
            continue
        ws = wb.create_sheet(sheet)
        cols = _columns(sheet, rows[sheet])
        ws.append([header_case(c) if header_case else c for c in cols])
        for r in rows[sheet]:
            ws.append([r.get(c) for c in cols])
    wb.save(path)
    return Path(path)


# --------------------------------------------------------------------------- the report figures instance

#: the provenance fields of hand-built reports
META = dict(input_file="inputs/x.xlsx", input_sha256="ab" * 32, created_at="2025-01-01T00:00:00+00:00")


def figures_rows():
    """Two nations, two capabilities, two tasks, two locations, three periods.

    T1 (p1, periods 1-3, lead european, at L1 in UKR) needs INF 2 (weight 1) and HEL 1 (weight 2);
    T2 (p2, periods 2-3, no lead, at L2 in POL) needs INF 1 (weight 3).
    P-A: AAA INF 2 at 10; P-B: BBB INF 1 at 20, periods 1-2; P-H: AAA HEL 1 at 5, periods 1-2.
    INF = 100 personnel per unit, HEL = 20.
    """
    rows = tiny()
    rows["Scenario"] = [{"parameter": "name", "value": "figures"}, {"parameter": "horizon", "value": 3},
                        {"parameter": "currency", "value": "GBP"}]
    rows["Capabilities"].append({"capability": "HEL", "name": "Helicopters", "domain": "air", "unit": "squadron",
                                 "personnel_per_unit": 20})
    rows["Locations"].append({"location": "L2", "name": "Base two", "country": "POL", "kind": "land_base"})
    rows["Tasks"] = [
        {"task": "T1", "name": "Task one", "pillar": "land", "priority": 1, "start_period": 1, "end_period": 3,
         "requires_ceasefire": "yes", "lead": "european"},
        {"task": "T2", "name": "Task two", "pillar": "logistics", "priority": 2, "start_period": 2,
         "end_period": 3, "requires_ceasefire": "no", "lead": "none"},
    ]
    rows["Basing"] = [{"task": "T1", "location": "L1"}, {"task": "T2", "location": "L2"}]
    rows["Requirements"] = [
        {"task": "T1", "capability": "INF", "units": 2},
        {"task": "T1", "capability": "HEL", "units": 1, "weight": 2},
        {"task": "T2", "capability": "INF", "units": 1, "weight": 3},
    ]
    rows["Pledges"] = [
        {"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 2, "cost_per_unit": 10},
        {"pledge": "P-B", "nation": "BBB", "capability": "INF", "units": 1, "cost_per_unit": 20,
         "from_period": 1, "to_period": 2},
        {"pledge": "P-H", "nation": "AAA", "capability": "HEL", "units": 1, "cost_per_unit": 5,
         "from_period": 1, "to_period": 2},
    ]
    return rows


FIGURES_PLAN = (
    # period 1: T1 gets P-A 2 and P-H 1
    A(1, "T1", "L1", "P-A", 2), A(1, "T1", "L1", "P-H", 1),
    # period 2: T1 gets P-A 1, P-B 1, P-H 1; T2 gets P-A 1
    A(2, "T1", "L1", "P-A", 1), A(2, "T1", "L1", "P-B", 1), A(2, "T1", "L1", "P-H", 1), A(2, "T2", "L2", "P-A", 1),
    # period 3: T1 gets P-A 1; T2 gets P-A 1 (P-B and P-H are out of their windows)
    A(3, "T2", "L2", "P-A", 1), A(3, "T1", "L1", "P-A", 1),
)


def three_nations() -> dict:
    """AAA alone pledges infantry for T1 (priority 1); BBB and CCC each pledge logistics for T2 (priority 2).

    T1 needs 1 INF and T2 needs 1 LOG in each of 2 periods. Baseline: AAA on T1, and on T2 the cheaper
    BBB (5 < 8): no shortfall, cost 2·10 + 2·5 = 30.
    * without AAA: T1 uncovered in both periods → Δshortfall_p1 = +2 (weight 1), Δcost = −20;
    * without BBB: CCC takes T2 → no shortfall, Δcost = 2·(8 − 5) = +6;
    * without CCC: unused in the baseline → nothing changes (reused without a solve).
    Ranking by (Δp1, …, Δp5, Δcost) descending: AAA, BBB, CCC.
    """
    rows = tiny()
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes", "fair_share": 0.2})
    rows["Capabilities"].append({"capability": "LOG", "name": "Logistics", "domain": "logistics", "unit": "depot",
                                 "personnel_per_unit": 50})
    rows["Tasks"].append({"task": "T2", "name": "Task two", "pillar": "logistics", "priority": 2,
                          "start_period": 1, "end_period": 2, "requires_ceasefire": "yes", "lead": "none"})
    rows["Basing"].append({"task": "T2", "location": "L1"})
    rows["Requirements"] = [{"task": "T1", "capability": "INF", "units": 1},
                            {"task": "T2", "capability": "LOG", "units": 1}]
    rows["Pledges"] = [
        {"pledge": "P-A", "nation": "AAA", "capability": "INF", "units": 1, "cost_per_unit": 10},
        {"pledge": "P-B", "nation": "BBB", "capability": "LOG", "units": 1, "cost_per_unit": 5},
        {"pledge": "P-C", "nation": "CCC", "capability": "LOG", "units": 1, "cost_per_unit": 8},
    ]
    return rows
