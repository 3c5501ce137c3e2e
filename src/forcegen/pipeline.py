"""The plan pipeline: workbook -> Problem -> model -> solve -> Plan -> report -> workbook.

Each step is its own module; this one only strings them together and emits
progress events (``on_event(kind, data)``) that the CLI shows. Library code
does not print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .domain import Plan, Problem
from .errors import UsageError
from .model.solve import PlanOptions
from .report import Report
from .workbook.write import same_file

Event = Callable[[str, dict], None]


@dataclass(frozen=True)
class PlanRun:
    problem: Problem
    plan: Plan
    report: Report
    output: Path | None


def default_output(input_path: Path, folder: Path | None = None) -> Path:
    """outputs/plan-<input stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"plan-{input_path.stem}.xlsx"


def _read_input(input_path: Path, emit: Event):
    """read -> validate: the raw tables (for what-if copies), the Problem and the file's SHA-256."""
    from .validate import build_problem
    from .workbook.read import file_sha256, read_tables

    emit("phase", {"name": "read", "detail": str(input_path)})
    sha = file_sha256(input_path) if input_path.is_file() else ""
    tables = read_tables(input_path)
    emit("phase", {"name": "validate"})
    return tables, build_problem(tables, file=str(input_path)), sha


def run_plan(input_path: Path, output: Path | None, options: PlanOptions = PlanOptions(),
             on_event: Event | None = None) -> PlanRun:
    """Read and validate INPUT, solve every level, write the plan workbook to ``output`` (if given)."""
    from .model.solve import solve_problem
    from .workbook.write import write_plan

    emit = on_event or (lambda kind, data: None)
    if output is not None and same_file(input_path, output):
        raise UsageError(f"refusing to write the plan over its input {input_path}; choose another -o")
    _tables, problem, sha = _read_input(input_path, emit)
    plan = solve_problem(problem, options, on_event=emit)
    report = _report(problem, plan, input_path, sha)
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_plan(report, output, input_path=input_path)
    return PlanRun(problem, plan, report, output)


@dataclass(frozen=True)
class WhatIfRun:
    baseline: PlanRun
    variant: PlanRun
    applied: list
    comparison: object
    output: Path | None


def _report(problem: Problem, plan: Plan, source: Path, sha: str) -> Report:
    from .report import build_report

    return build_report(problem, plan, input_file=str(source), input_sha256=sha,
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def run_whatif(input_path: Path, changes: list, drop_nations: list[str], output: Path | None,
               options: PlanOptions = PlanOptions(), stable: bool = True,
               on_event: Event | None = None) -> WhatIfRun:
    """Solve the baseline and its changed copy; compare them. The input file is only read.

    With ``stable`` (the default) the variant is solved lexicographically as usual and
    then, holding every level, moves as few units as possible from the baseline plan.
    """
    from .compare import build_comparison
    from .model.solve import solve_problem
    from .whatif import apply_changes
    from .workbook.compare_write import write_comparison

    emit = on_event or (lambda kind, data: None)
    if output is not None and same_file(input_path, output):
        raise UsageError(f"refusing to write the comparison over its input {input_path}; choose another -o")
    tables, problem, sha = _read_input(input_path, emit)
    variant_problem, applied = apply_changes(tables, changes, drop_nations, file=str(input_path))
    for change in applied:
        emit("change", {"text": str(change)})
    emit("phase", {"name": "solve baseline"})
    base_plan = solve_problem(problem, options, on_event=emit)
    emit("phase", {"name": "solve variant" + (" (stable: fewest units moved)" if stable else "")})
    var_plan = solve_problem(variant_problem, options, on_event=emit, reference=base_plan if stable else None)
    base_report = _report(problem, base_plan, input_path, sha)
    var_report = _report(variant_problem, var_plan, input_path, sha)
    comparison = build_comparison(base_report, var_report, applied=applied, labels=("baseline", "variant"),
                                  base_source=str(input_path), variant_source=f"{input_path} with changes")
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_comparison(comparison, output, input_paths=(input_path,))
    return WhatIfRun(PlanRun(problem, base_plan, base_report, None), PlanRun(variant_problem, var_plan, var_report, None),
                     applied, comparison, output)


def run_compare(a: Path, b: Path, output: Path | None, options: PlanOptions = PlanOptions(),
                on_event: Event | None = None):
    """Compare two runs: each path is an input workbook (solved here) or a plan workbook (read)."""
    from .compare import build_comparison
    from .workbook.compare_write import write_comparison
    from .workbook.plan_read import is_plan_workbook, read_plan_report

    emit = on_event or (lambda kind, data: None)
    for p in (a, b):
        if output is not None and same_file(p, output):
            raise UsageError(f"refusing to write the comparison over its input {p}; choose another -o")
    reports = []
    for p in (a, b):
        if is_plan_workbook(p):
            emit("phase", {"name": "read plan", "detail": str(p)})
            reports.append(read_plan_report(p))
        else:
            reports.append(run_plan(p, None, options, on_event=emit).report)
    comparison = build_comparison(reports[0], reports[1], applied=[], labels=(a.stem, b.stem),
                                  base_source=str(a), variant_source=str(b))
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_comparison(comparison, output, input_paths=(a, b))
    return comparison
