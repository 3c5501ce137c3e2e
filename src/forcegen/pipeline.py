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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and a.samefile(b))
    except OSError:
        return False


def run_plan(input_path: Path, output: Path | None, options: PlanOptions = PlanOptions(),
             on_event: Event | None = None) -> PlanRun:
    """Read and validate INPUT, solve every level, write the plan workbook to ``output`` (if given)."""
    from .model.solve import solve_problem
    from .report import build_report
    from .validate import build_problem
    from .workbook.read import file_sha256, read_tables
    from .workbook.write import write_plan

    emit = on_event or (lambda kind, data: None)
    if output is not None and _same_file(input_path, output):
        raise UsageError(f"refusing to write the plan over its input {input_path}; choose another -o")
    emit("phase", {"name": "read", "detail": str(input_path)})
    sha = file_sha256(input_path) if input_path.is_file() else ""
    tables = read_tables(input_path)
    emit("phase", {"name": "validate"})
    problem = build_problem(tables, file=str(input_path))
    plan = solve_problem(problem, options, on_event=emit)
    report = build_report(problem, plan, input_file=str(input_path), input_sha256=sha,
                          created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_plan(report, output, input_path=input_path)
    return PlanRun(problem, plan, report, output)
